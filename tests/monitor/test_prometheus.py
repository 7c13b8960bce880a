"""Prometheus text exposition: parsed by prometheus_client's own parser, served at /metrics over HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx2
from prometheus_client import parser

from devreliab.monitor import PerformanceMonitor, exposition
from tests.mcp.conftest import WAIT_S
from tests.mcp.test_http import HttpServer

from .conftest import Clock, run

HIST = "mcp_server_operation_duration_seconds"


def families(text: str) -> dict[str, object]:
    return {f.name: f for f in parser.text_string_to_metric_families(text)}


def test_the_exposition_parses_and_carries_the_duration_histogram_with_otel_attributes(
        monitor: PerformanceMonitor, clock: Clock) -> None:
    run(monitor, clock, 2, calls=(("read_file", 0.004, "ok"), ("edit_file", 0.3, "error")))
    found = families(exposition(monitor))
    hist = found[HIST]
    assert hist.type == "histogram"  # type: ignore[attr-defined]
    samples = hist.samples  # type: ignore[attr-defined]
    count = {(s.labels.get("gen_ai_tool_name"), s.labels.get("error_type")): s.value for s in samples
             if s.name == HIST + "_count"}
    assert count == {("read_file", None): 2, ("edit_file", "tool_error"): 2}
    assert all(s.labels["mcp_method_name"] == "tools/call" for s in samples)
    inf = [s.value for s in samples if s.name == HIST + "_bucket" and s.labels["le"] == "+Inf"]
    assert sorted(inf) == [2, 2]
    for name in ("process_resident_memory_bytes", "process_open_fds", "process_cpu_seconds",
                 "devreliab_cache_hits", "devreliab_cache_bytes", "devreliab_health_status",
                 "devreliab_event_loop_lag_seconds", "devreliab_metric_anomaly"):
        assert name in found, name


def test_label_values_are_escaped(monitor: PerformanceMonitor) -> None:
    monitor.record("tools/call", 'we"ird\\tool\nname', 0.01)
    found = families(exposition(monitor))
    names = [s.labels["gen_ai_tool_name"] for s in found[HIST].samples]  # type: ignore[attr-defined]
    assert set(names) == {'we"ird\\tool\nname'}


def test_the_http_server_serves_metrics_at_slash_metrics(root: Path) -> None:
    server = HttpServer(root)
    try:
        base = f"http://127.0.0.1:{server.port}"
        answer = httpx2.get(base + "/metrics", timeout=WAIT_S)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
        found = families(answer.text)
        assert "process_resident_memory_bytes" in found and "devreliab_health_status" in found
        assert httpx2.get(base + "/metrics", headers={"Host": "evil.example:80"}, timeout=WAIT_S).status_code == 421
        assert httpx2.post(base + "/metrics", timeout=WAIT_S).status_code == 405
    finally:
        assert server.stop() == 0
