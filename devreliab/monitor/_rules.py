"""Health rules about the servers: stalled processes, error budgets, latency against learned baselines, the
event loop and the content cache."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ._forecast import size_words
from ._samples import ProcessRow, Row
from ._view import (
    _VALUE,
    BASELINE_SAMPLES,
    CPU_WAIT_FACTOR,
    CPU_WAIT_MIN_MS,
    CRASH_WINDOW_S,
    ERROR_BUDGET,
    FAILING_BURN,
    HOLD_SAMPLES,
    LATENCY_FACTOR,
    LATENCY_MIN_CALLS,
    LATENCY_MIN_DELTA_MS,
    LONG_SAMPLES,
    LOOP_LAG_DEGRADED_MS,
    LOOP_LAG_FAILING_MS,
    MIN_ERRORS,
    READ_TOOLS,
    SIGNIFICANCE_Z,
    SLOW_READ_MS,
    SLOW_SEARCH_MS,
    SLOW_TOOL_MS,
    SLOW_TOOLS_EXEMPT,
    STALL_INTERVALS,
    Reason,
    Status,
    _by_time,
    _tool_of,
    _View,
    _window_words,
    clock_words,
    tail,
)


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
    """Calls and errors summed over the samples."""
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


# -- latency against each tool's learned baseline ----------------------------------------------------------
def _latency_baseline(rows: list[Row], calls: dict[float, float]) -> float | None:
    """The lower quartile of the tool's per-sample median latency over the hour (samples with calls), so that
    a slow spell shorter than three quarters of the hour does not become the baseline."""
    values = sorted(r.value for r in rows[:-HOLD_SAMPLES] if calls.get(r.time, 0.0) >= LATENCY_MIN_CALLS)
    if len(values) < BASELINE_SAMPLES:
        return None
    return values[len(values) // 4]


def _is_slow(r: Row, calls: dict[float, float], base: float) -> bool:
    """Whether a sample is slow against the baseline (and had enough calls to say so)."""
    return (calls.get(r.time, 0.0) >= LATENCY_MIN_CALLS and r.value >= LATENCY_FACTOR * base
            and r.value - base >= LATENCY_MIN_DELTA_MS)


def _slow_start(rows: list[Row], calls: dict[float, float], base: float) -> int:
    """The index of the first sample of the current slow run (samples with too few calls bridged)."""
    start = len(rows) - 1
    while start > 0 and (_is_slow(rows[start - 1], calls, base)
                         or calls.get(rows[start - 1].time, 0.0) < LATENCY_MIN_CALLS):
        start -= 1
    return start


def _slow_latency(view: _View, proc: str, tool: str) -> Reason | None:
    """A reason when the tool's latest samples in this process are far above its learned baseline."""
    rows = view.series.get((proc, f"tool.{tool}.p50_ms"), [])
    if not rows or not view.recent(rows[-1], HOLD_SAMPLES):
        return None
    calls_rows = view.series.get((proc, f"tool.{tool}.calls"), [])
    base = view.remember(("latency", proc, tool), lambda: _latency_baseline(rows, _by_time(calls_rows)))
    if base is None:
        return None
    calls = _by_time(tail(calls_rows, rows[max(0, len(rows) - 2 * HOLD_SAMPLES - 2)].time))
    last = [r for r in rows[-HOLD_SAMPLES:] if view.recent(r, HOLD_SAMPLES)]
    slow = [r for r in last[-2:] if _is_slow(r, calls, base)]
    if not slow:
        return None
    worst = max(slow, key=lambda r: r.value)
    since = rows[_slow_start(rows, _by_time(calls_rows), base)].time - view.interval(proc)
    action = SEARCH_ACTION if tool == "search" else ("check the disk (a slow or network filesystem, I/O "
                                                     "contention) and the machine's load; read the server's log")
    return Reason("degraded", f"{tool} is slow since {clock_words(since)}: median {worst.value:.0f} ms against "
                  f"its usual {base:.1f} ms ({worst.value / max(base, 1e-3):.0f}×, process {proc.split('@')[0]})",
                  action, f"tool.{tool}.p50_ms", since, tool)


SEARCH_ACTION = ("exclude large generated directories from search (node_modules, build output, data: the 'exclude' "
                 "list in devreliab.jsonc) or pass a narrower path")


