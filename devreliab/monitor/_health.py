"""The workspace's health from the samples of every server process: a status, reasons with an action each,
what is unusual now (ranked), advice on how agents use the tools, and forecasts in plain sentences.

Reasons are conditions, not events: each holds while its condition does (error ratios against an error budget
over a short and a long window, latency against the tool's learned baseline, open conflicts, stalled processes),
names when it started and what it concerns (a tool, an agent, a process), and says what to do.
"""

from __future__ import annotations

import math
import time as _time
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from operator import attrgetter
from statistics import median
from typing import Any, Literal

from . import _proc
from ._forecast import duration_words, regression, size_words
from ._samples import ConflictInfo, ProcessRow, Row

Status = Literal["ok", "degraded", "failing"]
_RANK: dict[Status, int] = {"ok": 0, "degraded": 1, "failing": 2}

WINDOW_S = 15 * 60  # the dashboard's window; and what "recent" means for anomaly rates
HISTORY_S = 60 * 60  # what the health reads: an hour, for the tools' learned baselines
CRASH_WINDOW_S = 5 * 60
LONG_SAMPLES = 30  # the long window of the error budget: 30 samples (5 minutes at the default 10 s)
HOLD_SAMPLES = 3  # a condition holds while it is met over the last 3 samples pooled (no flapping on a quiet one)
ERROR_BUDGET = 0.05  # 95 % of a tool's calls succeed; burn rate = error ratio / budget
FAILING_BURN = 5.0  # ≥ 25 % of the calls fail over both windows: failing (a page, in SRE terms)
MIN_ERRORS = 3
SIGNIFICANCE_Z = 3.1  # one-sided p < 0.001 against the tool's baseline error ratio
BASELINE_SAMPLES = 12  # samples (with calls) before a tool's latency has a baseline
LATENCY_FACTOR = 3.0
LATENCY_MIN_DELTA_MS = 10.0
LATENCY_MIN_CALLS = 3
SLOW_SEARCH_MS = 2000.0
SLOW_TOOL_MS = 10_000.0
SLOW_READ_MS = 1000.0
READ_TOOLS = frozenset({"read_file", "read_many", "file_info", "list_directory"})
LOOP_LAG_DEGRADED_MS = 500.0
LOOP_LAG_FAILING_MS = 5000.0
SLOW_TOOLS_EXEMPT = frozenset({"analyze_project", "analyze_file"})  # analysing a project takes long by nature
CONFLICT_RUN = 3  # conflicts created within the long window
LOOP_REPEATS = 10  # the same call (tool and arguments) this often within one sample: a loop
AGENT_ERROR_FACTOR = 3.0
AGENT_MIN_ERROR_RATIO = 0.2
BYTES_FACTOR = 5.0
BYTES_MIN_PER_CALL = 50_000.0
STALL_INTERVALS = 1.5


@dataclass(frozen=True)
class Reason:
    status: Status
    reason: str
    action: str
    metric: str | None = None
    since: float | None = None  # when the condition started (wall time)
    subject: str | None = None  # the tool, agent (client name) or process it concerns


@dataclass(frozen=True)
class Unusual:
    metric: str
    process: str
    value: float
    score: float  # robust z-score of the latest flagged sample
    anomaly_rate: float  # share of the metric's recent samples flagged
    since: float  # wall time of the first flagged sample of the current run


@dataclass
class Health:
    status: Status
    reasons: list[Reason] = field(default_factory=list)
    unusual: list[Unusual] = field(default_factory=list)
    forecasts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    processes: int = 0  # server processes that sampled recently
    anomaly_rates: dict[str, float] = field(default_factory=dict)  # per metric, all processes, the window
    state_store: Literal["ok", "unusable"] = "ok"
    advice: list[Reason] = field(default_factory=list)  # how the agents could use the tools better

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def clock_words(t: float) -> str:
    return _time.strftime("%H:%M:%S", _time.localtime(t))


Series = dict[tuple[str, str], list[Row]]


def series_of(rows: list[Row]) -> Series:
    out: Series = defaultdict(list)
    for r in rows:
        out[(r.process, r.metric)].append(r)
    return out


def _tool_of(metric: str) -> str | None:
    parts = metric.split(".")
    return parts[1] if parts[0] == "tool" and len(parts) == 3 else None


