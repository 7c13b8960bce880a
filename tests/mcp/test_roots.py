"""MCP roots offered by a client narrow the workspace, and never widen it beyond --root."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_types import ListRootsResult, Root

from devreliab.mcp import create_server
from devreliab.mcp._roots import allowed_subtrees

from .conftest import ok, refused

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore:The roots capability is deprecated")]


def roots_client(root: Path, offered: list[Path]) -> Client:
    async def list_roots(context: Any) -> ListRootsResult:
        return ListRootsResult(roots=[Root(uri=p.as_uri()) for p in offered])  # type: ignore[arg-type]

    return Client(create_server(root), mode="legacy", list_roots_callback=list_roots)


async def test_roots_inside_the_workspace_narrow_what_tools_may_touch(root: Path) -> None:
    async with roots_client(root, [root / "src"]) as client:
        inside = await ok(client, "read_file", path="src/app.py")
        outside = await refused(client, "read_file", path="README.md")
        listing = await refused(client, "list_directory")
        narrowed_listing = await ok(client, "list_directory", path="src")
        many = await refused(client, "read_many", paths=["src/app.py", "README.md"])
    assert inside["path"] == "src/app.py"
    assert "outside the roots" in outside and "src" in outside
    assert "outside the roots" in listing
    assert [e["path"] for e in narrowed_listing["entries"]] == ["src/app.py"]
    assert "README.md" in many


async def test_a_root_above_the_workspace_does_not_widen_it(root: Path) -> None:
    (root.parent / "secret.txt").write_text("no")
    async with roots_client(root, [root.parent]) as client:
        await ok(client, "read_file", path="README.md")
        text = await refused(client, "read_file", path="../secret.txt")
    assert "workspace" in text


async def test_roots_elsewhere_are_ignored(root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.txt").write_text("x")
    async with roots_client(root, [elsewhere]) as client:
        await ok(client, "read_file", path="README.md")
        assert "workspace" in await refused(client, "read_file", path=str(elsewhere / "x.txt"))


async def test_a_changed_roots_list_is_fetched_again(root: Path) -> None:
    offered = [root / "src"]
    async with roots_client(root, offered) as client:
        await refused(client, "read_file", path="README.md")
        offered[:] = [root]
        await client.send_roots_list_changed()
        await ok(client, "read_many", paths=["src/app.py"])  # a round trip after the notification
        await ok(client, "read_file", path="README.md")


def test_allowed_subtrees_intersects_roots_with_the_workspace(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "a").mkdir(parents=True)
    assert allowed_subtrees(str(ws), [(ws / "a").as_uri()]) == [str(ws / "a")]
    assert allowed_subtrees(str(ws), [tmp_path.as_uri()]) is None
    assert allowed_subtrees(str(ws), ["https://example.com/", (tmp_path / "other").as_uri()]) is None
    assert allowed_subtrees(str(ws), []) is None
