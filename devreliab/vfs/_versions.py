"""The version store, write journal and conflict records, all in the shared SQLite state store.

Blobs are content-addressed by version (``sha256:<hex>``) and carry a ``used`` time; when their total size
passes the budget, the least recently used are pruned, except those an open conflict still needs.
Every call survives a store that turns out corrupt: it is rebuilt (with a warning) and the call retried once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .._errors import StateStoreError
from .._store import StateStore

T = TypeVar("T")

USED_RESOLUTION_S = 300.0  # a read bumps a stored blob's "used" time at most this often
FLUSH_GATHER_S = 0.02  # the background thread waits this long after a read, to store a burst in one batch
FLUSH_BATCH = 500  # versions per transaction
FLUSH_CLOSE_S = 30.0  # how long close() waits for the background thread
FLUSH_RETRY_S = 0.5  # after a failure the background thread waits this long, doubling up to FLUSH_RETRY_MAX_S
FLUSH_RETRY_MAX_S = 30.0
log = logging.getLogger("devreliab.vfs")
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
    kind: str = "write"  # write: a client's write overlapped; overwritten: an outside write dropped accepted work
    clean: bool = False  # the stored proposal (``merged``) has no conflict markers


_CONFLICT_COLUMNS = "id, path, base, theirs, ours, merged, client, created, status, resolved_version"
_CONFLICT_SELECT = ("SELECT c.id, c.path, c.base, c.theirs, c.ours, c.merged, c.client, c.created, c.status, "
                    "c.resolved_version, coalesce(k.kind, 'write'), coalesce(k.clean, 0) FROM vfs_conflicts c "
                    "LEFT JOIN vfs_conflict_kinds k ON k.id = c.id")
_UPSERT_BLOB = ("INSERT INTO vfs_blobs(version, data, size, used) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(version) DO UPDATE SET used = excluded.used")


class VersionStore:
    """Blobs, journal and conflicts of one workspace."""

    def __init__(self, store: StateStore, max_bytes: int, journal_max_rows: int = JOURNAL_MAX_ROWS) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self.journal_max_rows = journal_max_rows
        self._since_prune = max_bytes  # check on the first write
        self._pending: dict[str, bytes] = {}  # versions read, waiting for the background thread
        self._pending_lock = threading.Lock()
        self._wake = threading.Event()
        self._flusher: threading.Thread | None = None
        self._closed = False
        self._failing = False  # the last flush failed (its warning was given)

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
        """Keep a version that was read (the base of a later merge), without making the read wait for it.

        The version is queued and a background thread stores the queue in one transaction per batch, so a
        read never waits for the store's write lock (another process may hold it) nor pays a commit.
        ``get_blob`` and ``has_blob`` see queued versions at once; ``close`` stores what is still queued. A
        process that dies before its queue is stored loses only the bases of its own clients' reads, and
        those clients die with it."""
        with self._pending_lock:
            if not self._closed:
                self._pending[version] = data
                if self._flusher is None:
                    self._flusher = threading.Thread(target=self._flush_loop, name="devreliab-versions",
                                                     daemon=True)
                    self._flusher.start()
                self._wake.set()
                return
        self._store_read({version: data})  # closed: no thread any more

    def _store_read(self, blobs: dict[str, bytes]) -> None:
        """Store versions that were read. A read-only look first: most were written through devreliab and are
        stored already (their ``used`` time is bumped at most every ``USED_RESOLUTION_S``)."""
        def look(conn: sqlite3.Connection) -> dict[str, float]:
            marks = ",".join("?" * len(blobs))
            return dict(conn.execute(  # the covering index: a blob's data is not read to learn its used time
                f"SELECT version, used FROM vfs_blobs INDEXED BY vfs_blobs_version_used WHERE version IN ({marks})",
                list(blobs)).fetchall())

        used = self._run(look, write=False)
        now = time.time()
        due = {v: d for v, d in blobs.items() if v not in used or now - used[v] > USED_RESOLUTION_S}
        if due:
            self.put_blobs(due)

    def _flush_loop(self) -> None:
        backoff = 0.0
        while True:
            self._wake.wait()
            time.sleep(FLUSH_GATHER_S)  # let a burst of reads make one batch
            self._wake.clear()
            if self.flush():
                backoff = 0.0
            else:  # the store is unusable (full disk, I/O error, locked past its timeout): try again later
                backoff = min(max(backoff * 2, FLUSH_RETRY_S), FLUSH_RETRY_MAX_S)
                self._wake.wait(backoff)  # close() wakes it at once
            with self._pending_lock:
                if self._closed:
                    return  # close() stores whatever is left
                if self._pending:
                    self._wake.set()

    def flush(self) -> bool:
        """Store the queued versions now (in batches); False when the store failed, which leaves them queued
        for the next try (warned about once per run of failures)."""
        while True:
            with self._pending_lock:
                batch = dict(list(self._pending.items())[:FLUSH_BATCH])
            if not batch:
                self._failing = False
                return True
            try:
                self._store_read(batch)
            except (sqlite3.Error, StateStoreError) as exc:
                if not self._failing:
                    log.warning("could not store %d versions that were read (will retry): %s", len(batch), exc)
                self._failing = True
                return False
            with self._pending_lock:
                for version in batch:
                    self._pending.pop(version, None)

    def close(self) -> None:
        """Store what is queued and stop the background thread (before the store closes)."""
        with self._pending_lock:
            self._closed = True
            flusher = self._flusher
        self._wake.set()
        if flusher is not None:
            flusher.join(timeout=FLUSH_CLOSE_S)
        with self._pending_lock:
            rest, self._pending = self._pending, {}
        if rest:
            with contextlib.suppress(sqlite3.Error, StateStoreError):  # the store is going away; nothing else to do
                self._store_read(rest)

    def _queued(self, version: str) -> bytes | None:
        with self._pending_lock:
            return self._pending.get(version)

    def get_blob(self, version: str) -> bytes | None:
        queued = self._queued(version)
        if queued is not None:
            return queued
        row = self._run(
            lambda conn: conn.execute("SELECT data FROM vfs_blobs WHERE version = ?", (version,)).fetchone(),
            write=False,
        )
        return None if row is None else bytes(row[0])

    def has_blob(self, version: str) -> bool:
        if self._queued(version) is not None:
            return True
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
                     action: str, before_data: bytes | None = None) -> int:
        """Store the written version and append a journal row, in one transaction; the row's id.

        ``before_data``, given by a write that read ``before`` on disk inside its critical section, is stored too
        (the base against which the overwrite guard tells what this write changed); and when ``before`` is not the
        version the journal last recorded for ``path``, someone outside devreliab wrote it in between, before the
        local history saw it: that outside write is journalled first, for the history to check."""
        now = time.time()

        def go(conn: sqlite3.Connection) -> int:
            conn.execute(_UPSERT_BLOB, (after, data, len(data), now))
            if before is not None and before_data is not None:
                conn.execute(_UPSERT_BLOB, (before, before_data, len(before_data), now))
                _journal_gap(conn, path, before, now)
            cursor = conn.execute(
                "INSERT INTO vfs_journal(path, before, after, client, time, action) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (path, before, after, client, now, action),
            )
            return int(cursor.lastrowid or 0)

        row_id = self._run(go)
        self._count(len(data))
        return row_id

    def record_event(self, path: str, before: str | None, after: str, client: str, action: str) -> int:
        """Append a journal row whose version after is already stored (or ``absent``: a delete); its id."""
        def go(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO vfs_journal(path, before, after, client, time, action) VALUES (?, ?, ?, ?, ?, ?)",
                (path, before, after, client, time.time(), action))
            return int(cursor.lastrowid or 0)

        return self._run(go)

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
        self._run(lambda conn: self.insert_conflict(conn, conflict_id, path, base, (theirs, theirs_data),
                                                    (ours, ours_data), merged, client))
        return conflict_id

    @staticmethod
    def insert_conflict(conn: sqlite3.Connection, conflict_id: str, path: str, base: str | None,
                        theirs: tuple[str | None, bytes | None], ours: tuple[str, bytes | None], merged: str,
                        client: str) -> None:
        """Insert a conflict record (and the blobs given) inside the caller's transaction."""
        now = time.time()
        for version, data in (theirs, ours):
            if version is not None and data is not None:
                conn.execute(_UPSERT_BLOB, (version, data, len(data), now))
        conn.execute(
            f"INSERT INTO vfs_conflicts({_CONFLICT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', NULL)",
            (conflict_id, path, base, theirs[0], ours[0], merged, client, now),
        )

    def conflicts(self, *, include_resolved: bool = False) -> list[ConflictRow]:
        where = "" if include_resolved else "WHERE c.status = 'open'"
        rows = self._run(
            lambda conn: conn.execute(f"{_CONFLICT_SELECT} {where} ORDER BY c.created").fetchall(),
            write=False,
        )
        return [_conflict_row(row) for row in rows]

    def conflict(self, conflict_id: str) -> ConflictRow | None:
        row = self._run(
            lambda conn: conn.execute(f"{_CONFLICT_SELECT} WHERE c.id = ?", (conflict_id,)).fetchone(),
            write=False,
        )
        return None if row is None else _conflict_row(row)

    def close_conflict(self, conflict_id: str, status: str, version: str | None) -> None:
        self._run(lambda conn: conn.execute(
            "UPDATE vfs_conflicts SET status = ?, resolved_version = ? WHERE id = ?",
            (status, version, conflict_id)))


def _conflict_row(row: tuple[Any, ...]) -> ConflictRow:
    """A row of ``_CONFLICT_SELECT``: the conflict's columns, then its kind and whether its proposal is clean."""
    return dataclasses.replace(ConflictRow(*row[:10]), kind=str(row[10]), clean=bool(row[11]))


def _journal_gap(conn: sqlite3.Connection, path: str, before: str, now: float) -> None:
    """Journal ``before`` as an outside write when the journal's newest version of ``path`` is another one."""
    last = conn.execute("SELECT after FROM vfs_journal WHERE path = ? ORDER BY id DESC LIMIT 1", (path,)).fetchone()
    if last is not None and last[0] != before:
        conn.execute("INSERT INTO vfs_journal(path, before, after, client, time, action) "
                     "VALUES (?, ?, ?, 'outside', ?, 'unchecked')", (path, last[0], before, now))
