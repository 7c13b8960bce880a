"""An exclusive ``flock`` on a lock file, held for a ``with`` block: a critical section across processes."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def exclusive(path: Path, *, optional: bool = False) -> Iterator[bool]:
    """Hold an exclusive lock on ``path`` (created if missing) for the block; yields whether it is held.

    ``optional``: a lock file that cannot be opened (a directory this user may not write) runs the block
    unlocked instead of raising ``OSError``. The lock belongs to this open file description, so two blocks of
    one process on the same path exclude each other as two processes do."""
    try:
        lock_file = open(path, "a+")  # noqa: SIM115 (closed by the with below)
    except OSError:
        if not optional:
            raise
        yield False
        return
    with lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
