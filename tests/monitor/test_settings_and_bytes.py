"""``monitor.*`` settings from devreliab.jsonc reach the monitor; bytes in and out per tool and method are
measured on real MCP requests; the dashboard's snapshot merges every process of the workspace."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from mcp import Client
from prometheus_client import parser

from devreliab import load_config
from devreliab.mcp import create_server
from devreliab.monitor import PerformanceMonitor, _samples, exposition
from devreliab.monitor._dashboard import DashboardSource
from devreliab.vfs import Workspace

from .conftest import Clock, run


def test_monitor_settings_come_from_the_workspace_config_unless_given(root: Path) -> None:
    (root / "devreliab.jsonc").write_text(
        '{"monitor": {"sample_interval_ms": 2500, "raw_retention_s": 600, "retention_s": 7200,'
        ' "max_rows": 5000, "anomaly_threshold": 4.5, "dashboard_refresh_ms": 250}}', encoding="utf-8")
    config = load_config(root).monitor
    assert (config.sample_interval_s, config.dashboard_refresh_s, config.otlp_endpoint) == (2.5, 0.25, None)
    with Workspace(root) as ws:
        monitor = PerformanceMonitor(root)
        monitor.attach(ws)
        assert (monitor.interval_s, monitor.raw_keep_s, monitor.retention_s, monitor.max_rows) == (
            2.5, 600, 7200, 5000)
        monitor.sample()
        assert {d.threshold for d in monitor._detectors.values()} == {4.5}
        given = PerformanceMonitor(root, interval_s=0.5, max_rows=100)
        given.attach(ws)
        assert (given.interval_s, given.max_rows, given.retention_s) == (0.5, 100, 7200)
    assert DashboardSource(root).refresh_s == 0.25


@pytest.mark.parametrize(("text", "error"), [
    ('{"monitor": {"sample_interval_ms": 50}}', "'monitor.sample_interval_ms' must be at least 100"),
    ('{"monitor": {"otlp_endpoint": 4318}}', "'monitor.otlp_endpoint' must be a string"),
    ('{"monitor": {"anomaly_threshold": "high"}}', "'monitor.anomaly_threshold' must be a number"),
    ('{"monitor": {"interval": 10}}', "unknown key 'monitor.interval'"),
])
def test_a_bad_monitor_setting_is_an_error_that_names_it(tmp_path: Path, text: str, error: str) -> None:
    from devreliab import ConfigError

    (tmp_path / "devreliab.jsonc").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=error):
        load_config(tmp_path)


@pytest.mark.anyio
async def test_bytes_in_and_out_are_measured_per_tool_and_method_on_real_requests(root: Path) -> None:
    monitor = PerformanceMonitor(root)
    async with Client(create_server(root, monitor=monitor, count_bytes=True)) as client:
        await client.list_tools()
        result = await client.call_tool("read_file", {"path": "README.md"})
        assert not result.is_error
        sent = json.dumps(result.model_dump(by_alias=True, exclude_none=True), separators=(",", ":"),
                          ensure_ascii=False).encode()
        monitor.sample()  # the server's own sampler may have taken some of the calls already: sum every sample
        store = monitor.store()
        assert store is not None
        values: dict[str, float] = defaultdict(float)
        for row in _samples.recent(store, 0):
            values[row.metric] += row.value
        text = exposition(monitor)
    # the params: name, arguments and the _meta the SDK's client adds (protocol version, client info)
    assert len(b'{"name":"read_file","arguments":{"path":"README.md"}}') < values["tool.read_file.bytes_in"] < 400
    # the result as the server sends it: what the client received, give or take the client's own model defaults
    assert values["tool.read_file.bytes_out"] == pytest.approx(len(sent), rel=0.1)
    assert values["method.tools/list.bytes_out"] > 1000 and values["method.tools/list.calls"] == 1
    assert 0 < values["tool.read_file.p50_ms"] <= values["tool.read_file.p95_ms"] <= values["tool.read_file.p99_ms"]
    families = {f.name: f for f in parser.text_string_to_metric_families(text)}
    out = {(s.labels.get("mcp_method_name"), s.labels.get("gen_ai_tool_name")): s.value
           for s in families["mcp_server_response_size_bytes"].samples if s.name.endswith("_sum")}
    assert out[("tools/call", "read_file")] == values["tool.read_file.bytes_out"]
    assert out[("tools/list", None)] > 1000
    requests = [s for s in families["mcp_server_request_size_bytes"].samples
                if s.name.endswith("_count") and s.labels.get("gen_ai_tool_name") == "read_file"]
    assert [s.value for s in requests] == [1]
    durations = {s.labels.get("mcp_method_name") for s in families["mcp_server_operation_duration_seconds"].samples}
    assert {"tools/call", "tools/list"} <= durations  # the other requests are timed too


def test_the_snapshot_merges_every_process_and_reads_only_new_samples(root: Path, workspace: Workspace,
                                                                     clock: Clock) -> None:
    first = PerformanceMonitor(root, clock=clock.time, monotonic=clock.monotonic)
    first.attach(workspace)
    clock.tick(1)
    second = PerformanceMonitor(root, clock=clock.time, monotonic=clock.monotonic)
    second.attach(workspace)
    for _ in range(3):
        run(first, clock, 1, calls=(("read_file", 0.004, "ok"),) * 4)
        second.on_tool_call(_Call("read_file", 0.2))
        second.sample()
    source = DashboardSource(root, store=lambda: workspace._store, clock=clock.time)
    snap = source.snapshot()
    tool = snap["tools"]["read_file"]
    assert tool["totals"]["calls"] == 3 * 4 + 3
    assert max(v for _, v in tool["latency"]["p99"]) == pytest.approx(200.0)  # the slowest process per bucket
    assert len(snap["processes"]) == 2 and all(p["alive"] for p in snap["processes"])
    assert set(snap["memory"]["series"]) == {str(first.pid)}  # one pid: both monitors live in this process
    assert snap["health"]["status"] == "ok" and snap["conflicts"] == {"open": 0, "latest": []}
    def held() -> int:
        return sum(len(rs) for rs in source._series.values())

    rows = held()
    assert source.snapshot()["tools"] == snap["tools"] and held() == rows  # nothing new, nothing read
    run(first, clock, 1, calls=(("search", 0.05, "ok"),))
    assert "search" in source.snapshot()["tools"]
    assert held() > rows


class _Call:
    def __init__(self, tool: str, seconds: float) -> None:
        self.tool, self.seconds, self.outcome, self.is_error = tool, seconds, "ok", False


@pytest.mark.anyio
async def test_measure_bytes_false_leaves_the_bytes_out_and_keeps_the_rest(root: Path) -> None:
    (root / "devreliab.jsonc").write_text('{"monitor": {"measure_bytes": false}}', encoding="utf-8")
    monitor = PerformanceMonitor(root)
    async with Client(create_server(root, monitor=monitor, count_bytes=True)) as client:
        assert not (await client.call_tool("read_file", {"path": "README.md"})).is_error
    assert monitor.request_sizes == {} and monitor.response_sizes == {}
    assert monitor.histograms[("tools/call", "read_file", None)].count == 1
