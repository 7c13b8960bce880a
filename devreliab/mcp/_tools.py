"""The MCP tools: each a thin typed wrapper over ``devreliab.vfs.Workspace`` or ``devreliab.guidance``.

Inputs carry their constraints (``Annotated[..., Field(...)]``), outputs are the models of ``_models``, and a
refusal raises (the SDK answers ``isError`` with the message). A conflict is a normal answer.

Every tool answers with structured content and, for clients that read only text, the same data as compact
JSON (``read_file`` answers with the file's text itself, which is what the model wants to read).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from devreliab import DevreliabError, PathOutsideWorkspace, WorkspaceError
from devreliab.guidance import analyze_path
from devreliab.guidance._gates import evaluate, read_baseline
from devreliab.vfs import ReadError, Workspace

from . import _answers as a
from . import _guidance as g
from ._errors import refusals_as_tool_errors
from ._health import _open_conflicts, health_of
from ._models import (
    AnalyzeFileResult,
    AnalyzeProjectResult,
    CacheStatsOut,
    ConflictOut,
    DirEntryOut,
    EditFileResult,
    FileHistoryResult,
    FileInfoResult,
    FileOpOut,
    HealthResult,
    HistoryEntryOut,
    HotspotOut,
    ListConflictsResult,
    ListDirectoryResult,
    MetricsResult,
    ProjectSummary,
    ReadFileResult,
    ReadManyEntry,
    ReadManyResult,
    ResolveConflictResult,
    RestoreVersionResult,
    SampleOut,
    SearchMatchOut,
    SearchResultOut,
    ToolMetric,
    WriteFileResult,
)
from ._notify import CONFLICT_PREFIX
from ._state import ServerState

MAX_LINE_CHARS = 400
INLINE_READ_BYTES = 256 * 1024  # files up to this size are read on the event loop
MAX_FINDINGS = 50
MAX_RECOMMENDATIONS = 20
MAX_HOTSPOTS = 10

# -- argument types ----------------------------------------------------------------------------------------
_VERSION = "A version as returned by read_file/write_file: 'sha256:' + 64 hex digits."
FilePath = Annotated[str, Field(min_length=1, max_length=4096)]  # "relative to the root": said in the instructions
DirPath = Annotated[str, Field(min_length=1, max_length=4096, description="Directory or file; '.' is the root.")]
Version = Annotated[str, Field(min_length=1, max_length=80, description=_VERSION)]
BaseVersion = Annotated[str | None, Field(min_length=1, max_length=80, description=(
    "Base version (default: the one you read); 'absent': a new file."))]
IfVersion = Annotated[str | None, Field(min_length=1, max_length=80, description=(
    "The version you hold: if still current, the answer is 'unchanged' without text."))]
StartLine = Annotated[int | None, Field(ge=1, description="First line to return, 1-based.")]
EndLine = Annotated[int | None, Field(ge=1, description="Last line to return, inclusive.")]
Content = Annotated[str, Field(max_length=16 * 1024 * 1024, description="The complete new text of the file.")]


class EditIn(BaseModel):
    # no docstring: it would be published as the schema's description, in every tools/list

    model_config = {"extra": "forbid"}
    old_text: str = Field(min_length=1, max_length=1_000_000, description=(
        "Exact text to replace (whitespace included); it must occur once unless replace_all."))
    new_text: str = Field(max_length=4_000_000, description="Its replacement.")
    replace_all: bool = Field(default=False, description="Replace every occurrence of old_text.")


# -- answers -------------------------------------------------------------------------------------------------
def _answer(model: BaseModel, text: str | None = None) -> CallToolResult:
    data = model.model_dump(mode="json", exclude_none=True)
    if text is None:
        text = model.model_dump_json(exclude_none=True)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def _grep_lines(found: SearchResultOut) -> str:
    """search's text: ripgrep's own format, one line per match (``path:line:column:text``; context lines
    ``path-line-text``), which models read at a glance and which costs about half the JSON's tokens."""
    lines: list[str] = []
    for m in found.matches:
        lines.extend(f"{m.path}-{m.line - len(m.before or ()) + k}-{t}" for k, t in enumerate(m.before or ()))
        lines.append(f"{m.path}:{m.line}:{m.column}:{m.text}")
        lines.extend(f"{m.path}-{m.line + 1 + k}-{t}" for k, t in enumerate(m.after or ()))
    if not found.matches:
        lines.append("no matches")
    if found.truncated:
        lines.append("[truncated: there are more matches; narrow path or glob, or raise max_results]")
    return "\n".join(lines)


