"""Conflict safety on every protocol version the SDK speaks, over stdio and over HTTP (issue 12.2).

Two agents read one file; A writes; B writes the same line from its stale read: B gets ``conflict`` (or, on a
connection without a session, a refusal asking for ``expected_version``), never ``written``. A third client
that never read the file cannot overwrite it. A's change is on disk after all of it.

The 2025-11-25 and 2026-07-28 clients are the MCP SDK's own (``mode="legacy"`` and its default); the older
handshake versions are spoken as raw JSON-RPC, since the SDK client offers only its latest handshake version.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp_types import ListRootsResult, Root
from mcp_types.version import SUPPORTED_PROTOCOL_VERSIONS
from pydantic import FileUrl

from tests.tools import read_text

from .conftest import WAIT_S, StdioServer, make_root, serve_env
from .test_http import HEADERS, HttpServer

pytestmark = pytest.mark.anyio
RAW_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18")
ORIGINAL = "one\ntwo\nthree\n"


class Agent(Protocol):
    async def call(self, tool: str, **arguments: Any) -> dict[str, Any]: ...


class SdkAgent:
    def __init__(self, client: Client) -> None:
        self.client = client

    async def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        result = await self.client.call_tool(tool, arguments)
        return result.model_dump(by_alias=True, mode="json", exclude_none=True)


class RawStdioAgent:
    def __init__(self, root: Path, version: str) -> None:
        self.server = StdioServer(root)
        self.server.initialize(version)

    async def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        return self.server.call_tool(tool, **arguments)


class RawHttpAgent:
    def __init__(self, url: str, version: str) -> None:
        self.url, self.version = url, version
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}
        answer = httpx2.post(url, content=json.dumps(init), headers=HEADERS, timeout=WAIT_S)
        assert answer.status_code == 200, answer.text
        self.headers = {**HEADERS, "mcp-session-id": answer.headers["mcp-session-id"]}
        if version >= "2025-06-18":
            self.headers["mcp-protocol-version"] = version
        self._post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        self._id = 1

    def _post(self, body: dict[str, Any]) -> httpx2.Response:
        return httpx2.post(self.url, content=json.dumps(body), headers=self.headers, timeout=WAIT_S)

    async def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        self._id += 1
        answer = self._post({"jsonrpc": "2.0", "id": self._id, "method": "tools/call",
                             "params": {"name": tool, "arguments": arguments}})
        assert answer.status_code == 200, answer.text
        body = answer.text
        if answer.headers.get("content-type", "").startswith("text/event-stream"):
            body = next(line[5:] for line in body.splitlines()
                        if line.startswith("data:") and f'"id":{self._id}' in line.replace(" ", ""))
        result: dict[str, Any] = json.loads(body)["result"]
        return result


@pytest.fixture(scope="module")
def http_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_root(tmp_path_factory.mktemp("http"))


@pytest.fixture(scope="module")
def http(http_root: Path) -> Iterator[HttpServer]:
    server = HttpServer(http_root)
    try:
        yield server
    finally:
        server.stop()


@asynccontextmanager
async def agents(transport: str, version: str, root: Path, url: str) -> AsyncIterator[list[Agent]]:
    """Three clients of the same workspace speaking ``version`` over ``transport`` (over stdio each has its own
    server process, as each agent starts its own)."""
    async with AsyncExitStack() as stack:
        made: list[Agent] = []
        for _ in range(3):
            if version in RAW_VERSIONS:
                raw: Agent = RawStdioAgent(root, version) if transport == "stdio" else RawHttpAgent(url, version)
                if isinstance(raw, RawStdioAgent):
                    stack.callback(raw.server.kill)
                made.append(raw)
                continue
            mode = "legacy" if version == "2025-11-25" else "auto"  # auto: the SDK's default, 2026-07-28
            target: Any = url if transport == "http" else StdioServerParameters(
                command=sys.executable, args=["-m", "devreliab", "serve", "--root", str(root)], env=serve_env())
            client = await stack.enter_async_context(Client(target, mode=mode, read_timeout_seconds=WAIT_S))
            assert client.protocol_version == version
            made.append(SdkAgent(client))
        yield made


def _text(answer: dict[str, Any]) -> str:
    return "\n".join(c.get("text", "") for c in answer.get("content", []))


@pytest.mark.parametrize("version", SUPPORTED_PROTOCOL_VERSIONS)
@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_a_stale_write_and_a_blind_write_never_drop_an_accepted_change(
        transport: str, version: str, root: Path, http_root: Path, http: HttpServer) -> None:
    workspace = http_root if transport == "http" else root
    name = f"shared-{transport}-{version}.txt"
    (workspace / name).write_text(ORIGINAL)
    async with agents(transport, version, workspace, http.url) as (a, b, blind):
        read_a = await a.call("read_file", path=name)
        read_b = await b.call("read_file", path=name)
        stale = read_b["structuredContent"]["version"]
        assert read_text(_text(read_b)) == ORIGINAL
        assert read_a["structuredContent"]["version"] == stale
        a_wrote = await a.call("write_file", path=name, content="one\nTWO by A\nthree\n",
                               expected_version=read_a["structuredContent"]["version"])
        assert a_wrote["structuredContent"]["status"] == "written"

        b_wrote = await b.call("write_file", path=name, content="one\nTWO by B\nthree\n")
        if b_wrote.get("isError"):  # a connection without a session: it must name its base
            assert "expected_version" in _text(b_wrote) and "no session" in _text(b_wrote)
            b_wrote = await b.call("write_file", path=name, content="one\nTWO by B\nthree\n",
                                   expected_version=stale)
        assert b_wrote["structuredContent"]["status"] == "conflict", b_wrote

        blind_wrote = await blind.call("write_file", path=name, content="replaced whole\n")
        assert blind_wrote.get("isError") is True, blind_wrote
        assert a_wrote["structuredContent"]["version"] in _text(blind_wrote)  # the refusal says what is current
    assert (workspace / name).read_text() == "one\nTWO by A\nthree\n"


async def test_an_edit_without_a_session_applies_to_the_current_text_and_keeps_the_other_change(
        http_root: Path, http: HttpServer) -> None:
    """edit_file needs no base: its old_text is its own guard (a stale old_text is not found)."""
    (http_root / "edited.txt").write_text(ORIGINAL)
    async with Client(http.url) as a, Client(http.url) as b:
        await a.call_tool("write_file", {"path": "edited.txt", "content": "one\ntwo by A\nthree\n",
                                         "expected_version": (await a.call_tool(
                                             "read_file", {"path": "edited.txt"})).structured_content["version"]})
        stale = await b.call_tool("edit_file", {"path": "edited.txt",
                                                "edits": [{"old_text": "two\n", "new_text": "2\n"}]})
        elsewhere = await b.call_tool("edit_file", {"path": "edited.txt",
                                                    "edits": [{"old_text": "three", "new_text": "3"}]})
    assert stale.is_error and "not found" in stale.content[0].text.lower()  # type: ignore[union-attr]
    assert not elsewhere.is_error
    assert (http_root / "edited.txt").read_text() == "one\ntwo by A\n3\n"


async def test_roots_on_a_connection_without_a_back_channel_are_said_once_not_failed_on_every_call(
        root: Path) -> None:
    async def list_roots(context: Any) -> ListRootsResult:
        return ListRootsResult(roots=[Root(uri=FileUrl(f"file://{root}/src"))])

    server = HttpServer(root)
    try:
        async with Client(server.url, list_roots_callback=list_roots) as client:
            assert client.protocol_version == "2026-07-28"
            for _ in range(3):
                assert not (await client.call_tool("read_file", {"path": "README.md"})).is_error
    finally:
        server.proc.send_signal(signal.SIGTERM)
        _, err = server.proc.communicate(timeout=WAIT_S)
    log = err.decode()
    assert "roots/list failed" not in log
    assert log.count("MCP roots are not asked for on 2026-07-28 connections") == 1, log
