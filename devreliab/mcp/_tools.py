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

from devreliab import DevreliabError, PathOutsideWorkspace
from devreliab.guidance import analyze_path
from devreliab.guidance._gates import evaluate, read_baseline
from devreliab.vfs import ReadError, Workspace

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
from ._state import ServerState

MAX_LINE_CHARS = 400
INLINE_READ_BYTES = 256 * 1024  # files up to this size are read on the event loop
MAX_FINDINGS = 50
MAX_RECOMMENDATIONS = 20
MAX_HOTSPOTS = 10

# -- argument types ----------------------------------------------------------------------------------------
_PATH = "File path relative to the workspace root ('/'-separated); an absolute path inside the root also works."
_VERSION = "A version as returned by read_file/write_file: 'sha256:' + 64 hex digits."
FilePath = Annotated[str, Field(min_length=1, max_length=4096, description=_PATH)]
DirPath = Annotated[str, Field(min_length=1, max_length=4096, description=(
    "Directory (or file) relative to the workspace root; '.' is the root."))]
Version = Annotated[str, Field(min_length=1, max_length=80, description=_VERSION)]
BaseVersion = Annotated[str | None, Field(min_length=1, max_length=80, description=(
    "The version your change is based on (default: the version you last read). 'absent' means 'I am creating "
    "this file'."))]
IfVersion = Annotated[str | None, Field(min_length=1, max_length=80, description=(
    "The version you already have: if the file still has it, the answer is {unchanged: true} without content."))]
StartLine = Annotated[int | None, Field(ge=1, le=10_000_000, description="First line to return, 1-based.")]
EndLine = Annotated[int | None, Field(ge=1, le=10_000_000, description="Last line to return, inclusive.")]
Content = Annotated[str, Field(max_length=16 * 1024 * 1024, description="The complete new text of the file.")]


class EditIn(BaseModel):
    """One search-and-replace edit."""

    model_config = {"extra": "forbid"}
    old_text: str = Field(min_length=1, max_length=1_000_000, description=(
        "Exact text to replace, copied from the file (whitespace included); it must occur exactly once unless "
        "replace_all is set."))
    new_text: str = Field(max_length=4_000_000, description="The replacement text.")
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

CONFLICT_HELP = (
    "A conflict is a normal answer, not an error: status 'conflict', conflict_id, current_version and in diff "
    "the merge with <<<<<<< ours / >>>>>>> theirs markers; nothing was written. Resolve it with "
    "resolve_conflict(conflict_id, 'ours' | 'theirs' | 'content' with the merged text), or read_file again and "
    "redo your change.")


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


