"""Malformed input over the real stdio pipe: each is answered, and the process stays up for the next call.

One process serves the whole module, so every test also shows it survived the ones before."""

from __future__ import annotations

import json
import threading
import time

from tests.tools import read_text

from .conftest import StdioServer


def still_serves(server: StdioServer) -> None:
    result = server.call_tool("read_file", path="README.md")
    assert read_text(result["content"][0]["text"]) == "# demo\nhello world\n"


def test_a_line_that_is_not_json_is_answered_with_a_parse_error(shared_stdio_server: StdioServer) -> None:
    shared_stdio_server.send_raw(b"\n   \n{this is not json\n")  # blank lines are skipped, not answered
    message = shared_stdio_server.next_message()
    assert message["id"] is None and message["error"]["code"] == -32700
    still_serves(shared_stdio_server)


def test_json_that_is_not_a_jsonrpc_message_is_answered_with_invalid_request(shared_stdio_server: StdioServer) -> None:
    # JSON-RPC 2.0: the answer carries the request's id when it can be read, null otherwise
    for raw, rid in ((b"[1, 2, 3]\n", None), (b'{"jsonrpc": "2.0", "method": 7, "id": 1}\n', 1),
                     (b'"hello"\n', None)):
        shared_stdio_server.send_raw(raw)
        message = shared_stdio_server.next_message()
        assert message["id"] == rid and message["error"]["code"] == -32600, (raw, message)
    still_serves(shared_stdio_server)


def test_an_unknown_method_is_answered_with_method_not_found(shared_stdio_server: StdioServer) -> None:
    message = shared_stdio_server.ask("files/teleport", {"to": "mars"})
    assert message["error"]["code"] == -32601
    still_serves(shared_stdio_server)


def test_an_unknown_tool_and_wrong_argument_types_are_tool_errors(shared_stdio_server: StdioServer) -> None:
    unknown = shared_stdio_server.call_tool("format_disk")
    assert unknown["isError"] is True
    for arguments in ({"path": 5}, {"path": "README.md", "start_line": "first"}, {"path": None},
                      {"path": "README.md", "if_version": {"nested": True}}):
        result = shared_stdio_server.ask("tools/call", {"name": "read_file", "arguments": arguments})["result"]
        assert result["isError"] is True, arguments
        assert "read_file" in result["content"][0]["text"]
    bad_params = shared_stdio_server.ask("tools/call", {"name": 42, "arguments": "not an object"})
    assert "error" in bad_params or bad_params["result"]["isError"] is True
    still_serves(shared_stdio_server)


def test_a_50_megabyte_argument_is_refused_and_the_process_stays_up(shared_stdio_server: StdioServer) -> None:
    huge = "x" * (50 * 1024 * 1024)
    result = shared_stdio_server.call_tool("write_file", path="huge.txt", content=huge)
    assert result["isError"] is True
    assert "content" in result["content"][0]["text"]
    still_serves(shared_stdio_server)


def test_ten_thousand_calls_in_a_burst_are_all_answered(shared_stdio_server: StdioServer) -> None:
    version = shared_stdio_server.call_tool("read_file", path="README.md")["structuredContent"]["version"]
    count = 10_000
    first = 1_000_000
    lines = b"".join(
        json.dumps({"jsonrpc": "2.0", "id": first + i, "method": "tools/call",
                    "params": {"name": "read_file", "arguments": {"path": "README.md", "if_version": version}}},
                   ).encode() + b"\n"
        for i in range(count))
    writer = threading.Thread(target=shared_stdio_server.send_raw, args=(lines,))
    started = time.monotonic()
    writer.start()
    answered: set[int] = set()
    while len(answered) < count:
        message = shared_stdio_server.next_message(timeout=120)
        if message.get("id", 0) >= first:
            assert message["result"]["structuredContent"]["unchanged"] is True
            answered.add(message["id"])
    writer.join(timeout=60)
    assert answered == set(range(first, first + count))
    assert time.monotonic() - started < 170  # a bound against hangs, not a speed goal
    still_serves(shared_stdio_server)