@dataclass(frozen=True)
class _View:
    """What the rules look at: the samples by (process, metric), each series' latest sample, the time, the
    sampling interval of each process and the processes that still sample."""

    series: Series
    latest: dict[tuple[str, str], Row]
    now: float
    intervals: dict[str, float]
    alive: frozenset[str]
    memo: dict[Any, Any]  # slow-moving figures (hour baselines), kept by a caller that judges again

    def interval(self, process: str) -> float:
        return self.intervals.get(process, 10.0)

    def recent(self, row: Row, samples: float) -> bool:
        return self.now - row.time <= samples * self.interval(row.process) + 1.0

    def remember(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, recomputed at most once a minute (baselines over the hour move slowly); keys are spread
        over the minute so that no one call recomputes them all."""
        stamp = int((self.now + hash(key) % 60) // 60)
        found = self.memo.get(key)
        if found is None or found[0] != stamp:
            found = self.memo[key] = (stamp, compute())
        return found[1]


def tail(rs: list[Row], since: float) -> list[Row]:
    """The rows of a series (in time order) from ``since`` on."""
    return rs[bisect_left(rs, since, key=lambda r: r.time):]


def assess(rows: list[Row], procs: list[ProcessRow], now: float, *, store_problem: str | None = None,
           live_crashes: int = 0, notes: list[str] | None = None, cache_max_bytes: int | None = None,
           own_process: str | None = None, export_problem: str | None = None,
           conflicts: ConflictInfo | None = None, series: Series | None = None,
           run_state: Callable[[int, float], str | None] = _proc.run_state,
           memo: dict[Any, Any] | None = None) -> Health:
    """Everything the monitor can still say from what it has; a metric with no history is simply not judged.
    ``series``: the rows already grouped by (process, metric), in the order they were written."""
    series = series if series is not None else series_of(rows)
    alive = frozenset(p.process for p in procs if now - p.last_seen <= max(3 * p.interval, 30.0))
    view = _View(series, {key: rs[-1] for key, rs in series.items() if rs}, now,
                 {p.process: p.interval for p in procs}, alive, memo if memo is not None else {})
    reasons = _fixed_reasons(view, store_problem, live_crashes, own_process, export_problem)
    reasons += _stalled(view, procs, own_process, run_state)
    for rule in (_error_budget, _slow, _cache_pressure, _agent_loops, _agent_errors):
        reasons += rule(view)
    reasons += _conflicts(view, conflicts)
    status: Status = max((r.status for r in reasons), key=_RANK.__getitem__, default="ok")
    forecast_series = {k: v for k, v in series.items() if k[0] in alive} if procs else series
    reasons = _dedupe(reasons)
    advice = _bytes_per_call(view)
    return Health(status=status, reasons=reasons, unusual=_unusual(view),
                  forecasts=_forecasts(view, forecast_series, cache_max_bytes, reasons),
                  notes=[*(notes or []), *(f"advice: {a.reason}; {a.action}" for a in advice)],
                  processes=len(alive), state_store="unusable" if store_problem else "ok",
                  anomaly_rates={m: round(v, 4) for m, v in anomaly_rates(view).items()}, advice=advice)


EXPORT_ACTION = ("check monitor.otlp_endpoint in devreliab.jsonc (or OTEL_EXPORTER_OTLP_ENDPOINT) and that an "
                 "OTLP/HTTP receiver listens there; the server keeps serving and retries every export interval")
STORE_ACTION = ("check free disk space and the permissions of .devreliab/ in the workspace; a corrupt store is "
                "moved aside and rebuilt when a server next opens it")


def _fixed_reasons(view: _View, store_problem: str | None, live_crashes: int, own_process: str | None,
                   export_problem: str | None) -> list[Reason]:
    reasons: list[Reason] = []
    if store_problem:
        reasons.append(Reason("degraded", f"the state store is unusable: {store_problem}", STORE_ACTION, "store"))
    # this process's crashes are counted live (``live_crashes``), the others' from their samples
    crashes = live_crashes + sum(r.value for (proc, metric), rs in view.series.items()
                                 if metric.endswith(".crashes") and proc != own_process
                                 for r in tail(rs, view.now - CRASH_WINDOW_S))
    if crashes:
        reasons.append(Reason("failing" if crashes >= 5 else "degraded",
                              f"{int(crashes)} tool call(s) crashed in the last 5 minutes",
                              "read the server's log (stderr) for the traceback and report it; restart the server "
                              "if it keeps happening", "crashes"))
    if export_problem:
        reasons.append(Reason("degraded", f"metrics cannot be exported over OTLP: {export_problem}", EXPORT_ACTION,
                              "otlp"))
    for (proc, metric), rs in sorted(view.series.items()):
        if metric != "otlp.export_failures" or proc == (own_process if export_problem else None):
            continue
        failed = sum(r.value for r in tail(rs, view.now - CRASH_WINDOW_S))
        if failed and rs[-1].value > 0:
            reasons.append(Reason("degraded", f"process {proc.split('@')[0]} cannot export metrics over OTLP "
                                  f"({int(failed)} failed export(s) in the last 5 minutes; its log says why)",
                                  EXPORT_ACTION, metric, subject=f"process {proc.split('@')[0]}"))
    return reasons


# -- processes that stopped sampling -----------------------------------------------------------------------
def _stalled(view: _View, procs: list[ProcessRow], own: str | None,
             run_state: Callable[[int, float], str | None]) -> list[Reason]:
    """A process that was sampling and still runs, but is stopped (SIGSTOP, a debugger) or has not written a
    sample for 1.5 intervals (its worker threads or the state store are stuck)."""
    out = []
    for p in procs:
        late = view.now - p.last_seen
        if p.process == own or late > 10 * 60:
            continue
        state = run_state(p.pid, p.started)
        if state is None or state == "Z":
            continue
        pid = p.process.split("@")[0]
        if state in ("T", "t"):
            out.append(Reason("failing", f"server process {pid} is stopped (SIGSTOP or a debugger): its agent's "
                              f"calls hang (last sample at {clock_words(p.last_seen)})",
                              f"resume it (kill -CONT {pid}) or restart the agent's server", "process",
                              p.last_seen, f"process {pid}"))
        elif late > STALL_INTERVALS * p.interval + 1.0:
            out.append(Reason("degraded", f"server process {pid} runs but has written no sample for {late:.0f} s "
                              f"(since {clock_words(p.last_seen)}): it or the state store is stalled",
                              "check the machine's load and whether another process holds .devreliab/state.db "
                              "locked; restart the server if it does not recover", "process", p.last_seen,
                              f"process {pid}"))
    return out


# -- error budget: ratios over a short and a long window ---------------------------------------------------
@dataclass
class _Calls:
    """One tool's (or agent's) calls and errors per sample, all processes, in time order."""

    samples: list[tuple[float, float, float, str]] = field(default_factory=list)  # (time, calls, errors, process)


def _tool_calls(view: _View, prefix: str = "tool", last: int | None = LONG_SAMPLES + 2) -> dict[str, _Calls]:
    """Per tool (or agent): the ``last`` samples of each process (None: all of the hour)."""
    out: dict[str, _Calls] = defaultdict(_Calls)
    for (proc, metric), rs in view.series.items():
        parts = metric.split(".")
        if len(parts) != 3 or parts[0] != prefix or parts[2] != "calls":
            continue
        base = f"{prefix}.{parts[1]}"
        rs = rs if last is None else rs[-last:]
        since = rs[0].time if rs else 0.0
        errors = _by_time(tail(view.series.get((proc, f"{base}.errors"), []), since))
        crashes = _by_time(tail(view.series.get((proc, f"{base}.crashes"), []), since))
        calls = out[parts[1]]
        for r in rs:
            calls.samples.append((r.time, r.value, errors.get(r.time, 0.0) + crashes.get(r.time, 0.0), proc))
    for calls in out.values():
        calls.samples.sort()
    return out


def _hour_ratio(view: _View, prefix: str, name: str) -> float:
    """The hour's error ratio of a tool (or agent), all processes."""
    calls = errors = 0.0
    for proc in view.intervals:
        calls += sum(map(_VALUE, view.series.get((proc, f"{prefix}.{name}.calls"), ())))
        for kind in ("errors", "crashes"):
            errors += sum(map(_VALUE, view.series.get((proc, f"{prefix}.{name}.{kind}"), ())))
    return errors / calls if calls else 0.0


