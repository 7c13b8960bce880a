"""An optional watchdog observer: invalidates cache entries early and tells subscribers what changed.

Correctness never depends on it — every read revalidates by ``stat`` anyway — so events it misses or
delivers late cost only speed. Changes inside ``.devreliab/`` and devreliab's own temp files are ignored.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .._store import STATE_DIR
from ._paths import TEMP_PREFIX
from ._results import ChangeEvent

_KINDS = {"created": "created", "modified": "modified", "deleted": "deleted", "moved": "moved"}


class _Handler(FileSystemEventHandler):
    def __init__(self, root: str, emit: Callable[[ChangeEvent], None], kinds: dict[str, str]) -> None:
        self.root = root
        self.emit = emit
        self.kinds = kinds

    def _rel(self, path: Any) -> str | None:
        text = os.fsdecode(path) if path else ""
        if not text:
            return None
        rel = os.path.relpath(text, self.root)
        if rel.startswith("..") or rel == "." or rel.split(os.sep)[0] == STATE_DIR:
            return None
        if os.path.basename(rel).startswith(TEMP_PREFIX):
            return None
        return rel

    def on_any_event(self, event: FileSystemEvent) -> None:
        kind = self.kinds.get(event.event_type)
        if kind is None:
            return
        src = self._rel(event.src_path)
        dest = self._rel(getattr(event, "dest_path", "")) if kind == "moved" else None
        if src is None and dest is None:
            return
        if src is None:  # a temp file renamed over its target: that is a modification of the target
            self.emit(ChangeEvent(kind="modified", path=dest or ""))
            return
        self.emit(ChangeEvent(kind=kind, path=src, dest_path=dest))  # type: ignore[arg-type]


class Watcher:
    """A recursive watchdog observer on the workspace root. ``closed``: also report a file closed after writing
    (``closed`` events; inotify only), so a writer's truncate-then-write is not taken for its result."""

    def __init__(self, root: Path, emit: Callable[[ChangeEvent], None], *, closed: bool = False) -> None:
        self._observer: Any = Observer()
        kinds = {**_KINDS, "closed": "closed"} if closed else _KINDS
        self._observer.schedule(_Handler(str(root), emit, kinds), str(root), recursive=True)

    def start(self) -> None:
        self._observer.daemon = True
        self._observer.start()

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)
