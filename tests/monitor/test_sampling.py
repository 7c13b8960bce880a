"""Sampling into the state store: what a sample holds, that samples stay bounded, several real processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from devreliab.mcp import ToolCall
from devreliab.monitor import PerformanceMonitor, _samples, workspace_health
from devreliab.monitor._histogram import BOUNDARIES
from devreliab.vfs import Workspace

from .conftest import Clock, run

WAIT_S = 60


def test_every_tool_call_lands_in_a_histogram_named_by_the_otel_mcp_conventions(monitor: PerformanceMonitor) -> None:
    monitor.on_tool_call(ToolCall("read_file", 0.004, "ok", False))
    monitor.on_tool_call(ToolCall("read_file", 0.03, "ok", False))
    monitor.on_tool_call(ToolCall("edit_file", 0.2, "error", True))
    ok = monitor.histograms[("tools/call", "read_file", None)]
    assert ok.count == 2 and abs(ok.sum - 0.034) < 1e-9
    assert ok.counts[BOUNDARIES.index(0.005)] == 1 and ok.counts[BOUNDARIES.index(0.05)] == 1
    assert monitor.histograms[("tools/call", "edit_file", "tool_error")].count == 1


def test_a_sample_holds_latency_errors_cache_process_and_workspace_metrics(
        monitor: PerformanceMonitor, workspace: Workspace, clock: Clock) -> None:
    workspace.read("README.md")
    run(monitor, clock, 1)
    workspace.read("README.md")
    run(monitor, clock, 1, calls=(("read_file", 0.002, "ok"), ("read_file", 0.004, "error")))
    values = {m: v for m, (v, _, _) in monitor.latest.items()}
    assert values["tool.read_file.calls"] == 2 and values["tool.read_file.errors"] == 1
    assert values["tool.read_file.error_rate"] == 0.5 and values["tool.read_file.p95_ms"] == 4.0
    assert values["cache.hits"] == 1 and values["cache.bytes_held"] > 0
    assert values["process.rss_bytes"] > 1 << 20 and values["process.open_fds"] > 0
    assert "process.cpu_percent" in values and values["loop.lag_ms"] == 0.0
    assert values["vfs.open_conflicts"] == 0 and values["vfs.merges"] == 0
    rows = _samples.recent(workspace._store, 0)
    assert {r.process for r in rows} == {monitor.process}
    assert {r.metric for r in rows} >= {"tool.read_file.p95_ms", "process.rss_bytes", "cache.hits"}


def test_samples_are_downsampled_to_minutes_and_pruned_by_age(root: Path, workspace: Workspace,
                                                              clock: Clock) -> None:
    monitor = PerformanceMonitor(root, clock=clock.time, monotonic=clock.monotonic, raw_keep_s=120,
                                 retention_s=600)
    monitor.attach(workspace)
    run(monitor, clock, 200, calls=(("read_file", 0.001, "ok"),))  # 2000 s of samples
    store = workspace._store
    now = clock.time()
    _samples.maintain(store, now, raw_keep_s=120, retention_s=600, max_rows=100_000)
    rows = _samples.recent(store, 0)
    metrics = {r.metric for r in rows}
    assert min(r.time for r in rows) >= now - 600
    with _samples.connection(store) as conn:
        old_raw = conn.execute("SELECT count(*) FROM monitor_samples WHERE res < 60 AND time < ?",
                               (now - 120,)).fetchone()[0]
    assert old_raw == 0
    # at most 12 raw samples (120 s) and 10 + 1 minutes per metric
    assert len(rows) <= len(metrics) * (12 + 11)


def test_the_row_count_is_capped(root: Path, workspace: Workspace, clock: Clock) -> None:
    monitor = PerformanceMonitor(root, clock=clock.time, monotonic=clock.monotonic)
    monitor.attach(workspace)
    run(monitor, clock, 20)
    _samples.maintain(workspace._store, clock.time(), raw_keep_s=3600, retention_s=86400, max_rows=50)
    assert _samples.count(workspace._store) <= 50


WORKER = textwrap.dedent("""
    import sys
    from devreliab.monitor import PerformanceMonitor
    from devreliab.vfs import Workspace
    from devreliab.mcp import ToolCall

    ws = Workspace(sys.argv[1])
    monitor = PerformanceMonitor(sys.argv[1])
    monitor.attach(ws)
    for i in range(3):
        monitor.on_tool_call(ToolCall("read_file", 0.001, "ok", False))
        monitor.sample()
    print(monitor.process, flush=True)
    sys.stdin.read()  # stay alive until the test closes stdin
    ws.close()
""")


def test_health_covers_every_process_that_samples_into_the_workspace(root: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(root)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        names = {p.stdout.readline().strip() for p in procs}  # type: ignore[union-attr]
        health = workspace_health(root)
        assert health.processes == 2
        assert health.status == "ok"
        with Workspace(root) as ws:
            assert {r.process for r in _samples.recent(ws._store, 0)} == names
    finally:
        for p in procs:
            p.communicate("", timeout=WAIT_S)
    assert [p.returncode for p in procs] == [0, 0]
