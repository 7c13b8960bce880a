"""The workspace's health from the samples of every server process: a status, reasons with an action each,
what is unusual now (ranked), and forecasts in plain sentences."""

from __future__ import annotations

import time as _time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ._forecast import duration_words, holt, size_words
from ._samples import ProcessRow, Row

Status = Literal["ok", "degraded", "failing"]
_RANK: dict[Status, int] = {"ok": 0, "degraded": 1, "failing": 2}

WINDOW_S = 15 * 60  # what "recent" means for reasons, anomaly rates and forecasts
MIN_FORECAST_SPAN_S = 50.0  # a trend "per minute" needs about a minute of samples (6 at the default 10 s)
CRASH_WINDOW_S = 5 * 60
SLOW_SEARCH_MS = 2000.0
SLOW_TOOL_MS = 10_000.0
LOOP_LAG_DEGRADED_MS = 500.0
LOOP_LAG_FAILING_MS = 5000.0
SLOW_TOOLS_EXEMPT = frozenset({"analyze_project", "analyze_file"})  # analysing a project takes long by nature


@dataclass(frozen=True)
class Reason:
    status: Status
    reason: str
    action: str
    metric: str | None = None


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
    status: Status | Literal["unknown"]  # unknown: no samples at all, nothing to judge (``workspace_health``)
    reasons: list[Reason] = field(default_factory=list)
    unusual: list[Unusual] = field(default_factory=list)
    forecasts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    processes: int = 0  # server processes that sampled recently
    anomaly_rates: dict[str, float] = field(default_factory=dict)  # per metric, all processes, the window
    state_store: Literal["ok", "unusable"] = "ok"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _clock(t: float) -> str:
    return _time.strftime("%H:%M", _time.localtime(t))


def _series(rows: list[Row]) -> dict[tuple[str, str], list[Row]]:
    out: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        out[(r.process, r.metric)].append(r)
    return out


def _tool_of(metric: str) -> str | None:
    parts = metric.split(".")
    return parts[1] if parts[0] == "tool" and len(parts) == 3 else None


@dataclass(frozen=True)
class _View:
    """What the rules look at: the recent samples by (process, metric), each series' latest sample, the time."""

    series: dict[tuple[str, str], list[Row]]
    latest: dict[tuple[str, str], Row]
    now: float


def assess(rows: list[Row], procs: list[ProcessRow], now: float, *, store_problem: str | None = None,
           live_crashes: int = 0, notes: list[str] | None = None, cache_max_bytes: int | None = None,
           own_process: str | None = None, export_problem: str | None = None) -> Health:
    """Everything the monitor can still say from what it has; a metric with no history is simply not judged."""
    series = _series(rows)
    view = _View(series, {key: rs[-1] for key, rs in series.items()}, now)
    alive = [p for p in procs if now - p.last_seen <= max(3 * p.interval, 30.0)]
    reasons: list[Reason] = []
    if store_problem:
        reasons.append(Reason("degraded", f"the state store is unusable: {store_problem}",
                              "check free disk space and the permissions of .devreliab/ in the workspace; a "
                              "corrupt store is moved aside and rebuilt when a server next opens it",
                              "store"))
    # this process's crashes are counted live (``live_crashes``), the others' from their samples
    crashes = live_crashes + sum(r.value for r in rows if r.metric.endswith(".crashes")
                                 and now - r.time <= CRASH_WINDOW_S and r.process != own_process)
    if crashes:
        reasons.append(Reason("failing" if crashes >= 5 else "degraded",
                              f"{int(crashes)} tool call(s) crashed in the last 5 minutes",
                              "read the server's log (stderr) for the traceback and report it; restart the server "
                              "if it keeps happening", "crashes"))
    if export_problem:
        reasons.append(Reason("degraded", f"metrics cannot be exported over OTLP: {export_problem}", EXPORT_ACTION,
                              "otlp"))
    reasons += _export_failures(view, own_process if export_problem else None)
    for rule in (_all_calls_failed, _error_rate_rose, _slow, _cache_pressure):
        reasons += rule(view)
    status: Status = max((r.status for r in reasons), key=_RANK.__getitem__, default="ok")
    # forecasts only for processes still sampling (when the processes are known): a process that ended has no future
    alive_names = {p.process for p in alive}
    forecast_series = {k: v for k, v in series.items() if k[0] in alive_names} if procs else series
    return Health(status=status, reasons=_dedupe(reasons), unusual=_unusual(series),
                  forecasts=_forecasts(forecast_series, cache_max_bytes), notes=list(notes or []),
                  processes=len(alive),
                  state_store="unusable" if store_problem else "ok",
                  anomaly_rates={m: round(v, 4) for m, v in anomaly_rates(rows).items()})


