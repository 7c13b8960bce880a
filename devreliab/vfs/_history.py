"""Local history: one elected process per workspace records every new content of every text file, and has the
overwrite guard check each outside write (docs/workspace.md, "Local history and the overwrite guard").

While it holds the lease (``_lease``), a ``HistoryKeeper`` runs a watchdog observer on the tree (the files
``_tree`` keeps). Events are coalesced per path (``debounce_s`` after the last event, at most ``MAX_DELAY_S`` after
the first) and handed in batches to the recorder (``_recorder``: read under the path lock, one transaction), whose
outside versions go to the guard (``_guard``). On taking the lease the keeper rescans the tree and queues every
file whose stat changed since the watcher last looked, so nothing written while nobody watched is missed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import sys
import threading
import time
import uuid
from typing import TYPE_CHECKING, Final

from .._errors import WorkspaceError
from ._guard import OverwriteGuard
from ._lease import Lease
from ._queue import ChangeQueue
from ._recorder import OUTSIDE, Recorder
from ._results import ChangeEvent
from ._scan import gaps, stale
from ._tree import Tree

if TYPE_CHECKING:
    from ._watch import Watcher
    from ._workspace import Workspace

__all__ = ["OUTSIDE", "HistoryKeeper"]

DEFAULT_DEBOUNCE_S: Final = 0.1
MAX_DELAY_S: Final = 1.0  # a path changing without pause is still recorded this often
LOOK_BACK_ROWS: Final = 1000  # journal rows a new holder searches for outside writes nobody judged
BATCH: Final = 200  # paths per transaction (and path locks held at once)
log = logging.getLogger("devreliab.vfs")


class HistoryKeeper:
    """The local history of ``ws``'s tree, kept by this process while it holds the lease."""

    def __init__(self, ws: Workspace, *, debounce_s: float = DEFAULT_DEBOUNCE_S, ttl_s: float = 3.0) -> None:
        self.ws = ws
        self.root = str(ws.root)
        self.debounce_s = debounce_s
        self.tree = Tree(ws.root, ws.policy)
        self.lease = Lease(ws.store, f"{os.getpid()}:{uuid.uuid4().hex[:8]}", ttl_s)
        self.recorder = Recorder(ws)
        self.guard = OverwriteGuard(ws)
        self.queue = ChangeQueue(debounce_s, MAX_DELAY_S)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watcher: Watcher | None = None
        self._renew_at = 0.0
        self._mark = 0  # the journal id up to which outside rows written by others were looked at
        self._own: set[int] = set()  # outside rows this keeper wrote after the mark
        self.recorded = 0  # outside versions journalled by this process

    # -- lifecycle ----------------------------------------------------------------------------------------
    @property
    def holder(self) -> bool:
        """Whether this process holds the lease now (and so watches the tree)."""
        return self._watcher is not None

    def start(self) -> None:
        """Start competing for the lease, in a daemon thread of its own (nothing here blocks the caller)."""
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
        """The keeper's thread: a tick whenever the lease is due for renewal or a queued path is due."""
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception:  # history must never take the server down; try again next tick
                log.exception("history: a round failed")
                self._renew_at = 0.0
            self._wake.wait(self._next_wait())
            self._wake.clear()

    def _tick(self) -> None:
        """Renew (or try to take) the lease when due, start or stop watching accordingly, record one batch."""
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
            due = self.queue.due(BATCH)
            if due:
                self.process(due)
            self._check_gaps()
            self.guard.check_deferred()

    def _next_wait(self) -> float:
        """Until the lease is due for renewal or a queued path is due, whichever comes first."""
        now = time.monotonic()
        longest = min(self._renew_at - now, self.guard.deferred_due_s())
        return max(self.queue.wait_s(max(0.0, longest)), 0.005)

    def _begin(self) -> None:
        """Holder now: watch first, then rescan (a change in between is seen by both, and recorded once)."""
        from ._watch import Watcher

        watcher = Watcher(self.ws.root, self._on_event, closed=sys.platform.startswith("linux"))
        watcher.start()
        self._watcher = watcher
        # a previous holder may have died with outside writes unjudged: look back a little
        top = int(self.ws.store.conn.execute("SELECT coalesce(max(id), 0) FROM vfs_journal").fetchone()[0])
        self._mark = max(0, top - LOOK_BACK_ROWS)
        self.rescan()

    def _end(self) -> None:
        """Not the holder any more (the lease was lost, or the keeper stops): stop the observer, drop the queue."""
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()
        self.queue.clear()  # the next holder rescans what changed

    # -- the queue ----------------------------------------------------------------------------------------
    def _enqueue(self, rel: str, baseline: bool = False) -> None:
        """Queue ``rel`` and wake the keeper's thread, which works out when it is due."""
        self.queue.add(rel, baseline)
        self._wake.set()

    def _on_event(self, event: ChangeEvent) -> None:
        """On the observer's thread: queue what an event names (both ends of a move)."""
        if event.kind in ("modified", "closed"):  # a truncate-then-write is recorded once it is closed
            self.queue.writing(event.path.replace(os.sep, "/"), done=event.kind == "closed")
        for raw in (event.path, event.dest_path):
            if raw:
                self._changed(raw.replace(os.sep, "/"))

    def _changed(self, rel: str) -> None:
        """Queue ``rel``, or every kept file below it when it is a directory (created or moved in: its files may
        have been written before the observer watched it)."""
        self.tree.forget_rules(rel)
        full = os.path.join(self.root, rel)
        if os.path.isdir(full) and not os.path.islink(full):
            for sub, _ in self.tree.walk(rel):
                self._enqueue(sub)
        elif self.tree.kept(rel):
            self._enqueue(rel)

    def backlog(self) -> tuple[int, float | None]:
        """How many paths wait to be recorded, and since when (wall time) the oldest waits."""
        return self.queue.backlog()

    def rescan(self) -> int:
        """Queue every kept file whose stat differs from what the watcher last saw (``_scan.stale``); how many.
        Files older than the history itself get a ``baseline`` row, not a change."""
        changed = stale(self.ws, self.tree)
        for rel, baseline in changed:
            self._enqueue(rel, baseline)
        return len(changed)

    # -- one batch ----------------------------------------------------------------------------------------
    def process(self, rels: list[str]) -> None:
        """Record ``rels`` (``Recorder.batch``), then check the outside versions for dropped work; the path
        locks are released before the checks, so merging never holds a writer up."""
        outside = self.recorder.batch(rels, self.queue)
        self.recorded += len(outside)
        self._own.update(item.row_id for item in outside)
        for item in outside:
            self.guard.submit(item)

    def _check_gaps(self) -> None:
        """Check the outside writes devreliab's writers found on disk and journalled before the watcher saw them
        (an agent writing a file a moment after a script did)."""
        with self.ws.store.transaction() as conn:
            top = int(conn.execute("SELECT coalesce(max(id), 0) FROM vfs_journal").fetchone()[0])
            found = gaps(conn, self._mark, self._own, time.time()) if top > self._mark else []
        self._mark = top
        self._own = {i for i in self._own if i > top}
        for item in found:
            self.guard.submit(item)