async def read_answer(ws: Workspace, path: str, start_line: int | None = None, end_line: int | None = None,
                      if_version: str | None = None) -> CallToolResult:
    """read_file's answer (raises DevreliabError for a refusal). A cache hit or a small file is read on the
    event loop (a thread hand-over would cost more than the read); a bigger file on a worker thread."""
    r = ws.read_cached(path, start_line=start_line, end_line=end_line, if_version=if_version,
                       load_up_to=INLINE_READ_BYTES)
    if r is None:
        r = await anyio.to_thread.run_sync(functools.partial(
            ws.read, path, start_line=start_line, end_line=end_line, if_version=if_version))
    out = ReadFileResult(path=r.path, version=r.version, unchanged=True if r.unchanged else None,
                         encoding=r.encoding, line_ending=r.line_ending, total_lines=r.total_lines)
    # The text travels once, as the answer's text: a second copy in structuredContent would double the
    # bytes (and the client's parsing) of every read, and the tokens of clients that show both.
    return _answer(out, None if r.unchanged else r.content)


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
        "Read a text file of the workspace. The answer's text is the file's text (once); its structured content "
        "has path, version (sha256:…), encoding, line_ending and total_lines. Read only what you need: "
        "start_line/end_line give a range (total_lines is still the whole file). To re-check a file you already "
        "have, pass if_version=<the version you hold>: if the file did not change the answer is "
        "{unchanged: true} without text. The version you read is remembered as the "
        "base of your next write_file/edit_file to that file. Binary files are refused (use file_info)."))
    async def read_file(
        path: FilePath,
        start_line: StartLine = None,
        end_line: EndLine = None,
        if_version: IfVersion = None,
    ) -> Annotated[CallToolResult, ReadFileResult]:
        return await read_answer(state.ws, path, start_line, end_line, if_version)

    @tool(READ_ONLY, title="Read several files", description=(
        "Read up to 50 text files in one call. Returns results: one entry per path, in order, each either like "
        "read_file's answer (path, content, version, …) or {path, error, message} for a path that could not be "
        "read — one bad path does not fail the others."))
    def read_many(
        paths: Annotated[list[FilePath], Field(min_length=1, max_length=50, description="Files to read.")],
    ) -> Annotated[CallToolResult, ReadManyResult]:
        results = []
        for r in state.ws.read_many(paths):
            if isinstance(r, ReadError):
                results.append(ReadManyEntry(path=r.path, error=r.error, message=r.message))
            else:
                results.append(ReadManyEntry(path=r.path, version=r.version, content=r.content,
                                             encoding=r.encoding, line_ending=r.line_ending,
                                             total_lines=r.total_lines))
        return _answer(ReadManyResult(results=results))

    # -- writing ---------------------------------------------------------------------------------------------
    @tool(WRITE, title="Write a file", description=(
        "Create a file or replace its whole content. The change is based on expected_version if given, else on "
        "the version you last read: if the file changed since, your change is merged with the other change "
        "(status 'merged', diff shows the result) or, where both changed the same lines, nothing is written. "
        + CONFLICT_HELP + " Overwriting an existing file you never read is refused: read it first. To create a "
        "file that must not exist yet pass expected_version='absent'. Status 'created'/'written' omit the diff. "
        "For .py files, guidance lists what the write made worse in the quality gate (fix it while you are "
        "there). Prefer edit_file for small changes to big files."))
    def write_file(
        path: FilePath,
        content: Content,
        expected_version: BaseVersion = None,
    ) -> Annotated[CallToolResult, WriteFileResult]:
        before = before_bytes(path)
        r = state.ws.write(path, content, expected_version=expected_version)
        out = WriteFileResult(status=r.status, version=r.version, conflict_id=r.conflict_id,
                              current_version=r.current_version,
                              diff=r.diff if r.status in ("merged", "conflict") else None,
                              guidance=guidance(path, before, r.status))
        return _answer(out)

    @tool(WRITE, title="Edit a file", description=(
        "Apply search-and-replace edits to a text file, in order, all or nothing. Each old_text must occur "
        "exactly once (copy it from the file, whitespace included; add neighbouring lines to make it unique) "
        "unless replace_all is set. Edits apply to the file as it is now, so a change made meanwhile elsewhere "
        "in the file is kept (status 'merged'). dry_run=true shows the diff without writing. Returns status, "
        "version and the unified diff; for .py files, guidance lists what the edit made worse in the quality "
        "gate. An old_text that is missing or not unique is an error telling you to re-read the file."))
    def edit_file(
        path: FilePath,
        edits: Annotated[list[EditIn], Field(min_length=1, max_length=100, description="Edits, applied in order.")],
        expected_version: BaseVersion = None,
        dry_run: Annotated[bool, Field(description="Only show the diff; write nothing.")] = False,
    ) -> Annotated[CallToolResult, EditFileResult]:
        before = None if dry_run else before_bytes(path)
        r = state.ws.edit(path, [e.model_dump() for e in edits], expected_version=expected_version,
                          dry_run=dry_run)
        return _answer(EditFileResult(status=r.status, version=r.version, diff=r.diff,
                                      guidance=guidance(path, before, r.status)))

    # -- listing and searching ------------------------------------------------------------------------------
    @tool(READ_ONLY, title="List a directory", description=(
        "List files and directories under path (default: the workspace root) down to depth levels, skipping "
        "what .gitignore and the config exclude. Returns entries [{path, type, size}] and truncated=true when "
        "max_entries was reached (then list a subdirectory, or raise max_entries)."))
    def list_directory(
        path: DirPath = ".",
        depth: Annotated[int, Field(ge=1, le=20, description="1: only the directory's own entries.")] = 1,
        include_hidden: Annotated[bool, Field(description="Include names starting with '.'.")] = False,
        max_entries: Annotated[int, Field(ge=1, le=10_000, description="Cap on entries returned.")] = 500,
    ) -> Annotated[CallToolResult, ListDirectoryResult]:
        r = state.ws.list_directory(path, depth=depth, include_hidden=include_hidden, max_entries=max_entries)
        return _answer(ListDirectoryResult(
            entries=[DirEntryOut(path=e.path, type=e.type, size=e.size) for e in r.entries], truncated=r.truncated))

    @tool(READ_ONLY, title="Search file contents", description=(
        "Search the contents of workspace files with a regular expression (ripgrep syntax; fixed_strings=true "
        "for plain text), respecting .gitignore. Narrow with path (a directory or file) and glob (e.g. '*.py'). "
        "Returns matches [{path, line, column, text}] (with before/after when context_lines > 0) and "
        "truncated=true when max_results or the time limit was reached; the text answer lists them as "
        "path:line:column:text, one per line. Cheaper than reading files to find something."))
    def search(
        pattern: Annotated[str, Field(min_length=1, max_length=1000, description="Regex, or text with "
                                      "fixed_strings.")],
        path: DirPath = ".",
        glob: Annotated[str | None, Field(max_length=200, description="Only files matching this glob.")] = None,
        fixed_strings: Annotated[bool, Field(description="Treat pattern as plain text, not a regex.")] = False,
        case_sensitive: Annotated[bool, Field(description="false: ignore case.")] = True,
        context_lines: Annotated[int, Field(ge=0, le=10, description="Lines of context each side.")] = 0,
        max_results: Annotated[int, Field(ge=1, le=1000, description="Cap on matches returned.")] = 100,
    ) -> Annotated[CallToolResult, SearchResultOut]:
        r = state.ws.search(pattern, path=path, glob=glob, fixed_strings=fixed_strings,
                            case_sensitive=case_sensitive, context_lines=context_lines, max_results=max_results)
        out = SearchResultOut(truncated=r.truncated, matches=[
            SearchMatchOut(path=m.path, line=m.line, column=m.column, text=_cut(m.text),
                           before=[_cut(x) for x in m.before] or None, after=[_cut(x) for x in m.after] or None)
            for m in r.matches])
        return _answer(out, _grep_lines(out))

    @tool(READ_ONLY, title="File facts", description=(
        "Size, version, mtime, encoding, line_ending and whether a file is binary, without its content. Works "
        "for binary files too."))
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
        "The open conflicts of the whole workspace (from every agent), oldest first: id, path, kind ('write': two "
        "writes overlapped; 'overwritten': a program outside devreliab replaced a client's accepted change), the "
        "versions involved, who and when. Resolve each with resolve_conflict."))
    def list_conflicts(
        include_resolved: Annotated[bool, Field(description="Also list resolved and superseded ones.")] = False,
    ) -> Annotated[CallToolResult, ListConflictsResult]:
        r = state.ws.list_conflicts(include_resolved=include_resolved)
        return _answer(ListConflictsResult(conflicts=[conflict_out(c) for c in r.conflicts]))

    @tool(WRITE, title="Resolve a conflict", description=(
        "Resolve an open conflict: resolution 'ours' writes the text that could not be merged, 'theirs' keeps "
        "what was on disk, 'merged' writes the stored proposal of an 'overwritten' conflict (when it merged "
        "cleanly: both changes), 'content' writes the text you give in content (e.g. the merge with the markers "
        "resolved by you). This is itself a versioned write: if the file moved on again, it is merged, or "
        "conflicts again and the answer carries the new conflict_id."))
    def resolve_conflict(
        conflict_id: Annotated[str, Field(min_length=1, max_length=100, description="From a conflict answer or "
                                          "list_conflicts.")],
        resolution: Annotated[Literal["ours", "theirs", "merged", "content"], Field(description="Which text wins.")],
        content: Annotated[str | None, Field(max_length=16 * 1024 * 1024, description=(
            "The resolved text; required with resolution 'content'."))] = None,
    ) -> Annotated[CallToolResult, ResolveConflictResult]:
        if resolution == "content" and content is None:
            raise ToolError("resolution 'content' needs the resolved text in content.")
        r = state.ws.resolve_conflict(conflict_id, resolution, content)
        return _answer(ResolveConflictResult(status=r.status, version=r.version, conflict_id=r.conflict_id))

    @tool(READ_ONLY, title="File history", description=(
        "The versions of a file, newest first: version, the version before, which client, when and how (write, "
        "edit, restore, resolve; 'outside' for a change no devreliab client made, kept by the local history). Any "
        "listed version can be brought back with restore_version."))
    def file_history(
        path: FilePath,
        limit: Annotated[int, Field(ge=1, le=200, description="Most recent versions to return.")] = 20,
    ) -> Annotated[CallToolResult, FileHistoryResult]:
        r = state.ws.file_history(path, limit=limit)
        return _answer(FileHistoryResult(path=r.path, versions=[
            HistoryEntryOut(version=v.version, before=v.before, client=v.client, time=v.time, action=v.action)
            for v in r.versions]))

    @tool(WRITE_IDEMPOTENT, title="Restore a version", description=(
        "Write back a stored version of a file (from file_history), byte for byte. Restoring is an explicit "
        "decision, so it replaces what is on disk; pass expected_version to have a change made since merged "
        "instead (or reported as a conflict)."))
    def restore_version(
        path: FilePath,
        version: Annotated[str, Field(min_length=1, max_length=80, description=(
            "The version to bring back (from file_history)."))],
        expected_version: BaseVersion = None,
    ) -> Annotated[CallToolResult, RestoreVersionResult]:
        r = state.ws.restore_version(path, version, expected_version=expected_version)
        return _answer(RestoreVersionResult(status=r.status, version=r.version, conflict_id=r.conflict_id))

    # -- guidance --------------------------------------------------------------------------------------------
    @tool(READ_ONLY, title="Analyse a Python file", description=(
        "Quality and security analysis of one Python file: maintainability index, cyclomatic complexity per "
        "function (rank A..F), bandit security findings, ranked recommendations with the best fix for each, "
        "and whether the file passes the quality gate (with what fails it). Use it before and after "
        "refactoring."))
    def analyze_file(path: FilePath) -> Annotated[CallToolResult, AnalyzeFileResult]:
        ws = state.ws
        info = ws.file_info(path)
        if info.binary or not info.path.endswith((".py", ".pyi")):
            raise ToolError(f"{path!r} is not Python source (.py); analyze_file analyses Python files only.")
        data = (Path(ws.root) / info.path).read_bytes()
        config = ws.config
        a = g.analyse(info.path, data, config, ws.store)
        baseline = read_baseline(config.baseline) if config.baseline is not None else None
        gate = evaluate([a], config.gates, baseline)
        return _answer(AnalyzeFileResult(
            path=a.path, version=a.version, maintainability=a.maintainability, mi_rank=a.mi_rank,
            functions=g.functions(a), findings=g.findings([a]), recommendations=g.recommendations([a]),
            gate=g.gate(gate), error=a.error.message if a.error else None))

    @tool(READ_ONLY, title="Analyse the project", description=(
        "Analyse the Python files of the workspace (or of paths), or only those changed since a git ref: a "
        f"summary, the top {MAX_HOTSPOTS} hotspots (complex code that changes often), security findings (up to "
        f"{MAX_FINDINGS}), the top {MAX_RECOMMENDATIONS} recommendations and the quality gate; truncated=true "
        "when lists were cut. Unchanged files come from the analysis cache, so repeated runs are fast."))
    def analyze_project(
        paths: Annotated[list[FilePath] | None, Field(max_length=200, description=(
            "Files or directories to analyse (default: the whole workspace)."))] = None,
        changed_since: Annotated[str | None, Field(min_length=1, max_length=200, pattern=r"^[^-\s][^\s]*$",
                                                   description="Only files changed since this git ref, e.g. "
                                                   "'main' or 'HEAD~3'.")] = None,
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
        "Is something wrong? The health of every devreliab server on this workspace: status 'ok', 'degraded' or "
        "'failing' with reasons and a recommended action each, what is unusual now, forecasts, open conflicts."))
    def health() -> Annotated[CallToolResult, HealthResult]:
        return _answer(health_of(state))

    @tool(READ_ONLY, title="Server metrics", description=(
        "This server process's counters: content-cache hits/misses/evictions and bytes, open conflicts, and per "
        "tool the calls, errors, crashes and mean/max duration in ms since the process started; the monitor's "
        "latest sample (with anomaly flags) and anomaly rates per metric."))
    def metrics() -> Annotated[CallToolResult, MetricsResult]:
        return _answer(metrics_of(state))


def metrics_of(state: ServerState) -> MetricsResult:
    import time

    stats = state.ws.cache_stats()
    conflicts, _ = _open_conflicts(state)
    monitor = state.monitor
    samples = rates = processes = None
    if monitor is not None:
        samples = {m: SampleOut(**v) for m, v in monitor.snapshot().items()} or None
        rates = monitor.anomaly_rates() or None
        processes = monitor.health().processes or None
    return MetricsResult(
        uptime_s=round(time.monotonic() - state.started, 3), pid=state.pid,
        cache=CacheStatsOut(**stats.to_dict()), open_conflicts=conflicts,
        tools={name: ToolMetric(calls=c.calls, errors=c.errors, crashes=c.crashes,
                                mean_ms=round(c.total_s / c.calls * 1000, 3) if c.calls else 0.0,
                                max_ms=round(c.max_s * 1000, 3))
               for name, c in state.stats.snapshot().items()},
        processes=processes, samples=samples, anomaly_rates=rates)
