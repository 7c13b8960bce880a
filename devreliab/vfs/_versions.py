"""The version store, write journal and conflict records, all in the shared SQLite state store.

Blobs are content-addressed by version (``sha256:<hex>``) and carry a ``used`` time; when their total size
passes the budget, the least recently used are pruned, except those an open conflict still needs.
Every call survives a store that turns out corrupt: it is rebuilt (with a warning) and the call retried once.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .._errors import StateStoreError
from .._store import StateStore

T = TypeVar("T")

USED_RESOLUTION_S = 300.0  # a read bumps a stored blob's "used" time at most this often
JOURNAL_MAX_ROWS = 100_000  # the newest journal rows kept (of all paths together)


@dataclass(frozen=True)
class JournalRow:
    path: str
    before: str | None
    after: str
    client: str
    time: float
    action: str


@dataclass(frozen=True)
class ConflictRow:
    id: str
    path: str
    base: str | None
    theirs: str | None
    ours: str
    merged: str
    client: str
    created: float
    status: str
    resolved_version: str | None


_CONFLICT_COLUMNS = "id, path, base, theirs, ours, merged, client, created, status, resolved_version"


class VersionStore:
    """Blobs, journal and conflicts of one workspace."""

    def __init__(self, store: StateStore, max_bytes: int, journal_max_rows: int = JOURNAL_MAX_ROWS) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self.journal_max_rows = journal_max_rows
        self._since_prune = max_bytes  # check on the first write

    def _run(self, fn: Callable[[sqlite3.Connection], T], *, write: bool = True) -> T:
        """``fn`` in a transaction (or on the plain connection); a damaged store is rebuilt and ``fn`` retried
        once. A store that cannot be used (disk full, I/O error, no permission) is a StateStoreError."""
        for attempt in range(2):
            try:
                if write:
                    with self.store.transaction() as conn:
                        return fn(conn)
                return fn(self.store.conn)
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.IntegrityError):
                    raise
                if attempt or "locked" in str(exc):
                    raise StateStoreError(f"the state store {self.store.path} cannot be used: {exc}") from exc
                self.store.rebuild(str(exc))
        raise AssertionError("unreachable")

    # -- blobs --------------------------------------------------------------------------------------------
    def put_blobs(self, blobs: dict[str, bytes]) -> None:
        """Store versions (known ones just get their ``used`` time bumped)."""
        now = time.time()

        def go(conn: sqlite3.Connection) -> None:
            for version, data in blobs.items():
                conn.execute(
                    "INSERT INTO vfs_blobs(version, data, size, used) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(version) DO UPDATE SET used = excluded.used",
                    (version, data, len(data), now),
                )

        self._run(go)
        self._count(sum(len(d) for d in blobs.values()))

    def _count(self, added: int) -> None:
        """Prune once roughly 5 % of the budget was added since the last look."""
        self._since_prune += added
        if self._since_prune >= max(self.max_bytes // 20, 1):
            self.prune()

    def remember(self, version: str, data: bytes) -> None:
        """Keep a version that was read. A read-only look first: most versions read were written through
        devreliab and are stored already, and a read should not queue for the store's write lock."""
        row = self._run(lambda conn: conn.execute(
            "SELECT used FROM vfs_blobs INDEXED BY vfs_blobs_version_used WHERE version = ?",
            (version,)).fetchone(), write=False)
        if row is None or time.time() - row[0] > USED_RESOLUTION_S:
            self.put_blobs({version: data})

    def get_blob(self, version: str) -> bytes | None:
        row = self._run(
            lambda conn: conn.execute("SELECT data FROM vfs_blobs WHERE version = ?", (version,)).fetchone(),
            write=False,
        )
        return None if row is None else bytes(row[0])

    def has_blob(self, version: str) -> bool:
        return self._run(
            lambda conn: conn.execute("SELECT 1 FROM vfs_blobs WHERE version = ?", (version,)).fetchone(),
            write=False,
        ) is not None

    def prune(self) -> int:
        """Drop least recently used blobs until the total fits the budget (and journal rows past the newest
        ``journal_max_rows``); returns how many blobs were dropped."""
        self._since_prune = 0

        def go(conn: sqlite3.Connection) -> int:
            conn.execute("DELETE FROM vfs_journal WHERE id <= (SELECT max(id) FROM vfs_journal) - ?",
                         (self.journal_max_rows,))
            total = conn.execute("SELECT coalesce(sum(size), 0) FROM vfs_blobs").fetchone()[0]
            if total <= self.max_bytes:
                return 0
            pinned = {
                v for row in conn.execute(
                    "SELECT base, theirs, ours FROM vfs_conflicts WHERE status = 'open'") for v in row if v
            }
            dropped = 0
            for version, size in conn.execute("SELECT version, size FROM vfs_blobs ORDER BY used").fetchall():
                if total <= self.max_bytes:
                    break
                if version in pinned:
                    continue
                conn.execute("DELETE FROM vfs_blobs WHERE version = ?", (version,))
                total -= size
                dropped += 1
            return dropped

        return self._run(go)

    def total_bytes(self) -> int:
        return int(self._run(lambda conn: conn.execute(
            "SELECT coalesce(sum(size), 0) FROM vfs_blobs").fetchone()[0], write=False))

    # -- journal ------------------------------------------------------------------------------------------
    def record_write(self, path: str, before: str | None, after: str, data: bytes, client: str,
                     action: str) -> int:
        """Store the written version and append a journal row, in one transaction; the row's id."""
        now = time.time()

        def go(conn: sqlite3.Connection) -> int:
            conn.execute(
                "INSERT INTO vfs_blobs(version, data, size, used) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(version) DO UPDATE SET used = excluded.used",
                (after, data, len(data), now),
            )
            cursor = conn.execute(
                "INSERT INTO vfs_journal(path, before, after, client, time, action) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (path, before, after, client, now, action),
            )
            return int(cursor.lastrowid or 0)

        row_id = self._run(go)
        self._count(len(data))
        return row_id

    def drop_journal(self, row_id: int) -> None:
        """Remove a journal row whose write did not happen after all."""
        self._run(lambda conn: conn.execute("DELETE FROM vfs_journal WHERE id = ?", (row_id,)))

    def history(self, path: str, limit: int) -> list[JournalRow]:
        rows = self._run(
            lambda conn: conn.execute(
                "SELECT path, before, after, client, time, action FROM vfs_journal WHERE path = ? "
                "ORDER BY id DESC LIMIT ?", (path, limit)).fetchall(),
            write=False,
        )
        return [JournalRow(*row) for row in rows]

    # -- conflicts ----------------------------------------------------------------------------------------
    def add_conflict(self, path: str, base: str | None, theirs: str | None, theirs_data: bytes | None,
                     ours: str, ours_data: bytes, merged: str, client: str) -> str:
        conflict_id = uuid.uuid4().hex[:12]
        now = time.time()

        def go(conn: sqlite3.Connection) -> None:
            for version, data in ((theirs, theirs_data), (ours, ours_data)):
                if version is not None and data is not None:
                    conn.execute(
                        "INSERT INTO vfs_blobs(version, data, size, used) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT(version) DO UPDATE SET used = excluded.used",
                        (version, data, len(data), now),
                    )
            conn.execute(
                f"INSERT INTO vfs_conflicts({_CONFLICT_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', NULL)",
                (conflict_id, path, base, theirs, ours, merged, client, now),
            )

        self._run(go)
        return conflict_id

    def conflicts(self, *, include_resolved: bool = False) -> list[ConflictRow]:
        where = "" if include_resolved else "WHERE status = 'open'"
        rows = self._run(
            lambda conn: conn.execute(
                f"SELECT {_CONFLICT_COLUMNS} FROM vfs_conflicts {where} ORDER BY created").fetchall(),
            write=False,
        )
        return [ConflictRow(*row) for row in rows]

    def conflict(self, conflict_id: str) -> ConflictRow | None:
        row = self._run(
            lambda conn: conn.execute(
                f"SELECT {_CONFLICT_COLUMNS} FROM vfs_conflicts WHERE id = ?", (conflict_id,)).fetchone(),
            write=False,
        )
        return None if row is None else ConflictRow(*row)

    def close_conflict(self, conflict_id: str, status: str, version: str | None) -> None:
        self._run(lambda conn: conn.execute(
            "UPDATE vfs_conflicts SET status = ?, resolved_version = ? WHERE id = ?",
            (status, version, conflict_id)))
