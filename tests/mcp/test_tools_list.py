"""tools/list costs tokens on every model turn: its size is bounded, and mcp.toolsets leaves groups out.

The bounds are the hooks issue's: the input side (names, descriptions, input schemas) no bigger than the
reference filesystem server's 9.7 KB, the whole answer under 20 KB (docs/performance.md has the figures).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp import Client

from devreliab.mcp import create_server

from .conftest import refused

pytestmark = pytest.mark.anyio
INPUT_SIDE_MAX = 9_700
WHOLE_MAX = 20_000


def _size(data: object) -> int:
    return len(json.dumps(data, separators=(",", ":")))


async def test_the_tool_list_is_small_and_still_validates_answers(root: Path) -> None:
    async with Client(create_server(root, monitor=False)) as client:
        tools = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in (await client.list_tools()).tools]
        # the SDK client validates structured content against the (compacted) output schemas
        assert not (await client.call_tool("analyze_project", {})).is_error
        assert not (await client.call_tool("read_file", {"path": "README.md", "start_line": 1})).is_error
    input_side = sum(_size({k: t.get(k) for k in ("name", "description", "inputSchema")}) for t in tools)
    whole = _size({"tools": tools})
    assert input_side <= INPUT_SIDE_MAX, input_side
    assert whole < WHOLE_MAX, whole
    text = json.dumps(tools)
    assert '"title": "Path"' not in text and '{"type": "null"}' not in text


async def test_toolsets_leave_tools_out_and_a_call_to_one_is_refused_with_the_setting(root: Path) -> None:
    (root / "devreliab.jsonc").write_text('{"mcp": {"toolsets": ["files", "edit"]}}')
    async with Client(create_server(root, monitor=False)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        text = await refused(client, "analyze_file", path="src/app.py")
    assert names == {"read_file", "read_many", "list_directory", "search", "file_info", "write_file", "edit_file",
                     "delete_file", "move_file", "create_directory"}
    assert "mcp.toolsets" in text and "guidance" in text


def test_an_unknown_toolset_is_a_config_error(root: Path) -> None:
    from devreliab._config import ConfigError, load_config

    (root / "devreliab.jsonc").write_text('{"mcp": {"toolsets": ["files", "everything"]}}')
    with pytest.raises(ConfigError, match=r"mcp\.toolsets.*everything"):
        load_config(root)


async def test_the_instructions_tell_a_model_to_write_through_devreliab_and_what_answers_mean(root: Path) -> None:
    async with Client(create_server(root, monitor=False)) as client:
        text = client.instructions or ""
    for needle in ("rather than your built-in file tools", "merged, never lost", '"conflict"', "resolve_conflict",
                   "expected_version", "if_version"):
        assert needle in text, needle
    assert len(text) < 1500  # paid once per session, still counted