def _cut(line: str) -> str:
    return line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS] + "…"


READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                            open_world_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=False)
WRITE_IDEMPOTENT = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True,
                                   open_world_hint=False)



def _inside_root(ws: Workspace, given: str) -> str:
    """The absolute path of ``given`` if it stays inside the workspace, else PathOutsideWorkspace."""
    if "\x00" in given:
        raise PathOutsideWorkspace(f"{given!r}: the path contains a null byte")
    joined = given if os.path.isabs(given) else os.path.join(ws.root, given)
    real = os.path.realpath(joined)
    root = str(ws.root)
    if real != root and not real.startswith(root + os.sep):
        raise PathOutsideWorkspace(f"{given!r} is outside the workspace root {root}")
    return real


def _not_python(path: str) -> ToolError:
    return ToolError(f"{path!r} is not Python source (.py); analyze_file analyses Python files only.")


def _python_file(ws: Workspace, given: str) -> tuple[str, bytes]:
    """The workspace path and the bytes of the Python file at ``given``."""
    info = ws.file_info(given)
    if info.binary or not info.path.endswith((".py", ".pyi")):
        raise _not_python(given)
    return info.path, (Path(ws.root) / info.path).read_bytes()


def _python_path(ws: Workspace, given: str) -> str:
    """The workspace path ``given`` names (which need not exist yet), if it names Python source."""
    rel = Path(os.path.relpath(_inside_root(ws, given), ws.root)).as_posix()
    if not rel.endswith((".py", ".pyi")):
        raise _not_python(given)
    return rel


def _disk_bytes(ws: Workspace, given: str, limit: int) -> bytes | None:
    """The bytes at ``given`` now (for guidance only): None when absent, unreadable, outside or too large."""
    try:
        real = _inside_root(ws, given)
        p = Path(real)
        if not p.is_file() or p.stat().st_size > limit:
            return None
        return p.read_bytes()
    except (OSError, DevreliabError):
        return None


NOTHING_CHANGED = "Nothing changed: the edits leave the file as it was (new_text equals old_text)."


def next_step(status: str, conflict_id: str | None, version: str | None) -> str | None:
    """What the model should do after a write that did not simply go through."""
    if status == "conflict":
        return (f"Nothing was written: another change touched the same lines (diff shows those places; the whole "
                f"merge is the resource merge_uri). Resolve with resolve_conflict(conflict_id='{conflict_id}', "
                "resolution='ours' (this write) | 'theirs' (on disk) | 'content' (your merge)), or read_file again "
                "and redo your change.")
    if status == "merged":
        return (f"Your change was merged with a change made meanwhile (the diff shows the result); the file is now "
                f"version {version}, the base of your next write.")
    return None


def _file_op(r: Any) -> FileOpOut:
    return FileOpOut(status=r.status, path=r.path, version=r.version, current_version=r.current_version,
                     next_step=r.message)


def read_limits(ws: Workspace) -> tuple[int, int]:
    """The answer cap of a read: (lines, characters), from mcp.read_max_lines / mcp.read_max_chars."""
    mcp = ws.config.raw.get("mcp", {})
    return int(mcp.get("read_max_lines", 2000)), int(mcp.get("read_max_chars", 100_000))


