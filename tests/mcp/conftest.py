"""Fixtures for the MCP server tests: a workspace on disk, the server in memory, and the real process over stdio."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_types import CallToolResult

from devreliab.mcp import ToolCallHook, create_server

REPO = Path(__file__).resolve().parents[2]
WAIT_S = 60.0  # the bound on any single wait for the server process


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def make_root(parent: Path) -> Path:
    path = parent / "project"
    path.mkdir()
    (path / "README.md").write_text("# demo\nhello world\n", encoding="utf-8")
    (path / "src").mkdir()
    (path / "src" / "app.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    (path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_root(tmp_path)


@pytest.fixture(scope="module")
def module_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace shared by the tests of one module (for those that share one server process)."""
    return make_root(tmp_path_factory.mktemp("shared"))


@asynccontextmanager
async def connect(root: Path, hooks: tuple[ToolCallHook, ...] = ()) -> AsyncIterator[Client]:
    async with Client(create_server(root, on_tool_call=hooks)) as client:
        yield client


async def call(client: Client, tool: str, **arguments: Any) -> CallToolResult:
    return await client.call_tool(tool, arguments)


async def ok(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool that must succeed; its structured content."""
    result = await call(client, tool, **arguments)
    assert not result.is_error, result.content
    data: dict[str, Any] | None = result.structured_content
    assert data is not None
    return data


async def refused(client: Client, tool: str, **arguments: Any) -> str:
    """Call a tool that must answer isError; its text."""
    result = await call(client, tool, **arguments)
    assert result.is_error, result.structured_content
    text = result.content[0].text  # type: ignore[union-attr]
    assert isinstance(text, str)
    return text


# -- the real process over stdio ---------------------------------------------------------------------------
def serve_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return env


class StdioServer:
    """``devreliab serve`` as a child process, spoken to line by line over its pipes (bounded waits)."""

    def __init__(self, root: Path, *extra: str, env: dict[str, str] | None = None,
                 prefix: tuple[str, ...] = ()) -> None:
        """``prefix``: a command the server runs under (e.g. ``setpriv`` to drop root)."""
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, "-m", "devreliab", "serve", "--root", str(root), *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**serve_env(), **(env or {})},
        )
        self._lines: queue.Queue[bytes] = queue.Queue()
        self._stderr: list[bytes] = []
        self._next_id = 0
        self._answers: dict[Any, dict[str, Any]] = {}
        self._lock = threading.Lock()
        threading.Thread(target=self._pump, args=(self.proc.stdout, self._lines), daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    @staticmethod
    def _pump(stream: Any, out: queue.Queue[bytes]) -> None:
        for line in iter(stream.readline, b""):
            out.put(line)

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in iter(self.proc.stderr.readline, b""):
            self._stderr.append(line)

    @property
    def stderr(self) -> str:
        return b"".join(self._stderr).decode(errors="replace")

    def send_raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_raw(json.dumps(message).encode() + b"\n")

    def request(self, method: str, params: dict[str, Any] | None = None) -> int:
        with self._lock:
            self._next_id += 1
            rid = self._next_id
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return rid

    def next_message(self, timeout: float = WAIT_S) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer within {timeout}s; server stderr:\n{self.stderr}") from None
        message = json.loads(line)
        assert isinstance(message, dict)
        return message

    def answer(self, rid: Any, timeout: float = WAIT_S) -> dict[str, Any]:
        """The response to request ``rid`` (other messages that arrive first are kept for later)."""
        while rid not in self._answers:
            message = self.next_message(timeout)
            if "id" in message and ("result" in message or "error" in message):
                self._answers[message["id"]] = message
        return self._answers.pop(rid)

    def ask(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.answer(self.request(method, params))

    def initialize(self, version: str = "2025-11-25", capabilities: dict[str, Any] | None = None) -> dict[str, Any]:
        result = self.ask("initialize", {"protocolVersion": version, "capabilities": capabilities or {},
                                         "clientInfo": {"name": "tests", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return result

    def call_tool(self, name: str, **arguments: Any) -> dict[str, Any]:
        """The result of a tools/call (which must not be a JSON-RPC error)."""
        message = self.ask("tools/call", {"name": name, "arguments": arguments})
        assert "result" in message, message
        result = message["result"]
        assert isinstance(result, dict)
        return result

    def close_stdin(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()

    def wait(self, timeout: float = WAIT_S) -> int:
        return self.proc.wait(timeout=timeout)

    def terminate(self) -> None:
        self.proc.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=WAIT_S)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None and not stream.closed:
                with suppress(OSError):
                    stream.close()


@pytest.fixture
def stdio_server(root: Path) -> Iterator[StdioServer]:
    server = StdioServer(root)
    try:
        server.initialize()
        yield server
    finally:
        server.kill()


@pytest.fixture(scope="module")
def shared_stdio_server(module_root: Path) -> Iterator[StdioServer]:
    """One server process for a whole module: each test also shows the process survived the previous one."""
    server = StdioServer(module_root)
    try:
        server.initialize()
        yield server
    finally:
        server.kill()
