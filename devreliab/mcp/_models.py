"""The structured outputs of the MCP tools (pydantic models; their JSON schemas are the tools' output schemas).

Field names follow the tool table in docs/architecture.md, which is the public contract. Optional fields are
left out of the answer when they are empty (``None``), so an agent pays only for what is there.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

WriteStatus = Literal["created", "written", "merged", "conflict"]
EditStatus = Literal["created", "written", "merged", "conflict", "dry_run"]


class _Out(BaseModel):
    model_config = {"extra": "forbid"}


class ReadFileResult(_Out):
    """A read: the file's facts and, for clients that read the structured channel, its text in ``content``
    (which clients see the text where is said in docs/mcp-tools.md, "Answers")."""

    path: str = Field(description="Path relative to the workspace root.")
    version: str = Field(description="sha256:<hex> of the file's bytes; pass it as expected_version or if_version.")
    content: str | None = Field(default=None, description="The text read (the lines start_line..end_line).")
    encoding: str | None = None
    line_ending: str | None = Field(default=None, description="lf, crlf, cr, mixed or none")
    total_lines: int | None = Field(default=None, description="Lines in the whole file, not only the range returned.")
    start_line: int | None = Field(default=None, description="First line returned, when not the whole file.")
    end_line: int | None = Field(default=None, description="Last line returned, when not the whole file.")
    truncated: bool | None = Field(default=None, description="true: cut at the answer cap; ask for the rest.")
    next_start_line: int | None = Field(default=None, description="When truncated: where the rest begins.")
    unchanged: bool | None = Field(default=None, description="true when if_version matched: there is no text.")


class ReadManyEntry(_Out):
    path: str
    version: str | None = None
    content: str | None = None
    encoding: str | None = None
    line_ending: str | None = None
    total_lines: int | None = None
    end_line: int | None = None
    truncated: bool | None = None
    next_start_line: int | None = None
    error: str | None = Field(default=None, description="Error kind if the path could not be read: FileNotFound, …")
    message: str | None = Field(default=None, description="What went wrong and what to do.")


class ReadManyResult(_Out):
    results: list[ReadManyEntry] = Field(description="One entry per requested path, in order.")


class WriteFileResult(_Out):
    status: WriteStatus
    version: str | None = Field(default=None, description="The file's version after the write (none for a conflict).")
    conflict_id: str | None = Field(default=None, description="For a conflict: pass it to resolve_conflict.")
    current_version: str | None = Field(default=None, description="For a conflict: the version on disk now.")
    diff: str | None = Field(default=None, description="merged: the unified diff applied; conflict: the merge with "
                             "<<<<<<< / >>>>>>> markers. Left out for created/written.")
    guidance: list[str] | None = Field(default=None, description="For .py files: what this write changed in the "
                                       "quality gate (new security findings, functions that got more complex).")
    next_step: str | None = Field(default=None, description="For merged and conflict: what to do now.")
    merge_uri: str | None = Field(default=None, description="For a conflict: the resource with the whole merge.")


class EditFileResult(_Out):
    status: EditStatus
    version: str | None = None
    diff: str = Field(description="Unified diff of the change (for dry_run: the change that would be made).")
    conflict_id: str | None = None
    current_version: str | None = None
    merge_uri: str | None = None
    guidance: list[str] | None = None
    next_step: str | None = None


class FileOpOut(_Out):
    status: Literal["deleted", "moved", "created", "exists", "conflict"]
    path: str = Field(description="The path acted on (a move: the new path).")
    version: str | None = None
    current_version: str | None = None
    next_step: str | None = None


class DirEntryOut(_Out):
    path: str = Field(description="Relative to the workspace root, '/'-separated.")
    type: Literal["file", "dir", "symlink", "other"]
    size: int | None = None


class ListDirectoryResult(_Out):
    entries: list[DirEntryOut]
    truncated: bool = Field(description="true when max_entries was reached; list a subdirectory or raise it.")


class SearchMatchOut(_Out):
    path: str
    line: int = Field(description="1-based line number.")
    column: int = Field(description="1-based column, in characters.")
    text: str = Field(description="The matching line (long lines are cut to 400 characters).")
    before: list[str] | None = None
    after: list[str] | None = None


class SearchResultOut(_Out):
    matches: list[SearchMatchOut]
    truncated: bool = Field(description="true when max_results or the time limit was reached.")


class FileInfoResult(_Out):
    path: str
    size: int
    version: str
    mtime: float = Field(description="Seconds since the epoch.")
    encoding: str | None = None
    line_ending: str | None = None
    binary: bool


class ConflictOut(_Out):
    id: str
    path: str
    base_version: str | None = None
    current_version: str | None = Field(default=None, description="'theirs': what was on disk when the conflict arose.")
    incoming_version: str = Field(description="'ours': the text that could not be merged.")
    client: str
    created: float
    status: str = Field(description="open, resolved or superseded")
    kind: str = Field(default="write", description=(
        "write: two writes overlapped; overwritten: a write outside devreliab dropped this client's accepted change"))
    proposal_clean: bool | None = Field(default=None, description=(
        "overwritten: whether the stored proposal merged cleanly (then resolve_conflict(id, 'merged') applies it)"))


class ListConflictsResult(_Out):
    conflicts: list[ConflictOut]


class ResolveConflictResult(_Out):
    status: WriteStatus
    version: str | None = None
    conflict_id: str | None = Field(default=None, description="Set when the resolution itself conflicted with a newer "
                                    "change: resolve that one next.")
    next_step: str | None = None


class HistoryEntryOut(_Out):
    version: str
    before: str | None = None
    client: str
    time: float
    action: str = Field(description=(
        "write, edit, restore, resolve, hook-write; for client 'outside' (a write no devreliab client made): outside, "
        "revert, git-kept or overwrote"))


class FileHistoryResult(_Out):
    path: str
    versions: list[HistoryEntryOut] = Field(description="Newest first.")


class RestoreVersionResult(_Out):
    status: WriteStatus
    version: str | None = None
    conflict_id: str | None = None
    next_step: str | None = None


class FunctionMetric(_Out):
    qualname: str
    kind: str
    line: int
    complexity: int
    rank: str = Field(description="radon rank A (simple) .. F (very complex)")


class FindingOut(_Out):
    path: str
    test_id: str
    severity: str
    confidence: str
    line: int
    qualname: str
    message: str
    cwe: int | None = None
    col_offset: int | None = None  # 0-based; end_col_offset is on the finding's last line (docs/mcp-tools.md)
    end_col_offset: int | None = None
    more_info: str | None = None  # bandit's page on the rule


class RecommendationOut(_Out):
    path: str
    rule: str
    qualname: str
    line: int
    problem: str
    fix: str = Field(description="The best-ranked way to fix it.")
    code: str | None = Field(default=None, description="That fix as code; none when no rewrite keeps behaviour.")
    score: float | None = None
    alternatives: list[str] | None = Field(default=None, description="Next-ranked fixes: 'title (score)'.")


class GateOut(_Out):
    passed: bool
    failing: list[str] = Field(description="What fails the gate, one line each (capped).")
    failing_count: int


class AnalyzeFileResult(_Out):
    path: str
    version: str
    maintainability: float | None = None
    mi_rank: str | None = None
    functions: list[FunctionMetric] = Field(description="The functions that fail the gate or are close to it "
                                            "(all of them with all_functions).")
    functions_omitted: int | None = Field(default=None, description="Functions left out as simple.")
    findings: list[FindingOut]
    recommendations: list[RecommendationOut]
    gate: GateOut
    error: str | None = Field(default=None, description="Why the file could not be analysed (syntax error, ...).")


class HotspotOut(_Out):
    path: str
    qualname: str
    line: int
    complexity: int
    churn: int
    score: float


class ProjectSummary(_Out):
    files: int
    analysed: int
    cached: int
    errors: int
    findings: int
    seconds: float


class AnalyzeProjectResult(_Out):
    summary: ProjectSummary
    hotspots: list[HotspotOut]
    findings: list[FindingOut]
    recommendations: list[RecommendationOut]
    gate: GateOut
    truncated: bool = Field(description="true when findings or recommendations were cut to the cap.")


class CacheStatsOut(_Out):
    hits: int
    misses: int
    racy_rehashes: int | None = None  # left out when 0
    evictions: int | None = None  # left out when 0
    entries: int
    bytes_held: int
    max_bytes: int


class HealthReasonOut(_Out):
    status: Literal["degraded", "failing"]
    reason: str
    action: str = Field(description="What to do about it.")
    metric: str | None = None


class UnusualOut(_Out):
    metric: str
    process: str = Field(description="PID@start time of the server process the metric belongs to.")
    value: float
    score: float = Field(description="How far from its own recent past, in robust standard deviations.")
    anomaly_rate: float = Field(description="Share of the metric's samples of the last 15 minutes flagged.")
    since: float = Field(description="Unix time of the first sample of the current unusual run.")


class HealthResult(_Out):
    status: Literal["ok", "degraded", "failing", "unknown"]  # unknown: no samples at all (nothing to judge)
    reasons: list[str] = Field(description="Why the status is not ok (empty when ok).")
    open_conflicts: int | None = None
    state_store: Literal["ok", "unusable"]
    details: list[HealthReasonOut] | None = Field(default=None, description=(
        "Each reason with its status and a recommended action."))
    unusual: list[UnusualOut] | None = Field(default=None, description="What is unusual now, most unusual first.")
    forecasts: list[str] | None = Field(default=None, description="Where latency, memory and the cache are going.")
    notes: list[str] | None = None


class ToolMetric(_Out):
    calls: int
    errors: int | None = Field(default=None, description="Calls answered with isError (left out when 0).")
    crashes: int | None = Field(default=None, description="Calls that failed unexpectedly (left out when 0).")
    mean_ms: float
    max_ms: float


class SampleOut(_Out):
    value: float
    anomaly: bool
    score: float | None = None


class MetricsResult(_Out):
    uptime_s: float
    pid: int
    cache: CacheStatsOut
    open_conflicts: int | None = None
    tools: dict[str, ToolMetric] = Field(description="Per tool, since this server process started.")
    processes: int | None = Field(default=None, description="Server processes of the workspace sampling now.")
    samples: dict[str, SampleOut] | None = Field(default=None, description=(
        "This process's latest monitor sample: per metric its value and whether it is an anomaly."))
    anomaly_rates: dict[str, float] | None = Field(default=None, description=(
        "Per metric, the share of samples of the last 15 minutes (all processes) flagged as anomalies."))
