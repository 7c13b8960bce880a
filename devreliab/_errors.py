"""devreliab's exceptions: one tree under one base class.

    DevreliabError                 any error devreliab raises on purpose; the message says what to do
    ├── ConfigError                devreliab.jsonc is unreadable, malformed or has a wrong key/type
    ├── StateStoreError            the state store (.devreliab/state.db) cannot be opened or rebuilt
    ├── AnalysisError              a file could not be analysed (syntax error, binary, undecodable…)
    ├── GitError                   a git command needed for --changed-since/--staged/hotspots failed
    ├── BaselineError              a baseline file is missing or malformed
    └── WorkspaceError             a workspace operation was refused
        ├── PathOutsideWorkspace   a path leaves the workspace root (.., symlink, absolute elsewhere)
        ├── InvalidPath            a path that can never be valid (null byte, device, FIFO…)
        ├── FileNotFound           the path does not exist
        ├── BinaryFileError        a text operation on a binary file
        ├── EncodingError          bytes that do not decode in the file's encoding
        ├── FileTooLarge           a read or write over the configured size limit
        ├── VersionRequired        overwriting an existing file without a base version
        ├── EditError              an edit whose old_text is missing or not unique
        ├── ConflictNotFound       an unknown conflict id
        └── VersionNotFound        a version that is not in the version store

Every message names the thing concerned and, where there is one, the action that fixes it.
"""

from __future__ import annotations

__all__ = [
    "AnalysisError",
    "BaselineError",
    "BinaryFileError",
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
    "StateStoreError",
    "VersionNotFound",
    "VersionRequired",
    "WorkspaceError",
]


class DevreliabError(Exception):
    """Base class of every error devreliab raises on purpose."""


class ConfigError(DevreliabError):
    """devreliab.jsonc cannot be used as it is."""


class StateStoreError(DevreliabError):
    """The state store cannot be opened, even after rebuilding it."""


class AnalysisError(DevreliabError):
    """One file could not be analysed; the run goes on with the others."""


class GitError(DevreliabError):
    """A git command devreliab needs failed."""


class BaselineError(DevreliabError):
    """A baseline file is missing, unreadable or not a devreliab baseline."""


class WorkspaceError(DevreliabError):
    """A workspace operation was refused."""


class PathOutsideWorkspace(WorkspaceError):
    """The path resolves outside the workspace root."""


class InvalidPath(WorkspaceError):
    """The path can never name a workspace file (null byte, device, FIFO…)."""


class FileNotFound(WorkspaceError):
    """The path does not exist in the workspace."""


class BinaryFileError(WorkspaceError):
    """A text operation was asked of a binary file."""


class EncodingError(WorkspaceError):
    """The content does not decode (or encode) in the file's encoding."""


class FileTooLarge(WorkspaceError):
    """The file is over the configured size limit for this operation."""


class VersionRequired(WorkspaceError):
    """Overwriting an existing file needs the version the change was based on."""

    def __init__(self, message: str, current_version: str) -> None:
        super().__init__(message)
        self.current_version = current_version


class EditError(WorkspaceError):
    """An edit's old_text was not found, or found more than once without replace_all."""


class ConflictNotFound(WorkspaceError):
    """No conflict with that id."""


class VersionNotFound(WorkspaceError):
    """That version is not in the version store."""
