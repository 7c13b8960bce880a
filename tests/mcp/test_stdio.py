"""``devreliab serve`` as a real process over stdio: the handshake, calls, and clean shutdowns."""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from devreliab._store import StateStore
from devreliab.mcp._stdio import EOF_GRACE_S, MAX_LINE_BYTES, PIPE_BYTES
from devreliab.monitor import _samples
from tests.conftest import run_cli
from tests.tools import read_text

from .conftest import StdioServer, serve_env
from .test_tools import TOOLS


def test_the_process_answers_initialize_tools_list_and_calls(stdio_server: StdioServer, root: Path) -> None:
    tools = stdio_server.ask("tools/list")["result"]["tools"]
    assert {t["name"] for t in tools} == TOOLS
    read = stdio_server.call_tool("read_file", path="README.md")
    assert read_text(read["content"][0]["text"]) == "# demo\nhello world\n"
    assert read["structuredContent"]["total_lines"] == 2
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


# -- the wire: pipes are served by the event loop, anything else by threads ---------------------------------
def _script(*messages: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(m).encode() + b"\n" for m in messages)


HANDSHAKE = (
    {"jsonrpc": "2.0", "id": 1, "method": "initialize",
     "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
)


def test_stdin_and_stdout_that_are_regular_files_are_served_too(root: Path, tmp_path: Path) -> None:
    """A script of requests in a file, answers into a file (no pipes): every request is answered and the
    process exits 0 at the end of the script."""
    script = tmp_path / "requests.jsonl"
    script.write_bytes(_script(*HANDSHAKE, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                            "params": {"name": "read_file", "arguments": {"path": "README.md"}}}))
    answers = tmp_path / "answers.jsonl"
    with open(script, "rb") as stdin, open(answers, "wb") as stdout:
        proc = subprocess.run([sys.executable, "-m", "devreliab", "serve", "--root", str(root)], stdin=stdin,
                              stdout=stdout, stderr=subprocess.PIPE, env=serve_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    by_id = {m.get("id"): m for m in map(json.loads, answers.read_text().splitlines())}
    assert read_text(by_id[2]["result"]["content"][0]["text"]) == "# demo\nhello world\n"


def test_a_client_that_stops_reading_stops_the_server_quietly(root: Path) -> None:
    """The client closes its end of the server's stdout (it crashed, say) but not stdin: the server notices at
    its next answer and exits instead of serving nobody, with no traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "devreliab", "serve", "--root", str(root)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=serve_env())
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(_script(*HANDSHAKE))
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["id"] == 1
        proc.stdout.close()
        proc.stdin.write(_script({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        proc.stdin.flush()
        assert proc.wait(timeout=60) == 0
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        assert "Traceback" not in stderr, stderr
    finally:
        proc.kill()
        proc.wait()


def test_a_line_over_the_size_limit_is_refused_and_the_next_message_is_served(root: Path) -> None:
    server = StdioServer(root)
    try:
        server.initialize()
        server.send_raw(b'{"jsonrpc": "2.0", "id": 99, "params": "' + b"x" * (MAX_LINE_BYTES + 1) + b'"}\n')
        rejected = server.next_message(timeout=120)
        assert rejected["id"] is None and str(MAX_LINE_BYTES) in rejected["error"]["message"], rejected
        assert server.ask("tools/list")["result"]["tools"]
    finally:
        server.kill()


def test_the_bytes_of_each_request_and_answer_line_reach_the_monitor(root: Path) -> None:
    """Over stdio the transport counts the lines it reads and writes (no second encoding of each answer): the
    read lane's answers and the SDK's alike."""
    (root / "big.txt").write_text("some text of a file\n" * 2000)
    server = StdioServer(root)
    try:
        server.initialize()
        lane_read = server.ask("tools/call", {"name": "read_file", "arguments": {"path": "big.txt"}})
        listed = server.ask("tools/list")
        server.close_stdin()
        assert server.wait() == 0, server.stderr
    finally:
        server.kill()
    store = StateStore(root)
    try:
        values: dict[str, float] = {}
        for row in _samples.recent(store, 0):
            values[row.metric] = values.get(row.metric, 0.0) + row.value
    finally:
        store.close()

    def line(message: dict[str, Any]) -> int:
        return len(json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode())

    assert values["tool.read_file.bytes_out"] == pytest.approx(line(lane_read), abs=8), sorted(values)
    assert values["method.tools/list.bytes_out"] == pytest.approx(line(listed), rel=0.01)
    assert 60 < values["tool.read_file.bytes_in"] < 200


def test_the_server_widens_its_pipes_so_a_big_answer_is_one_write(stdio_server: StdioServer) -> None:
    """A 100 KB answer through a 64 KiB pipe is a ping-pong of writes and reads between the processes; the
    server asks Linux for 1 MiB pipes (both directions; the pipe is shared, so the client sees the size)."""
    assert stdio_server.proc.stdout is not None and stdio_server.proc.stdin is not None
    for pipe in (stdio_server.proc.stdout, stdio_server.proc.stdin):
        assert fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ) == PIPE_BYTES


def test_a_cancelled_request_does_not_hold_up_the_exit_when_stdin_closes(root: Path) -> None:
    """Requests received before stdin closed are answered before the server stops, but a request the client
    cancelled gets no answer (MCP), so the server must not wait for one."""
    server = StdioServer(root)
    try:
        server.initialize(capabilities={"roots": {}})
        rid = server.request("tools/call", {"name": "read_file", "arguments": {"path": "README.md"}})
        assert server.next_message()["method"] == "roots/list"  # left unanswered: the call waits for it
        server.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": rid}})
        started = time.monotonic()
        server.close_stdin()
        assert server.wait() == 0, server.stderr
        assert time.monotonic() - started < EOF_GRACE_S / 2, "the server waited for an answer that never comes"
    finally:
        server.kill()
