"""The workspace's health from the samples of every server process: a status, reasons with an action each,
what is unusual now (ranked), advice on how agents use the tools, and forecasts in plain sentences.

Reasons are conditions, not events: each holds while its condition does (error ratios against an error budget
over a short and a long window, latency against the tool's learned baseline, open conflicts, stalled processes),
names when it started and what it concerns (a tool, an agent, a process), and says what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import _proc
from ._agents import (
    _agent_errors,
    _agent_loops,
    _bytes_per_call,
    _conflicts,
)
from ._rules import (
    _cache_pressure,
    _error_budget,
    _slow,
    _stalled,
)
from ._samples import ConflictInfo, ProcessRow, Row
from ._trends import (
    _forecasts,
    _unusual,
    anomaly_rates,
)
from ._view import (
    _RANK,
    CRASH_WINDOW_S,
    HISTORY_S,
    LONG_SAMPLES,
    WINDOW_S,
    Health,
    Reason,
    Series,
    Status,
    Unusual,
    _View,
    clock_words,
    series_of,
    tail,
)

__all__ = ["CRASH_WINDOW_S", "EXPORT_ACTION", "HISTORY_S", "LONG_SAMPLES", "WINDOW_S", "Health", "Reason", "Status",
           "Unusual", "anomaly_rates", "assess", "clock_words", "series_of"]


def assess(rows: list[Row], procs: list[ProcessRow], now: float, *, store_problem: str | None = None,
           live_crashes: int = 0, notes: list[str] | None = None, cache_max_bytes: int | None = None,
           own_process: str | None = None, export_problem: str | None = None,
           conflicts: ConflictInfo | None = None, series: Series | None = None,
           run_state: Callable[[int, float], str | None] = _proc.run_state,
           memo: dict[Any, Any] | None = None) -> Health:
    """Everything the monitor can still say from what it has; a metric with no history is simply not judged.
    ``series``: the rows already grouped by (process, metric), in the order they were written."""
    view = _make_view(series if series is not None else series_of(rows), procs, now, memo)
    series, alive = view.series, view.alive
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


def _make_view(series: Series, procs: list[ProcessRow], now: float, memo: dict[Any, Any] | None) -> _View:
    """The view the rules judge: the series, their latest rows, the intervals and the processes still sampling."""
    alive = frozenset(p.process for p in procs if now - p.last_seen <= max(3 * p.interval, 30.0))
    return _View(series, {key: rs[-1] for key, rs in series.items() if rs}, now,
                 {p.process: p.interval for p in procs}, alive, {} if memo is None else memo)


def _fixed_reasons(view: _View, store_problem: str | None, live_crashes: int, own_process: str | None,
                   export_problem: str | None) -> list[Reason]:
    """The store, crash and export reasons."""
    reasons: list[Reason] = []
    if store_problem:
        reasons.append(Reason("degraded", f"the state store is unusable: {store_problem}", STORE_ACTION, "store"))
    reasons += _crashes(view, live_crashes, own_process)
    if export_problem:
        reasons.append(Reason("degraded", f"metrics cannot be exported over OTLP: {export_problem}", EXPORT_ACTION,
                              "otlp"))
    return reasons + _export_failures(view, own_process if export_problem else None)


def _crashes(view: _View, live_crashes: int, own_process: str | None) -> list[Reason]:
    """Tool calls that crashed in the last 5 minutes, in any process."""
    reasons: list[Reason] = []
    # this process's crashes are counted live (``live_crashes``), the others' from their samples
    crashes = live_crashes + sum(r.value for (proc, metric), rs in view.series.items()
                                 if metric.endswith(".crashes") and proc != own_process
                                 for r in tail(rs, view.now - CRASH_WINDOW_S))
    if crashes:
        reasons.append(Reason("failing" if crashes >= 5 else "degraded",
                              f"{int(crashes)} tool call(s) crashed in the last 5 minutes",
                              "read the server's log (stderr) for the traceback and report it; restart the server "
                              "if it keeps happening", "crashes"))
    return reasons


def _export_failures(view: _View, skip: str | None) -> list[Reason]:
    """Processes whose OTLP exports failed in the last 5 minutes (from their samples; ``skip``: reported live)."""
    reasons: list[Reason] = []
    for (proc, metric), rs in sorted(view.series.items()):
        if metric != "otlp.export_failures" or proc == skip:
            continue
        failed = sum(r.value for r in tail(rs, view.now - CRASH_WINDOW_S))
        if failed and rs[-1].value > 0:
            reasons.append(Reason("degraded", f"process {proc.split('@')[0]} cannot export metrics over OTLP "
                                  f"({int(failed)} failed export(s) in the last 5 minutes; its log says why)",
                                  EXPORT_ACTION, metric, subject=f"process {proc.split('@')[0]}"))
    return reasons


def _dedupe(reasons: list[Reason]) -> list[Reason]:
    """Reasons without repeats, the worst first."""
    seen: set[str] = set()
    out = []
    for r in sorted(reasons, key=lambda r: -_RANK[r.status]):
        if r.reason not in seen:
            seen.add(r.reason)
            out.append(r)
    return out


