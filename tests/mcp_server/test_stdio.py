"""``devreliab serve`` as a real process over stdio: the handshake, calls, and clean shutdowns."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import run_cli

from .conftest import StdioServer, serve_env
from .test_tools import TOOLS


def test_the_process_answers_initialize_tools_list_and_calls(stdio_server: StdioServer, root: Path) -> None:
    tools = stdio_server.ask("tools/list")["result"]["tools"]
    assert {t["name"] for t in tools} == TOOLS
    read = stdio_server.call_tool("read_file", path="README.md")
    assert read["structuredContent"]["content"] == "# demo\nhello world\n"
    written = stdio_server.call_tool("write_file", path="out.txt", content="from stdio\n")
    assert written["structuredContent"]["status"] == "created"
    assert (root / "out.txt").read_text() == "from stdio\n"
    refused = stdio_server.call_tool("read_file", path="../outside")
    assert refused["isError"] is True and "workspace" in refused["content"][0]["text"]


def test_the_process_exits_cleanly_when_stdin_closes(root: Path) -> None:
    server = StdioServer(root)
    try:
        server.initialize()
        rid = server.request("tools/call", {"name": "read_file", "arguments": {"path": "README.md"}})
        server.close_stdin()  # right after sending: the request already received is still answered
        assert "result" in server.answer(rid)
        assert server.wait() == 0, server.stderr
        assert "Traceback" not in server.stderr
    finally:
        server.kill()


def test_the_process_exits_cleanly_on_sigterm(root: Path) -> None:
    server = StdioServer(root)
    try:
        server.initialize()
        server.terminate()
        assert server.wait() == 0, server.stderr
        assert "Traceback" not in server.stderr
    finally:
        server.kill()


def test_sigterm_before_the_handshake_also_exits_cleanly(root: Path) -> None:
    server = StdioServer(root)
    try:
        server.ask("ping")  # the process is up and serving, no initialize sent
        server.terminate()
        assert server.wait() == 0, server.stderr
    finally:
        server.kill()


@pytest.mark.anyio
async def test_the_sdk_client_talks_to_the_process_over_stdio(root: Path) -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "devreliab", "serve", "--root", str(root)],
                                   env=serve_env())
    async with Client(params, read_timeout_seconds=60) as client:
        tools = (await client.list_tools()).tools
        result = await client.call_tool("file_info", {"path": "README.md"})
    assert {t.name for t in tools} == TOOLS
    assert result.structured_content is not None and result.structured_content["size"] == 19


def test_serve_with_a_root_that_is_not_a_directory_exits_with_a_usage_error(tmp_path: Path) -> None:
    run = run_cli("serve", "--root", tmp_path / "missing", cwd=tmp_path)
    assert run.code == 2 and "not a directory" in run.err


def test_serve_refuses_remote_only_options_without_http(tmp_path: Path) -> None:
    run = run_cli("serve", "--root", tmp_path, "--token", "t", cwd=tmp_path)
    assert run.code == 2 and "--http" in run.err