EXPORT_ACTION = ("check monitor.otlp_endpoint in devreliab.jsonc (or OTEL_EXPORTER_OTLP_ENDPOINT) and that an "
                 "OTLP/HTTP receiver listens there; the server keeps serving and retries every export interval")


def _export_failures(view: _View, skip: str | None) -> list[Reason]:
    """Processes whose OTLP exports failed in the last 5 minutes (from their samples; ``skip``: reported live)."""
    out = []
    for (proc, metric), rs in sorted(view.series.items()):
        if metric != "otlp.export_failures" or proc == skip:
            continue
        failed = sum(r.value for r in rs if view.now - r.time <= CRASH_WINDOW_S)
        if failed and rs[-1].value > 0:
            out.append(Reason("degraded", f"process {proc.split('@')[0]} cannot export metrics over OTLP "
                              f"({int(failed)} failed export(s) in the last 5 minutes; its log says why)",
                              EXPORT_ACTION, metric))
    return out


def _all_calls_failed(view: _View) -> list[Reason]:
    """Per tool over the window, all processes together: every call failed."""
    calls: dict[str, float] = defaultdict(float)
    failed: dict[str, float] = defaultdict(float)
    for (_, metric), rs in view.series.items():
        tool = _tool_of(metric)
        if tool is not None and metric.endswith(".calls"):
            calls[tool] += sum(r.value for r in rs)
        elif tool is not None and metric.endswith((".errors", ".crashes")):
            failed[tool] += sum(r.value for r in rs)
    return [Reason("failing", f"every call of {tool} failed in the last 15 minutes ({int(n)} calls)",
                   f"read the answers of {tool}: they say what is wrong; check the server's log", f"tool.{tool}.errors")
            for tool, n in sorted(calls.items()) if n >= 5 and failed[tool] >= n]


def _error_rate_rose(view: _View) -> list[Reason]:
    """A tool's error rate was flagged as an anomaly upwards and is still above zero."""
    out = []
    for (_, metric), rs in sorted(view.series.items()):
        tool = _tool_of(metric)
        if tool is None or not metric.endswith(".error_rate"):
            continue
        flagged = [r for r in rs if r.anomaly and (r.score or 0.0) > 0]
        if flagged and rs[-1].value > 0:
            out.append(Reason("degraded", f"the error rate of {tool} rose after {_clock(flagged[0].time)} "
                              f"(to {rs[-1].value:.0%})",
                              f"look at what {tool} answered since then (refused paths, stale versions, "
                              "conflicts: list_conflicts shows them)", metric))
    return out


def _slow(view: _View) -> list[Reason]:
    """Slow tools (search has its own advice) and a blocked event loop."""
    out = []
    for (proc, metric), r in sorted(view.latest.items()):
        tool = _tool_of(metric)
        if tool == "search" and metric.endswith(".p95_ms") and r.value > SLOW_SEARCH_MS:
            out.append(Reason("degraded", f"search is slow: p95 {r.value / 1000:.1f} s",
                              "exclude large generated directories from search (node_modules, build output, data: "
                              "the 'exclude' list in devreliab.jsonc) or pass a narrower path", metric))
        elif tool not in (None, "search", *SLOW_TOOLS_EXEMPT) and metric.endswith(".p95_ms") \
                and r.value > SLOW_TOOL_MS:
            out.append(Reason("degraded", f"{tool} is slow: p95 {r.value / 1000:.1f} s",
                              "check the disk and the machine's load; read the server's log", metric))
        elif metric == "loop.lag_ms" and r.value > LOOP_LAG_DEGRADED_MS and view.now - r.time <= CRASH_WINDOW_S:
            out.append(Reason("failing" if r.value > LOOP_LAG_FAILING_MS else "degraded",
                              f"the event loop of process {proc.split('@')[0]} was blocked for {r.value:.0f} ms",
                              "something runs on the event loop instead of a worker thread, or the machine is "
                              "overloaded: check its load and report it", metric))
    return out


