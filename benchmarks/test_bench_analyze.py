"""``devreliab analyze`` against the tools it replaces, side by side on Django 5.2 (885 files, 159k lines).

Run: scripts/bench   (or .venv/bin/pytest benchmarks/test_bench_analyze.py --benchmark-only)
Every command runs as a real subprocess, as a user would run it, with output to a pipe or /dev/null.

- group "analyze cold": ``devreliab analyze --no-cache --format json`` (all cores) against the anchor,
  ``radon cc``, ``radon mi``, ``radon hal``, ``radon raw`` and ``bandit -r`` run one after another (JSON).
  Target: ours ≤ 0.3× the anchor.
- group "analyze warm": ``devreliab analyze`` with the cache filled and nothing changed (terminal report)
  against ``ruff check --no-cache --select C901,S``; target ≤ 1× ruff. And the same run with one file's
  content changed before every round (exactly one cache miss); target ≤ 2× the warm run.

Ratios (median against median) are recorded in each devreliab benchmark's ``extra_info``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent
TARGET = "django"  # the package directory inside the corpus root
CHANGED_FILE = "django/utils/text.py"  # 500 lines: a typical module

COLD_ROUNDS = 3
ANCHOR_ROUNDS = 2  # ~65 s a round here
WARM_ROUNDS = 10

TARGETS = {"cold": 0.3, "warm": 1.0, "one_changed": 2.0}

ANCHOR_COMMANDS = (
    ["radon", "cc", "-j", "--show-closures", TARGET],
    ["radon", "mi", "-j", TARGET],
    ["radon", "hal", "-j", "-f", TARGET],
    ["radon", "raw", "-j", TARGET],
    ["bandit", "-f", "json", "-q", "-r", TARGET],
)

# medians (seconds) of the benchmarks that ran so far, for the ratios
MEDIANS: dict[str, float] = {}


def _run(args: list[str], cwd: Path, *, pipe: bool = False) -> str:
    """Runs a command; exit 1 means findings or a failed gate, which is the expected outcome on Django."""
    proc = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE if pipe else subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False, timeout=900)
    assert proc.returncode in (0, 1), f"{' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-2000:]}"
    return proc.stdout if pipe else ""


def _devreliab(root: Path, *extra: str) -> list[str]:
    return [str(BIN / "devreliab"), "analyze", "--root", str(root), *extra, TARGET]


def _measure(benchmark: Any, key: str, fn: Callable[[], object], rounds: int,
             setup: Callable[[], None] | None = None) -> None:
    benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=0, setup=setup)
    MEDIANS[key] = benchmark.stats.stats.median
    benchmark.extra_info["median_s"] = round(MEDIANS[key], 4)


def _ratio(benchmark: Any, key: str, against: str, name: str) -> None:
    if key in MEDIANS and against in MEDIANS:
        ratio = MEDIANS[key] / MEDIANS[against]
        benchmark.extra_info[f"ratio_vs_{against}"] = round(ratio, 3)
        benchmark.extra_info["target"] = TARGETS[name]
        benchmark.extra_info["target_met"] = ratio <= TARGETS[name]


@pytest.fixture(scope="module")
def warm_workspace(analyze_workspace: Path) -> Path:
    """The corpus copy with the analysis cache filled by one (unmeasured) run."""
    _run(_devreliab(analyze_workspace), analyze_workspace)
    return analyze_workspace


@pytest.mark.benchmark(group="analyze cold")
def test_cold_anchor_radon_cc_mi_hal_raw_then_bandit(benchmark: Any, analyze_workspace: Path) -> None:
    def anchors() -> None:
        for command in ANCHOR_COMMANDS:
            _run([str(BIN / command[0]), *command[1:]], analyze_workspace)

    _measure(benchmark, "anchor", anchors, ANCHOR_ROUNDS)


@pytest.mark.benchmark(group="analyze cold")
def test_cold_devreliab_analyze_no_cache(benchmark: Any, analyze_workspace: Path) -> None:
    command = _devreliab(analyze_workspace, "--no-cache", "--format", "json")
    _measure(benchmark, "cold", lambda: _run(command, analyze_workspace), COLD_ROUNDS)
    _ratio(benchmark, "cold", "anchor", "cold")


@pytest.mark.benchmark(group="analyze warm")
def test_warm_anchor_ruff_c901_and_bandit_rules(benchmark: Any, warm_workspace: Path) -> None:
    command = [str(BIN / "ruff"), "check", "--no-cache", "--select", "C901,S", TARGET]
    _measure(benchmark, "ruff", lambda: _run(command, warm_workspace, pipe=True), WARM_ROUNDS)


@pytest.mark.benchmark(group="analyze warm")
def test_warm_devreliab_analyze_nothing_changed(benchmark: Any, warm_workspace: Path) -> None:
    command = _devreliab(warm_workspace)
    _measure(benchmark, "warm", lambda: _run(command, warm_workspace, pipe=True), WARM_ROUNDS)
    _ratio(benchmark, "warm", "ruff", "warm")


@pytest.mark.benchmark(group="analyze warm")
def test_warm_devreliab_analyze_one_file_changed(benchmark: Any, warm_workspace: Path) -> None:
    path = warm_workspace / CHANGED_FILE
    original = path.read_bytes()
    counter = iter(range(1_000_000))

    def change_one_file() -> None:  # new content every round: exactly one cache miss
        path.write_bytes(original + f"\n# benchmark round {next(counter)}\n".encode())

    command = _devreliab(warm_workspace)
    try:
        _measure(benchmark, "one_changed", lambda: _run(command, warm_workspace, pipe=True), WARM_ROUNDS,
                 setup=change_one_file)
        # the same situation once more, in JSON, to check that it really was one miss and nothing else
        change_one_file()
        summary = json.loads(_run(_devreliab(warm_workspace, "--format", "json"), warm_workspace,
                                  pipe=True))["summary"]
        assert (summary["analysed"], summary["cached"]) == (1, summary["files"] - 1), summary
    finally:
        path.write_bytes(original)
    _ratio(benchmark, "one_changed", "warm", "one_changed")
