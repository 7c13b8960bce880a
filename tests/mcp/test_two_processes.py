"""Two server processes on one workspace, as when two MCP clients each start their own ``devreliab serve``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tools import read_text

from .conftest import StdioServer

APPENDS = 40


@pytest.fixture(scope="module")
def two_servers(module_root: Path) -> Iterator[tuple[StdioServer, StdioServer]]:
    first, second = StdioServer(module_root), StdioServer(module_root)
    try:
        first.initialize()
        second.initialize()
        yield first, second
    finally:
        first.kill()
        second.kill()


def test_a_write_through_one_process_is_seen_by_a_read_through_the_other(
        two_servers: tuple[StdioServer, StdioServer], module_root: Path) -> None:
    root = module_root
    first, second = two_servers
    (root / "seen.txt").write_text("original\n")
    before = second.call_tool("read_file", path="seen.txt")["structuredContent"]
    first.call_tool("read_file", path="seen.txt")
    written = first.call_tool("write_file", path="seen.txt", content="changed by the first\n")
    after = second.call_tool("read_file", path="seen.txt", if_version=before["version"])
    assert after["structuredContent"]["version"] == written["structuredContent"]["version"] != before["version"]
    assert read_text(after["content"][0]["text"]) == "changed by the first\n"


def test_a_conflict_made_through_one_process_is_listed_by_the_other(
        two_servers: tuple[StdioServer, StdioServer], module_root: Path) -> None:
    root = module_root
    first, second = two_servers
    (root / "clash.txt").write_text("line\n")
    first.call_tool("read_file", path="clash.txt")
    second.call_tool("read_file", path="clash.txt")
    first.call_tool("write_file", path="clash.txt", content="first\n")
    clash = second.call_tool("write_file", path="clash.txt", content="second\n")["structuredContent"]
    assert clash["status"] == "conflict"
    listed = first.call_tool("list_conflicts")["structuredContent"]["conflicts"]
    assert clash["conflict_id"] in [c["id"] for c in listed]
    assert (root / "clash.txt").read_text() == "first\n"


def test_concurrent_appends_through_both_processes_lose_nothing(
        two_servers: tuple[StdioServer, StdioServer], module_root: Path) -> None:
    root = module_root
    (root / "log.txt").write_text("END\n")
    errors: list[str] = []

    def append(server: StdioServer, name: str) -> None:
        for i in range(APPENDS):
            result = server.call_tool("edit_file", path="log.txt",
                                      edits=[{"old_text": "END\n", "new_text": f"{name}-{i}\nEND\n"}])
            if result.get("isError"):
                errors.append(result["content"][0]["text"])

    threads = [threading.Thread(target=append, args=(server, name))
               for server, name in zip(two_servers, ("first", "second"), strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    lines = (root / "log.txt").read_text().splitlines()
    assert lines[-1] == "END"
    assert sorted(lines[:-1]) == sorted([f"first-{i}" for i in range(APPENDS)] +
                                        [f"second-{i}" for i in range(APPENDS)])
    # each process's own appends stay in the order it made them
    for name in ("first", "second"):
        mine = [line for line in lines if line.startswith(name)]
        assert mine == [f"{name}-{i}" for i in range(APPENDS)]
