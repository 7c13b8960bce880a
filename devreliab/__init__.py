"""devreliab: a versioned, conflict-safe workspace and code guidance for several AI coding agents.

The public surface is this module's ``__all__``; everything in modules whose names start with ``_`` is
private and may change.
"""

from __future__ import annotations

from ._config import Config, load_config
from ._errors import (
    AnalysisError,
    BaselineError,
    BinaryFileError,
    ConfigError,
    ConflictNotFound,
    DevreliabError,
    EditError,
    EncodingError,
    FileNotFound,
    FileTooLarge,
    GitError,
    InvalidPath,
    PathOutsideWorkspace,
    StateStoreError,
    VersionNotFound,
    VersionRequired,
    WorkspaceError,
)
from ._version import __version__
from .guidance import analyze_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .monitor import PerformanceMonitor
    from .vfs import Workspace


def __getattr__(name: str) -> object:
    # The workspace pulls in merge3, cachetools and watchdog, the monitor its own modules; `devreliab analyze`
    # needs neither, so they are imported on first use only.
    if name == "Workspace":
        from .vfs import Workspace

        return Workspace
    if name == "PerformanceMonitor":
        from .monitor import PerformanceMonitor

        return PerformanceMonitor
    raise AttributeError(f"module 'devreliab' has no attribute {name!r}")

__all__ = [
    "AnalysisError",
    "BaselineError",
    "BinaryFileError",
    "Config",
    "ConfigError",
    "ConflictNotFound",
    "DevreliabError",
    "EditError",
    "EncodingError",
    "FileNotFound",
    "FileTooLarge",
    "GitError",
    "InvalidPath",
    "PathOutsideWorkspace",
    "PerformanceMonitor",
    "StateStoreError",
    "VersionNotFound",
    "VersionRequired",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "analyze_path",
    "load_config",
]