def _read_out(r: Any, shown: a.Shown, body: str, ranged: bool, channels: a.Channels) -> ReadFileResult:
    partial = shown.truncated or ranged
    return ReadFileResult(path=r.path, version=r.version, content=body if channels != "text" else None,
                          encoding=r.encoding, line_ending=r.line_ending, total_lines=r.total_lines,
                          start_line=shown.first if partial else None, end_line=shown.last if partial else None,
                          truncated=True if shown.truncated else None, next_start_line=shown.next_start_line)


def _read_result(r: Any, start_line: int | None, limits: tuple[int, int], line_numbers: bool,
                 channels: a.Channels) -> tuple[ReadFileResult, str]:
    """read_file's structured answer and its text channel (see ``_answers``)."""
    if r.unchanged:
        out = ReadFileResult(path=r.path, version=r.version, unchanged=True)
        return out, f"[{r.path} | version {r.version} | unchanged: the version you hold is current, no text sent]"
    first = start_line or 1
    if start_line is not None and start_line > max(r.total_lines or 0, 1):
        raise WorkspaceError(f"{r.path!r}: start_line {start_line} is past the end: the file has "
                             f"{r.total_lines} line(s)")
    shown = a.cap(r.content, first, r.total_lines, *limits)
    body = a.numbered(shown.text, first) if line_numbers else shown.text
    out = _read_out(r, shown, body, start_line is not None, channels)
    head = a.header(r.path, r.version, shown, r.total_lines)
    tail = a.footer(shown, limits[0], r.total_lines)
    if channels == "structured":
        return out, f"{head} (the text is in the structured content's 'content') {tail}".rstrip()
    return out, f"{head}\n{a.joined(body, tail)}"


async def read_answer(ws: Workspace, path: str, start_line: int | None = None, end_line: int | None = None,
                      if_version: str | None = None, line_numbers: bool = False, *,
                      channels: a.Channels | None = None) -> CallToolResult:
    """read_file's answer (raises DevreliabError for a refusal). A cache hit or a small file is read on the
    event loop (a thread hand-over would cost more than the read); a bigger file on a worker thread.
    ``channels``: which channels must be complete (default: the calling client's, see ``_answers``)."""
    r = ws.read_cached(path, start_line=start_line, end_line=end_line, if_version=if_version,
                       load_up_to=INLINE_READ_BYTES)
    if r is None:
        r = await anyio.to_thread.run_sync(functools.partial(
            ws.read, path, start_line=start_line, end_line=end_line, if_version=if_version))
    chosen = channels or a.current_channels.get()
    out, text = _read_result(r, start_line, read_limits(ws), line_numbers, chosen)
    _note_partial(ws, out)
    return _answer(out, text)


def _note_partial(ws: Workspace, out: ReadFileResult | ReadManyEntry) -> None:
    """Remember a read that answered only part of the file (see ``refuse_partial_overwrite``)."""
    if getattr(out, "unchanged", None):
        return  # an if_version check sends no text: what the client saw is what it saw before
    first = getattr(out, "start_line", None) or 1
    last, total = out.end_line, out.total_lines
    if out.version is None or last is None or total is None or (first == 1 and last >= total):
        ws.partial_reads.pop(out.path, None)
    else:
        ws.partial_reads[out.path] = (out.version, f"lines {first}-{last} of {total}")


def refuse_partial_overwrite(ws: Workspace, path: str, expected_version: str | None) -> None:
    """A whole-file write based (implicitly) on a read that showed only part of the file would silently drop the
    rest: refused, unless the client names its base with expected_version (an explicit replacement)."""
    if expected_version is not None or not ws.partial_reads:
        return  # (the common case costs no path resolution)
    try:
        rel = ws.relative(path)
    except DevreliabError:
        return
    partial = ws.partial_reads.get(rel)
    if partial is not None and partial[0] == ws.last_read_version(rel):
        raise WorkspaceError(
            f"{rel!r}: you read only {partial[1]} of this file, so writing it whole would drop the rest. Change "
            "it with edit_file, read the rest first (start_line/end_line), or pass expected_version=<its version> "
            "if you mean to replace the whole file")