def _slow(view: _View) -> list[Reason]:
    """Slow tools against their baseline and absolutely (search has its own advice), a blocked loop, a process
    starved of CPU."""
    out = []
    for (proc, metric), r in sorted(view.latest.items()):
        if view.recent(r, HOLD_SAMPLES):
            out += _slow_one(view, proc, metric, r)
    return _worst_per_tool(out)


def _slow_one(view: _View, proc: str, metric: str, r: Row) -> list[Reason]:
    """The latency, loop or CPU reason one latest sample gives, if any."""
    tool = _tool_of(metric)
    if tool is not None and metric.endswith(".p50_ms"):
        found = _slow_latency(view, proc, tool)
        return [found] if found is not None else []
    if tool is not None and metric.endswith(".p95_ms"):
        return _slow_absolute(tool, r)
    if metric == "loop.lag_ms" and r.value > LOOP_LAG_DEGRADED_MS:
        return [_loop_lag(proc, r)]
    if metric == "process.cpu_wait_ms":
        return _cpu_starved(view, proc)
    return []


def _cpu_baseline(rows: list[Row]) -> float | None:
    """The lower quartile of the hour's CPU wait (ms a second), once there are enough samples."""
    values = sorted(r.value for r in rows[:-HOLD_SAMPLES])
    return values[len(values) // 4] if len(values) >= BASELINE_SAMPLES else None


def _cpu_starved(view: _View, proc: str) -> list[Reason]:
    """The process's threads wait for a CPU far more than they usually do: the machine is overloaded."""
    rows = view.series.get((proc, "process.cpu_wait_ms"), [])
    base = view.remember(("cpu_wait", proc), lambda: _cpu_baseline(rows))
    last = [r for r in rows[-2:] if view.recent(r, 2)]
    starved = [r for r in last if base is not None and r.value >= max(CPU_WAIT_FACTOR * base, CPU_WAIT_MIN_MS)]
    if not starved:
        return []
    start = len(rows) - 1
    while start > 0 and rows[start - 1].value >= max(CPU_WAIT_FACTOR * base, CPU_WAIT_MIN_MS):
        start -= 1
    since = rows[start].time - view.interval(proc)
    pid = proc.split("@")[0]
    return [Reason("degraded", f"server process {pid} waits for a CPU {starved[-1].value:.0f} ms a second since "
                   f"{clock_words(since)} (usually {base:.0f} ms): the machine is overloaded",
                   "find what takes the CPUs (top, or ps -eo pcpu,pid,cmd --sort=-pcpu) and stop or renice it; "
                   "tool calls are slow meanwhile", "process.cpu_wait_ms", since, f"process {pid}")]


def _loop_lag(proc: str, r: Row) -> Reason:
    """The reason for an event loop blocked longer than the threshold."""
    return Reason("failing" if r.value > LOOP_LAG_FAILING_MS else "degraded",
                  f"the event loop of process {proc.split('@')[0]} was blocked for {r.value:.0f} ms",
                  "something runs on the event loop instead of a worker thread, or the machine is "
                  "overloaded: check its load and report it", "loop.lag_ms", r.time, f"process {proc.split('@')[0]}")


def _slow_absolute(tool: str, r: Row) -> list[Reason]:
    """A reason when a tool's p95 is above its absolute limit, whatever its baseline."""
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


def _half_full(held: float, budget: float) -> bool:
    """Whether the cache holds at least half its budget."""
    return budget > 0 and held >= 0.5 * budget


def _cache_pressure(view: _View) -> list[Reason]:
    """A process's content cache is at least half full and evicted in the last 5 minutes."""
    for proc in sorted({p for p, _ in view.series}):
        held, budget = view.latest.get((proc, "cache.bytes_held")), view.latest.get((proc, "cache.max_bytes"))
        evictions = tail(view.series.get((proc, "cache.evictions"), []), view.now - CRASH_WINDOW_S)
        evicted = sum(r.value for r in evictions)
        if held and budget and _half_full(held.value, budget.value) and evicted > 0:
            since = next(r.time for r in evictions if r.value > 0)
            return [Reason("degraded", f"the content cache is full and evicting ({int(evicted)} evictions in "
                           f"5 minutes; {size_words(budget.value)} budget) since {clock_words(since)}",
                           f"raise cache.max_bytes in devreliab.jsonc (now {int(budget.value)})", "cache.evictions",
                           since)]
    return []


