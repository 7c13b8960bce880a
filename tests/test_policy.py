"""One policy decides what is in the workspace: listing, search, analysis and the MCP tools agree on excludes."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from devreliab import Workspace, analyze_path
from devreliab._policy import WorkspacePolicy
from devreliab.mcp import create_server


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize(("pattern", "path", "excluded"), [
    ("gen/", "a/gen/m.py", True),
    ("gen/", "gen", True),
    ("gen/", "a/generated/m.py", False),
    ("gen", "a/gen/m.py", True),
    ("*_pb2.py", "proto/x_pb2.py", True),
    ("src/legacy/*", "src/legacy/old/m.py", True),
    ("src/legacy/*", "lib/src/legacy/m.py", False),
    ("/build", "build/x.py", True),
    ("/build", "sub/build/x.py", False),
    ("/", "anything.py", False),
])
def test_a_pattern_excludes_exactly_the_paths_its_rules_name(pattern: str, path: str, excluded: bool) -> None:
    assert WorkspacePolicy([pattern]).excluded(path) is excluded


def _workspace(tmp_path: Path, excludes: str) -> Path:
    root = tmp_path / "ws"
    for rel in ("a/gen/m.py", "a/keep.py", "a/legacy/old.py", "top.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("MARKER = 1\n", encoding="utf-8")
    (root / "devreliab.jsonc").write_text(f'{{"exclude": {excludes}}}', encoding="utf-8")
    return root


def _listed(ws: Workspace) -> set[str]:
    return {e.path for e in ws.list_directory(".", depth=5).entries if e.type == "file"}


@pytest.mark.parametrize("excludes", ['["gen/"]', '["a/legacy", "gen"]'])
def test_listing_search_and_analysis_leave_out_the_same_files(tmp_path: Path, excludes: str) -> None:
    root = _workspace(tmp_path, excludes)
    expected = {"a/keep.py", "top.py"} | ({"a/legacy/old.py"} if "legacy" not in excludes else set())
    with Workspace(root) as ws:
        listed = _listed(ws) - {"devreliab.jsonc"}
        searched = {m.path for m in ws.search("MARKER").matches}
        listed_below = {e.path for e in ws.list_directory("a", depth=3).entries if e.type == "file"}
    analysed = {f.path for f in analyze_path(root=root, use_cache=False).files}
    assert listed == searched == analysed == expected
    assert listed_below == {p for p in expected if p.startswith("a/")}


@pytest.mark.anyio
async def test_the_mcp_list_directory_tool_does_not_list_an_excluded_directory(tmp_path: Path) -> None:
    root = _workspace(tmp_path, '["gen/"]')
    async with Client(create_server(root)) as client:
        result = await client.call_tool("list_directory", {"path": ".", "depth": 5})
        found = await client.call_tool("search", {"pattern": "MARKER"})
    assert not result.is_error and result.structured_content is not None
    paths = {e["path"] for e in result.structured_content["entries"]}
    assert "a/gen/m.py" not in paths and "a/gen" not in paths and "a/keep.py" in paths
    assert found.structured_content is not None
    assert "a/gen/m.py" not in {m["path"] for m in found.structured_content["matches"]}