def read_many_answer(ws: Workspace, paths: list[str]) -> CallToolResult:
    """read_many's answer: each file once per channel the client reads (see ``_answers``)."""
    channels = a.current_channels.get()
    limits = read_limits(ws)
    results: list[ReadManyEntry] = []
    texts: list[str] = []
    for r in ws.read_many(paths):
        if isinstance(r, ReadError):
            results.append(ReadManyEntry(path=r.path, error=r.error, message=r.message))
            texts.append(f"[{r.path} | {r.error}: {r.message}]")
            continue
        one, text = _read_result(r, None, limits, False, channels)
        _note_partial(ws, one)
        results.append(ReadManyEntry(path=r.path, version=r.version, content=one.content, encoding=r.encoding,
                                     line_ending=r.line_ending, total_lines=r.total_lines, end_line=one.end_line,
                                     truncated=one.truncated, next_start_line=one.next_start_line))
        texts.append(text)
    return _answer(ReadManyResult(results=results), "\n".join(texts))


def add_notices(ws: Workspace, result: Any) -> Any:
    """Append this client's pending notices (its accepted work was overwritten outside devreliab) to a tool
    result, one text line each: the next answer the client gets says so, whatever it asked."""
    notes = ws.take_notices()
    if not notes:
        return result
    if isinstance(result, CallToolResult):
        result.content.extend(TextContent(type="text", text=note) for note in notes)
    elif isinstance(result, dict) and isinstance(result.get("content"), list):
        result["content"].extend({"type": "text", "text": note} for note in notes)
    return result


