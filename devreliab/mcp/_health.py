"""The ``health`` tool's answer: the performance monitor's verdict on the workspace, made worse by what this
process sees itself — a state store it cannot use, and a local history that is behind (changes queued too long to
be recorded, or no process holding the history lease)."""

from __future__ import annotations

from typing import Any

from ._models import HealthReasonOut, HealthResult, UnusualOut
from ._state import ServerState


def _open_conflicts(state: ServerState) -> tuple[int | None, str | None]:
    try:
        return len(state.ws.list_conflicts().conflicts), None
    except Exception as exc:
        return None, f"state store unusable: {type(exc).__name__}: {exc}"


HISTORY_BEHIND_S = 5.0  # a change waiting longer than this to be recorded makes history "behind"


def history_behind(state: ServerState) -> str | None:
    """Why the local history is behind (changes queued too long, or nobody holding the lease), or None."""
    import time

    from devreliab.vfs._lease import read_lease

    ws = state.ws
    if not ws.config.raw.get("history", {}).get("enabled", True):
        return None
    try:
        row = read_lease(ws.store)
    except Exception:  # the store's own problem is reported already
        return None
    now = time.time()
    if row is None:
        return None
    if row.expires < now - 2.0:
        return (f"history behind: no process has watched the workspace for {now - row.beat:.0f} s (the last, pid "
                f"{row.pid}, stopped); changes are rescanned when a server takes over")
    if row.backlog and row.oldest is not None and now - row.oldest > HISTORY_BEHIND_S:
        return (f"history behind: {row.backlog} changed file(s) wait to be recorded, the oldest for "
                f"{now - row.oldest:.0f} s")
    return None


def _history_detail(state: ServerState) -> HealthReasonOut | None:
    behind = history_behind(state)
    return None if behind is None else HealthReasonOut(status="degraded", reason=behind, metric="history", action=(
        "a burst (a branch switch, a formatter) catches up by itself; if it stays behind, check the CPU and disk "
        "of the process named in the lease (.devreliab/state.db, table vfs_watch_lease)"))


def _store_detail(problem: str) -> HealthReasonOut:
    return HealthReasonOut(status="degraded", reason=problem, metric="store", action=(
        "check free disk space and the permissions of .devreliab/; a corrupt store is moved aside and rebuilt "
        "when a server next opens it"))


def _some(items: list[Any]) -> list[Any] | None:
    """``items``, or None for an empty list (the answers leave empty lists out)."""
    return items or None


def _recent_crashes(state: ServerState) -> int:
    import time

    return len([t for t in state.stats.recent_crashes if time.monotonic() - t < 300])


def _health_without_monitor(state: ServerState, conflicts: int | None, problem: str | None,
                            history: HealthReasonOut | None) -> HealthResult:
    """This process's own view: the state store, the local history, crashes of the last 5 minutes."""
    reasons = [r for r in (problem, history.reason if history else None) if r]
    recent = _recent_crashes(state)
    if recent:
        reasons.append(f"{recent} tool call(s) crashed in the last 5 minutes (see the server's log)")
    return HealthResult(status="degraded" if reasons else "ok", reasons=reasons, open_conflicts=conflicts,
                        state_store="unusable" if problem else "ok", details=[history] if history else None)


def health_of(state: ServerState) -> HealthResult:
    """The monitor's judgement of the whole workspace, with this process's view of the state store (and of the
    local history) first."""
    conflicts, problem = _open_conflicts(state)
    history = _history_detail(state)
    if state.monitor is None:
        return _health_without_monitor(state, conflicts, problem, history)
    own = [d for d in (_store_detail(problem) if problem else None, history) if d is not None]
    return _health_with_monitor(state.monitor, conflicts, problem, own)


def _health_with_monitor(monitor: Any, conflicts: int | None, problem: str | None,
                         own: list[HealthReasonOut]) -> HealthResult:
    """The monitor's verdict, made worse by what this process sees itself (``own``: the store, the history)."""
    health = monitor.health()
    status = health.status
    if own:
        status = "failing" if status == "failing" else "degraded"
    details = own + [HealthReasonOut(status=r.status, reason=r.reason, action=r.action, metric=r.metric)
                     for r in health.reasons if r.status != "ok"]
    unusual = [UnusualOut(metric=u.metric, process=u.process, value=u.value, score=u.score,
                          anomaly_rate=u.anomaly_rate, since=u.since) for u in health.unusual]
    store_ok = not problem and health.state_store == "ok"
    return HealthResult(status=status, reasons=[d.reason for d in details], open_conflicts=conflicts,
                        state_store="ok" if store_ok else "unusable", details=_some(details),
                        unusual=_some(unusual), forecasts=_some(health.forecasts), notes=_some(health.notes))
