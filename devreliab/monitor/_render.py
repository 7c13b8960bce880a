"""``devreliab health`` output: text for people, JSON (the health tool's shape) for scripts."""

from __future__ import annotations

import json
import time

from ._health import Health


def render_json(health: Health) -> str:
    data = {
        "status": health.status,
        "reasons": [r.reason for r in health.reasons],
        "state_store": health.state_store,
        "processes": health.processes,
        "details": [{"status": r.status, "reason": r.reason, "action": r.action, "metric": r.metric,
                     "since": r.since, "subject": r.subject} for r in health.reasons],
        "advice": [{"advice": a.reason, "action": a.action, "metric": a.metric, "subject": a.subject}
                   for a in health.advice],
        "unusual": [vars(u) for u in health.unusual],
        "forecasts": health.forecasts,
        "notes": health.notes,
        "anomaly_rates": health.anomaly_rates,
    }
    return json.dumps(data, indent=2) + "\n"


def render_text(health: Health) -> str:
    lines = [f"devreliab health: {health.status} ({health.processes} server process(es) sampling)"]
    for r in health.reasons:
        lines += [f"  {r.status}: {r.reason}", f"    → {r.action}"]
    if health.unusual:
        lines.append("unusual now:")
        for u in health.unusual:
            since = time.strftime("%H:%M:%S", time.localtime(u.since))
            lines.append(f"  {u.metric} = {u.value:g} (process {u.process.split('@')[0]}, {u.score:+.1f} σ, "
                         f"since {since}, {u.anomaly_rate:.0%} of recent samples unusual)")
    if health.advice:
        lines.append("advice:")
        for a in health.advice:
            lines += [f"  {a.reason}", f"    → {a.action}"]
    if health.forecasts:
        lines.append("forecasts:")
        lines += [f"  {f}" for f in health.forecasts]
    lines += [f"note: {n}" for n in health.notes]
    return "\n".join(lines) + "\n"