def register(server: MCPServer[Any], state: ServerState) -> None:
    """Add every tool to ``server``; they reach the workspace through ``state``."""

    def tool(annotations: ToolAnnotations, description: str, title: str) -> Callable[[Callable[..., Any]], Any]:
        def decorate(fn: Callable[..., Any]) -> Any:
            wrapped = refusals_as_tool_errors(fn)
            server.add_tool(wrapped, title=title, description=description,
                            annotations=annotations.model_copy(update={"title": title}))
            return wrapped

        return decorate

    def guidance(path: str, before: bytes | None, status: str) -> list[str] | None:
        if status not in ("created", "written", "merged") or not path.endswith(".py") or not state.guidance_on_write:
            return None
        config = state.ws.config
        after = _disk_bytes(state.ws, path, config.analysis_max_file_bytes)
        if after is None:
            return None
        try:
            return g.write_guidance(path, before, after, config, state.ws.store)
        except Exception:  # guidance is advice: never fail a write that succeeded
            return None

    def before_bytes(path: str) -> bytes | None:
        if not path.endswith(".py") or not state.guidance_on_write:
            return None
        return _disk_bytes(state.ws, path, state.ws.config.analysis_max_file_bytes)

    # -- reading ---------------------------------------------------------------------------------------------
    @tool(READ_ONLY, title="Read a file", description=(
        "Read a text file. The answer's first line is [path | version sha256:… | lines], then the text; that "
        "version is the base of your next write to the file. start_line/end_line read a range; a long file is "
        "cut with a line saying what to ask next. if_version=<version you hold> answers 'unchanged' without "
        "text."))
    async def read_file(
        path: FilePath,
        start_line: StartLine = None,
        end_line: EndLine = None,
        if_version: IfVersion = None,
        line_numbers: Annotated[bool, Field(description="Prefix each line with its number.")] = False,
    ) -> Annotated[CallToolResult, ReadFileResult]:
        return await read_answer(state.ws, path, start_line, end_line, if_version, line_numbers)

    @tool(READ_ONLY, title="Read several files", description=(
        "Read up to 50 text files in one call: each like read_file's answer, in order; a path that cannot be "
        "read gets its error and does not fail the others."))
    def read_many(
        paths: Annotated[list[FilePath], Field(min_length=1, max_length=50, description="Files to read.")],
    ) -> Annotated[CallToolResult, ReadManyResult]:
        return read_many_answer(state.ws, paths)

    # -- writing ---------------------------------------------------------------------------------------------
    @tool(WRITE, title="Write a file", description=(
        "Create a file or replace its content. A change made since your base version is merged (status "
        "'merged'); where both changed the same lines nothing is written (status 'conflict' with conflict_id, "
        "the merge with markers, next_step). A file you never read is not overwritten."))
    def write_file(
        path: FilePath,
        content: Content,
        expected_version: BaseVersion = None,
    ) -> Annotated[CallToolResult, WriteFileResult]:
        before = before_bytes(path)
        refuse_partial_overwrite(state.ws, path, expected_version)
        r = state.ws.write(path, content, expected_version=expected_version)
        out = WriteFileResult(status=r.status, version=r.version, conflict_id=r.conflict_id,
                              current_version=r.current_version,
                              diff=(r.hunks or r.diff) if r.status == "conflict" else r.diff if r.status == "merged"
                              else None,
                              merge_uri=CONFLICT_PREFIX + r.conflict_id if r.conflict_id else None,
                              guidance=guidance(path, before, r.status),
                              next_step=next_step(r.status, r.conflict_id, r.version))
        return _answer(out)

    @tool(WRITE, title="Edit a file", description=(
        "Apply search-and-replace edits in order, all or nothing, to the file as it is now (a change made "
        "meanwhile elsewhere is kept: status 'merged'). An old_text that is missing or not unique is an error: "
        "re-read the file. dry_run=true only shows the diff."))
    def edit_file(
        path: FilePath,
        edits: Annotated[list[EditIn], Field(min_length=1, max_length=100, description="Edits, applied in order.")],
        expected_version: BaseVersion = None,
        dry_run: Annotated[bool, Field(description="Only show the diff; write nothing.")] = False,
    ) -> Annotated[CallToolResult, EditFileResult]:
        before = None if dry_run else before_bytes(path)
        r = state.ws.edit(path, [e.model_dump() for e in edits], expected_version=expected_version,
                          dry_run=dry_run)
        unchanged = r.status == "written" and not r.diff
        return _answer(EditFileResult(
            status=r.status, version=r.version, diff=r.diff, conflict_id=r.conflict_id,
            merge_uri=CONFLICT_PREFIX + r.conflict_id if r.conflict_id else None,
            current_version=r.current_version, guidance=guidance(path, before, r.status),
            next_step=NOTHING_CHANGED if unchanged else next_step(r.status, r.conflict_id, r.version)))

    @tool(WRITE, title="Delete a file", description=(
        "Delete a file you read (or name expected_version). A file changed since is not deleted: status "
        "'conflict' with current_version. restore_version brings a deleted file back."))
    def delete_file(path: FilePath, expected_version: BaseVersion = None) -> Annotated[CallToolResult, FileOpOut]:
        return _answer(_file_op(state.ws.delete(path, expected_version=expected_version)))

    @tool(WRITE, title="Move a file", description=(
        "Rename or move a file you read (never over an existing file), on the same terms as delete_file."))
    def move_file(path: FilePath, destination: Annotated[str, Field(min_length=1, max_length=4096,
                                                                    description="The new path.")],
                  expected_version: BaseVersion = None) -> Annotated[CallToolResult, FileOpOut]:
        return _answer(_file_op(state.ws.move(path, destination, expected_version=expected_version)))

    @tool(WRITE_IDEMPOTENT, title="Create a directory", description=(
        "Create a directory and its missing parents; status 'exists' when it was there."))
    def create_directory(path: FilePath) -> Annotated[CallToolResult, FileOpOut]:
        return _answer(_file_op(state.ws.create_directory(path)))

    # -- listing and searching ------------------------------------------------------------------------------
    @tool(READ_ONLY, title="List a directory", description=(
        "List files and directories under path down to depth levels, without what .gitignore and the config "
        "exclude; truncated=true when max_entries was reached."))
    def list_directory(
        path: DirPath = ".",
        depth: Annotated[int, Field(ge=1, le=20, description="1: only the directory's own entries.")] = 1,
        include_hidden: Annotated[bool, Field(description="Include dot files.")] = False,
        max_entries: Annotated[int, Field(ge=1, le=10_000, description="Cap on entries.")] = 500,
    ) -> Annotated[CallToolResult, ListDirectoryResult]:
        r = state.ws.list_directory(path, depth=depth, include_hidden=include_hidden, max_entries=max_entries)
        return _answer(ListDirectoryResult(
            entries=[DirEntryOut(path=e.path, type=e.type, size=e.size) for e in r.entries], truncated=r.truncated))

    @tool(READ_ONLY, title="Search file contents", description=(
        "Search file contents with a regex (ripgrep syntax; fixed_strings=true for plain text), respecting "
        ".gitignore; narrow with path and glob. Answers path:line:column:text per match; truncated=true when "
        "max_results or the time limit was reached. Cheaper than reading files to find something."))
    def search(
        pattern: Annotated[str, Field(min_length=1, max_length=1000, description="A regex.")],
        path: DirPath = ".",
        glob: Annotated[str | None, Field(max_length=200, description="Only files matching it.")] = None,
        fixed_strings: Annotated[bool, Field(description="pattern is plain text.")] = False,
        case_sensitive: Annotated[bool, Field(description="false: ignore case.")] = True,
        context_lines: Annotated[int, Field(ge=0, le=10, description="Context lines each side.")] = 0,
        max_results: Annotated[int, Field(ge=1, le=1000, description="Cap on matches.")] = 100,
    ) -> Annotated[CallToolResult, SearchResultOut]:
        r = state.ws.search(pattern, path=path, glob=glob, fixed_strings=fixed_strings,
                            case_sensitive=case_sensitive, context_lines=context_lines, max_results=max_results)
        out = SearchResultOut(truncated=r.truncated, matches=[
            SearchMatchOut(path=m.path, line=m.line, column=m.column, text=_cut(m.text),
                           before=[_cut(x) for x in m.before] or None, after=[_cut(x) for x in m.after] or None)
            for m in r.matches])
        return _answer(out, _grep_lines(out))

    @tool(READ_ONLY, title="File facts", description=(
        "Size, version, mtime, encoding, line_ending and whether a file is binary, without its content."))
    def file_info(path: FilePath) -> Annotated[CallToolResult, FileInfoResult]:
        r = state.ws.file_info(path)
        return _answer(FileInfoResult(path=r.path, size=r.size, version=r.version, mtime=r.mtime,
                                      encoding=r.encoding, line_ending=r.line_ending, binary=r.binary))

    # -- conflicts and history ------------------------------------------------------------------------------
    def conflict_out(c: Any) -> ConflictOut:
        return ConflictOut(id=c.id, path=c.path, base_version=c.base_version, current_version=c.current_version,
                           incoming_version=c.incoming_version, client=c.client, created=c.created,
                           status=c.status, kind=c.kind,
                           proposal_clean=c.proposal_clean if c.kind == "overwritten" else None)

    @tool(READ_ONLY, title="List conflicts", description=(
        "The open conflicts of the workspace (every agent's), oldest first; kind 'overwritten': a program outside "
        "devreliab replaced a client's accepted change."))
    def list_conflicts(
        include_resolved: Annotated[bool, Field(description="Also list resolved and superseded ones.")] = False,
    ) -> Annotated[CallToolResult, ListConflictsResult]:
        r = state.ws.list_conflicts(include_resolved=include_resolved)
        return _answer(ListConflictsResult(conflicts=[conflict_out(c) for c in r.conflicts]))

    @tool(WRITE, title="Resolve a conflict", description=(
        "Resolve an open conflict: 'ours' writes the text that could not be merged, 'theirs' keeps the disk, "
        "'merged' writes the proposal of an 'overwritten' conflict (both changes; when it merged cleanly), "
        "'content' writes your text. A versioned write itself: it may merge, or conflict again (new conflict_id)."))
    def resolve_conflict(
        conflict_id: Annotated[str, Field(min_length=1, max_length=100, description="From the conflict.")],
        resolution: Annotated[Literal["ours", "theirs", "merged", "content"], Field(description="Which text wins.")],
        content: Annotated[str | None, Field(max_length=16 * 1024 * 1024, description=(
            "The text, with resolution 'content'."))] = None,
    ) -> Annotated[CallToolResult, ResolveConflictResult]:
        if resolution == "content" and content is None:
            raise ToolError("resolution 'content' needs the resolved text in content.")
        r = state.ws.resolve_conflict(conflict_id, resolution, content)
        return _answer(ResolveConflictResult(status=r.status, version=r.version, conflict_id=r.conflict_id,
                                             next_step=next_step(r.status, r.conflict_id, r.version)))

    @tool(READ_ONLY, title="File history", description=(
        "The versions of a file devreliab knows, newest first: version, the one before, client, time, action "
        "(client 'outside': a change no devreliab client made); restore_version brings one back."))
    def file_history(
        path: FilePath,
        limit: Annotated[int, Field(ge=1, le=200, description="Most recent versions to return.")] = 20,
    ) -> Annotated[CallToolResult, FileHistoryResult]:
        r = state.ws.file_history(path, limit=limit)
        return _answer(FileHistoryResult(path=r.path, versions=[
            HistoryEntryOut(version=v.version, before=v.before, client=v.client, time=v.time, action=v.action)
            for v in r.versions]))

    @tool(WRITE_IDEMPOTENT, title="Restore a version", description=(
        "Write back a version from file_history, byte for byte, over what is on disk; with expected_version a "
        "change made since is merged instead (or is a conflict)."))
    def restore_version(
        path: FilePath,
        version: Annotated[str, Field(min_length=1, max_length=80, description="From file_history.")],
        expected_version: BaseVersion = None,
    ) -> Annotated[CallToolResult, RestoreVersionResult]:
        r = state.ws.restore_version(path, version, expected_version=expected_version)
        return _answer(RestoreVersionResult(status=r.status, version=r.version, conflict_id=r.conflict_id,
                                            next_step=next_step(r.status, r.conflict_id, r.version)))

    # -- guidance --------------------------------------------------------------------------------------------
    @tool(READ_ONLY, title="Analyse a Python file", description=(
        "Quality and security of one Python file: maintainability, functions near or over the complexity gate, "
        "bandit findings, ranked fixes, the gate."))
    def analyze_file(
        path: FilePath,
        all_functions: Annotated[bool, Field(description="List every function, not only those near the gate.")]
        = False,
        content: Annotated[str | None, Field(max_length=16 * 1024 * 1024, description=(
            "Text to analyse instead of the file on disk."))]
        = None,
    ) -> Annotated[CallToolResult, AnalyzeFileResult]:
        ws = state.ws
        config = ws.config
        if content is None:
            rel, data = _python_file(ws, path)
            a = g.analyse(rel, data, config, ws.store)
        else:  # a buffer changes with every keystroke: analysed directly, never put in the cache
            rel, data = _python_path(ws, path), content.encode("utf-8")
            a = g.analyse(rel, data, config)
        baseline = read_baseline(config.baseline) if config.baseline is not None else None
        gate = evaluate([a], config.gates, baseline)
        every = g.functions(a)
        shown = every if all_functions else g.near_the_gate(every, config.gates.complexity_for(rel))
        return _answer(AnalyzeFileResult(
            path=a.path, version=a.version, maintainability=a.maintainability, mi_rank=a.mi_rank,
            functions=shown, functions_omitted=(len(every) - len(shown)) or None, findings=g.findings([a], detail=True),
            recommendations=g.recommendations([a]), gate=g.gate(gate), error=a.error.message if a.error else None))

    @tool(READ_ONLY, title="Analyse the project", description=(
        "Analyse the workspace's Python files (or paths, or those changed since a git ref): summary, hotspots, "
        "findings, fixes, the gate; truncated=true when lists were cut."))
    def analyze_project(
        paths: Annotated[list[FilePath] | None, Field(max_length=200, description="Default: the workspace.")] = None,
        changed_since: Annotated[str | None, Field(min_length=1, max_length=200, pattern=r"^[^-\s][^\s]*$",
                                                   description="A git ref, e.g. 'main'.")] = None,
    ) -> Annotated[CallToolResult, AnalyzeProjectResult]:
        ws = state.ws
        targets = [_inside_root(ws, p) for p in paths] if paths else None
        for t in targets or ():
            if not os.path.exists(t):
                raise ToolError(f"{t!r} does not exist. Check the path with list_directory.")
        config = ws.config
        result = analyze_path(targets, root=ws.root, config=config, jobs=config.jobs or 1,
                              changed_since=changed_since)
        findings = g.findings(result.files)
        recs = g.recommendations(result.files)
        return _answer(AnalyzeProjectResult(
            summary=ProjectSummary(files=len(result.files), analysed=result.analysed, cached=result.cached,
                                   errors=len(result.errors), findings=len(findings),
                                   seconds=round(result.seconds, 3)),
            hotspots=[HotspotOut(path=h.path, qualname=h.qualname, line=h.line, complexity=h.complexity,
                                 churn=h.churn, score=h.score) for h in result.hotspots[:MAX_HOTSPOTS]],
            findings=findings[:MAX_FINDINGS], recommendations=recs[:MAX_RECOMMENDATIONS],
            gate=g.gate(result.gate),
            truncated=len(findings) > MAX_FINDINGS or len(recs) > MAX_RECOMMENDATIONS))

    # -- health and metrics ---------------------------------------------------------------------------------
    @tool(READ_ONLY, title="Server health", description=(
        "Is something wrong? ok/degraded/failing for every devreliab server on this workspace, with reasons and "
        "an action each."))
    def health() -> Annotated[CallToolResult, HealthResult]:
        return _answer(health_of(state))

    @tool(READ_ONLY, title="Server metrics", description=(
        "This server's counters: cache, conflicts, per-tool calls, errors, durations."))
    def metrics() -> Annotated[CallToolResult, MetricsResult]:
        return _answer(metrics_of(state))


