"""The frozen results of workspace operations; ``to_dict()`` gives the MCP tools' structured output."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

WriteStatus = Literal["created", "written", "merged", "conflict"]
EditStatus = Literal["created", "written", "merged", "conflict", "dry_run"]
EntryType = Literal["file", "dir", "symlink", "other"]
Resolution = Literal["ours", "theirs", "merged", "content"]


class _Result:
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload, no-any-return]


@dataclass(frozen=True)
class ReadResult(_Result):
    """A file's text (or the requested line range) and its version; ``unchanged`` when if_version matched."""

    path: str
    version: str
    content: str | None = None
    encoding: str | None = None
    line_ending: str | None = None
    total_lines: int | None = None
    unchanged: bool = False

    def to_dict(self) -> dict[str, Any]:
        if self.unchanged:
            return {"path": self.path, "version": self.version, "unchanged": True}
        return {"path": self.path, "content": self.content, "version": self.version,
                "encoding": self.encoding, "line_ending": self.line_ending, "total_lines": self.total_lines}


@dataclass(frozen=True)
class ReadError(_Result):
    """One failed path of ``read_many``."""

    path: str
    error: str  # the exception class name, e.g. "FileNotFound"
    message: str


@dataclass(frozen=True)
class WriteResult(_Result):
    """The outcome of a guarded write. For a conflict, ``diff`` holds the merge with conflict markers."""

    status: WriteStatus
    version: str | None
    conflict_id: str | None = None
    current_version: str | None = None
    diff: str | None = None
    hunks: str | None = None  # conflict: only the conflicting places, each with a few lines of context

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        return {k: v for k, v in data.items() if v is not None or k != "hunks"}


@dataclass(frozen=True)
class EditResult(_Result):
    """The outcome of an edit (``dry_run``: the diff that would be applied, nothing written)."""

    status: EditStatus
    version: str | None
    diff: str
    conflict_id: str | None = None  # conflict: the edit, applied to this client's base, overlaps a newer change
    current_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        return {k: v for k, v in data.items() if v is not None or k not in ("conflict_id", "current_version")}


@dataclass(frozen=True)
class DirEntry(_Result):
    path: str  # relative to the workspace root, "/"-separated
    type: EntryType
    size: int | None  # bytes for files, None for directories


@dataclass(frozen=True)
class Listing(_Result):
    entries: list[DirEntry]
    truncated: bool


@dataclass(frozen=True)
class SearchMatch(_Result):
    path: str
    line: int  # 1-based
    column: int  # 1-based, in characters
    text: str  # the matching line without its line ending
    before: list[str] = dataclasses.field(default_factory=list)  # context lines
    after: list[str] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class SearchResult(_Result):
    matches: list[SearchMatch]
    truncated: bool  # hit max_results or the timeout


@dataclass(frozen=True)
class FileInfo(_Result):
    path: str
    size: int
    version: str
    mtime: float  # seconds since the epoch
    encoding: str | None  # None for binary or undecodable files
    line_ending: str | None
    binary: bool


@dataclass(frozen=True)
class ConflictSummary(_Result):
    id: str
    path: str
    base_version: str | None
    current_version: str | None  # "theirs": what was on disk when the conflict arose
    incoming_version: str  # "ours": the text that could not be merged
    client: str
    created: float
    status: str  # open, resolved, superseded
    kind: str = "write"  # write: two writes overlapped; overwritten: an outside write dropped accepted work
    proposal_clean: bool = False  # ``merged`` holds a clean merge that resolution "merged" applies


@dataclass(frozen=True)
class ConflictList(_Result):
    conflicts: list[ConflictSummary]


@dataclass(frozen=True)
class ConflictDetail(_Result):
    conflict: ConflictSummary
    base: str | None
    theirs: str | None
    ours: str
    merged: str  # with conflict markers


@dataclass(frozen=True)
class ResolveResult(_Result):
    status: WriteStatus
    version: str | None
    conflict_id: str | None = None  # set when the resolution itself conflicted with a newer change


@dataclass(frozen=True)
class HistoryEntry(_Result):
    version: str
    before: str | None
    client: str
    time: float
    action: str  # write, edit, restore, resolve, hook-write; client "outside": outside, revert, git-kept, overwrote


@dataclass(frozen=True)
class History(_Result):
    path: str
    versions: list[HistoryEntry]


@dataclass(frozen=True)
class RestoreResult(_Result):
    status: WriteStatus
    version: str | None
    conflict_id: str | None = None


@dataclass(frozen=True)
class ChangeEvent(_Result):
    """A change seen by the watcher (``dest_path`` for moves)."""

    kind: Literal["created", "modified", "deleted", "moved", "closed"]  # closed: only for the local history
    path: str
    dest_path: str | None = None
