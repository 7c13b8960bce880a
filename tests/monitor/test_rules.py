"""Health rules that hold while their condition does: error budgets, learned latency baselines, conflicts,
stalled processes, agents that loop, and forecasts only when the trend is significant."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mcp import Client
from mcp_types import Implementation

from devreliab.mcp import ToolCall, create_server
from devreliab.monitor import PerformanceMonitor, workspace_health
from devreliab.monitor._health import assess
from devreliab.monitor._samples import ProcessRow, Row
from devreliab.vfs import Workspace

from .conftest import Clock, run

WAIT_S = 60


def _mixed(ok: int, failed: int, tool: str = "read_file", seconds: float = 0.002) -> tuple[tuple[str, float, str], ...]:
    return ((tool, seconds, "ok"),) * ok + ((tool, seconds, "error"),) * failed


def test_a_steady_error_rate_from_start_up_is_failing_not_the_baseline(monitor: PerformanceMonitor,
                                                                     clock: Clock) -> None:
    started = clock.time()
    run(monitor, clock, 40, calls=_mixed(53, 47))
    health = monitor.health(max_age_s=0)
    reason = next(r for r in health.reasons if r.subject == "read_file")
    assert health.status == "failing", health.reasons
    assert reason.reason.startswith("47% of the calls of read_file fail") and reason.since == started


def test_an_outage_stays_a_reason_for_as_long_as_it_lasts(monitor: PerformanceMonitor, clock: Clock) -> None:
    run(monitor, clock, 20, calls=_mixed(20, 0))
    began = clock.time()
    run(monitor, clock, 10, calls=_mixed(10, 10))
    assert monitor.health(max_age_s=0).status == "degraded"  # at once; failing once the long window agrees
    for _ in range(12):  # two hours at half the calls failing: never the new normal
        run(monitor, clock, 10, calls=_mixed(10, 10))
        health = monitor.health(max_age_s=0)
        reason = next(r for r in health.reasons if r.subject == "read_file")
        assert health.status == "failing" and "50% of the calls of read_file fail" in reason.reason
    assert reason.since is not None and reason.since <= began + 3600  # the start is within the hour it reads
    run(monitor, clock, 3, calls=_mixed(20, 0))  # the outage ends: the reason goes with it
    assert monitor.health(max_age_s=0).status == "ok"


def test_a_few_scattered_errors_are_within_the_budget(monitor: PerformanceMonitor, clock: Clock) -> None:
    rng = random.Random(7)
    for _ in range(60):
        run(monitor, clock, 1, calls=_mixed(30, 1 if rng.random() < 0.3 else 0))
        assert monitor.health(max_age_s=0).status == "ok"


def test_latency_far_above_the_tools_learned_baseline_is_a_reason_while_it_lasts(monitor: PerformanceMonitor,
                                                                               clock: Clock) -> None:
    run(monitor, clock, 20, calls=_mixed(10, 0, seconds=0.008))
    slow_from = clock.time()
    run(monitor, clock, 2, calls=_mixed(10, 0, seconds=0.080))
    reason = next(r for r in monitor.health(max_age_s=0).reasons if r.subject == "read_file")
    assert reason.reason.startswith(f"read_file is slow since {time.strftime('%H:%M:%S', time.localtime(slow_from))}")
    assert "against its usual 8.0 ms" in reason.reason and "disk" in reason.action
    run(monitor, clock, 3, calls=_mixed(10, 0, seconds=0.008))
    assert monitor.health(max_age_s=0).status == "ok"


def test_open_conflicts_are_a_reason_that_names_the_oldest_and_who_got_them(root: Path) -> None:
    (root / "a.txt").write_text("one\ntwo\nthree\n")
    with Workspace(root, client_id="agent-a") as first, Workspace(root, client_id="agent-b") as second:
        base = first.read("a.txt").version
        second.read("a.txt")
        first.write("a.txt", "ONE\ntwo\nthree\n", expected_version=base)
        answer = second.write("a.txt", "uno\ntwo\nthree\n", expected_version=base)
        assert answer.status == "conflict"
        monitor = PerformanceMonitor(root)
        monitor.attach(first)
        monitor.sample()
        health = monitor.health(max_age_s=0)
    reason = next(r for r in health.reasons if r.metric == "vfs.open_conflicts")
    assert health.status == "degraded" and reason.reason.startswith("1 write conflict(s) are open since")
    assert "a.txt" in reason.reason and "resolve_conflict" in reason.action and reason.since is not None


@pytest.mark.anyio
async def test_an_agent_repeating_the_same_call_is_named_as_looping(root: Path) -> None:
    monitor = PerformanceMonitor(root, interval_s=3600)
    async with Client(create_server(root, monitor=monitor), mode="legacy",
                      client_info=Implementation(name="looper", version="1")) as client:
        for _ in range(25):  # the server's own first sample may split them: one part still holds ≥ 13
            await client.call_tool("read_file", {"path": "README.md"})
        await client.call_tool("file_info", {"path": "README.md"})
        monitor.sample()
        health = monitor.health(max_age_s=0)
        store = monitor.store()
        assert store is not None
        calls = store.conn.execute("SELECT sum(value) FROM monitor_samples WHERE metric = "
                                   "'client.looper.calls'").fetchone()[0]
    reason = next(r for r in health.reasons if r.subject == "looper")
    assert reason.reason.startswith("agent looper repeats the same read_file call (same arguments) ")
    assert "looks stuck in a loop" in reason.reason and calls == 26


def test_one_agent_failing_far_more_than_the_others_is_named(monitor: PerformanceMonitor, clock: Clock) -> None:
    for _ in range(6):
        for i in range(20):
            monitor.on_tool_call(ToolCall("read_file", 0.002, "ok", False, client="careful", arguments_hash=str(i)))
            outcome = "error" if i % 2 else "ok"
            monitor.on_tool_call(ToolCall("edit_file", 0.002, outcome, outcome != "ok", client="sloppy",
                                          arguments_hash=str(i)))
        clock.tick(10)
        monitor.sample()
    reason = next(r for r in monitor.health(max_age_s=0).reasons if r.subject == "sloppy")
    assert reason.reason.startswith("agent sloppy's calls fail far more often than the others' (50% against 0%")


def _rows(metric: str, values: list[float], start: float = 1000.0, step: float = 10.0) -> list[Row]:
    return [Row("1@0.000", start + i * step, metric, v, False, 0.0) for i, v in enumerate(values)]


def test_noise_without_a_trend_forecasts_nothing() -> None:
    rng = random.Random(3)
    p95 = [100.0 + rng.gauss(0, 30) for _ in range(90)]
    rss = [5e7 + rng.gauss(0, 4e6) for _ in range(90)]
    health = assess(_rows("tool.search.p95_ms", p95) + _rows("process.rss_bytes", rss), [], now=1900.0)
    assert health.forecasts == []


def test_a_noisy_but_real_trend_is_forecast_with_its_bounds() -> None:
    rng = random.Random(4)
    held = [40e6 + i * 2e5 + rng.gauss(0, 5e5) for i in range(60)]  # +1.2 MB a minute under noise
    data = _rows("cache.bytes_held", held) + _rows("cache.max_bytes", [100 * 2**20] * 60)
    (forecast,) = assess(data, [], now=1600.0).forecasts
    assert forecast.startswith("the content cache of process 1 reaches its budget (100.0 MB) in about ")
    assert "(95 %: " in forecast and " to " in forecast


def test_a_full_cache_that_evicts_is_not_forecast_to_fill(root: Path) -> None:
    held = [90e6 + i * 1e5 for i in range(30)]
    data = (_rows("cache.bytes_held", held) + _rows("cache.max_bytes", [100e6] * 30)
            + _rows("cache.evictions", [3.0] * 30))
    health = assess(data, [], now=1295.0)
    assert any(r.metric == "cache.evictions" for r in health.reasons)
    assert not any("cache" in f for f in health.forecasts)


def test_a_stopped_server_process_is_failing_until_it_resumes(root: Path) -> None:
    (root / "devreliab.jsonc").write_text('{"monitor": {"sample_interval_ms": 300}}')
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-m", "devreliab", "serve", "--root", str(root)], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _until(lambda: workspace_health(root).processes == 1, "the server samples")
        proc.send_signal(signal.SIGSTOP)
        stopped = _until(lambda: [r for r in workspace_health(root).reasons if "is stopped" in r.reason],
                         "the stop is seen")
        assert stopped[0].status == "failing" and f"kill -CONT {proc.pid}" in stopped[0].action
        proc.send_signal(signal.SIGCONT)
        _until(lambda: workspace_health(root).status == "ok", "the process resumed")
    finally:
        proc.send_signal(signal.SIGCONT)
        proc.kill()
        proc.communicate(timeout=WAIT_S)


def _until(condition: object, what: str) -> object:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:  # bounded poll on the condition
        found = condition()  # type: ignore[operator]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {WAIT_S} s: {what}")


def test_processes_are_judged_from_the_store_without_a_second_store(root: Path) -> None:
    with Workspace(root) as ws:
        monitor = PerformanceMonitor(root)
        monitor.attach(ws)
        monitor.sample()
    health = assess([], [ProcessRow("1@0.000", 1, 0.0, 0.0, 10.0)], now=1.0)
    assert health.status == "ok"
    assert json.loads(json.dumps(health.to_dict()))["status"] == "ok"