def metrics_of(state: ServerState) -> MetricsResult:
    import time

    stats = state.ws.cache_stats()
    conflicts, _ = _open_conflicts(state)
    samples, rates, processes = _monitor_figures(state.monitor)
    return MetricsResult(
        uptime_s=round(time.monotonic() - state.started, 3), pid=state.pid,
        cache=CacheStatsOut(**{k: v for k, v in stats.to_dict().items() if v or k not in _ZERO_OMITTED}),
        open_conflicts=conflicts,
        tools={name: _tool_metric(c) for name, c in state.stats.snapshot().items()},
        processes=processes, samples=samples, anomaly_rates=rates)


def _monitor_figures(monitor: Any) -> tuple[dict[str, SampleOut] | None, dict[str, float] | None, int | None]:
    """The monitor's latest non-zero samples, non-zero anomaly rates and process count (None without one)."""
    if monitor is None:
        return None, None, None
    samples = {m: SampleOut(**v) for m, v in monitor.snapshot().items()}
    return _nonzero_samples(samples), _nonzero(monitor.anomaly_rates()), monitor.health().processes or None


_ZERO_OMITTED = ("racy_rehashes", "evictions")


def _tool_metric(c: Any) -> ToolMetric:
    return ToolMetric(calls=c.calls, errors=c.errors or None, crashes=c.crashes or None,
                      mean_ms=round(c.total_s / c.calls * 1000, 3) if c.calls else 0.0,
                      max_ms=round(c.max_s * 1000, 3))


def _nonzero_samples(samples: dict[str, SampleOut] | None) -> dict[str, SampleOut] | None:
    """The samples worth a model's tokens: a zero that is not an anomaly says nothing."""
    kept = {m: s for m, s in (samples or {}).items() if s.value or s.anomaly}
    return kept or None


def _nonzero(rates: dict[str, float] | None) -> dict[str, float] | None:
    kept = {m: r for m, r in (rates or {}).items() if r}
    return kept or None
