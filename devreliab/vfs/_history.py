"""Local history and the overwrite guard: one elected process per workspace records every new content of every
text file, and flags an outside write that drops a client's accepted change (docs/workspace.md, "Local history").

While it holds the lease (``_lease``), a ``HistoryKeeper`` runs a watchdog observer on the tree. Events are
coalesced per path (``debounce_s`` after the last event, at most ``MAX_DELAY_S`` after the first) and handled in
batches: each file is read under its path lock (taken without waiting: a path a writer holds is retried later),
and the batch is recorded in one transaction. A content that the journal already names as the path's newest
version was written through devreliab; any other is journalled with client ``outside``. Then each outside version
that replaced versions accepted from clients is checked (``_clobber``); a dropped change becomes a conflict of kind
``overwritten`` and a notice for each client whose change was dropped. On taking the lease the keeper rescans the
tree and handles every file whose stat changed since the watcher last looked, so nothing written while nobody
watched is missed.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from .._errors import WorkspaceError
from ._clobber import dropped
from ._lease import Lease
from ._merge import merge_texts
from ._results import ChangeEvent
from ._text import decode, is_binary, version_of
from ._tree import Tree
from ._versions import VersionStore

if TYPE_CHECKING:
    from ._watch import Watcher
    from ._workspace import Workspace

OUTSIDE: Final = "outside"  # the journal's client (and action) for a write no devreliab client made
KIND_OVERWRITTEN: Final = "overwritten"
DEFAULT_DEBOUNCE_S: Final = 0.1
MAX_DELAY_S: Final = 1.0
BATCH: Final = 200
CHAIN_MAX: Final = 20  # client writes since the last outside one that an outside write is checked against
log = logging.getLogger("devreliab.vfs")

Sig = tuple[int, int, int, int]


def signature(st: os.stat_result) -> Sig:
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


@dataclass
class _Pending:
    first: float
    last: float
    baseline: bool  # from the very first scan of the workspace: keep the version, journal nothing


@dataclass(frozen=True)
class _Seen:
    """A text file as the keeper read it."""

    rel: str
    sig: Sig
    data: bytes
    version: str
    baseline: bool


@dataclass(frozen=True)
class _Row:
    before: str | None
    after: str
    client: str


@dataclass(frozen=True)
class _Outside:
    """An outside version just journalled, and the client writes (newest first) it replaced."""

    rel: str
    version: str
    data: bytes
    chain: tuple[_Row, ...]


class HistoryKeeper:
    """The local history of ``ws``'s tree, kept by this process while it holds the lease."""

    def __init__(self, ws: Workspace, *, debounce_s: float = DEFAULT_DEBOUNCE_S, ttl_s: float = 3.0) -> None:
        self.ws = ws
        self.root = str(ws.root)
        self.debounce_s = debounce_s
        self.versions: VersionStore = ws._versions
        self.tree = Tree(ws.root, ws.policy)
        self.lease = Lease(ws.store, f"{os.getpid()}:{uuid.uuid4().hex[:8]}", ttl_s)
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watcher: Watcher | None = None
        self._renew_at = 0.0
        self.recorded = 0  # outside versions journalled by this process
        self.flagged = 0  # overwritten conflicts raised by this process

    # -- lifecycle ----------------------------------------------------------------------------------------
    @property
    def holder(self) -> bool:
        return self._watcher is not None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="devreliab-history", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop watching, hand what is queued to the next holder (it rescans) and give the lease up."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        if self._watcher is not None:
            self._end()
            with contextlib.suppress(sqlite3.Error, WorkspaceError):
                self.lease.release()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception:  # history must never take the server down; try again next tick
                log.exception("history: a round failed")
                self._renew_at = 0.0
            self._wake.wait(self._next_wait())
            self._wake.clear()

    def _tick(self) -> None:
        now = time.monotonic()
        if now >= self._renew_at:
            n, oldest = self.backlog()
            self._renew_at = now + self.lease.ttl_s / 3
            holder = self.lease.acquire(n, oldest)
            if holder and self._watcher is None:
                self._begin()
            elif not holder and self._watcher is not None:
                self._end()
        if self._watcher is not None:
            due = self._due(time.monotonic())
            if due:
                self.process(due)

    def _next_wait(self) -> float:
        now = time.monotonic()
        wait = max(0.0, self._renew_at - now)
        with self._lock:
            for p in self._pending.values():
                wait = min(wait, max(0.0, min(p.last + self.debounce_s, p.first + MAX_DELAY_S) - now))
        return max(wait, 0.005)

    def _begin(self) -> None:
        """Holder now: watch first, then rescan (a change in between is seen by both, and recorded once)."""
        from ._watch import Watcher

        watcher = Watcher(self.ws.root, self._on_event)
        watcher.start()
        self._watcher = watcher
        self.rescan()

    def _end(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()
        with self._lock:
            self._pending.clear()  # the next holder rescans what changed

    # -- the queue ----------------------------------------------------------------------------------------
    def _enqueue(self, rel: str, baseline: bool = False) -> None:
        now = time.monotonic()
        with self._lock:
            p = self._pending.get(rel)
            if p is None:
                self._pending[rel] = _Pending(now, now, baseline)
            else:
                p.last = now
        self._wake.set()

    def _on_event(self, event: ChangeEvent) -> None:
        for raw in (event.path, event.dest_path):
            if not raw:
                continue
            rel = raw.replace(os.sep, "/")
            self.tree.forget_rules(rel)
            if os.path.isdir(os.path.join(self.root, rel)) and not os.path.islink(os.path.join(self.root, rel)):
                for sub, _ in self.tree.walk(rel):  # a directory created or moved in: its files too
                    self._enqueue(sub)
            elif self.tree.kept(rel):
                self._enqueue(rel)

    def _due(self, now: float) -> list[str]:
        with self._lock:
            due = [rel for rel, p in self._pending.items()
                   if now - p.last >= self.debounce_s or now - p.first >= MAX_DELAY_S][:BATCH]
        return due

    def backlog(self) -> tuple[int, float | None]:
        """How many paths wait to be recorded, and since when (wall time) the oldest waits."""
        with self._lock:
            if not self._pending:
                return 0, None
            first = min(p.first for p in self._pending.values())
        return len(self._pending), time.time() - (time.monotonic() - first)

    def rescan(self) -> int:
        """Queue every kept file whose stat differs from what the watcher last saw; forget files gone since.
        On a workspace never watched before, the scan is the baseline: versions are kept, nothing journalled."""
        rows = self.ws.store.conn.execute(
            "SELECT path, size, mtime_ns, ctime_ns, ino FROM vfs_watch_files").fetchall()
        seen = {r[0]: tuple(r[1:]) for r in rows}
        baseline = not seen
        queued = 0
        present: set[str] = set()
        for rel, st in self.tree.walk():
            present.add(rel)
            if seen.get(rel) != signature(st):
                self._enqueue(rel, baseline)
                queued += 1
        gone = [rel for rel in seen if rel not in present]
        if gone:
            with self.ws.store.transaction() as conn:
                conn.executemany("DELETE FROM vfs_watch_files WHERE path = ?", [(g,) for g in gone])
        return queued

    # -- one batch ----------------------------------------------------------------------------------------
    def process(self, rels: list[str]) -> None:
        """Read and record ``rels`` (one transaction), then check the outside versions for dropped work."""
        fds: list[int] = []
        seen: list[_Seen] = []
        gone: list[str] = []
        try:
            for rel in rels:
                fd = self.ws._locks.try_hold(rel)
                if fd is None:  # a writer holds it: its write journals itself; look again afterwards
                    self._enqueue(rel)
                    continue
                fds.append(fd)
                found = self._read(rel, self._take(rel))
                if found is None:
                    gone.append(rel)
                elif found is not False:
                    seen.append(found)
            outside = self._record(seen, gone) if seen or gone else []
        finally:
            for fd in fds:
                os.close(fd)
        for item in outside:
            self._check(item)

    def _take(self, rel: str) -> bool:
        with self._lock:
            p = self._pending.pop(rel, None)
        return p.baseline if p is not None else False

    def _read(self, rel: str, baseline: bool) -> _Seen | None | bool:
        """The file as it is now; None when it is gone (or no longer a regular file); False when history does not
        keep it (binary, undecodable, too large, outside through a link)."""
        path = os.path.join(self.root, rel)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not _regular(st) or st.st_size > self.ws._max_file:
                return False
            data = _read_all(fd, st.st_size)
        finally:
            os.close(fd)
        if is_binary(data) or not _decodes(data, rel) or not os.path.realpath(path).startswith(self.root + os.sep):
            return False
        return _Seen(rel, signature(st), data, version_of(data), baseline)

    def _record(self, seen: list[_Seen], gone: list[str]) -> list[_Outside]:
        now = time.time()
        outside: list[_Outside] = []
        with self.ws.store.transaction() as conn:
            conn.executemany("DELETE FROM vfs_watch_files WHERE path = ?", [(g,) for g in gone])
            for s in seen:
                found = self._record_one(conn, s, now)
                if found is not None:
                    outside.append(found)
        self.recorded += len(outside)
        return [o for o in outside if o.chain]

    def _record_one(self, conn: sqlite3.Connection, s: _Seen, now: float) -> _Outside | None:
        row = conn.execute("SELECT version FROM vfs_watch_files WHERE path = ?", (s.rel,)).fetchone()
        last = conn.execute("SELECT after FROM vfs_journal WHERE path = ? ORDER BY id DESC LIMIT 1",
                            (s.rel,)).fetchone()
        conn.execute("INSERT INTO vfs_watch_files(path, size, mtime_ns, ctime_ns, ino, version) VALUES (?, ?, ?, ?, "
                     "?, ?) ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
                     "ctime_ns = excluded.ctime_ns, ino = excluded.ino, version = excluded.version",
                     (s.rel, *s.sig, s.version))
        known = last[0] if last is not None else (row[0] if row is not None else None)
        if known == s.version:
            return None  # written through devreliab (journalled already), or unchanged
        conn.execute("INSERT INTO vfs_blobs(version, data, size, used) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT(version) DO UPDATE SET used = excluded.used", (s.version, s.data, len(s.data), now))
        if known is None and row is None and s.baseline:
            return None
        chain = self._chain(conn, s.rel, s.version)
        conn.execute("INSERT INTO vfs_journal(path, before, after, client, time, action) VALUES (?, ?, ?, ?, ?, ?)",
                     (s.rel, known, s.version, OUTSIDE, now, OUTSIDE))
        return _Outside(s.rel, s.version, s.data, chain)

    @staticmethod
    def _chain(conn: sqlite3.Connection, rel: str, version: str) -> tuple[_Row, ...]:
        """The client writes the outside ``version`` replaced (since the last outside write), newest first; none
        when ``version`` is a version the path had before (a revert: git checkout, stash, an undo)."""
        if conn.execute("SELECT 1 FROM vfs_journal WHERE path = ? AND (after = ? OR before = ?) LIMIT 1",
                        (rel, version, version)).fetchone() is not None:
            return ()
        rows = conn.execute("SELECT before, after, client FROM vfs_journal WHERE path = ? ORDER BY id DESC LIMIT ?",
                            (rel, CHAIN_MAX)).fetchall()
        chain: list[_Row] = []
        for before, after, client in rows:
            if client == OUTSIDE:
                break
            chain.append(_Row(before, after, client))
        return tuple(chain)

    # -- the overwrite guard ------------------------------------------------------------------------------
    def _text(self, version: str | None, rel: str) -> str | None:
        if version is None:
            return ""
        data = self.versions.get_blob(version)
        if data is None:
            return None
        try:
            return decode(data, rel)[0]
        except WorkspaceError:
            return None

    def _dropped_by(self, item: _Outside, theirs: str) -> list[_Row]:
        out: list[_Row] = []
        for row in item.chain:
            base, ours = self._text(row.before, item.rel), self._text(row.after, item.rel)
            if base is not None and ours is not None and dropped(base, ours, theirs):
                out.append(row)
        return out

    def _check(self, item: _Outside) -> str | None:
        """Flag ``item`` when it dropped accepted work; the conflict's id."""
        try:
            theirs = decode(item.data, item.rel)[0]
        except WorkspaceError:
            return None
        lost = self._dropped_by(item, theirs)
        newest = item.chain[0]
        if not lost or _git_keeps(self.root, self.versions.get_blob(newest.after)):
            return None
        oldest = item.chain[-1]
        base, ours = self._text(oldest.before, item.rel), self._text(newest.after, item.rel)
        if base is None or ours is None:
            return None
        outcome = merge_texts(base, theirs, ours)
        return self._flag(item, oldest.before, newest.after, outcome.text, outcome.clean, lost)

    def _flag(self, item: _Outside, base: str | None, ours: str, merged: str, clean: bool, lost: list[_Row]) -> str:
        conflict_id = uuid.uuid4().hex[:12]
        clients = list(dict.fromkeys(r.client for r in lost))
        short = item.version.removeprefix("sha256:")[:12]
        proposal = (f"resolve_conflict('{conflict_id}', 'merged') writes the merge of both" if clean else
                    f"the two overlap: resolve_conflict('{conflict_id}', 'content', ...) with your merge")
        text = (f"devreliab: your change to {item.rel} was overwritten by a write outside devreliab (now {short}); "
                f"conflict {conflict_id} keeps base, yours and theirs — {proposal}.")
        now = time.time()
        with self.ws.store.transaction() as conn:
            VersionStore.insert_conflict(conn, conflict_id, item.rel, base, (item.version, item.data), (ours, None),
                                         merged, clients[0])
            conn.execute("INSERT INTO vfs_conflict_kinds(id, kind, clean, clients) VALUES (?, ?, ?, ?)",
                         (conflict_id, KIND_OVERWRITTEN, int(clean), ", ".join(clients)))
            conn.executemany("INSERT INTO vfs_notices(client, conflict_id, text, created) VALUES (?, ?, ?, ?)",
                             [(c, conflict_id, text, now) for c in clients])
        self.flagged += 1
        log.warning("history: %s overwrote accepted work of %s (conflict %s)", item.rel, ", ".join(clients),
                    conflict_id)
        return conflict_id


def _regular(st: os.stat_result) -> bool:
    import stat

    return stat.S_ISREG(st.st_mode)


def _read_all(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, max(size, 1 << 16))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _decodes(data: bytes, rel: str) -> bool:
    try:
        decode(data, rel)
    except WorkspaceError:
        return False
    return True


def _git_keeps(root: str, data: bytes | None) -> bool:
    """Whether git's object store at ``root`` holds exactly ``data`` (committed, staged or stashed): then the
    client's version is kept by git, and an outside write replacing it (a branch switch, a stash) drops nothing."""
    git = shutil.which("git")
    if data is None or git is None or not os.path.isdir(os.path.join(root, ".git")):
        return False
    sha = hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
    try:
        done = subprocess.run([git, "-C", root, "cat-file", "-e", sha], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10,
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"}, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0
