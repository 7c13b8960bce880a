"""The per-path critical section: an exclusive ``flock`` on ``.devreliab/locks/<hash>.lock``.

Every process (and every thread: each takes its own open file description) serialises on the same lock file
for the same canonical path, so the check "is the disk still at my base version?" and the write that follows
are one step. The OS drops the lock when a holder dies, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path


class PathLocks:
    """Lock files for paths of one workspace."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir / "locks"
        self.dir.mkdir(parents=True, exist_ok=True)

    def lock_file(self, rel: str) -> Path:
        return self.dir / (hashlib.sha256(rel.encode("utf-8", "surrogateescape")).hexdigest()[:32] + ".lock")

    def _open(self, rel: str) -> int:
        path = self.lock_file(rel)
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except FileNotFoundError:  # the locks directory was removed under us
            self.dir.mkdir(parents=True, exist_ok=True)
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def try_hold(self, rel: str) -> int | None:
        """Take the lock for ``rel`` if nobody holds it: its descriptor (close it to release), else None. For the
        history watcher, which must never make a writer wait."""
        fd = self._open(rel)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd

    @contextlib.contextmanager
    def hold(self, rel: str) -> Iterator[None]:
        """Hold the lock for ``rel`` for the duration of the block."""
        fd = self._open(rel)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
