"""Protocol details strict clients and the conformance suite check (issue 12.5): prompts that earn the prompts
capability, JSON-RPC errors with the spec's codes and no traceback, SSE streams that can be resumed."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from devreliab.mcp import create_server

from .conftest import WAIT_S, StdioServer
from .test_http import HEADERS, INIT, HttpServer

pytestmark = pytest.mark.anyio


async def test_the_prompts_are_listed_and_filled_in(root: Path) -> None:
    async with Client(create_server(root, monitor=False)) as client:
        names = {p.name for p in (await client.list_prompts()).prompts}
        improve = await client.get_prompt("improve_file", {"path": "src/app.py"})
    assert names == {"resolve_conflicts", "improve_file"}
    assert "analyze_file on src/app.py" in improve.messages[0].content.text  # type: ignore[union-attr]


@pytest.mark.parametrize(("mode", "code"), [("legacy", -32002), ("auto", -32602)])
async def test_a_missing_resource_is_the_protocols_not_found_error(root: Path, mode: str, code: int) -> None:
    async with Client(create_server(root, monitor=False), mode=mode) as client:
        with pytest.raises(MCPError) as missing:
            await client.read_resource("devreliab://file/no/such.txt")
        with pytest.raises(MCPError) as no_conflict:
            await client.read_resource("devreliab://conflict/c-none")
    assert missing.value.error.code == code and "does not exist" in missing.value.error.message
    assert no_conflict.value.error.code == code


def test_an_unknown_prompt_is_invalid_params_without_a_traceback(root: Path) -> None:
    server = StdioServer(root)
    try:
        server.initialize()
        answer = server.ask("prompts/get", {"name": "no-such-prompt"})
        alive = server.call_tool("file_info", path="README.md")
    finally:
        server.kill()
    assert answer["error"]["code"] == -32602 and "resolve_conflicts" in answer["error"]["message"]
    assert not alive.get("isError")
    assert "Traceback" not in server.stderr and "Unknown prompt" not in server.stderr


def test_an_sse_answer_starts_with_a_priming_event_and_a_retry_hint(root: Path) -> None:
    server = HttpServer(root)
    try:
        init = httpx2.post(server.url, json=INIT, headers=HEADERS, timeout=WAIT_S)
        headers = {**HEADERS, "mcp-session-id": init.headers["mcp-session-id"], "mcp-protocol-version": "2025-11-25"}
        httpx2.post(server.url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers,
                    timeout=WAIT_S)
        answer = httpx2.post(server.url, json={"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "file_info", "arguments": {"path": "README.md"}}}, headers=headers, timeout=WAIT_S)
    finally:
        server.stop()
    assert answer.headers["content-type"].startswith("text/event-stream")
    first = answer.text.split("\n\n")[0]
    assert "id:" in first and "retry: 1000" in first, answer.text[:300]
    assert '"id":2' in answer.text.replace(" ", "")
