"""What each agent session has seen, kept in the state store (every hook event is a separate short process).

``hook_sessions`` holds when a session was first seen; ``hook_session_reads`` per file the version the session
last read or wrote (its base for a merge; the blob itself is in ``vfs_blobs``), the journal id it had seen by
then (``mark``: journal rows after it are other clients' writes it has not seen) and the version its last
allowed write was to produce (``intended``).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from .._store import StateStore
from ..vfs._versions import VersionStore


@dataclass(frozen=True)
class SessionRead:
    version: str
    mark: int
    intended: str | None


@dataclass(frozen=True)
class JournalEntry:
    id: int
    client: str
    before: str | None
    after: str
    time: float


class Sessions:
    """The hook tables of one workspace's state store, seen by one session (``client``)."""

    def __init__(self, store: StateStore, versions: VersionStore, client: str, author: str) -> None:
        self.store = store
        self.versions = versions
        self.client = client  # agent:session
        self.author = author  # what the journal and conflicts say: agent:session:pid

    def started(self) -> float:
        """When this session was first seen (recorded now if this is its first event)."""
        now = time.time()

        def go(conn: sqlite3.Connection) -> float:
            conn.execute("INSERT INTO hook_sessions(client, started, last_seen) VALUES (?, ?, ?) "
                         "ON CONFLICT(client) DO UPDATE SET last_seen = excluded.last_seen",
                         (self.client, now, now))
            row = conn.execute("SELECT started FROM hook_sessions WHERE client = ?", (self.client,)).fetchone()
            return float(row[0])

        return self.versions._run(go)

    def base(self, path: str) -> SessionRead | None:
        row = self.versions._run(lambda conn: conn.execute(
            "SELECT version, mark, intended FROM hook_session_reads WHERE client = ? AND path = ?",
            (self.client, path)).fetchone(), write=False)
        return None if row is None else SessionRead(row[0], int(row[1]), row[2])

    def remember(self, path: str, version: str, data: bytes | None, intended: str | None = None) -> None:
        """This session now knows ``version`` of ``path`` (its blob is stored too, as the base of a merge)."""
        now = time.time()

        def go(conn: sqlite3.Connection) -> None:
            if data is not None:
                conn.execute("INSERT INTO vfs_blobs(version, data, size, used) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT(version) DO UPDATE SET used = excluded.used",
                             (version, data, len(data), now))
            mark = conn.execute("SELECT coalesce(max(id), 0) FROM vfs_journal").fetchone()[0]
            conn.execute("INSERT INTO hook_session_reads(client, path, version, mark, at, intended) "
                         "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(client, path) DO UPDATE SET "
                         "version = excluded.version, mark = excluded.mark, at = excluded.at, "
                         "intended = excluded.intended",
                         (self.client, path, version, mark, now, intended))

        self.versions._run(go)

    def others_since(self, path: str, mark: int) -> list[JournalEntry]:
        """Journal rows of ``path`` written by other clients after journal id ``mark``, oldest first."""
        rows = self.versions._run(lambda conn: conn.execute(
            "SELECT id, client, before, after, time FROM vfs_journal WHERE path = ? AND id > ? "
            "AND substr(client, 1, ?) != ? ORDER BY id",
            (path, mark, len(self.client) + 1, self.client + ":")).fetchall(),
            write=False)
        return [JournalEntry(int(r[0]), r[1], r[2], r[3], float(r[4])) for r in rows]

    def last_writer(self, path: str) -> JournalEntry | None:
        """The newest journal row of ``path`` (any client)."""
        row = self.versions._run(lambda conn: conn.execute(
            "SELECT id, client, before, after, time FROM vfs_journal WHERE path = ? ORDER BY id DESC LIMIT 1",
            (path,)).fetchone(), write=False)
        return None if row is None else JournalEntry(int(row[0]), row[1], row[2], row[3], float(row[4]))

    def notices(self) -> list[str]:
        """This session's notices (its accepted work was overwritten outside devreliab), each given once: to every
        hook process of the session, whatever its pid."""
        from ..vfs._notices import take_notices

        return take_notices(self.versions, self.client + ":", prefix=True)

    def journal(self, path: str, before: str | None, after: str, data: bytes, action: str) -> None:
        """Journal the tool's write under this session's name. The local history may have seen it first (the
        tool writes before this hook runs) and journalled it as ``outside``: then that row is claimed instead."""
        def claim(conn: sqlite3.Connection) -> bool:
            row = conn.execute("SELECT id, after, client FROM vfs_journal WHERE path = ? ORDER BY id DESC LIMIT 1",
                               (path,)).fetchone()
            if row is None or row[1] != after or row[2] != "outside":
                return False
            conn.execute("UPDATE vfs_journal SET client = ?, action = ? WHERE id = ?", (self.author, action, row[0]))
            return True

        if not self.versions._run(claim):
            self.versions.record_write(path, before, after, data, self.author, action)
