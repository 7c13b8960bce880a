"""Health rules about the workspace and its agents: conflicts, overwrites, loops, one agent failing far more
than the others, and advice on bytes per call."""

from __future__ import annotations

from ._forecast import size_words
from ._rules import (
    _pooled,
    _recent_samples,
    _significant,
    _tool_calls,
)
from ._samples import ConflictInfo, Row
from ._view import (
    AGENT_ERROR_FACTOR,
    AGENT_MIN_ERROR_RATIO,
    BASELINE_SAMPLES,
    BYTES_FACTOR,
    BYTES_MIN_PER_CALL,
    CONFLICT_RUN,
    HOLD_SAMPLES,
    LONG_SAMPLES,
    LOOP_REPEATS,
    Reason,
    _by_time,
    _tool_of,
    _View,
    _window_words,
    clock_words,
    tail,
)


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
    """Open conflicts from the samples, when the conflict table was not read (the dashboard)."""
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
        if len(parts) == 4 and parts[0] == "client" and parts[2] == "repeats":
            found = _loop(view, proc, metric, rs)
            out += [found] if found is not None else []
    return out


def _loop(view: _View, proc: str, metric: str, rs: list[Row]) -> Reason | None:
    """The loop reason of one agent and tool, when one of the last samples repeats a call often enough."""
    recent = [r.value for r in rs[-HOLD_SAMPLES:] if view.recent(r, HOLD_SAMPLES)]
    if not recent or max(recent) < LOOP_REPEATS:
        return None
    start = len(rs) - 1
    while start > 0 and rs[start - 1].value >= LOOP_REPEATS:
        start -= 1
    since = rs[start].time - view.interval(proc)
    _, agent, _, tool = metric.split(".")
    return Reason("degraded", f"agent {agent} repeats the same {tool} call (same arguments) {int(max(recent))} "
                  f"times a sample since {clock_words(since)}: it looks stuck in a loop",
                  f"look at what {agent} is doing and stop or redirect it; an unchanged answer will not "
                  "change by asking again", metric, since, agent)


def _outlier(errors: float, calls: float, others: float) -> bool:
    """Whether an agent's errors are far above (and significantly above) the other agents' ratio."""
    ratio = errors / calls
    return (ratio >= AGENT_MIN_ERROR_RATIO and ratio >= AGENT_ERROR_FACTOR * max(others, 0.01)
            and _significant(errors, calls, min(0.5, max(others, 0.01))))


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
        if _outlier(errors, calls, others):
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
        if tool in ("read_file", "read_many") and metric.endswith(".bytes_out") and len(rs) >= BASELINE_SAMPLES:
            found = _bytes_advice(view, proc, tool or "", rs[-90:])
            out += [found] if found is not None else []
    return out


def _bytes_advice(view: _View, proc: str, tool: str, rs: list[Row]) -> Reason | None:
    """Advice when the latest bytes per call are far above the usual (the median of the recent samples)."""
    calls = _by_time(tail(view.series.get((proc, f"tool.{tool}.calls"), []), rs[0].time))
    per_call = [r.value / calls[r.time] for r in rs if calls.get(r.time)]
    if len(per_call) < BASELINE_SAMPLES or not view.recent(rs[-1], HOLD_SAMPLES):
        return None
    usual, now = sorted(per_call[:-HOLD_SAMPLES])[len(per_call[:-HOLD_SAMPLES]) // 2], per_call[-1]
    if now < BYTES_MIN_PER_CALL or now < BYTES_FACTOR * max(usual, 1.0):
        return None
    return Reason("ok", f"{tool} answers {size_words(now)} per call, {now / max(usual, 1):.0f}× the "
                  f"usual {size_words(usual)}: agents re-read whole files",
                  "read ranges (start_line/end_line) and re-check files with if_version instead of "
                  "re-reading them whole; search before reading", f"tool.{tool}.bytes_out", rs[-1].time, tool)
