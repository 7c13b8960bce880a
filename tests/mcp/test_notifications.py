"""Subscribers of devreliab://conflicts and devreliab://health hear when they change."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp_types import ResourceUpdatedNotification, ServerNotification

from devreliab.mcp import create_server

from .conftest import StdioServer, ok

pytestmark = pytest.mark.anyio


async def _conflict(client: Client, root: Path, name: str = "c.txt") -> dict[str, Any]:
    (root / name).write_text("a\nb\nc\n")
    await ok(client, "read_file", path=name)
    (root / name).write_text("a\nTHEIRS\nc\n")
    return await ok(client, "write_file", path=name, content="a\nOURS\nc\n")


async def test_a_subscriber_of_conflicts_is_notified_when_a_conflict_arises_and_is_resolved(root: Path) -> None:
    updates: list[str] = []
    changed = anyio.Event()

    async def on_message(message: Any) -> None:
        if isinstance(message, ServerNotification):
            message = message.root if hasattr(message, "root") else message
        if isinstance(message, ResourceUpdatedNotification):
            updates.append(str(message.params.uri))
            changed.set()

    async with Client(create_server(root), mode="legacy", message_handler=on_message) as client:
        assert client.server_capabilities.resources is not None
        assert client.server_capabilities.resources.subscribe is True
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            await client.subscribe_resource("devreliab://conflicts")
        conflict = await _conflict(client, root)
        with anyio.fail_after(10):
            await changed.wait()
        assert updates == ["devreliab://conflicts"]
        changed = anyio.Event()
        await ok(client, "resolve_conflict", conflict_id=conflict["conflict_id"], resolution="theirs")
        with anyio.fail_after(10):
            await changed.wait()
    assert updates == ["devreliab://conflicts", "devreliab://conflicts"]


async def test_a_listener_on_the_current_protocol_hears_about_conflicts(root: Path) -> None:
    async with Client(create_server(root)) as client, \
            client.listen(resource_subscriptions=["devreliab://conflicts"]) as subscription:
        await _conflict(client, root)
        with anyio.fail_after(10):
            event = await subscription.__anext__()
    assert "devreliab://conflicts" in repr(event)


def test_a_conflict_made_by_another_process_is_announced_to_subscribers(root: Path) -> None:
    watcher, writer = StdioServer(root), StdioServer(root)
    try:
        watcher.initialize()
        writer.initialize()
        assert "result" in watcher.ask("resources/subscribe", {"uri": "devreliab://conflicts"})
        (root / "c.txt").write_text("a\nb\nc\n")
        writer.call_tool("read_file", path="c.txt")
        (root / "c.txt").write_text("a\nTHEIRS\nc\n")
        assert writer.call_tool("write_file", path="c.txt", content="a\nOURS\nc\n")["structuredContent"][
            "status"] == "conflict"
        while True:  # bounded by next_message's timeout
            message = watcher.next_message(timeout=15)
            if message.get("method") == "notifications/resources/updated":
                assert message["params"]["uri"] == "devreliab://conflicts"
                break
    finally:
        watcher.kill()
        writer.kill()


async def test_a_file_resource_reads_the_file_and_refuses_paths_outside(root: Path) -> None:
    async with Client(create_server(root)) as client:
        templates = (await client.list_resource_templates()).resource_templates
        read = await client.read_resource("devreliab://file/src/app.py")
        with pytest.raises(Exception, match=r"(?i)outside|traversal|unknown|workspace"):
            await client.read_resource("devreliab://file/..%2Fsecret.txt")
    assert sorted(t.uri_template for t in templates) == ["devreliab://conflict/{conflict_id}",
                                                        "devreliab://file/{+path}"]
    assert read.contents[0].text == "def add(a, b):\n    return a + b\n"  # type: ignore[union-attr]


async def test_a_subscriber_of_a_file_hears_when_anyone_changes_it_on_disk(root: Path) -> None:
    changed = anyio.Event()
    updates: list[str] = []

    async def on_message(message: Any) -> None:
        if isinstance(message, ResourceUpdatedNotification):
            updates.append(str(message.params.uri))
            changed.set()

    async with Client(create_server(root), mode="legacy", message_handler=on_message) as client:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            await client.subscribe_resource("devreliab://file/README.md")
        (root / "README.md").write_text("# changed by an editor\n")  # not through devreliab
        with anyio.fail_after(10):
            await changed.wait()
    assert "devreliab://file/README.md" in updates


async def test_a_conflict_resource_gives_base_theirs_ours_and_the_merge(root: Path) -> None:
    async with Client(create_server(root)) as client:
        base = (await client.call_tool("read_file", {"path": "README.md"})).structured_content
        assert base is not None
        (root / "README.md").write_text("# demo\nhello from the disk\n")
        written = await client.call_tool("write_file", {"path": "README.md", "content": "# demo\nhello from me\n",
                                                        "expected_version": base["version"]})
        assert written.structured_content is not None
        conflict_id = written.structured_content["conflict_id"]
        read = await client.read_resource(f"devreliab://conflict/{conflict_id}")
        with pytest.raises(Exception, match=r"(?i)no conflict|unknown|list_conflicts"):
            await client.read_resource("devreliab://conflict/nope")
    detail = json.loads(read.contents[0].text)  # type: ignore[union-attr]
    assert detail["conflict"]["id"] == conflict_id and detail["conflict"]["path"] == "README.md"
    assert (detail["base"], detail["theirs"], detail["ours"]) == (
        "# demo\nhello world\n", "# demo\nhello from the disk\n", "# demo\nhello from me\n")
    assert "<<<<<<<" in detail["merged"] and ">>>>>>>" in detail["merged"]
