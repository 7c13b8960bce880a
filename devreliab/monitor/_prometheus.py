"""Prometheus text exposition (format 0.0.4) of one process's monitor: what ``GET /metrics`` answers.

OpenTelemetry names map the way the OTel Prometheus exporter maps them: dots become underscores and the unit
is a suffix (``mcp.server.operation.duration`` → ``mcp_server_operation_duration_seconds``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._histogram import Histogram, Key, attributes

if TYPE_CHECKING:
    from ._monitor import PerformanceMonitor

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_STATUS = {"ok": 0, "degraded": 1, "failing": 2}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: dict[str, str]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k.replace(".", "_")}="{_escape(v)}"' for k, v in sorted(pairs.items())) + "}"


def _num(value: float) -> str:
    return repr(float(value)) if value == value else "NaN"


def _histogram(name: str, help_text: str, hists: dict[Key, Histogram], version: str | None = None) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
    for key, h in sorted(hists.items(), key=lambda kv: tuple(x or "" for x in kv[0])):
        attrs = attributes(key, version)
        running = 0
        for bound, n in zip((*h.boundaries, float("inf")), h.counts, strict=True):
            running += n
            le = "+Inf" if bound == float("inf") else repr(float(bound))
            lines.append(f"{name}_bucket{_labels({**attrs, 'le': le})} {running}")
        lines.append(f"{name}_count{_labels(attrs)} {h.count}")
        lines.append(f"{name}_sum{_labels(attrs)} {_num(h.sum)}")
    return lines


def exposition(monitor: PerformanceMonitor) -> str:
    with monitor._lock:
        hists = {k: h.copy() for k, h in monitor.histograms.items()}
        requests = {k: h.copy() for k, h in monitor.request_sizes.items()}
        responses = {k: h.copy() for k, h in monitor.response_sizes.items()}
        sessions = monitor.session_durations.copy()
    version = monitor.protocol_version
    lines = _histogram("mcp_server_operation_duration_seconds",
                       "Duration of MCP requests handled by this server (mcp.server.operation.duration).", hists,
                       version)
    lines += _histogram("mcp_server_session_duration_seconds", "Duration of the MCP sessions this server served "
                        "(mcp.server.session.duration; recorded when a session ends).",
                        {("", None, None): sessions} if sessions.count else {})
    lines += _histogram("mcp_server_request_size_bytes", "Bytes of each MCP request's params as JSON "
                        "(mcp.server.request.size; the JSON-RPC message less its envelope).", requests)
    lines += _histogram("mcp_server_response_size_bytes", "Bytes of each MCP result as JSON "
                        "(mcp.server.response.size; the JSON-RPC message less its envelope).", responses)

    gauges: list[tuple[str, str, str, float]] = []  # (name, type, help, value)
    latest = dict(monitor.latest)
    for metric, prom, kind, help_text in (
            ("process.rss_bytes", "process_resident_memory_bytes", "gauge", "Resident memory size in bytes."),
            ("process.open_fds", "process_open_fds", "gauge", "Number of open file descriptors."),
            ("process.cpu_percent", "devreliab_process_cpu_percent", "gauge",
             "CPU use of this process over the last sampling interval, in percent of one core."),
            ("loop.lag_ms", "devreliab_event_loop_lag_seconds", "gauge",
             "Largest event-loop lag seen in the last sampling interval, in seconds."),
            ("cache.bytes_held", "devreliab_cache_bytes", "gauge", "Bytes held by the content cache."),
            ("cache.max_bytes", "devreliab_cache_max_bytes", "gauge", "The content cache's budget in bytes."),
            ("cache.entries", "devreliab_cache_entries", "gauge", "Files held by the content cache."),
            ("vfs.open_conflicts", "devreliab_open_conflicts", "gauge", "Open write conflicts of the workspace.")):
        if metric in latest:
            gauges.append((prom, kind, help_text, latest[metric][0] / (1000 if metric.endswith("_ms") else 1)))
    cache = monitor.cache_stats()
    if cache is not None:
        for field in ("hits", "misses", "evictions"):
            gauges.append((f"devreliab_cache_{field}_total", "counter", f"Content-cache {field}.",
                           float(getattr(cache, field))))
    from . import _proc

    cpu = _proc.cpu_seconds()
    if cpu is not None:
        gauges.append(("process_cpu_seconds_total", "counter", "Total user and system CPU time in seconds.", cpu))
    gauges.append(("process_start_time_seconds", "gauge", "Start time of the process since the epoch in seconds.",
                   monitor.started))
    health = monitor.health()
    gauges.append(("devreliab_health_status", "gauge", "Workspace health: 0 ok, 1 degraded, 2 failing.",
                   float(_STATUS[health.status])))
    for prom, kind, help_text, value in gauges:
        lines += [f"# HELP {prom} {help_text}", f"# TYPE {prom} {kind}", f"{prom} {_num(value)}"]

    anomalous = "devreliab_metric_anomaly"
    lines += [f"# HELP {anomalous} 1 when the metric's latest sample in this process is an anomaly.",
              f"# TYPE {anomalous} gauge"]
    for metric, (_, flag, _s) in sorted(latest.items()):
        lines.append(f"{anomalous}{_labels({'metric': metric})} {int(flag)}")
    return "\n".join(lines) + "\n"
