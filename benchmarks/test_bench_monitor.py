"""The performance monitor's overhead: a cached ``read_file`` round trip with and without monitoring.

Both servers run in memory behind the MCP SDK's own client (``mcp.Client(server)``), in one event loop driven
from the benchmark's thread through an anyio blocking portal. The monitored server runs everything the monitor
adds to a real server: the tool-call hook, the sampler (every 10 s on a worker thread, writing to SQLite), the
event-loop lag probe, and the health the notifier asks for every second.

Run: .venv/bin/pytest benchmarks/test_bench_monitor.py --benchmark-only --benchmark-group-by=group
Target: monitored / unmonitored ≤ 1.03 (medians; the interleaved benchmark is the fair one on a loaded machine).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.from_thread
import pytest
from mcp import Client

from devreliab.mcp import create_server

ROUNDS = 3000
TARGET = 1.03
ARGS = {"path": "src/module.py"}


class Pair:
    def __init__(self, portal: anyio.from_thread.BlockingPortal, plain: Client, monitored: Client) -> None:
        self.portal = portal
        self.clients = {"plain": plain, "monitored": monitored}

    def read(self, kind: str) -> Any:
        result = self.portal.call(self.clients[kind].call_tool, "read_file", ARGS)
        assert not result.is_error
        return result


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    roots = {}
    for kind in ("plain", "monitored"):
        root = tmp_path_factory.mktemp(kind) / "project"
        (root / "src").mkdir(parents=True)
        (root / "src" / "module.py").write_text("".join(f"def f{i}(a):\n    return a + {i}\n" for i in range(200)))
        roots[kind] = root
    with anyio.from_thread.start_blocking_portal() as portal, \
            portal.wrap_async_context_manager(Client(create_server(roots["plain"], monitor=False))) as plain, \
            portal.wrap_async_context_manager(Client(create_server(roots["monitored"]))) as monitored:
        p = Pair(portal, plain, monitored)
        for _ in range(50):  # warm both caches and code paths
            p.read("plain")
            p.read("monitored")
        yield p


@pytest.mark.benchmark(group="monitor: cached read_file round trip")
@pytest.mark.parametrize("kind", ["plain", "monitored"])
def test_cached_read_file_round_trip(benchmark: Any, pair: Pair, kind: str) -> None:
    benchmark.pedantic(pair.read, args=(kind,), rounds=ROUNDS, iterations=1, warmup_rounds=100)


@pytest.mark.benchmark(group="monitor: cached read_file round trip, interleaved")
def test_cached_read_file_round_trip_interleaved(benchmark: Any, pair: Pair) -> None:
    """Monitored and plain calls alternate call by call, so both meet the same machine load."""
    times: dict[str, list[float]] = {"plain": [], "monitored": []}

    def both() -> None:
        for kind in ("plain", "monitored"):
            started = time.perf_counter()
            pair.read(kind)
            times[kind].append(time.perf_counter() - started)

    benchmark.pedantic(both, rounds=ROUNDS, iterations=1, warmup_rounds=100)
    plain, monitored = statistics.median(times["plain"]), statistics.median(times["monitored"])
    ratio = monitored / plain
    benchmark.extra_info.update(plain_median_us=round(plain * 1e6, 1), monitored_median_us=round(monitored * 1e6, 1),
                                plain_mean_us=round(statistics.fmean(times["plain"]) * 1e6, 1),
                                monitored_mean_us=round(statistics.fmean(times["monitored"]) * 1e6, 1),
                                ratio=round(ratio, 4), target=TARGET, met=ratio <= TARGET)
    print(f"\ncached read_file round trip: plain {plain * 1e6:.1f} µs, monitored {monitored * 1e6:.1f} µs "
          f"(median of {ROUNDS}); ratio {ratio:.4f}, target ≤ {TARGET}")
