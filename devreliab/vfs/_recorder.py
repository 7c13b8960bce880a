"""The local history's batch step: read changed files under their path locks and journal the new contents.

A file is read under its path lock, taken without waiting (``PathLocks.try_hold``): a writer holding it is never
made to wait, and the path is looked at again after that write. The whole batch is recorded in one transaction.
For each file, the version the journal names as its newest (else the one the watcher last saw) is what the file
was known to hold: an equal content was written through devreliab, or did not change; any other is stored as a
version and journalled with client ``outside``, together with the client writes it replaced (``chain``), which
the overwrite guard (``_guard``) then checks.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from .._errors import WorkspaceError
from ._text import decode, is_binary, version_of

if TYPE_CHECKING:
    from ._queue import ChangeQueue
    from ._workspace import Workspace

OUTSIDE: Final = "outside"  # the journal's client (and action) for a write no devreliab client made
CHAIN_MAX: Final = 20  # the newest journal rows of a path an outside write is checked against
CHAIN_WINDOW_S: Final = 300.0  # ... of which only the client writes this recent
# the actions of outside rows: a change (that dropped nothing, or not yet checked), a revert to an earlier version,
# a replacement of accepted work that git keeps, and a write that dropped accepted work (an overwritten conflict)
REVERT: Final = "revert"
BASELINE: Final = "baseline"  # the version a file had when the history began
UNCHECKED: Final = "unchecked"  # waiting for the guard (a later outside write's chain stops here meanwhile)
GIT_KEPT: Final = "git-kept"
OVERWROTE: Final = "overwrote"

Sig = tuple[int, int, int, int]


def signature(st: os.stat_result) -> Sig:
    """What says a file may have changed: size, mtime, ctime and inode."""
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


@dataclass(frozen=True)
class Seen:
    """A text file as the recorder read it (``baseline``: older than the history itself, found by a scan)."""

    rel: str
    sig: Sig
    data: bytes
    version: str
    baseline: bool


@dataclass(frozen=True)
class Row:
    """One client write of the journal: the change ``before → after``."""

    before: str | None
    after: str
    client: str


@dataclass(frozen=True)
class Outside:
    """An outside version just journalled, and the client writes (newest first) it replaced."""

    rel: str
    version: str
    data: bytes
    chain: tuple[Row, ...]
    row_id: int = 0  # its journal row (a hook's after-step may claim it: then it is that session's write)
    replaced: str | None = None  # the version it replaced: the newest the journal knew


class Recorder:
    """Reads and records batches of changed paths of ``ws``."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.root = str(ws.root)

    def batch(self, rels: list[str], queue: ChangeQueue) -> list[Outside]:
        """Take ``rels`` off ``queue``, read each under its path lock and record them all in one transaction; the
        outside versions journalled. A path a writer holds is left queued (that write journals itself)."""
        fds: list[int] = []
        seen: list[Seen] = []
        gone: list[str] = []
        try:
            for rel in rels:
                fd = self.ws._locks.try_hold(rel)
                if fd is None:
                    queue.add(rel)  # due again after the debounce
                    continue
                fds.append(fd)
                found = self.read(rel, queue.take(rel))
                if found is None:
                    gone.append(rel)
                elif isinstance(found, Seen):
                    seen.append(found)
            return self.record(seen, gone) if seen or gone else []
        finally:
            for fd in fds:
                os.close(fd)

    def read(self, rel: str, baseline: bool) -> Seen | bool | None:
        """The file as it is now; None when it is gone (or no longer a regular file); False when history does not
        keep it (binary, undecodable, too large, or reached through a link to outside)."""
        path = os.path.join(self.root, rel)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > self.ws._max_file:
                return False
            data = _read_all(fd, st.st_size)
        finally:
            os.close(fd)
        if is_binary(data) or not _decodes(data, rel) or not os.path.realpath(path).startswith(self.root + os.sep):
            return False
        return Seen(rel, signature(st), data, version_of(data), baseline)

    def record(self, seen: list[Seen], gone: list[str]) -> list[Outside]:
        """Record a batch in one transaction; the outside versions that replaced client writes."""
        now = time.time()
        outside: list[Outside] = []
        with self.ws.store.transaction() as conn:
            conn.executemany("DELETE FROM vfs_watch_files WHERE path = ?", [(g,) for g in gone])
            for s in seen:
                found = _record_one(conn, s, now)
                if found is not None:
                    outside.append(found)
        return outside


