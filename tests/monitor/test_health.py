"""Health: reasons with an action each, from real samples; served by the MCP tool, the resource and the CLI."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import pytest
from mcp import Client

from devreliab import load_config
from devreliab.cli import main
from devreliab.mcp import create_server
from devreliab.monitor import PerformanceMonitor
from devreliab.vfs import Workspace

from .conftest import Clock, run


def test_a_rising_error_rate_names_the_tool_and_the_time_it_rose(monitor: PerformanceMonitor, clock: Clock) -> None:
    run(monitor, clock, 30, calls=(("edit_file", 0.01, "ok"),) * 10)
    rose_at = clock.time()  # the interval that ends with the first failing sample starts here
    run(monitor, clock, 3, calls=(("edit_file", 0.01, "ok"),) * 4 + (("edit_file", 0.01, "error"),) * 6)
    health = monitor.health(max_age_s=0)
    reason = next(r for r in health.reasons if r.subject == "edit_file")
    assert reason.reason.startswith("60% of the calls of edit_file fail (18 of 30 lately")
    assert reason.reason.endswith(f"since {time.strftime('%H:%M:%S', time.localtime(rose_at))}")
    assert health.status == "degraded" and reason.since == rose_at  # 6 % over the long window: not failing
    assert "list_conflicts" in reason.action
    assert health.unusual[0].metric in {"tool.edit_file.error_rate", "tool.edit_file.errors"}
    assert health.anomaly_rates["tool.edit_file.error_rate"] > 0


def test_a_full_cache_that_evicts_recommends_raising_the_budget(root: Path, clock: Clock) -> None:
    (root / "docs").mkdir()
    for i in range(6):
        (root / "docs" / f"{i}.txt").write_text(str(i) * 1000)
    config = dataclasses.replace(load_config(root), cache_max_bytes=5000)  # a 5 KB budget: a few files fit
    with Workspace(root, config, racy_window_s=0) as ws:
        monitor = PerformanceMonitor(root, clock=clock.time, monotonic=clock.monotonic)
        monitor.attach(ws)
        for _ in range(3):
            for i in range(6):
                ws.read(f"docs/{i}.txt")
            run(monitor, clock, 1)
        health = monitor.health(max_age_s=0)
    reason = next((r for r in health.reasons if "cache" in r.reason), None)
    assert reason is not None, (health, monitor.latest)
    assert reason.reason.startswith("the content cache is full and evicting")
    assert reason.action.startswith("raise cache.max_bytes in devreliab.jsonc")


def test_crashes_degrade_and_many_crashes_fail(monitor: PerformanceMonitor, clock: Clock) -> None:
    run(monitor, clock, 1, calls=(("search", 0.01, "crash"),))
    assert monitor.health(max_age_s=0).status == "degraded"
    run(monitor, clock, 1, calls=(("search", 0.01, "crash"),) * 4)
    health = monitor.health(max_age_s=0)
    assert health.status == "failing"
    assert health.reasons[0].reason == "5 tool call(s) crashed in the last 5 minutes"


def test_a_slow_search_recommends_excluding_big_directories(monitor: PerformanceMonitor, clock: Clock) -> None:
    run(monitor, clock, 2, calls=(("search", 3.5, "ok"),))
    reason = next(r for r in monitor.health(max_age_s=0).reasons if r.metric == "tool.search.p95_ms")
    assert reason.reason == "search is slow: p95 3.5 s (above 2 s)" and "node_modules" in reason.action


@pytest.mark.anyio
async def test_the_health_tool_and_resource_answer_the_monitors_judgement(root: Path) -> None:
    monitor = PerformanceMonitor(root)
    async with Client(create_server(root, monitor=monitor)) as client:
        for _ in range(3):
            await client.call_tool("search", {"pattern": "hello"})
        monitor.sample()
        monitor.record("tools/call", "search", 4.0)  # a slow search
        monitor.sample()
        tool = (await client.call_tool("health", {})).structured_content
        resource = json.loads((await client.read_resource("devreliab://health")).contents[0].text)  # type: ignore[union-attr]
        metrics = (await client.call_tool("metrics", {})).structured_content
    assert tool is not None and metrics is not None
    assert tool["status"] == "degraded" and tool["reasons"] == ["search is slow: p95 4.0 s (above 2 s)"]
    assert tool["details"][0]["action"].startswith("exclude large generated directories")
    assert resource == tool
    assert metrics["processes"] == 1 and metrics["samples"]["tool.search.p95_ms"]["value"] == 4000.0
    assert all(rate > 0 for rate in metrics.get("anomaly_rates", {}).values())  # a zero rate is left out
    assert all(s["value"] or s["anomaly"] for s in metrics["samples"].values())  # so is a quiet zero sample


def test_the_health_command_says_unknown_and_why_there_is_nothing_to_judge_before_any_server_ran(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["health", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("devreliab health: unknown (0 server process(es) sampling)")
    assert "no devreliab server has run on this workspace" in out
    assert not (root / ".devreliab").exists()  # asking does not create a state store


def test_the_health_command_says_unknown_when_the_store_holds_no_samples(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Workspace(root).close()  # a state store, but no server ever sampled into it
    assert main(["health", "--root", str(root), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "unknown" and data["processes"] == 0 and data["reasons"] == []
    assert "nothing to judge yet" in " ".join(data["notes"])


def test_the_health_command_judges_samples_written_by_a_server(root: Path, capsys: pytest.CaptureFixture[str]
                                                              ) -> None:
    with Workspace(root) as ws:
        monitor = PerformanceMonitor(root)
        monitor.attach(ws)
        monitor.record("tools/call", "search", 3.0)
        monitor.sample()
    assert main(["health", "--root", str(root), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "degraded" and data["processes"] == 1
    assert data["details"][0]["reason"] == "search is slow: p95 3.0 s (above 2 s)"
    assert data["details"][0]["subject"] == "search"
    assert main(["health", "--root", str(root)]) == 1
    text = capsys.readouterr().out
    assert "degraded: search is slow: p95 3.0 s (above 2 s)" in text and "→ exclude large generated directories" in text


def test_the_health_command_refuses_a_root_that_is_not_a_directory(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["health", "--root", str(tmp_path / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err