def _cache_pressure(view: _View) -> list[Reason]:
    """A process's content cache is at least half full and evicted in the last 5 minutes."""
    for proc in sorted({p for p, _ in view.series}):
        held, budget = view.latest.get((proc, "cache.bytes_held")), view.latest.get((proc, "cache.max_bytes"))
        evicted = sum(r.value for r in view.series.get((proc, "cache.evictions"), [])
                      if view.now - r.time <= CRASH_WINDOW_S)
        if held and budget and budget.value > 0 and held.value >= 0.5 * budget.value and evicted > 0:
            return [Reason("degraded", f"the content cache is full and evicting ({int(evicted)} evictions in "
                           f"5 minutes; {size_words(budget.value)} budget)",
                           f"raise cache.max_bytes in devreliab.jsonc (now {int(budget.value)})", "cache.evictions")]
    return []


def _dedupe(reasons: list[Reason]) -> list[Reason]:
    seen: set[str] = set()
    out = []
    for r in sorted(reasons, key=lambda r: -_RANK[r.status]):
        if r.reason not in seen:
            seen.add(r.reason)
            out.append(r)
    return out


def _unusual(series: dict[tuple[str, str], list[Row]], recent: int = 3, top: int = 10) -> list[Unusual]:
    """Metrics with an anomaly among their last ``recent`` samples, most unusual first."""
    found = []
    for (proc, metric), rs in series.items():
        tail = rs[-recent:]
        flagged = [r for r in tail if r.anomaly]
        if not flagged:
            continue
        start = len(rs) - 1
        while start > 0 and rs[start - 1].anomaly:
            start -= 1
        worst = max(flagged, key=lambda r: abs(r.score or 0.0))
        rate = sum(r.anomaly for r in rs) / len(rs)
        found.append(Unusual(metric, proc, worst.value, round(worst.score or 0.0, 2), round(rate, 3),
                             rs[start].time if rs[start].anomaly else flagged[0].time))
    found.sort(key=lambda u: (-abs(u.score), -u.anomaly_rate))
    return found[:top]


def anomaly_rates(rows: list[Row]) -> dict[str, float]:
    """Per metric (all processes): the share of its samples flagged as anomalies."""
    n: dict[str, int] = defaultdict(int)
    k: dict[str, int] = defaultdict(int)
    for r in rows:
        n[r.metric] += 1
        k[r.metric] += r.anomaly
    return {m: k[m] / n[m] for m in sorted(n)}


def _forecasts(series: dict[tuple[str, str], list[Row]], cache_max_bytes: int | None) -> list[str]:
    out: list[str] = []
    for (proc, metric), rs in sorted(series.items()):
        if len(rs) < 6 or rs[-1].time - rs[0].time < MIN_FORECAST_SPAN_S:
            continue
        trend = holt([(r.time, r.value) for r in rs])
        if trend is None:
            continue
        pct = trend.percent_per_minute()
        tool = _tool_of(metric)
        if metric == "cache.bytes_held":
            budget_rows = series.get((proc, "cache.max_bytes"))
            budget = budget_rows[-1].value if budget_rows else cache_max_bytes
            if budget:
                until = trend.seconds_until(budget)
                if until is not None and 0 < until <= 6 * 3600:
                    out.append(f"the cache reaches its budget ({size_words(budget)}) in about "
                               f"{duration_words(until)} at this rate")
        elif metric == "process.rss_bytes" and trend.slope_per_s * 60 >= 1 << 20 and pct is not None and pct >= 1:
            out.append(f"the memory of process {proc.split('@')[0]} grows {size_words(trend.slope_per_s * 60)} a "
                       f"minute (now {size_words(trend.level)})")
        elif tool is not None and metric.endswith(".p95_ms") and pct is not None and abs(pct) >= 2 \
                and trend.level >= 1.0:
            word = "rising" if pct > 0 else "falling"
            out.append(f"{tool} p95 is {word} {abs(pct):.0f}% a minute (now {trend.level:.0f} ms)")
    return out
