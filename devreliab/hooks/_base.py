"""The shared part of the hook core: one event's view of the workspace (paths, files, bases, merges).

See ``_core`` for what the hooks do; ``_patchflow`` and ``_after`` hold the apply_patch and after-write steps.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .._config import Config
from .._errors import WorkspaceError
from .._store import StateStore
from ..vfs._paths import ResolvedPath, Sandbox
from ..vfs._text import decode, version_of
from ..vfs._versions import VersionStore
from ._events import Event
from ._sessions import Sessions

if TYPE_CHECKING:
    from ..vfs import Workspace

DEFAULT_VERSIONS_MAX_BYTES = 256 * 1024 * 1024


class Rewriter(Protocol):
    def rewrite(self, event: Event, current: str, merged: str) -> dict[str, Any] | None:
        """The tool input that makes the tool leave ``merged`` where the file now holds ``current``; None when
        this agent cannot rewrite this tool's input."""


@dataclass(frozen=True)
class Disk:
    """A file as the hook found it (``data`` None: no such file)."""

    data: bytes | None
    version: str | None
    mtime: float

    def text(self, name: str) -> str:
        assert self.data is not None
        return decode(self.data, name)[0]


@dataclass(frozen=True)
class Planned:
    """The outcome of one file of a write: ``text`` to leave there, or a conflict message."""

    rel: str
    disk: Disk
    text: str | None = None
    conflict: str = ""
    merged_with: str = ""


def _short(version: str | None) -> str:
    return (version or "none").removeprefix("sha256:")[:12]

class CoreBase:
    """One hook event's work on the workspace at ``root``: the helpers every step uses."""

    def __init__(self, root: Path, config: Config, event: Event, rewriter: Rewriter) -> None:
        self.root = root
        self.config = config
        self.event = event
        self.rewriter = rewriter
        self.sandbox = Sandbox(root)
        self.store = StateStore(self.sandbox.root)
        # A store another process holds locked must not outlast the hook's deadline: SQLite waits in C, where the
        # deadline's signal cannot interrupt it, so the wait itself is bounded (half the deadline).
        timeout_ms = int(config.raw.get("hooks", {}).get("timeout_ms", 3000))
        self.store.conn.execute(f"PRAGMA busy_timeout = {max(50, timeout_ms // 2)}")
        max_bytes = int(config.raw.get("versions", {}).get("max_bytes", DEFAULT_VERSIONS_MAX_BYTES))
        self.versions = VersionStore(self.store, max_bytes)
        self.author = f"{event.client}:{os.getpid()}"
        self.sessions = Sessions(self.store, self.versions, event.client, self.author)
        self._started: float | None = None

    def close(self) -> None:
        self.store.close()

    # -- dispatch -----------------------------------------------------------------------------------------
    def _resolve(self, path: str | None) -> ResolvedPath | None:
        """The workspace file ``path`` names, or None when it is not the workspace's business."""
        if not path:
            return None
        full = path if os.path.isabs(path) else os.path.join(self.event.cwd or self.sandbox.root_str, path)
        try:
            return self.sandbox.resolve(full, for_write=True)
        except WorkspaceError:
            return None

    def _disk(self, rp: ResolvedPath) -> Disk:
        try:
            st = os.stat(rp.abs)
            if st.st_size > self.config.cache_max_file_bytes:
                return Disk(None, None, st.st_mtime)
            with open(rp.abs, "rb") as f:
                data = f.read()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return Disk(None, None, 0.0)
        return Disk(data, version_of(data), st.st_mtime)

    def _blob_text(self, version: str | None, name: str) -> str:
        data = self.versions.get_blob(version) if version else None
        return decode(data, name)[0] if data is not None else ""

    def _base(self, rp: ResolvedPath, disk: Disk) -> str | None:
        """The version this session based its change on: the one it last read or wrote; for a file it never
        read, the version on disk when that is unchanged since the session started; else None (stale)."""
        read = self.sessions.base(rp.rel)
        if read is not None:
            return read.version
        if self._started is not None and disk.mtime <= self._started:
            return disk.version
        return None

    def _who(self, rel: str, version: str | None) -> str:
        last = self.sessions.last_writer(rel)
        if last is not None and last.after == version:
            when = time.strftime("%H:%M:%S", time.localtime(last.time))
            return f"{last.client} (at {when})"
        return "a program outside devreliab"

    def _workspace(self) -> Workspace:
        from ..vfs import Workspace

        return Workspace(self.sandbox.root, self.config, client_id=self.author)

    # -- before a read ------------------------------------------------------------------------------------
