"""How long judging the health takes on an hour of history: 3 server processes × 360 samples (10 s) × about 100
metrics each (10 tools, 4 agents, the process, cache and store figures): about 110,000 rows in the state store.

``monitor.health()`` — what the ``health`` tool, the resource's notifier and ``/metrics`` call — keeps the hour in
memory and reads only the rows written since its last call; each round here first writes one more sample of
every process (as the servers would) and then judges. ``workspace_health(root)`` — what ``devreliab health``
runs — reads the whole hour once.

Run: .venv/bin/pytest benchmarks/test_bench_health.py --benchmark-only -s
Target: monitor.health() p95 < 20 ms (measured 22–25 ms on the shared 2-core VM: not met yet).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devreliab.monitor import PerformanceMonitor, _samples, workspace_health
from devreliab.monitor._samples import ProcessRow
from devreliab.vfs import Workspace

TOOLS = ("read_file", "read_many", "write_file", "edit_file", "list_directory", "search", "file_info",
         "list_conflicts", "analyze_file", "health")
AGENTS = ("claude-code", "copilot", "cursor", "codex")
PROCESSES = 3
HOUR = 360
TARGET_MS = 20.0


def _sample(rng: random.Random) -> list[tuple[str, float, bool, float | None]]:
    rows: list[tuple[str, float, bool, float | None]] = []
    for tool in TOOLS:
        calls = rng.randint(5, 40)
        errors = rng.randint(0, 1)
        rows += [(f"tool.{tool}.calls", calls, False, 0.0), (f"tool.{tool}.errors", errors, False, 0.0),
                 (f"tool.{tool}.crashes", 0, False, 0.0), (f"tool.{tool}.error_rate", errors / calls, False, 0.0),
                 (f"tool.{tool}.p50_ms", rng.uniform(1, 3), False, 0.0),
                 (f"tool.{tool}.p95_ms", rng.uniform(3, 9), False, 0.0),
                 (f"tool.{tool}.p99_ms", rng.uniform(9, 20), False, 0.0),
                 (f"tool.{tool}.bytes_in", calls * 80, False, 0.0), (f"tool.{tool}.bytes_out", calls * 900, False, 0.0)]
    for agent in AGENTS:
        rows += [(f"client.{agent}.calls", rng.randint(10, 60), False, 0.0), (f"client.{agent}.errors", 1, False, 0.0)]
    for metric, value in (("process.cpu_percent", 3.0), ("process.rss_bytes", 9e7), ("process.open_fds", 30),
                          ("loop.lag_ms", 1.0), ("cache.hits", 30), ("cache.misses", 3), ("cache.evictions", 0),
                          ("cache.bytes_held", 4e6), ("cache.max_bytes", 1e8), ("cache.entries", 200),
                          ("vfs.merges", 0), ("vfs.conflicts", 0), ("vfs.open_conflicts", 0),
                          ("store.bytes", 3e7), ("store.budget_bytes", 2.6e8)):
        rows.append((metric, value * rng.uniform(0.9, 1.1), False, 0.0))
    return rows


class History:
    def __init__(self, root: Path, ws: Workspace) -> None:
        self.root, self.ws = root, ws
        self.rng = random.Random(1)
        self.now = time.time() - HOUR * 10.0
        self.procs = [ProcessRow(f"{40000 + i}@{self.now:.3f}", 40000 + i, self.now, self.now, 10.0)
                      for i in range(PROCESSES)]

    def step(self) -> None:
        self.now += 10.0
        store = self.ws._store
        for p in self.procs:
            _samples.write(store, ProcessRow(p.process, p.pid, p.started, self.now, 10.0), self.now,
                           _sample(self.rng))


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    root = tmp_path_factory.mktemp("health") / "project"
    root.mkdir()
    with Workspace(root) as ws:
        h = History(root, ws)
        for _ in range(HOUR):
            h.step()
        yield h


@pytest.mark.benchmark(group="monitor: health on an hour of history")
def test_health_of_a_running_monitor_on_an_hour_of_history(benchmark: Any, history: History) -> None:
    monitor = PerformanceMonitor(history.root, clock=lambda: history.now)
    monitor.attach(history.ws)
    monitor.health(max_age_s=0)  # the first call reads the hour
    times: list[float] = []

    def judge() -> None:
        history.step()
        started = time.perf_counter()
        monitor.health(max_age_s=0)
        times.append(time.perf_counter() - started)

    benchmark.pedantic(judge, rounds=200, iterations=1, warmup_rounds=5)
    rows = _samples.count(history.ws._store)
    p95 = statistics.quantiles(times, n=20)[-1] * 1000
    print(f"\nhealth(): {rows} rows, median {statistics.median(times) * 1000:.1f} ms, p95 {p95:.1f} ms "
          f"(target < {TARGET_MS:.0f} ms)")  # a figure to read, not a timed assertion on a shared machine


@pytest.mark.benchmark(group="monitor: health on an hour of history")
def test_the_health_command_reads_the_hour_once(benchmark: Any, history: History) -> None:
    result = benchmark.pedantic(lambda: workspace_health(history.root, now=history.now), rounds=5, iterations=1)
    print(f"\nworkspace_health(): median {benchmark.stats.stats.median * 1000:.0f} ms")
    assert result.processes == 3 and not any("stopped" in r.reason for r in result.reasons)  # their pids do not run
