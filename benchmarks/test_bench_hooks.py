"""The simulated fleet (tests/hooks/fleet.py) at full size, with hooks and without, and one hook call on a
10,000-file workspace.

Run: .venv/bin/python -m compileall -q devreliab && \
     .venv/bin/pytest benchmarks/test_bench_hooks.py --benchmark-only -s
Targets (issue 13): the fleet loses 0 updates and records one conflict per overlap; a hook answers within 1 s p99.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import pytest

from tests.hooks.conftest import run_hook
from tests.hooks.fleet import Fleet
from tests.hooks.payloads import claude

ROUNDS, FILES = 25, 4
BIG_TREE = 10_000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@pytest.mark.parametrize("hooks", [True, False], ids=["hooks", "no-hooks"])
def test_fleet(benchmark: Any, tmp_path: Path, hooks: bool) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / ".git").mkdir()
    fleet = Fleet(root, FILES, hooks=hooks)
    try:
        result = benchmark.pedantic(fleet.run, args=(ROUNDS,), rounds=1, iterations=1)
    finally:
        fleet.close()
    lat = result.hook_latencies
    print(f"\nfleet hooks={hooks}: {result.writes} writes in {result.seconds:.1f} s "
          f"({result.writes / result.seconds:.1f} writes/s), lost {result.lost}/{result.checked}, conflicts "
          f"{result.conflicts_recorded} recorded / {result.conflicts_expected} expected"
          + (f", hook p50 {statistics.median(lat) * 1000:.0f} ms p99 {percentile(lat, 0.99) * 1000:.0f} ms"
             if lat else ""))
    if hooks:
        assert result.lost == 0 and result.conflicts_recorded == result.conflicts_expected


def test_hook_on_a_10000_file_workspace(benchmark: Any, tmp_path: Path) -> None:
    root = tmp_path / "big"
    root.mkdir()
    (root / ".git").mkdir()
    for i in range(BIG_TREE):
        sub = root / f"d{i // 100}"
        sub.mkdir(exist_ok=True)
        (sub / f"f{i}.txt").write_text(f"file {i}\n")
    target = root / "d50" / "f5000.txt"
    latencies: list[float] = []

    def once() -> None:
        import time

        start = time.perf_counter()
        run_hook("claude-code", claude("PreToolUse", "Write", root, file_path=str(target), content="new\n"))
        latencies.append(time.perf_counter() - start)

    benchmark.pedantic(once, rounds=30, iterations=1)
    print(f"\nhook on {BIG_TREE} files: p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms")
