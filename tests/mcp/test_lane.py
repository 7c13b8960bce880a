"""The read lane (``devreliab/mcp/_lane.py``): plain ``read_file`` calls over stdio answered by the transport itself.

Its promise is that a client cannot tell: every answer is byte for byte what the SDK's path answers, for every
protocol version of the handshake era, and everything out of the ordinary (refusals, bad arguments, ``_meta``,
MCP roots) still goes the SDK's way. Each test runs a lane server and one with ``DEVRELIAB_READ_LANE=0`` side
by side on one workspace, and counts the lane's answers in its debug log to show it was really used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

from devreliab.mcp._lane import SWITCH
from devreliab.mcp._tools import INLINE_READ_BYTES
from tests.tools import read_text

from .conftest import StdioServer, make_root

LANE_LOG = "read lane answered request"


def _workspace(parent: Path) -> Path:
    root = make_root(parent)
    (root / "crlf.txt").write_bytes(b"one\r\ntwo\r\nthree\r\n")
    (root / "unicode.md").write_text("caf\u00e9 \u2014 \U0001f680 \u00fcber\n" * 3, encoding="utf-8")
    (root / "empty.txt").write_text("")
    (root / "big.txt").write_text("a line of the big file\n" * (2 * INLINE_READ_BYTES // 23))  # read on a thread
    (root / "sub").mkdir()
    (root / "sub" / "inside.txt").write_text("inside the root the client offers\n")
    return root


class Pair:
    """The same requests to a server with the lane and one without; answers compared by request id."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = _workspace(tmp_path)  # one workspace, two processes: refusals name the same paths
        self.lane = StdioServer(self.root, env={SWITCH: "1"})
        self.sdk = StdioServer(self.root, env={SWITCH: "0"})

    def both(self) -> tuple[StdioServer, StdioServer]:
        return self.lane, self.sdk

    def start(self, version: str = "2025-11-25", capabilities: dict[str, Any] | None = None) -> None:
        for server in self.both():
            server.initialize(version, capabilities)
            assert "error" not in server.ask("logging/setLevel", {"level": "debug"})

    def read(self, **arguments: Any) -> dict[str, Any]:
        """read_file through both; the two answers must be identical (ids included)."""
        return self.same("tools/call", {"name": "read_file", "arguments": arguments})

    def same(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        lane, sdk = (s.ask(method, params) for s in self.both())
        assert lane == sdk
        return lane

    def lane_answers(self) -> int:
        """How many requests the lane answered so far (the lane server's debug log, read after it exits)."""
        for server in self.both():
            server.close_stdin()
            assert server.wait() == 0, server.stderr
        assert LANE_LOG not in self.sdk.stderr
        return self.lane.stderr.count(LANE_LOG)

    def close(self) -> None:
        for server in self.both():
            server.kill()


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    pair = Pair(tmp_path)
    try:
        yield pair
    finally:
        pair.close()


@pytest.mark.parametrize("version", HANDSHAKE_PROTOCOL_VERSIONS)
def test_lane_answers_are_byte_for_byte_the_sdks(pair: Pair, version: str) -> None:
    pair.start(version)
    whole = pair.read(path="README.md")
    assert read_text(whole["result"]["content"][0]["text"]) == "# demo\nhello world\n"
    version_read = whole["result"]["structuredContent"]["version"]
    pair.read(path="README.md", start_line=2, end_line=2)
    assert pair.read(path="README.md", if_version=version_read)["result"]["structuredContent"]["unchanged"] is True
    pair.read(path="README.md", if_version="sha256:" + "0" * 64)
    pair.read(path="crlf.txt")
    pair.read(path="unicode.md", start_line=2)
    pair.read(path="empty.txt")
    pair.read(path="big.txt", end_line=3)
    pair.read(path="./src/../src/app.py")
    assert pair.lane_answers() == 9


def test_refusals_and_odd_requests_go_the_sdks_way_with_its_words(pair: Pair) -> None:
    pair.start()
    answers = [
        pair.read(path="missing.txt"),
        pair.read(path="logo.png"),
        pair.read(path="../outside.txt"),
        pair.read(path="README.md", start_line=0),
        pair.read(),
        pair.same("tools/call", {"name": "read_file", "arguments": {"path": "README.md"},
                                 "_meta": {"progressToken": "p1"}}),
        pair.read(path="README.md", unknown_argument=1),  # the SDK ignores unknown arguments; so does the lane
    ]
    assert all(a["result"].get("isError") for a in answers[:5]), answers
    assert not any(a["result"].get("isError") for a in answers[5:]), answers
    assert pair.lane_answers() == 1


def test_before_the_handshake_completes_the_lane_stays_out_of_the_way(pair: Pair) -> None:
    for server in pair.both():
        server.ask("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                  "clientInfo": {"name": "tests", "version": "1"}})
    pair.read(path="README.md")  # no notifications/initialized yet
    assert pair.lane_answers() == 0


def test_a_client_offering_roots_is_held_to_them_on_the_lane_too(pair: Pair) -> None:
    """The client offers only sub/: the first call waits for its roots (the SDK's path asks roots/list),
    later reads inside sub/ take the lane and reads outside are refused, with the SDK's words."""
    for server in pair.both():
        server.initialize(capabilities={"roots": {"listChanged": True}})
        assert "error" not in server.ask("logging/setLevel", {"level": "debug"})
        rid = server.request("tools/call", {"name": "read_file", "arguments": {"path": "sub/inside.txt"}})
        ask = server.next_message()
        assert ask["method"] == "roots/list", ask
        server.send({"jsonrpc": "2.0", "id": ask["id"],
                     "result": {"roots": [{"uri": (pair.root / "sub").as_uri(), "name": "sub"}]}})
        assert read_text(server.answer(rid)["result"]["content"][0]["text"]) == "inside the root the client offers\n"
    inside = pair.read(path="sub/inside.txt")
    outside = pair.read(path="README.md")
    assert not inside["result"].get("isError")
    assert outside["result"]["isError"] is True and "outside the roots" in outside["result"]["content"][0]["text"]
    assert pair.lane_answers() == 1
