"""The state store: ``.devreliab/state.db`` in the workspace root (SQLite, WAL mode).

Everything several devreliab processes must agree on lives here, not in process memory. Each part of
devreliab declares its tables in ``SCHEMA`` (``_schema.py``); the store creates missing tables on open, so adding a
table is adding a statement. A store that is missing is created; one that is not a database or is
malformed is moved aside (``state.db.corrupt-<time>``) and rebuilt with a warning — never fatal.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from ._errors import StateStoreError
from ._flock import exclusive
from ._schema import SCHEMA

log = logging.getLogger("devreliab.store")

STATE_DIR: Final = ".devreliab"
DB_NAME: Final = "state.db"

class StateStore:
    """One workspace's state store. Safe to share between threads (a connection per thread)."""

    def __init__(self, root: Path, *, readonly_ok: bool = True) -> None:
        self.root = root
        self.dir = root / STATE_DIR
        self.path = self.dir / DB_NAME
        self._local = threading.local()
        self._lock = threading.RLock()  # rebuild() may run inside _replaced()
        self._generation = 0
        self._conns_lock = threading.Lock()
        self._open: list[sqlite3.Connection] = []  # every thread's connection, so close() can close them all
        self._prepare_dir()
        self._open_checked()

    # -- opening and rebuilding -------------------------------------------------------------------------
    def _prepare_dir(self) -> None:
        try:
            self.dir.mkdir(exist_ok=True)
            ignore = self.dir / ".gitignore"
            if not ignore.exists():
                ignore.write_text("*\n", encoding="utf-8")
        except OSError as exc:
            raise StateStoreError(
                f"cannot create the state store in {self.dir} ({exc.strerror}); "
                "make the workspace writable or run from a writable copy"
            ) from None

    def _configure(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")

    def _new_connection(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        try:
            self._configure(conn)
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def _open_checked(self) -> None:
        """Open the store, creating it and its tables if missing, one process at a time.

        On a fresh workspace several processes create the file, switch it to WAL and create the tables at
        once; SQLite answers some of them "database is locked" without waiting on the busy timeout (changing
        the journal mode takes an exclusive lock that is not retried), so creating is serialised by an flock
        on ``open.lock`` (a file of its own: opening and closing ``state.db`` would drop SQLite's locks)."""
        with exclusive(self.dir / "open.lock", optional=True):
            self._open_once()

    def _open_once(self) -> None:
        for attempt in range(2):
            try:
                # Damage is detected through SQLite only: reading the file with open()/close() ourselves would
                # drop every POSIX lock this process holds on it (closing any descriptor of a file does), and
                # SQLite's locks are what keep other processes from resetting the WAL under us.
                conn = self._new_connection()
                with contextlib.closing(conn):
                    for statement in SCHEMA:
                        conn.execute(statement)
                    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return
            except sqlite3.OperationalError as exc:
                # busy, locked, I/O error, disk full, no permission: nothing says the file is damaged
                raise StateStoreError(f"cannot open {self.path}: {exc}") from None
            except sqlite3.DatabaseError as exc:
                if attempt:
                    raise StateStoreError(f"cannot rebuild {self.path}: {exc}") from None
                self.rebuild(str(exc))

    def rebuild(self, reason: str) -> None:
        """Move a damaged database aside and start a fresh one — only if it really is damaged.

        Called after an error; before anything is moved, the file is checked again under an exclusive lock
        (several processes may be here at once, and one may already have rebuilt it). Errors that do not
        prove damage — busy, locked, I/O, disk full — never lead to a rebuild: other processes may be using
        the file, and moving it aside would split the workspace's state in two.
        """
        with self._lock, exclusive(self.dir / "rebuild.lock"):
            if not self._damaged():
                self._drop_connections()
                return
            stamp = time.strftime("%Y%m%dT%H%M%S")
            log.warning("state store %s is damaged (%s); moving it aside and rebuilding", self.path, reason)
            self._drop_connections()
            for suffix in ("", "-wal", "-shm"):
                src = Path(str(self.path) + suffix)
                if src.exists():
                    with contextlib.suppress(OSError):
                        os.replace(src, Path(f"{self.path}.corrupt-{stamp}{suffix}"))
            conn = self._new_connection()
            with contextlib.closing(conn):
                for statement in SCHEMA:
                    conn.execute(statement)

    def _damaged(self, attempts: int = 3) -> bool:
        """True only when the file is definitely not a usable database, checked ``attempts`` times."""
        if not self.path.exists():
            return False
        for attempt in range(attempts):
            if attempt:
                time.sleep(0.05 * attempt)  # a reader can catch a checkpoint mid-way; ask again before acting
            try:
                conn = sqlite3.connect(self.path, timeout=30.0)
                with contextlib.closing(conn):
                    if conn.execute("PRAGMA quick_check(1)").fetchone() == ("ok",):
                        return False
            except sqlite3.OperationalError:
                return False  # busy, locked, I/O: cannot tell, so do not destroy
            except sqlite3.DatabaseError:
                continue
        return True

    def _drop_connections(self) -> None:
        """Make every thread open a new connection on its next use.

        Only this thread's connection is closed here; every other thread closes its old one itself, on its next
        use. Closing a connection another thread is running a statement on crashes the process (SIGSEGV in
        SQLite), and a rebuild or a replaced file can happen while the version store's background thread or a
        sampler is at work."""
        self._generation += 1
        mine: sqlite3.Connection | None = getattr(self._local, "conn", None)
        self._local.conn = None
        if mine is not None:
            self._retire(mine)

    def _retire(self, conn: sqlite3.Connection) -> None:
        with self._conns_lock, contextlib.suppress(ValueError):
            self._open.remove(conn)
        with contextlib.suppress(sqlite3.Error):
            conn.close()

    # -- use ---------------------------------------------------------------------------------------------
    def _identity(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def _replaced(self) -> None:
        """The file this process's connections use was deleted or replaced (a rebuild elsewhere, a person
        cleaning up): those connections would keep writing a file no other process sees. Create the store
        again if it is missing, and reconnect every thread."""
        with self._lock:
            if self._identity() is None:
                log.warning("state store %s was deleted while in use; creating a new one", self.path)
            # Whoever finds the store missing creates it, and another process may be between creating the file
            # and creating its tables: make sure of the tables (CREATE ... IF NOT EXISTS) in every case.
            self._prepare_dir()
            self._open_checked()
            self._drop_connections()

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (autocommit; use ``transaction()`` for atomic groups)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if (conn is not None and getattr(self._local, "generation", -1) == self._generation
                and getattr(self._local, "identity", None) != self._identity()):
            self._replaced()
        if conn is None or getattr(self._local, "generation", -1) != self._generation:
            if conn is not None:
                self._retire(conn)
            conn = self._new_connection()
            with self._conns_lock:
                self._open.append(conn)
            self._local.conn = conn
            self._local.generation = self._generation
            self._local.identity = self._identity()
        return conn

    @contextlib.contextmanager
    def transaction(self, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``: a cross-process critical section (rolled back on error)."""
        conn = self.conn
        conn.execute(f"BEGIN {mode}")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connections of every thread (a thread that uses the store again reconnects). Call it when
        no other thread is using the store any more (at shutdown); see ``_drop_connections``."""
        self._generation += 1
        with self._conns_lock:
            conns, self._open = self._open, []
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local.conn = None