_VALUE = attrgetter("value")


def _by_time(rows: list[Row]) -> dict[float, float]:
    return {r.time: r.value for r in rows}


def _significant(errors: float, calls: float, baseline: float) -> bool:
    """More errors than the baseline ratio explains (a one-sided binomial test, normal approximation)."""
    if errors < MIN_ERRORS or calls <= 0 or errors / calls < ERROR_BUDGET:
        return False
    spread = math.sqrt(calls * baseline * (1 - baseline))
    return (errors - calls * baseline - 0.5) / spread >= SIGNIFICANCE_Z


def _baseline_ratio(view: _View, tool: str) -> float:
    """The error ratio the tool usually has (the hour's), never below 1 % nor above the budget: a steady high
    error ratio is a problem, not the baseline."""
    ratio = view.remember(("ratio", tool), lambda: _hour_ratio(view, "tool", tool))
    return float(min(ERROR_BUDGET, max(0.01, ratio)))


def _pooled(samples: list[tuple[float, float, float, str]]) -> tuple[float, float]:
    return sum(s[1] for s in samples), sum(s[2] for s in samples)


def _recent_samples(view: _View, samples: list[tuple[float, float, float, str]],
                    n: int) -> list[tuple[float, float, float, str]]:
    """The last ``n`` samples of each process (within ``n + 1`` intervals of now: a process that stopped
    sampling no longer counts)."""
    out: list[tuple[float, float, float, str]] = []
    taken: dict[str, int] = defaultdict(int)
    for s in reversed(samples):
        if taken[s[3]] < n and view.now - s[0] <= (n + 1) * view.interval(s[3]):
            taken[s[3]] += 1
            out.append(s)
    return out[::-1]


