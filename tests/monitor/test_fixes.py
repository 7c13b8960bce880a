"""What the monitor gets right over real transports: cache figures over every HTTP session, bounded labels for
unknown tools, the switch that turns it off, and the conventions' session metric."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from prometheus_client import parser

from devreliab.mcp import create_server
from devreliab.monitor import PerformanceMonitor, exposition
from tests.mcp.test_http import HttpServer

WAIT_S = 60


def _families(text: str) -> dict[str, object]:
    return {f.name: f for f in parser.text_string_to_metric_families(text)}


def _value(text: str, name: str) -> float:
    family = _families(text).get(name)
    return float(family.samples[0].value) if family is not None else 0.0  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_cache_figures_over_http_add_up_every_sessions_workspace(root: Path) -> None:
    (root / "devreliab.jsonc").write_text('{"monitor": {"sample_interval_ms": 300}}')
    readme = root / "README.md"
    os.utime(readme, (time.time() - 60, time.time() - 60))  # not racily clean: a second read can be a hit
    server = HttpServer(root)
    try:
        async with Client(server.url, mode="legacy") as first, Client(server.url, mode="legacy") as second:
            for client in (first, second, first, second):
                assert not (await client.call_tool("read_file", {"path": "README.md"})).is_error
            metrics = server.url.removesuffix("/mcp") + "/metrics"
            deadline = time.monotonic() + WAIT_S
            while True:  # bounded poll: the exposition reads the caches when scraped
                text = httpx2.get(metrics, timeout=WAIT_S).text
                misses = _value(text, "devreliab_cache_misses")
                budget = _value(text, "devreliab_cache_max_bytes")  # sampled: as of the latest sample
                if (misses >= 2 and budget >= 2 * 100 * 2**20) or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert misses >= 2, text  # one miss in each session; the process's own workspace read nothing: all 0 before
            assert budget >= 2 * 100 * 2**20  # a budget per workspace: the sessions' are in the sum
            db = sqlite3.connect(root / ".devreliab" / "state.db")
            deadline = time.monotonic() + WAIT_S
            sampled = 0.0
            while sampled < 2 and time.monotonic() < deadline:  # and the samples in the store say so too
                sampled = db.execute("SELECT coalesce(sum(value), 0) FROM monitor_samples "
                                     "WHERE metric = 'cache.misses'").fetchone()[0]
                time.sleep(0.1)
            db.close()
            assert sampled >= 2
    finally:
        assert server.stop() == 0


@pytest.mark.anyio
async def test_calls_to_unknown_tools_share_one_label_in_the_metrics_and_the_store(root: Path) -> None:
    monitor = PerformanceMonitor(root)
    async with Client(create_server(root, monitor=monitor)) as client:
        await client.call_tool("file_info", {"path": "README.md"})
        for i in range(40):
            try:
                result = await client.call_tool(f"no_such_tool_{i}", {})
                assert result.is_error
            except Exception as exc:  # an SDK that raises for an unknown tool is fine too
                assert "no_such_tool" in str(exc)
        monitor.sample()
        text = exposition(monitor)
        store = monitor.store()
        assert store is not None
        metrics = {m for (m,) in store.conn.execute("SELECT DISTINCT metric FROM monitor_samples")}
    families = _families(text)
    tools = {s.labels.get("gen_ai_tool_name") for s in families["mcp_server_operation_duration_seconds"].samples  # type: ignore[attr-defined]
             if s.labels["mcp_method_name"] == "tools/call"}
    assert tools == {"file_info", "_OTHER"}
    assert not any("no_such_tool" in m for m in metrics) and "tool._OTHER.calls" in metrics
    assert monitor.latest["tool._OTHER.calls"][0] == 40 and monitor.latest["tool._OTHER.errors"][0] == 40


def test_tool_names_beyond_the_bound_fold_into_other(root: Path) -> None:
    from devreliab.mcp import ToolCall
    from devreliab.monitor._monitor import MAX_TOOL_LABELS

    monitor = PerformanceMonitor(root)
    for i in range(MAX_TOOL_LABELS + 50):
        monitor.on_tool_call(ToolCall(f"tool{i}", 0.001, "ok", False))
    labels = {key[1] for key in monitor.histograms}
    assert len(labels) == MAX_TOOL_LABELS + 1 and "_OTHER" in labels


@pytest.mark.anyio
async def test_monitor_enabled_false_records_and_samples_nothing(root: Path) -> None:
    (root / "devreliab.jsonc").write_text('{"monitor": {"enabled": false}}')
    monitor = PerformanceMonitor(root)
    async with Client(create_server(root, monitor=monitor)) as client:
        for _ in range(3):
            assert not (await client.call_tool("file_info", {"path": "README.md"})).is_error
        monitor.sample()
        health = (await client.call_tool("health", {})).structured_content
    assert health is not None and health["status"] == "ok"
    assert any("monitor.enabled: false" in n for n in health["notes"])
    assert monitor.histograms == {} and monitor.samples_taken == 0
    db = sqlite3.connect(root / ".devreliab" / "state.db")
    assert db.execute("SELECT count(*) FROM monitor_samples").fetchone()[0] == 0
    db.close()


@pytest.mark.anyio
async def test_sub_millisecond_calls_land_below_the_conventions_first_bucket(root: Path) -> None:
    monitor = PerformanceMonitor(root)
    async with Client(create_server(root, monitor=monitor)) as client:
        await client.call_tool("file_info", {"path": "README.md"})
    monitor.record("tools/call", "file_info", 0.0003)
    families = _families(exposition(monitor))
    buckets = {s.labels["le"]: s.value for s in families["mcp_server_operation_duration_seconds"].samples  # type: ignore[attr-defined]
               if s.name.endswith("_bucket") and s.labels.get("gen_ai_tool_name") == "file_info"}
    assert buckets["0.0005"] >= 1 and buckets["0.0001"] == 0
    # the session ended with the client: its duration is in the conventions' session histogram
    session = families["mcp_server_session_duration_seconds"]
    assert [s.value for s in session.samples if s.name.endswith("_count")] == [1]  # type: ignore[attr-defined]
    version = {s.labels.get("mcp_protocol_version") for s in families["mcp_server_operation_duration_seconds"].samples}  # type: ignore[attr-defined]
    assert all(v and v.startswith("20") for v in version)


def test_the_dashboard_snapshot_has_a_row_per_agent_and_each_tools_error_rate(root: Path) -> None:
    from devreliab.mcp import ToolCall
    from devreliab.monitor._dashboard import DashboardSource
    from devreliab.vfs import Workspace

    with Workspace(root) as ws:
        monitor = PerformanceMonitor(root)
        monitor.attach(ws)
        for i in range(10):
            monitor.on_tool_call(ToolCall("read_file", 0.001, "ok", False, client="claude-code", arguments_hash=str(i)))
            failed = i < 4
            monitor.on_tool_call(ToolCall("edit_file", 0.002, "error" if failed else "ok", failed, client="copilot",
                                          arguments_hash="same"))
        monitor.sample()
        snap = DashboardSource(root, store=monitor.store, quality_every_s=3600).snapshot()
    agents = {a["agent"]: a for a in snap["agents"]}
    assert agents["claude-code"]["calls"] == 10 and agents["claude-code"]["error_rate"] == 0.0
    assert agents["copilot"]["errors"] == 4 and agents["copilot"]["error_rate"] == 0.4
    assert agents["copilot"]["repeats"] == 10  # the same edit ten times
    assert snap["tools"]["edit_file"]["error_rate"] == 0.4 and snap["tools"]["read_file"]["error_rate"] == 0.0
