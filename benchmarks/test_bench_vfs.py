"""devreliab.vfs against the plain operations it wraps, side by side (pytest-benchmark groups).

Run: .venv/bin/pytest benchmarks/test_bench_vfs.py --benchmark-only --benchmark-group-by=group
Targets (issue 3): cached read ≤ 0.5× open().read(); guarded write ≤ 2× a plain atomic write;
8 concurrent appenders lose 0 lines; library search ≤ 1.3× the rg command.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devreliab.vfs import Workspace
from devreliab.vfs._search import rg_binary

KB = 1024
APPENDERS = 8
ROUNDS = 25

APPEND_SCRIPT = r"""
import os, sys, tempfile
mode, root, name, worker, rounds = sys.argv[1:6]
path = os.path.join(root, name)
if mode == "guarded":
    from devreliab.vfs import Workspace
    ws = Workspace(root)
print("ready", flush=True)
sys.stdin.readline()  # start together: process start-up and imports are not part of the measurement
if mode == "guarded":
    for n in range(int(rounds)):
        line = f"worker {worker} round {n}\n"
        while True:
            text = ws.read(name).content
            if ws.write(name, text + line).status != "conflict":
                break
else:  # what a last-writer-wins server does: read, append, atomic replace
    for n in range(int(rounds)):
        with open(path) as fh:
            text = fh.read()
        fd, tmp = tempfile.mkstemp(dir=root)
        with os.fdopen(fd, "w") as fh:
            fh.write(text + f"worker {worker} round {n}\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
"""


def plain_atomic_write(path: Path, data: bytes) -> None:
    """The baseline a careful tool does: temp file in the same directory, fsync, rename, fsync the dir."""
    fd, tmp = tempfile.mkstemp(dir=path.parent)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("bench") / "project"
    root.mkdir()
    line = "x = compute_value(alpha, beta)  # some ordinary source line\n"
    (root / "big.txt").write_text(line * (100 * KB // len(line)))
    for d in range(10):
        (root / f"pkg{d}").mkdir()
        for f in range(30):
            body = "".join(f"def fn_{i}(a, b):\n    return a + b  # filler {i}\n" for i in range(40))
            if f % 3 == 0:
                body += "# TODO: needle to find\n" * 2
            (root / f"pkg{d}" / f"mod{f}.py").write_text(body)
    # Let the racy-clean window (2 s) pass so the cache may trust what it holds, as in steady use.
    time.sleep(2.2)
    yield root


# -- reads ---------------------------------------------------------------------------------------------------
@pytest.mark.benchmark(group="read 100 KB unchanged")
def test_cached_read_through_the_workspace(benchmark: Any, tree: Path) -> None:
    ws = Workspace(tree)
    ws.read("big.txt")
    result = benchmark(ws.read, "big.txt")
    assert result.total_lines and ws.cache_stats().hits > 0
    benchmark.extra_info["cache_hits"] = ws.cache_stats().hits


@pytest.mark.benchmark(group="read 100 KB unchanged")
def test_plain_open_read(benchmark: Any, tree: Path) -> None:
    path = tree / "big.txt"

    def read() -> str:
        with open(path, encoding="utf-8") as fh:
            return fh.read()

    assert benchmark(read)


# -- writes --------------------------------------------------------------------------------------------------
@pytest.mark.benchmark(group="write 100 KB")
def test_guarded_write(benchmark: Any, tree: Path) -> None:
    ws = Workspace(tree)
    ws.write("w-guarded.txt", "seed\n")
    body = (tree / "big.txt").read_text()
    counter = iter(range(10**9))

    def write() -> None:
        ws.write("w-guarded.txt", f"{next(counter)}\n" + body)

    benchmark(write)


@pytest.mark.benchmark(group="write 100 KB")
def test_plain_atomic_write(benchmark: Any, tree: Path) -> None:
    path = tree / "w-plain.txt"
    body = (tree / "big.txt").read_text()
    counter = iter(range(10**9))
    benchmark(lambda: plain_atomic_write(path, (f"{next(counter)}\n" + body).encode()))


@pytest.mark.benchmark(group="write 100 KB")
def test_guarded_write_interleaved_with_plain(benchmark: Any, tree: Path) -> None:
    """Each guarded write right after a plain one, so both meet the same disk (its fsync time drifts a lot
    on a shared machine); the plain times go to extra_info with the ratio of the medians."""
    ws = Workspace(tree)
    ws.write("w-pair.txt", "seed\n")
    body = (tree / "big.txt").read_text()
    counter = iter(range(10**9))
    plain_times: list[float] = []

    def setup() -> tuple[tuple[str], dict[str, Any]]:
        text = f"{next(counter)}\n" + body
        start = time.perf_counter()
        plain_atomic_write(tree / "w-pair-plain.txt", text.encode())
        plain_times.append(time.perf_counter() - start)
        return (text,), {}

    benchmark.pedantic(lambda text: ws.write("w-pair.txt", text), setup=setup, rounds=100)
    plain = statistics.median(plain_times)
    benchmark.extra_info["plain_median_ms"] = round(plain * 1000, 3)
    if benchmark.stats is not None:
        benchmark.extra_info["ratio_of_medians"] = round(benchmark.stats.stats.median / plain, 2)


# -- 8 concurrent appenders ----------------------------------------------------------------------------------
Procs = list[subprocess.Popen[str]]


def _start_appenders(root: Path, mode: str) -> tuple[tuple[Path, Procs], dict[str, Any]]:
    """pedantic setup: start the processes and wait until each has imported and opened its workspace."""
    name = root / f"append-{mode}.txt"
    name.write_text("")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    procs = [subprocess.Popen([sys.executable, "-c", APPEND_SCRIPT, mode, str(root), name.name, str(w),
                               str(ROUNDS)], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True) for w in range(APPENDERS)]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return (name, procs), {}


def _go(name: Path, procs: list[subprocess.Popen[str]]) -> None:
    """pedantic target: release every process at once and wait for all appends."""
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        proc.communicate(timeout=300)
        assert proc.returncode == 0


def _lost(name: Path) -> int:
    lines = set(name.read_text().splitlines())
    return len({f"worker {w} round {n}" for w in range(APPENDERS) for n in range(ROUNDS)} - lines)


@pytest.mark.benchmark(group="8 processes x 25 appends")
@pytest.mark.parametrize("mode", ["guarded", "unguarded"])
def test_concurrent_appends(benchmark: Any, tree: Path, mode: str) -> None:
    lost: list[int] = []
    name = tree / f"append-{mode}.txt"

    def run(name: Path, procs: list[subprocess.Popen[str]]) -> None:
        _go(name, procs)
        lost.append(_lost(name))

    benchmark.pedantic(run, setup=lambda: _start_appenders(tree, mode), rounds=5, iterations=1)
    total = APPENDERS * ROUNDS
    benchmark.extra_info["appends"] = total
    benchmark.extra_info["lines_lost"] = lost
    benchmark.extra_info["lines_lost_percent_mean"] = round(100 * sum(lost) / (total * len(lost)), 1)
    if benchmark.stats is not None:
        benchmark.extra_info["appends_per_second_median"] = round(total / benchmark.stats.stats.median, 1)
    assert name.exists()
    if mode == "guarded":
        assert max(lost) == 0


# -- search --------------------------------------------------------------------------------------------------
@pytest.mark.benchmark(group="search 300 files")
def test_library_search(benchmark: Any, tree: Path) -> None:
    ws = Workspace(tree)
    result = benchmark(ws.search, "needle", max_results=10_000)
    assert len(result.matches) == 200 and not result.truncated


@pytest.mark.benchmark(group="search 300 files")
def test_rg_command_json(benchmark: Any, tree: Path) -> None:
    rg = rg_binary()
    out = benchmark(lambda: subprocess.run([rg, "--json", "needle"], cwd=tree, capture_output=True,
                                           check=False))
    assert out.stdout.count(b'"type":"match"') == 200


@pytest.mark.benchmark(group="search 300 files")
def test_rg_command_plain(benchmark: Any, tree: Path) -> None:
    rg = rg_binary()
    out = benchmark(lambda: subprocess.run([rg, "needle"], cwd=tree, capture_output=True, check=False))
    assert out.stdout.count(b"needle") == 200


@pytest.mark.benchmark(group="search 300 files")
def test_library_search_interleaved_with_rg(benchmark: Any, tree: Path) -> None:
    """Each library search right after an `rg --json` run, so both meet the same machine load."""
    ws = Workspace(tree)
    rg = rg_binary()
    rg_times: list[float] = []

    def setup() -> tuple[tuple[()], dict[str, Any]]:
        start = time.perf_counter()
        subprocess.run([rg, "--json", "needle"], cwd=tree, capture_output=True, check=False)
        rg_times.append(time.perf_counter() - start)
        return (), {}

    benchmark.pedantic(lambda: ws.search("needle", max_results=10_000), setup=setup, rounds=60)
    rg_median = statistics.median(rg_times)
    benchmark.extra_info["rg_json_median_ms"] = round(rg_median * 1000, 3)
    if benchmark.stats is not None:
        benchmark.extra_info["ratio_of_medians"] = round(benchmark.stats.stats.median / rg_median, 2)
