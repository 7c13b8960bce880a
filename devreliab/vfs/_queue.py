"""The local history's queue of changed paths, coalescing bursts.

A path is *due* ``debounce_s`` after its last event, or ``max_delay_s`` after its first when events keep coming
(a log rewritten without pause is still recorded). Thread-safe: the watchdog thread adds, the keeper's thread
takes. Times are monotonic; ``backlog`` turns the oldest into wall time for the lease row (and ``health``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

OPEN_MAX_S = 2.0  # how long a file open for writing may hold its recording back


@dataclass
class _Pending:
    first: float
    last: float
    baseline: bool  # queued by the first scan of a never-watched workspace


class ChangeQueue:
    """Changed paths waiting to be recorded."""

    def __init__(self, debounce_s: float, max_delay_s: float) -> None:
        self.debounce_s = debounce_s
        self.max_delay_s = max_delay_s
        self._pending: dict[str, _Pending] = {}
        self._writing: dict[str, float] = {}  # paths modified and not closed yet (inotify), since when
        self._lock = threading.Lock()

    def writing(self, rel: str, done: bool) -> None:
        """A writer has ``rel`` open (modified, not closed: its content may be half-written), or closed it."""
        with self._lock:
            if done:
                self._writing.pop(rel, None)
            else:
                self._writing.setdefault(rel, time.monotonic())

    def add(self, rel: str, baseline: bool = False) -> None:
        """``rel`` changed (again): it is due ``debounce_s`` from now, at the latest ``max_delay_s`` after the
        first change still queued."""
        now = time.monotonic()
        with self._lock:
            p = self._pending.get(rel)
            if p is None:
                self._pending[rel] = _Pending(now, now, baseline)
            else:
                p.last = now

    def due(self, limit: int) -> list[str]:
        """Up to ``limit`` paths that are due now (they stay queued until ``take``)."""
        now = time.monotonic()
        with self._lock:
            return [rel for rel, p in self._pending.items() if self._ready(rel, p, now)][:limit]

    def _ready(self, rel: str, p: _Pending, now: float) -> bool:
        opened = self._writing.get(rel)
        if opened is not None and now - opened < OPEN_MAX_S:
            return False  # still being written (a writer holding a file open for long is recorded after a while)
        return now - p.last >= self.debounce_s or now - p.first >= self.max_delay_s

    def take(self, rel: str) -> bool:
        """Unqueue ``rel``; whether the baseline scan queued it."""
        with self._lock:
            p = self._pending.pop(rel, None)
            self._writing.pop(rel, None)  # it was due: closed, or open for longer than OPEN_MAX_S
        return p.baseline if p is not None else False

    def wait_s(self, longest: float) -> float:
        """How long until the next path is due (at most ``longest``)."""
        now = time.monotonic()
        with self._lock:
            soonest = min((min(p.last + self.debounce_s, p.first + self.max_delay_s)
                           for p in self._pending.values()), default=now + longest)
        return min(longest, max(0.0, soonest - now))

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def backlog(self) -> tuple[int, float | None]:
        """How many paths wait, and since when (wall time) the oldest waits."""
        with self._lock:
            if not self._pending:
                return 0, None
            first = min(p.first for p in self._pending.values())
            n = len(self._pending)
        return n, time.time() - (time.monotonic() - first)
