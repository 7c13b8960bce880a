"""devreliab's refusals as MCP tool errors whose text tells the agent what to do next."""

from __future__ import annotations

import functools
import inspect
import re
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
    (EditError, "Read the file again and copy old_text exactly (whitespace included)."),
    (ConflictNotFound, "Call list_conflicts for the open conflicts and their ids."),
    (VersionNotFound, "Call file_history for the versions devreliab kept."),
]


def message(exc: DevreliabError) -> str:
    text = str(exc).rstrip()
    if isinstance(exc, VersionRequired):
        return f"{text.replace('read it first', 'read_file it first')}. Current version: {exc.current_version}."
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


_VALIDATION_HEAD = re.compile(r"^(Error executing tool \S+: )\d+ validation errors? for \S+$")
_DETAILS = re.compile(r"\s*\[type=[^,\]]+(?:, input_value=(?P<value>.*?))?(?:, input_type=[^\]]+)?\]$")


def _problem(field: str, line: str) -> str:
    """``field: what is wrong (got X)`` from one of pydantic's message lines."""
    found = _DETAILS.search(line)
    what = line[: found.start()].strip() if found else line.strip()
    got = f" (got {found['value']})" if found and found["value"] else ""
    return f"{field}: {what}{got}"


def tidy_validation(text: str) -> str:
    """pydantic's argument errors in a model's words: ``field: what is wrong (got X)`` per problem, without the
    internal model name, the error type tags and the documentation URL (which cost tokens and help no model)."""
    lines = text.splitlines()
    head = _VALIDATION_HEAD.match(lines[0]) if lines else None
    if head is None:
        return text
    problems: list[str] = []
    field = ""
    for line in lines[1:]:
        if line.startswith("    ") or not line.strip():
            continue  # "For further information visit https://errors.pydantic.dev/..."
        if not line.startswith(" "):
            field = line.strip()
            continue
        problems.append(_problem(field, line))
    return f"{head[1]}invalid arguments: " + "; ".join(problems) + ". The input schema in tools/list says what fits."
