"""devreliab's refusals as MCP tool errors whose text tells the agent what to do next."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from mcp.server.mcpserver.exceptions import ToolError

from devreliab import (
    BinaryFileError,
    ConflictNotFound,
    DevreliabError,
    EditError,
    EncodingError,
    FileNotFound,
    FileTooLarge,
    InvalidPath,
    PathOutsideWorkspace,
    VersionNotFound,
    VersionRequired,
)

P = ParamSpec("P")
R = TypeVar("R")

_NEXT: list[tuple[type[DevreliabError], str]] = [
    (PathOutsideWorkspace, "Use a path inside the workspace, relative to its root (list_directory shows it)."),
    (InvalidPath, "Give the path of a regular file inside the workspace."),
    (FileNotFound, "Check the path with list_directory or search; to create a file use write_file."),
    (BinaryFileError, "Text tools cannot read or change a binary file; file_info gives its size and version."),
    (EncodingError, "The file is not valid text in its encoding; leave it alone or rewrite it whole."),
    (FileTooLarge, "Read a range with start_line/end_line, or search inside the file instead."),
    (EditError, "Read the file again and copy old_text exactly (whitespace included), add surrounding "
                "lines to make it unique, or set replace_all."),
    (ConflictNotFound, "Call list_conflicts for the open conflicts and their ids."),
    (VersionNotFound, "Call file_history for the versions devreliab kept."),
]


def message(exc: DevreliabError) -> str:
    text = str(exc).rstrip()
    if isinstance(exc, VersionRequired):
        return (f"{text}. Current version: {exc.current_version}. Call read_file, then redo your change on "
                f"what is there now (or pass expected_version if you know your base).")
    for kind, hint in _NEXT:
        if isinstance(exc, kind):
            return f"{text}. {hint}"
    return text


def refusals_as_tool_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn devreliab's own errors into ToolError (an isError result carrying the message). A coroutine
    function stays one (the SDK runs it on the event loop instead of a worker thread)."""
    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(*args, **kwargs)
            except DevreliabError as exc:
                raise ToolError(message(exc)) from exc

        return async_wrapper  # type: ignore[return-value]

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DevreliabError as exc:
            raise ToolError(message(exc)) from exc

    return wrapper
