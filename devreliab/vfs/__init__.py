"""devreliab.vfs: a versioned, caching, conflict-safe workspace shared by several processes.

``Workspace`` is the entry point; every operation returns a frozen result whose ``to_dict()`` is the
structured output of the matching MCP tool. See docs/workspace.md.
"""

from __future__ import annotations

from ._cache import CacheStats
from ._edits import Edit
from ._fileops import FileOpResult
from ._results import (
    ChangeEvent,
    ConflictDetail,
    ConflictList,
    ConflictSummary,
    DirEntry,
    EditResult,
    FileInfo,
    History,
    HistoryEntry,
    Listing,
    ReadError,
    ReadResult,
    ResolveResult,
    RestoreResult,
    SearchMatch,
    SearchResult,
    WriteResult,
)
from ._workspace import ABSENT, Workspace

__all__ = [
    "ABSENT",
    "CacheStats",
    "ChangeEvent",
    "ConflictDetail",
    "ConflictList",
    "ConflictSummary",
    "DirEntry",
    "Edit",
    "EditResult",
    "FileInfo",
    "FileOpResult",
    "History",
    "HistoryEntry",
    "Listing",
    "ReadError",
    "ReadResult",
    "ResolveResult",
    "RestoreResult",
    "SearchMatch",
    "SearchResult",
    "Workspace",
    "WriteResult",
]