def _record_one(conn: sqlite3.Connection, s: Seen, now: float) -> Outside | None:
    """Remember what ``s`` looks like; journal it as ``outside`` unless the path was known to hold it already."""
    row = conn.execute("SELECT version FROM vfs_watch_files WHERE path = ?", (s.rel,)).fetchone()
    last = conn.execute("SELECT after FROM vfs_journal WHERE path = ? ORDER BY id DESC LIMIT 1", (s.rel,)).fetchone()
    conn.execute("INSERT INTO vfs_watch_files(path, size, mtime_ns, ctime_ns, ino, version) VALUES (?, ?, ?, ?, "
                 "?, ?) ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
                 "ctime_ns = excluded.ctime_ns, ino = excluded.ino, version = excluded.version",
                 (s.rel, *s.sig, s.version))
    # what the path was known to hold: the journal's newest version, else what the watcher saw last
    known = last[0] if last is not None else (row[0] if row is not None else None)
    if known == s.version:
        return None  # written through devreliab (journalled already), or unchanged
    # a content devreliab kept before (written, read, or seen by the watcher) is an earlier version: a revert
    kept = conn.execute("SELECT 1 FROM vfs_blobs WHERE version = ?", (s.version,)).fetchone() is not None
    conn.execute("INSERT INTO vfs_blobs(version, data, size, used) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT(version) DO UPDATE SET used = excluded.used", (s.version, s.data, len(s.data), now))
    if known is None and s.baseline:  # older than the history itself: its first version, nobody's change
        conn.execute("INSERT INTO vfs_journal(path, before, after, client, time, action) VALUES (?, NULL, ?, ?, ?, "
                     "?)", (s.rel, s.version, OUTSIDE, now, BASELINE))
        return None
    chain, action = ((), REVERT) if kept else chain_of(conn, s.rel, s.version, now)
    action = UNCHECKED if chain else action
    cursor = conn.execute("INSERT INTO vfs_journal(path, before, after, client, time, action) VALUES (?, ?, ?, ?, ?, "
                          "?)", (s.rel, known, s.version, OUTSIDE, now, action))
    return Outside(s.rel, s.version, s.data, chain, int(cursor.lastrowid or 0), known)


def chain_of(conn: sqlite3.Connection, rel: str, version: str, now: float,
           below: int = 1 << 62) -> tuple[tuple[Row, ...], str]:
    """The client writes the outside ``version`` replaced, newest first, and the action its journal row gets.

    ``revert`` (and no chain) when ``version`` is a version the path had before: an undo, git checkout or stash.
    Otherwise the chain holds the client writes of the last ``CHAIN_WINDOW_S`` among the path's newest
    ``CHAIN_MAX`` journal rows, reaching back past outside writes that dropped nothing (a formatter, an editor
    that reloaded), and stopping at one that was judged already: a revert, a write git keeps, a flagged one. Only
    journal rows before ``below`` count (for an outside write found after the fact, see ``gap``).
    """
    if conn.execute("SELECT 1 FROM vfs_journal WHERE path = ? AND id < ? AND (after = ? OR before = ?) LIMIT 1",
                    (rel, below, version, version)).fetchone() is not None:
        return (), REVERT
    rows = conn.execute("SELECT before, after, client, time, action FROM vfs_journal WHERE path = ? AND id < ? "
                        "ORDER BY id DESC LIMIT ?", (rel, below, CHAIN_MAX)).fetchall()
    chain: list[Row] = []
    for before, after, client, when, action in rows:
        if (client == OUTSIDE and action != OUTSIDE) or when < now - CHAIN_WINDOW_S:
            break
        if client != OUTSIDE:
            chain.append(Row(before, after, client))
    return tuple(chain), OUTSIDE


def _read_all(fd: int, size: int) -> bytes:
    """Everything in ``fd`` (which may have grown since its ``fstat`` said ``size``)."""
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, max(size, 1 << 16))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _decodes(data: bytes, rel: str) -> bool:
    """Is ``data`` text devreliab can decode (and so merge)?"""
    try:
        decode(data, rel)
    except WorkspaceError:
        return False
    return True
