"""What the model sees: every answer is complete in the channel the client passes on (issue 12.1).

Clients differ: Claude Code, GitHub Copilot CLI and Codex hand the model only ``structuredContent`` when an
answer has one (anthropics/claude-code #79944, #55677; github/copilot-cli #3258); opencode hands it only the
text ``content``. The two views below play those clients on answers of the real server, through the real SDK
client, and check that the model would see what it needs: text and version for reads; status, version and what
to do for writes and conflicts; the same facts as the structured content for every other tool.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_types import CallToolResult, Implementation

from devreliab.mcp import create_server

pytestmark = pytest.mark.anyio

STRUCTURED_FIRST = "claude-code"  # passes structuredContent only, when there is one
TEXT_ONLY = "opencode"  # passes the text content only
UNKNOWN = "a-client-of-unknown-habits"  # gets both channels complete


def structured_view(result: CallToolResult) -> str:
    """What a structured-first client hands the model."""
    if result.structured_content is not None:
        return json.dumps(result.structured_content)
    return "\n".join(getattr(c, "text", "") for c in result.content)


def content_view(result: CallToolResult) -> str:
    """What a content-only client hands the model."""
    return "\n".join(getattr(c, "text", "") for c in result.content)


VIEWS = {STRUCTURED_FIRST: [structured_view], TEXT_ONLY: [content_view], UNKNOWN: [structured_view, content_view]}


def client(root: Path, name: str) -> Client:
    return Client(create_server(root, monitor=False), client_info=Implementation(name=name, version="1"))


def sees(view: str, *needles: str) -> None:
    for needle in needles:
        text = needle if needle in view else json.dumps(needle)[1:-1]  # the JSON view escapes newlines
        assert text in view, f"{needle!r} is not in what the model sees:\n{view[:2000]}"


@pytest.mark.parametrize("name", list(VIEWS))
async def test_a_read_shows_the_model_the_text_and_its_version(root: Path, name: str) -> None:
    text = "".join(f"line {n}\n" for n in range(1, 41))
    (root / "notes.txt").write_text(text)
    async with client(root, name) as c:
        whole = await c.call_tool("read_file", {"path": "notes.txt"})
        ranged = await c.call_tool("read_file", {"path": "notes.txt", "start_line": 5, "end_line": 7,
                                                 "line_numbers": True})
        many = await c.call_tool("read_many", {"paths": ["notes.txt", "missing.txt"]})
    version = (whole.structured_content or {})["version"]
    for view in VIEWS[name]:
        sees(view(whole), text, version)
        sees(view(ranged), "     5\tline 5\n     6\tline 6\n     7\tline 7\n", version)
        assert "line 8" not in view(ranged)
        sees(view(many), text, version, "missing.txt", "FileNotFound")


@pytest.mark.parametrize("name", list(VIEWS))
async def test_a_long_file_is_cut_at_the_cap_with_the_range_to_ask_for_next(root: Path, name: str) -> None:
    (root / "big.lock").write_text("".join(f"entry {n}\n" for n in range(1, 5001)))
    async with client(root, name) as c:
        first = await c.call_tool("read_file", {"path": "big.lock"})
        rest = await c.call_tool("read_file", {"path": "big.lock", "start_line": 2001, "end_line": 2002})
    data = first.structured_content or {}
    assert data["truncated"] is True and data["next_start_line"] == 2001 and data["total_lines"] == 5000
    for view in VIEWS[name]:
        sees(view(first), "entry 2000\n")
        assert "entry 2001\n" not in view(first)
        sees(view(rest), "entry 2001\nentry 2002\n")
    sees(content_view(first), "start_line=2001 end_line=4000")  # every client is told how to go on


@pytest.mark.parametrize("name", list(VIEWS))
async def test_writes_and_conflicts_show_status_version_and_what_to_do(root: Path, name: str) -> None:
    (root / "shared.py").write_text("a = 1\nb = 2\nc = 3\n")
    async with client(root, name) as me, client(root, UNKNOWN) as other:
        await me.call_tool("read_file", {"path": "shared.py"})
        await other.call_tool("read_file", {"path": "shared.py"})
        await other.call_tool("write_file", {"path": "shared.py", "content": "a = 10\nb = 2\nc = 3\n"})
        merged = await me.call_tool("write_file", {"path": "shared.py", "content": "a = 1\nb = 2\nc = 30\n"})
        await other.call_tool("read_file", {"path": "shared.py"})
        await other.call_tool("write_file", {"path": "shared.py", "content": "a = 10\nb = 20\nc = 30\n"})
        conflict = await me.call_tool("write_file", {"path": "shared.py", "content": "a = 10\nb = 99\nc = 30\n"})
        written = await me.call_tool("write_file", {"path": "new.py", "content": "x = 1\n",
                                                    "expected_version": "absent"})
    m, k, w = (r.structured_content or {} for r in (merged, conflict, written))
    assert (m["status"], k["status"], w["status"]) == ("merged", "conflict", "created")
    for view in VIEWS[name]:
        sees(view(merged), "merged", m["version"], "base of your next write")
        sees(view(conflict), "conflict", k["conflict_id"], k["current_version"], "resolve_conflict",
             "Nothing was written")
        sees(view(written), "created", w["version"])


@pytest.mark.parametrize("name", [UNKNOWN])
async def test_every_other_tool_says_the_same_facts_in_both_channels(root: Path, name: str) -> None:
    readme = "sha256:" + hashlib.sha256((root / "README.md").read_bytes()).hexdigest()
    calls: list[tuple[str, dict[str, Any]]] = [
        ("list_directory", {"path": ".", "depth": 2}), ("search", {"pattern": "hello", "context_lines": 1}),
        ("file_info", {"path": "README.md"}), ("list_conflicts", {}), ("file_history", {"path": "src/app.py"}),
        ("edit_file", {"path": "src/app.py", "edits": [{"old_text": "a + b", "new_text": "b + a"}]}),
        ("analyze_file", {"path": "src/app.py"}), ("analyze_project", {}), ("health", {}), ("metrics", {}),
        ("create_directory", {"path": "docs/new"}), ("move_file", {"path": "README.md", "destination": "docs/R.md"}),
        ("delete_file", {"path": "docs/R.md"}), ("restore_version", {"path": "docs/R.md", "version": readme}),
    ]
    async with client(root, name) as c:
        await c.call_tool("read_file", {"path": "src/app.py"})
        await c.call_tool("read_file", {"path": "README.md"})
        for tool, arguments in calls:
            result = await c.call_tool(tool, arguments)
            assert not result.is_error, (tool, result.content)
            text = content_view(result)
            for leaf in _string_leaves(result.structured_content or {}):
                sees(text, leaf)


def _string_leaves(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [leaf for value in data.values() for leaf in _string_leaves(value)]
    if isinstance(data, list):
        return [leaf for value in data for leaf in _string_leaves(value)]
    return [data] if isinstance(data, str) else []


async def test_a_structured_first_client_does_not_get_the_text_twice(root: Path) -> None:
    (root / "big.txt").write_text("a line of text\n" * 1500)
    counts = {}
    for name in VIEWS:
        async with client(root, name) as c:
            result = await c.call_tool("read_file", {"path": "big.txt"})
        counts[name] = result.model_dump_json(by_alias=True, exclude_none=True).count("a line of text")
    assert counts == {STRUCTURED_FIRST: 1500, TEXT_ONLY: 1500, UNKNOWN: 3000}


async def test_mcp_answers_in_the_config_picks_the_channels_for_every_client(root: Path) -> None:
    (root / "devreliab.jsonc").write_text('{"mcp": {"answers": "text"}}')
    async with client(root, STRUCTURED_FIRST) as c:
        result = await c.call_tool("read_file", {"path": "README.md"})
    assert "content" not in (result.structured_content or {})
    sees(content_view(result), "# demo\nhello world\n")
