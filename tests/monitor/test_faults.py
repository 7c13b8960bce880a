"""Bad input and faults: the monitor degrades to what it can still say and never takes the server down."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import anyio
import anyio.from_thread
import pytest
from mcp import Client

from devreliab.cli import main
from devreliab.mcp import create_server
from devreliab.monitor import PerformanceMonitor, _health, _samples, workspace_health
from devreliab.monitor._health import assess
from devreliab.vfs import Workspace

from .conftest import Clock, run

WAIT_S = 60


def test_a_corrupt_store_under_a_running_monitor_is_reported_not_raised(root: Path, clock: Clock) -> None:
    with Workspace(root) as ws:
        monitor = PerformanceMonitor(root, clock=clock.time, monotonic=clock.monotonic)
        monitor.attach(ws)
        run(monitor, clock, 2)
        ws._store.close()
        db = root / ".devreliab" / "state.db"
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        db.write_bytes(b"this is not a database" * 500)
        run(monitor, clock, 1, calls=(("read_file", 0.001, "ok"),))
        assert monitor.latest["tool.read_file.calls"][0] == 1  # the sample was still taken in memory
        health = monitor.health(max_age_s=0)
    assert health.status == "degraded" and health.state_store == "unusable"
    assert health.reasons[0].reason.startswith("the state store is unusable")
    assert "disk space" in health.reasons[0].action


LOCKER = textwrap.dedent("""
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO monitor_samples(process, time, metric, value, anomaly, score, res) "
                 "VALUES ('dead@1', 1e12, 'half.written', 1, 0, NULL, 10)")
    print("holding", flush=True)
    sys.stdin.read()
""")


def _locker(root: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", LOCKER, str(root / ".devreliab" / "state.db")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def test_a_locked_store_costs_a_sample_a_bounded_wait_and_is_reported(root: Path, workspace: Workspace,
                                                                       monitor: PerformanceMonitor,
                                                                       clock: Clock) -> None:
    run(monitor, clock, 1)
    locker = _locker(root)
    try:
        started = time.monotonic()
        run(monitor, clock, 1)
        assert time.monotonic() - started < 10  # the monitor's busy timeout is 1 s, not the store's 30 s
        assert monitor.store_problem is not None and "locked" in monitor.store_problem
        health = monitor.health(max_age_s=0)
        assert health.status == "degraded" and "locked" in health.reasons[0].reason
    finally:
        locker.communicate("", timeout=WAIT_S)
    run(monitor, clock, 1)
    assert monitor.store_problem is None
    assert workspace._store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000  # the store's own wait


def test_a_process_killed_mid_sample_leaves_nothing_half_written_and_no_lock(root: Path, workspace: Workspace,
                                                                             monitor: PerformanceMonitor,
                                                                             clock: Clock) -> None:
    run(monitor, clock, 1)
    locker = _locker(root)
    locker.kill()
    locker.communicate(timeout=WAIT_S)
    run(monitor, clock, 1)
    assert monitor.store_problem is None
    rows = _samples.recent(workspace._store, 0)
    assert rows and all(r.process == monitor.process for r in rows)
    assert monitor.health(max_age_s=0).status == "ok"


def test_a_clock_jump_is_noted_and_rates_use_the_monotonic_clock(monitor: PerformanceMonitor,
                                                                 clock: Clock) -> None:
    run(monitor, clock, 2)
    clock.tick(10, wall_jump=3600)
    monitor.sample()
    clock.tick(10, wall_jump=-7200)
    monitor.sample()
    assert any("jumped by +3600 s" in n for n in monitor.notes)
    assert any("jumped by -7200 s" in n for n in monitor.notes)
    assert 0 <= monitor.latest["process.cpu_percent"][0] < 1000
    health = monitor.health(max_age_s=0)
    assert health.status == "ok" and any("jumped" in n for n in health.notes)


def test_a_metric_with_no_history_is_judged_by_nothing_and_breaks_nothing() -> None:
    one = [_samples.Row("1@0", 100.0, "tool.search.p95_ms", 5.0, False, None)]
    health = assess(one, [], now=100.0)
    assert health.status == "ok" and health.forecasts == [] and health.unusual == []
    assert assess([], [], now=0.0).status == "ok"


def test_health_of_a_workspace_whose_store_is_corrupt_is_still_answered(root: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (root / ".devreliab").mkdir()
    (root / ".devreliab" / "state.db").write_bytes(b"garbage" * 1000)
    assert main(["health", "--root", str(root)]) == 0  # the store is moved aside and rebuilt
    assert "nothing to judge yet" in capsys.readouterr().out
    health = workspace_health(root)
    assert health.status == "unknown"  # a rebuilt store holds no samples: nothing to judge


@pytest.mark.anyio
async def test_a_broken_monitor_never_takes_the_server_down(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_write(*_: object, **__: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    def broken_assess(*_: object, **__: object) -> None:
        raise RuntimeError("monitor bug")

    monitor = PerformanceMonitor(root)
    monkeypatch.setattr(_samples, "write", broken_write)
    async with Client(create_server(root, monitor=monitor)) as client:
        read = await client.call_tool("read_file", {"path": "README.md"})
        assert not read.is_error
        monitor.sample()
        assert monitor.store_problem == "OperationalError: disk I/O error"
        monkeypatch.setattr(_health, "assess", broken_assess)
        monkeypatch.setattr("devreliab.monitor._monitor.assess", broken_assess)
        health = (await client.call_tool("health", {})).structured_content
        assert health is not None and health["status"] == "degraded"
        assert health["reasons"] == ["the monitor cannot judge the health: RuntimeError: monitor bug"]
        metrics = await client.call_tool("metrics", {})
        assert not metrics.is_error
        again = await client.call_tool("read_file", {"path": "README.md"})
        assert not again.is_error


@pytest.mark.anyio
async def test_a_sampler_that_raises_does_not_end_the_server(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sampled = anyio.Event()

    def exploding(self: PerformanceMonitor) -> dict[str, float]:
        anyio.from_thread.run_sync(sampled.set)  # the sampler runs on a worker thread
        raise RuntimeError("sampler bug")

    monkeypatch.setattr(PerformanceMonitor, "sample", exploding)
    async with Client(create_server(root)) as client:
        with anyio.fail_after(WAIT_S):
            await sampled.wait()
        read = await client.call_tool("read_file", {"path": "README.md"})
        assert not read.is_error
