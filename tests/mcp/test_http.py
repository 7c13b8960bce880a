"""``devreliab serve --http``: streamable HTTP at /mcp, loopback by default, Origin checked, token when remote."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from prometheus_client import parser

from tests.conftest import run_cli
from tests.tools import read_text

from .conftest import WAIT_S, serve_env
from .test_tools import TOOLS

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class HttpServer:
    def __init__(self, root: Path, *extra: str, host: str = "127.0.0.1") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "devreliab", "serve", "--root", str(root), "--http", f"{host}:{self.port}",
             *extra], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=serve_env())
        deadline = time.monotonic() + WAIT_S
        while True:  # bounded: until the port accepts connections or the process died
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    _, err = self.proc.communicate(timeout=WAIT_S)
                    raise AssertionError(f"server did not start: {err.decode()}") from None
                time.sleep(0.05)

    def post(self, body: object, **headers: str) -> httpx2.Response:
        return httpx2.post(self.url, content=json.dumps(body), headers={**HEADERS, **headers}, timeout=WAIT_S)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=WAIT_S)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.communicate(timeout=WAIT_S)


@pytest.fixture(scope="module")
def http_server(module_root: Path) -> Iterator[HttpServer]:
    server = HttpServer(module_root)
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.anyio
async def test_the_sdk_client_lists_and_calls_tools_over_http(http_server: HttpServer) -> None:
    async with Client(http_server.url) as client:
        tools = (await client.list_tools()).tools
        result = await client.call_tool("read_file", {"path": "README.md"})
    assert {t.name for t in tools} == TOOLS
    assert result.structured_content is not None and result.structured_content["version"].startswith("sha256:")
    assert read_text(result.content[0].text) == "# demo\nhello world\n"  # type: ignore[union-attr]


def test_a_request_from_a_foreign_origin_is_refused(http_server: HttpServer) -> None:
    evil = http_server.post(INIT, Origin="http://evil.example")
    local = http_server.post(INIT, Origin=f"http://localhost:{http_server.port}")
    assert evil.status_code == 403
    assert local.status_code == 200


def test_a_request_naming_a_foreign_host_is_refused(http_server: HttpServer) -> None:
    rebound = http_server.post(INIT, Host=f"evil.example:{http_server.port}")
    assert rebound.status_code in (403, 421)


def test_the_server_stops_cleanly_on_sigterm(root: Path) -> None:
    server = HttpServer(root)
    assert server.post(INIT).status_code == 200
    assert server.stop() == 0


@pytest.mark.anyio
async def test_with_a_token_every_request_must_carry_it(root: Path) -> None:
    server = HttpServer(root, "--token", "s3cret")
    try:
        assert server.post(INIT).status_code == 401
        assert server.post(INIT, Authorization="Bearer wrong").status_code == 401
        assert server.post(INIT, Authorization="Bearer s3cret").status_code == 200
        async with httpx2.AsyncClient(headers={"Authorization": "Bearer s3cret"}) as http, \
                Client(streamable_http_client(server.url, http_client=http)) as client:
            result = await client.call_tool("file_info", {"path": "README.md"})
        assert result.structured_content is not None and result.structured_content["size"] == 19
    finally:
        server.stop()


def test_binding_to_a_non_loopback_address_needs_allow_remote_and_a_token(root: Path) -> None:
    port = str(free_port())
    no_flag = run_cli("serve", "--root", root, "--http", f"0.0.0.0:{port}", cwd=root)
    no_token = run_cli("serve", "--root", root, "--http", f"0.0.0.0:{port}", "--allow-remote", cwd=root,
                       env={"DEVRELIAB_TOKEN": ""})
    assert no_flag.code == 2 and "--allow-remote" in no_flag.err
    assert no_token.code == 2 and "token" in no_token.err


def test_a_remote_binding_with_a_token_from_the_environment_serves_authorised_clients(root: Path,
                                                                                   monkeypatch: pytest.MonkeyPatch
                                                                                   ) -> None:
    monkeypatch.setenv("DEVRELIAB_TOKEN", "from-env")
    server = HttpServer(root, "--allow-remote", host="0.0.0.0")
    try:
        assert server.post(INIT).status_code == 401
        assert server.post(INIT, Authorization="Bearer from-env").status_code == 200
    finally:
        server.stop()


def test_a_malformed_http_address_is_a_usage_error(root: Path) -> None:
    run = run_cli("serve", "--root", root, "--http", "localhost:http", cwd=root)
    assert run.code == 2 and "[HOST:]PORT" in run.err


@pytest.mark.anyio
async def test_each_http_session_is_its_own_client(http_server: HttpServer, module_root: Path) -> None:
    (module_root / "shared.txt").write_text("one\n")
    async with Client(http_server.url, mode="legacy") as reader, \
            Client(http_server.url, mode="legacy") as blind_writer:
        read = await reader.call_tool("read_file", {"path": "shared.txt"})
        blind = await blind_writer.call_tool("write_file", {"path": "shared.txt", "content": "clobbered\n"})
        based = await reader.call_tool("write_file", {"path": "shared.txt", "content": "two\n"})
    assert read.structured_content is not None
    assert blind.is_error  # this session never read the file, whatever the other session did
    assert "read_file" in blind.content[0].text  # type: ignore[union-attr]
    assert based.structured_content is not None and based.structured_content["status"] == "written"
    assert (module_root / "shared.txt").read_text() == "two\n"


def test_the_bytes_of_each_request_and_answer_body_reach_the_monitor(root: Path) -> None:
    """Over HTTP the bodies are counted as they cross the wire, per method and tool (notifications left out)."""
    (root / "big.txt").write_text("some text of a file\n" * 2000)
    server = HttpServer(root)
    try:
        init = server.post(INIT)
        session = {"mcp-session-id": init.headers["mcp-session-id"]} if "mcp-session-id" in init.headers else {}
        server.post({"jsonrpc": "2.0", "method": "notifications/initialized"}, **session)
        call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                "params": {"name": "read_file", "arguments": {"path": "big.txt"}}}
        answer = server.post(call, **session)
        assert answer.status_code == 200 and "some text of a file" in answer.text
        text = httpx2.get(server.url.removesuffix("/mcp") + "/metrics", timeout=WAIT_S).text
    finally:
        server.stop()
    families = {f.name: f for f in parser.text_string_to_metric_families(text)}

    def total(family: str, tool: str | None, method: str) -> float:
        return sum(s.value for s in families[family].samples if s.name.endswith("_sum")
                   and s.labels.get("gen_ai_tool_name") == tool and s.labels.get("mcp_method_name") == method)

    assert total("mcp_server_response_size_bytes", "read_file", "tools/call") == len(answer.content)
    assert total("mcp_server_request_size_bytes", "read_file", "tools/call") == len(json.dumps(call))
    assert total("mcp_server_response_size_bytes", None, "initialize") == len(init.content)