def _burn_start(view: _View, samples: list[tuple[float, float, float, str]], baseline: float) -> float:
    """The start of the current run of samples whose error ratio exceeds the budget (quiet samples bridged)."""
    start = samples[-1][0]
    for t, calls, errors, proc in reversed(samples):
        if calls and errors / calls < ERROR_BUDGET and not _significant(errors, calls, baseline):
            break
        if calls:
            start = t - view.interval(proc)
    return start


def _error_budget(view: _View) -> list[Reason]:
    """Per tool, all processes: the error ratio of the latest samples (short window, pooled over the last
    ``HOLD_SAMPLES``) significantly above the baseline and above the budget; failing when half the calls fail
    over both the short and the long window."""
    out = []
    for tool, calls in sorted(_tool_calls(view).items()):
        short = _recent_samples(view, calls.samples, HOLD_SAMPLES)
        n_s, e_s = _pooled(short)
        baseline = _baseline_ratio(view, tool)
        if not _significant(e_s, n_s, baseline):
            continue
        n_l, e_l = _pooled(_recent_samples(view, calls.samples, LONG_SAMPLES))
        burn_s, burn_l = e_s / n_s / ERROR_BUDGET, e_l / max(n_l, 1.0) / ERROR_BUDGET
        status: Status = "failing" if min(burn_s, burn_l) >= FAILING_BURN else "degraded"
        if n_s >= 5 and e_s >= n_s and n_l >= 5 and e_l >= n_l:
            text = f"every call of {tool} fails ({int(n_l)} calls in the last {_window_words(view, LONG_SAMPLES)})"
        else:
            text = (f"{e_s / n_s:.0%} of the calls of {tool} fail ({int(e_s)} of {int(n_s)} lately, "
                    f"{e_l / max(n_l, 1.0):.0%} over {_window_words(view, LONG_SAMPLES)}; budget "
                    f"{ERROR_BUDGET:.0%}, burn rate {burn_s:.1f}×)")
        since = _burn_start(view, calls.samples, baseline)
        if since <= calls.samples[0][0]:  # the run is older than the samples at hand: look back over the hour
            since = _burn_start(view, _tool_calls(view, last=None)[tool].samples, baseline)
        out.append(Reason(status, f"{text} since {clock_words(since)}",
                          f"look at what {tool} answered since then (missing files, refused paths, stale versions, "
                          "conflicts: list_conflicts shows them) and fix the caller or the workspace",
                          f"tool.{tool}.error_rate", since, tool))
    return out


def _window_words(view: _View, samples: int) -> str:
    interval = median(view.intervals.values()) if view.intervals else 10.0
    return duration_words(samples * interval)


