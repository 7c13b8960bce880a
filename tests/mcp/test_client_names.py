"""Conflict records and the journal name the MCP client by its ``clientInfo.name`` and the server's process id."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp_types import Implementation

from devreliab import Workspace
from devreliab.mcp import create_server
from tests.mcp.conftest import serve_env

TEXT = "one\ntwo\nthree\n"


async def _clash(client: Client, root: Path) -> dict[str, object]:
    """The client reads, another writer changes line two, the client changes line two too: a conflict."""
    read = await client.call_tool("read_file", {"path": "notes.txt"})
    assert read.structured_content is not None
    with Workspace(root, client_id="someone-else") as other:
        other.write("notes.txt", "one\ntwo (theirs)\nthree\n", expected_version=other.read("notes.txt").version)
    written = await client.call_tool("write_file", {"path": "notes.txt", "content": "one\ntwo (ours)\nthree\n"})
    assert written.structured_content is not None and written.structured_content["status"] == "conflict"
    conflicts = await client.call_tool("list_conflicts", {})
    assert conflicts.structured_content is not None
    (conflict,) = conflicts.structured_content["conflicts"]
    assert isinstance(conflict, dict)
    return conflict


@pytest.mark.anyio
async def test_a_conflict_record_and_the_journal_carry_the_clients_name_and_pid(root: Path) -> None:
    (root / "notes.txt").write_text(TEXT, encoding="utf-8")
    async with Client(create_server(root), client_info=Implementation(name="claude-code", version="2.1")) as client:
        conflict = await _clash(client, root)
        await client.call_tool("write_file", {"path": "new.txt", "content": "hello\n"})
        history = await client.call_tool("file_history", {"path": "new.txt"})
    assert conflict["client"] == f"claude-code (pid {os.getpid()})"
    assert history.structured_content is not None
    assert [e["client"] for e in history.structured_content["versions"]] == [f"claude-code (pid {os.getpid()})"]


@pytest.mark.anyio
async def test_a_server_process_over_stdio_names_its_client_with_the_servers_pid(root: Path) -> None:
    (root / "notes.txt").write_text(TEXT, encoding="utf-8")
    params = StdioServerParameters(command=sys.executable, args=["-m", "devreliab", "serve", "--root", str(root)],
                                   env=serve_env())
    async with Client(params, read_timeout_seconds=60, client_info=Implementation(name="codex", version="1")) as c:
        conflict = await _clash(c, root)
    name, pid = str(conflict["client"]).split(" (pid ")
    assert name == "codex" and pid.rstrip(")").isdigit() and int(pid.rstrip(")")) != os.getpid()


def test_a_client_name_is_kept_printable_and_short() -> None:
    from devreliab.mcp._clients import client_label

    assert client_label("  evil\nname\x1b[31m ", 7) == "evil?name?[31m (pid 7)"
    assert client_label("x" * 200, 1) == "x" * 64 + " (pid 1)"
