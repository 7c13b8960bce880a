"""Fixtures for the monitor tests: a workspace on disk with a real state store, and a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devreliab.monitor import PerformanceMonitor
from devreliab.vfs import Workspace


class Clock:
    """Wall and monotonic time the test moves by hand."""

    def __init__(self, wall: float = 1_800_000_000.0) -> None:
        self.wall = wall
        self.mono = 1000.0

    def tick(self, seconds: float, *, wall_jump: float = 0.0) -> None:
        self.wall += seconds + wall_jump
        self.mono += seconds

    def time(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    (path / "README.md").write_text("# demo\nhello world\n", encoding="utf-8")
    return path


@pytest.fixture
def workspace(root: Path) -> Iterator[Workspace]:
    with Workspace(root, racy_window_s=0) as ws:  # a second read is a cache hit at once
        yield ws


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def monitor(root: Path, workspace: Workspace, clock: Clock) -> PerformanceMonitor:
    m = PerformanceMonitor(root, clock=clock.time, monotonic=clock.monotonic)
    m.attach(workspace)
    return m


def run(monitor: PerformanceMonitor, clock: Clock, samples: int, step: float = 10.0,
        calls: tuple[tuple[str, float, str], ...] = ()) -> None:
    """``samples`` intervals of ``step`` seconds, each with the given (tool, seconds, outcome) calls."""
    from devreliab.mcp import ToolCall

    for _ in range(samples):
        for tool, seconds, outcome in calls:
            monitor.on_tool_call(ToolCall(tool, seconds, outcome, outcome != "ok"))  # type: ignore[arg-type]
        clock.tick(step)
        monitor.sample()