# -- latency against each tool's learned baseline ----------------------------------------------------------
def _latency_baseline(rows: list[Row], calls: dict[float, float]) -> float | None:
    """The lower quartile of the tool's per-sample median latency over the hour (samples with calls), so that
    a slow spell shorter than three quarters of the hour does not become the baseline."""
    values = sorted(r.value for r in rows[:-HOLD_SAMPLES] if calls.get(r.time, 0.0) >= LATENCY_MIN_CALLS)
    if len(values) < BASELINE_SAMPLES:
        return None
    return values[len(values) // 4]


def _slow_latency(view: _View, proc: str, tool: str) -> Reason | None:
    rows = view.series.get((proc, f"tool.{tool}.p50_ms"), [])
    if not rows or not view.recent(rows[-1], HOLD_SAMPLES):
        return None
    calls_rows = view.series.get((proc, f"tool.{tool}.calls"), [])
    base = view.remember(("latency", proc, tool), lambda: _latency_baseline(rows, _by_time(calls_rows)))
    if base is None:
        return None
    calls = _by_time(tail(calls_rows, rows[max(0, len(rows) - 2 * HOLD_SAMPLES - 2)].time))

    def slow(r: Row) -> bool:
        return (calls.get(r.time, 0.0) >= LATENCY_MIN_CALLS and r.value >= LATENCY_FACTOR * base
                and r.value - base >= LATENCY_MIN_DELTA_MS)

    last = [r for r in rows[-HOLD_SAMPLES:] if view.recent(r, HOLD_SAMPLES)]
    if not any(slow(r) for r in last[-2:]):
        return None
    calls = _by_time(calls_rows)  # slow now: find where the slow run started
    start = len(rows) - 1
    while start > 0 and (slow(rows[start - 1]) or calls.get(rows[start - 1].time, 0.0) < LATENCY_MIN_CALLS):
        start -= 1
    worst = max((r for r in last if slow(r)), key=lambda r: r.value)
    since = rows[start].time - view.interval(proc)
    action = SEARCH_ACTION if tool == "search" else ("check the disk (a slow or network filesystem, I/O "
                                                     "contention) and the machine's load; read the server's log")
    return Reason("degraded", f"{tool} is slow since {clock_words(since)}: median {worst.value:.0f} ms against "
                  f"its usual {base:.1f} ms ({worst.value / max(base, 1e-3):.0f}×, process {proc.split('@')[0]})",
                  action, f"tool.{tool}.p50_ms", since, tool)


SEARCH_ACTION = ("exclude large generated directories from search (node_modules, build output, data: the 'exclude' "
                 "list in devreliab.jsonc) or pass a narrower path")


def _slow(view: _View) -> list[Reason]:
    """Slow tools against their baseline and absolutely (search has its own advice), and a blocked loop."""
    out = []
    for (proc, metric), r in sorted(view.latest.items()):
        tool = _tool_of(metric)
        if tool is not None and metric.endswith(".p50_ms"):
            found = _slow_latency(view, proc, tool)
            if found is not None:
                out.append(found)
        elif tool is not None and metric.endswith(".p95_ms") and view.recent(r, HOLD_SAMPLES):
            out += _slow_absolute(tool, r)
        elif metric == "loop.lag_ms" and r.value > LOOP_LAG_DEGRADED_MS and view.recent(r, HOLD_SAMPLES):
            out.append(Reason("failing" if r.value > LOOP_LAG_FAILING_MS else "degraded",
                              f"the event loop of process {proc.split('@')[0]} was blocked for {r.value:.0f} ms",
                              "something runs on the event loop instead of a worker thread, or the machine is "
                              "overloaded: check its load and report it", metric, r.time,
                              f"process {proc.split('@')[0]}"))
    return _worst_per_tool(out)


def _slow_absolute(tool: str, r: Row) -> list[Reason]:
    if tool in SLOW_TOOLS_EXEMPT:
        return []
    limit = SLOW_SEARCH_MS if tool == "search" else SLOW_READ_MS if tool in READ_TOOLS else SLOW_TOOL_MS
    if r.value <= limit:
        return []
    action = SEARCH_ACTION if tool == "search" else "check the disk and the machine's load; read the server's log"
    return [Reason("degraded", f"{tool} is slow: p95 {r.value / 1000:.1f} s (above {limit / 1000:g} s)", action,
                   f"tool.{tool}.p95_ms", r.time, tool)]


def _worst_per_tool(reasons: list[Reason]) -> list[Reason]:
    """One latency reason per tool (the baseline one, which names its start, before the absolute one)."""
    seen: set[str | None] = set()
    out = []
    for r in sorted(reasons, key=lambda r: (r.metric or "").endswith("p95_ms")):
        key = r.subject if r.metric != "loop.lag_ms" else r.reason
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _cache_pressure(view: _View) -> list[Reason]:
    """A process's content cache is at least half full and evicted in the last 5 minutes."""
    for proc in sorted({p for p, _ in view.series}):
        held, budget = view.latest.get((proc, "cache.bytes_held")), view.latest.get((proc, "cache.max_bytes"))
        evictions = tail(view.series.get((proc, "cache.evictions"), []), view.now - CRASH_WINDOW_S)
        evicted = sum(r.value for r in evictions)
        if held and budget and budget.value > 0 and held.value >= 0.5 * budget.value and evicted > 0:
            since = next(r.time for r in evictions if r.value > 0)
            return [Reason("degraded", f"the content cache is full and evicting ({int(evicted)} evictions in "
                           f"5 minutes; {size_words(budget.value)} budget) since {clock_words(since)}",
                           f"raise cache.max_bytes in devreliab.jsonc (now {int(budget.value)})", "cache.evictions",
                           since)]
    return []


# -- conflicts -------------------------------------------------------------------------------------------
def _conflicts(view: _View, info: ConflictInfo | None) -> list[Reason]:
    """Open conflicts (work an agent must look at), outside overwrites of accepted work, a run of conflicts."""
    if info is None:
        return _conflicts_from_samples(view)
    out = []
    if info.open_write:
        who = f" (by {', '.join(info.open_clients)})" if info.open_clients else ""
        out.append(Reason("degraded", f"{info.open_write} write conflict(s) are open since "
                          f"{clock_words(info.oldest_open)}{who}; the oldest on {info.oldest_path}",
                          "the agent that got the conflict should resolve it: list_conflicts, then "
                          "resolve_conflict (ours, theirs or merged content)", "vfs.open_conflicts",
                          info.oldest_open, ", ".join(info.open_clients) or None))
    if info.open_overwritten:
        out.append(Reason("degraded", f"{info.open_overwritten} change(s) made outside devreliab overwrote accepted "
                          f"work (overwrite guard) since {clock_words(info.oldest_overwritten)}",
                          "list_conflicts (kind 'overwritten') shows what was lost; restore it with "
                          "resolve_conflict or restore_version", "vfs.overwritten", info.oldest_overwritten))
    if info.recent >= CONFLICT_RUN:
        out.append(Reason("degraded", f"a run of {info.recent} write conflicts in the last "
                          f"{_window_words(view, LONG_SAMPLES)} (since {clock_words(info.recent_since)})",
                          "several agents edit the same files: give them separate files or tasks, and have them "
                          "re-read (read_file with if_version) before editing", "vfs.conflicts", info.recent_since))
    return out


def _conflicts_from_samples(view: _View) -> list[Reason]:
    latest = [r for (_, m), r in view.latest.items() if m == "vfs.open_conflicts" and view.recent(r, 3)]
    n = max((r.value for r in latest), default=0.0)
    if not n:
        return []
    return [Reason("degraded", f"{int(n)} write conflict(s) are open",
                   "list_conflicts, then resolve_conflict (ours, theirs or merged content)", "vfs.open_conflicts")]


# -- agents ------------------------------------------------------------------------------------------------
def _agent_loops(view: _View) -> list[Reason]:
    """An agent that repeats the same call (tool and arguments) many times within one sample."""
    out = []
    for (proc, metric), rs in sorted(view.series.items()):
        parts = metric.split(".")
        if len(parts) != 4 or parts[0] != "client" or parts[2] != "repeats":
            continue
        recent = [r for r in rs[-HOLD_SAMPLES:] if view.recent(r, HOLD_SAMPLES)]
        if not recent or max(r.value for r in recent) < LOOP_REPEATS:
            continue
        start = len(rs) - 1
        while start > 0 and rs[start - 1].value >= LOOP_REPEATS:
            start -= 1
        since = rs[start].time - view.interval(proc)
        agent, tool = parts[1], parts[3]
        out.append(Reason("degraded", f"agent {agent} repeats the same {tool} call (same arguments) "
                          f"{int(recent[-1].value)} times a sample since {clock_words(since)}: it looks stuck in "
                          "a loop",
                          f"look at what {agent} is doing and stop or redirect it; an unchanged answer will not "
                          "change by asking again", metric, since, agent))
    return out


def _agent_errors(view: _View) -> list[Reason]:
    """One agent's error ratio far above the other agents' over the long window."""
    agents = {a: _pooled(_recent_samples(view, c.samples, LONG_SAMPLES))
              for a, c in _tool_calls(view, "client").items()}
    out = []
    for agent, (calls, errors) in sorted(agents.items()):
        others_calls = sum(c for a, (c, _) in agents.items() if a != agent)
        others_errors = sum(e for a, (_, e) in agents.items() if a != agent)
        if others_calls < 10 or calls < 10:
            continue
        ratio, others = errors / calls, others_errors / others_calls
        if ratio >= AGENT_MIN_ERROR_RATIO and ratio >= AGENT_ERROR_FACTOR * max(others, 0.01) \
                and _significant(errors, calls, min(0.5, max(others, 0.01))):
            out.append(Reason("degraded", f"agent {agent}'s calls fail far more often than the others' "
                              f"({ratio:.0%} against {others:.0%} over {_window_words(view, LONG_SAMPLES)})",
                              f"look at what {agent} asks for (missing paths, stale versions, wrong arguments): its "
                              "instructions or working directory may be wrong", f"client.{agent}.errors",
                              subject=agent))
    return out


def _bytes_per_call(view: _View) -> list[Reason]:
    """Advice: a tool's answers grew far above their usual size per call (whole-file re-reads)."""
    out = []
    for (proc, metric), rs in sorted(view.series.items()):
        tool = _tool_of(metric)
        if tool not in ("read_file", "read_many") or not metric.endswith(".bytes_out") or len(rs) < BASELINE_SAMPLES:
            continue
        rs = rs[-90:]
        calls = _by_time(tail(view.series.get((proc, f"tool.{tool}.calls"), []), rs[0].time))
        per_call = [r.value / calls[r.time] for r in rs if calls.get(r.time)]
        if len(per_call) < BASELINE_SAMPLES or not view.recent(rs[-1], HOLD_SAMPLES):
            continue
        usual, now = sorted(per_call[:-HOLD_SAMPLES])[len(per_call[:-HOLD_SAMPLES]) // 2], per_call[-1]
        if now >= BYTES_MIN_PER_CALL and now >= BYTES_FACTOR * max(usual, 1.0):
            out.append(Reason("ok", f"{tool} answers {size_words(now)} per call, {now / max(usual, 1):.0f}× the "
                              f"usual {size_words(usual)}: agents re-read whole files",
                              "read ranges (start_line/end_line) and re-check files with if_version instead of "
                              "re-reading them whole; search before reading", metric, rs[-1].time, tool))
    return out


def _dedupe(reasons: list[Reason]) -> list[Reason]:
    seen: set[str] = set()
    out = []
    for r in sorted(reasons, key=lambda r: -_RANK[r.status]):
        if r.reason not in seen:
            seen.add(r.reason)
            out.append(r)
    return out


# -- unusual now ---------------------------------------------------------------------------------------------
_GOOD_WHEN_LOWER = ("_ms", ".error_rate", ".errors", ".crashes", ".rss_bytes", ".open_fds", "_percent",
                    ".evictions", ".misses", "conflicts", ".lag_ms")


def _bad_direction(metric: str, score: float) -> bool:
    """Whether an anomaly is a change for the worse (slower, more errors, more memory), not an improvement."""
    if metric.endswith(_GOOD_WHEN_LOWER):
        return score > 0
    return True


def _unusual(view: _View, recent: int = 3, top: int = 10) -> list[Unusual]:
    """Metrics with an anomaly for the worse among their last ``recent`` samples, most unusual first."""
    found = []
    for (proc, metric), rs in view.series.items():
        last = [r for r in rs[-recent:] if view.recent(r, recent)]
        flagged = [r for r in last if r.anomaly and _bad_direction(metric, r.score or 0.0)]
        if not flagged:
            continue
        start = len(rs) - 1
        while start > 0 and rs[start - 1].anomaly:
            start -= 1
        worst = max(flagged, key=lambda r: abs(r.score or 0.0))
        window = tail(rs, view.now - WINDOW_S)
        rate = sum(r.anomaly for r in window) / max(len(window), 1)
        found.append(Unusual(metric, proc, worst.value, round(worst.score or 0.0, 2), round(rate, 3),
                             rs[start].time if rs[start].anomaly else flagged[0].time))
    found.sort(key=lambda u: (-abs(u.score), -u.anomaly_rate))
    return found[:top]


_FLAG = attrgetter("anomaly")


def anomaly_rates(view: _View | list[Row]) -> dict[str, float]:
    """Per metric (all processes): the share of its samples of the last 15 minutes flagged as anomalies."""
    if isinstance(view, list):
        grouped = series_of(view)
        now = max((r.time for r in view), default=0.0)
    else:
        grouped, now = view.series, view.now
    n: dict[str, int] = defaultdict(int)
    k: dict[str, int] = defaultdict(int)
    for key, rs in grouped.items():
        def count(rs: list[Row] = rs) -> tuple[int, int]:
            window = tail(rs, now - WINDOW_S)
            return len(window), sum(map(_FLAG, window))
        size, flagged = view.remember(("rate", key), count) if isinstance(view, _View) else count()
        n[key[1]] += size
        k[key[1]] += flagged
    return {m: k[m] / n[m] for m in sorted(n) if n[m]}


# -- forecasts -----------------------------------------------------------------------------------------------
MIN_FORECAST_POINTS = 12
FORECAST_POINTS = 90  # the last 90 samples (15 minutes at the default interval)
HORIZON_S = 6 * 3600


def _forecasts(view: _View, series: Series, cache_max_bytes: int | None, reasons: list[Reason]) -> list[str]:
    """Trends that are significant against the noise (least squares, the slope's 95 % interval away from zero),
    with their horizon and bounds; none that contradicts a current reason."""
    out: list[str] = []
    slow_tools = {r.subject for r in reasons if (r.metric or "").endswith(("p50_ms", "p95_ms"))}
    evicting = any(r.metric == "cache.evictions" for r in reasons)
    store_done = False
    for (proc, metric), rs in sorted(series.items()):
        rs = rs[-FORECAST_POINTS:]
        if len(rs) < MIN_FORECAST_POINTS:
            continue
        wanted = metric in ("cache.bytes_held", "process.rss_bytes", "store.bytes") or (
            _tool_of(metric) is not None and metric.endswith(".p95_ms"))
        if not wanted:
            continue
        points = rs
        fit = view.remember(("fit", proc, metric), lambda points=points: _fit(points))  # type: ignore[misc]
        if fit is None:
            continue
        if metric == "cache.bytes_held" and not evicting:
            out += _cache_forecast(series, proc, rs, cache_max_bytes, fit)
        elif metric == "process.rss_bytes":
            out += _memory_forecast(proc, rs, fit)
        elif metric == "store.bytes" and not store_done:
            found = _store_forecast(series, proc, fit)
            store_done = bool(found)
            out += found
        elif _tool_of(metric) not in (None, *slow_tools) and metric.endswith(".p95_ms"):
            out += _latency_forecast(_tool_of(metric) or "", fit)
    return out


def _fit(rs: list[Row]) -> tuple[float, float, float] | None:
    """(slope per second, its 95 % half-width, the fitted value now) of a significant trend, or None."""
    fit = regression([(r.time, r.value) for r in rs])
    if fit is None or not fit.significant():
        return None
    return fit.slope, fit.half_width(), fit.at(rs[-1].time)



def _reach(level: float, target: float, slope: float, half: float) -> tuple[float, float, float] | None:
    """Seconds until ``target`` at the slope (and at its bounds), when that is within the horizon."""
    if slope <= 0 or level >= target:
        return None
    eta = (target - level) / slope
    fast = (target - level) / (slope + half)
    slow = (target - level) / (slope - half) if slope > half else math.inf
    return (eta, fast, slow) if eta <= HORIZON_S else None


def _range_words(fast: float, slow: float) -> str:
    return f"{duration_words(fast)} to {duration_words(slow) if math.isfinite(slow) else 'never'}"


Fitted = tuple[float, float, float]


def _cache_forecast(series: Series, proc: str, rs: list[Row], cache_max_bytes: int | None,
                    fit: Fitted) -> list[str]:
    budget_rows = series.get((proc, "cache.max_bytes"))
    budget = budget_rows[-1].value if budget_rows else cache_max_bytes
    if not budget or rs[-1].value >= 0.95 * budget:
        return []
    reach = _reach(fit[2], budget, fit[0], fit[1])
    if reach is None:
        return []
    return [f"the content cache of process {proc.split('@')[0]} reaches its budget ({size_words(budget)}) in about "
            f"{duration_words(reach[0])} at this rate (95 %: {_range_words(reach[1], reach[2])})"]


def _memory_forecast(proc: str, rs: list[Row], fit: Fitted) -> list[str]:
    if fit[0] * 60 < 1 << 20 or fit[0] * 60 < 0.01 * abs(fit[2]):
        return []
    return [f"the memory of process {proc.split('@')[0]} grows {size_words(fit[0] * 60)} a minute "
            f"(± {size_words(fit[1] * 60)}; now {size_words(rs[-1].value)})"]


def _store_forecast(series: Series, proc: str, fit: Fitted) -> list[str]:
    budget_rows = series.get((proc, "store.budget_bytes"))
    rs = series[(proc, "store.bytes")]
    if not budget_rows or fit[0] <= 0:
        return []
    budget = budget_rows[-1].value
    reach = _reach(fit[2], budget, fit[0], fit[1])
    if reach is None:
        return []
    return [f"the state store (.devreliab/state.db, {size_words(rs[-1].value)}) grows "
            f"{size_words(fit[0] * 3600)} an hour and reaches its budget ({size_words(budget)}: versions.max_bytes) "
            f"in about {duration_words(reach[0])} (95 %: {_range_words(reach[1], reach[2])})"]


def _latency_forecast(tool: str, fit: Fitted) -> list[str]:
    if fit[2] < 1.0:
        return []
    pct = 100.0 * fit[0] * 60 / fit[2]
    if pct < 5:  # falling latency is good news, not a forecast to act on
        return []
    return [f"{tool} p95 is rising {pct:.0f}% a minute (± {100.0 * fit[1] * 60 / fit[2]:.0f}%; now {fit[2]:.0f} ms)"]
