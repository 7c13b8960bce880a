"""Hostile paths: generated traversal, symlink and encoding tricks never reach a file outside the root, neither
through ``Workspace`` directly nor through the MCP tools over stdio."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from devreliab import DevreliabError
from devreliab.vfs import Workspace

from ..mcp.conftest import StdioServer
from .conftest import make_canary, make_workspace, scale, tree_hash
from .strategies import hostile_paths

EXAMPLES = scale(300, 5000)
SECRETS = ("the canary's secret", "print('outside')", "not the workspace")
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


class Sandboxed:
    """A workspace with links out to a canary directory, and the facts that must never change."""

    def __init__(self, parent: Path) -> None:
        self.canary = make_canary(parent)
        self.root = make_workspace(parent, self.canary)
        self.parent = parent
        self.canary_hash = tree_hash(self.canary)
        self.names = sorted(os.listdir(parent))
        self.tried = 0
        self.refused = 0
        self.succeeded = 0

    def check(self, answer_text: str = "") -> None:
        assert tree_hash(self.canary) == self.canary_hash, "a file outside the workspace was touched"
        assert sorted(os.listdir(self.parent)) == self.names, "a file appeared beside the workspace"
        for secret in SECRETS:
            assert secret not in answer_text, f"content from outside the workspace was returned: {answer_text!r}"


@pytest.fixture(scope="module")
def sandboxed(tmp_path_factory: pytest.TempPathFactory) -> Sandboxed:
    return Sandboxed(tmp_path_factory.mktemp("fuzz-paths"))


OPS = ["read", "write", "edit", "file_info", "list_directory", "search", "file_history", "read_many", "restore"]


def run_op(ws: Workspace, op: str, path: str) -> str:
    """One operation on ``path``; the text of what it returned."""
    if op == "read":
        return repr(ws.read(path))
    if op == "write":
        return repr(ws.write(path, "fuzz\n", expected_version="absent"))
    if op == "edit":
        return repr(ws.edit(path, [{"old_text": "hello", "new_text": "fuzz"}]))
    if op == "file_info":
        return repr(ws.file_info(path))
    if op == "list_directory":
        listing = ws.list_directory(path, depth=3, include_hidden=True, max_entries=200)
        return repr(listing)
    if op == "search":
        return repr(ws.search("secret|outside|workspace", path=path, max_results=50))
    if op == "file_history":
        return repr(ws.file_history(path))
    if op == "read_many":
        return repr(ws.read_many([path, "README.md"]))
    assert op == "restore"
    return repr(ws.restore_version(path, "sha256:" + "0" * 64))


@pytest.mark.reliability_heavy
def test_generated_paths_through_the_workspace_never_leave_the_root(sandboxed: Sandboxed,
                                                                    figures: dict[str, Any]) -> None:
    s = sandboxed

    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=NO_SHRINK,
              suppress_health_check=[HealthCheck.too_slow])
    @given(path=hostile_paths(s.root, s.canary), op=st.sampled_from(OPS))
    def one(path: str, op: str) -> None:
        s.tried += 1
        try:
            text = run_op(ws, op, path)
        except DevreliabError as exc:  # a refusal must be one of devreliab's own, with a message
            assert str(exc), (op, path)
            s.refused += 1
            text = str(exc)
        else:
            s.succeeded += 1
        s.check(text)

    with Workspace(s.root) as ws:
        one()
    figures.update(paths_tried=s.tried, refused=s.refused, succeeded_inside=s.succeeded,
                   files_touched_outside=0, secrets_returned=0)


@pytest.fixture(scope="module")
def served(sandboxed: Sandboxed) -> Iterator[StdioServer]:
    proc = StdioServer(sandboxed.root)
    try:
        proc.initialize()
        yield proc
    finally:
        proc.kill()


def is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


TOOL_CALLS: dict[str, Callable[[str], dict[str, Any]]] = {
    "read_file": lambda p: {"path": p},
    "write_file": lambda p: {"path": p, "content": "fuzz\n", "expected_version": "absent"},
    "edit_file": lambda p: {"path": p, "edits": [{"old_text": "hello", "new_text": "fuzz"}]},
    "file_info": lambda p: {"path": p},
    "list_directory": lambda p: {"path": p, "depth": 3, "include_hidden": True},
    "search": lambda p: {"pattern": "secret|outside|workspace", "path": p},
    "file_history": lambda p: {"path": p},
    "read_many": lambda p: {"paths": [p, "README.md"]},
    "analyze_file": lambda p: {"path": p},
    "analyze_project": lambda p: {"paths": [p]},
    "restore_version": lambda p: {"path": p, "version": "sha256:" + "0" * 64},
}


@pytest.mark.reliability_heavy
def test_generated_paths_through_the_mcp_tools_never_leave_the_root(sandboxed: Sandboxed, served: StdioServer,
                                                                    figures: dict[str, Any]) -> None:
    s = sandboxed
    counts = {"calls": 0, "tool_errors": 0, "protocol_errors": 0}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=NO_SHRINK,
              suppress_health_check=[HealthCheck.too_slow])
    @given(path=hostile_paths(s.root, s.canary).filter(is_utf8),  # JSON text cannot carry the others
           tool=st.sampled_from(sorted(TOOL_CALLS)))
    def one(path: str, tool: str) -> None:
        counts["calls"] += 1
        message = served.ask("tools/call", {"name": tool, "arguments": TOOL_CALLS[tool](path)})
        assert served.proc.poll() is None, served.stderr[-3000:]
        if "error" in message:
            counts["protocol_errors"] += 1
        else:
            result = message["result"]
            if result.get("isError"):
                counts["tool_errors"] += 1
                assert result["content"][0]["text"].rstrip() != f"Error executing tool {tool}", "a tool crashed"
        s.check(json.dumps(message, ensure_ascii=False))

    one()
    figures.update(**counts, files_touched_outside=0, secrets_returned=0)


def test_a_file_name_that_is_not_utf8_is_refused_clearly_and_left_out_of_listings_and_searches(
        tmp_path: Path) -> None:
    # Found by the fuzzing above: the write raised UnicodeEncodeError from the journal, and over MCP one such
    # name made list_directory and search of its whole directory crash ("Error executing tool ...").
    root = tmp_path / "ws"
    root.mkdir()
    (root / os.fsdecode(b"\x80\xff.txt")).write_bytes(b"hi from a latin-1 name\n")
    (root / "ok.txt").write_text("hi\n", encoding="utf-8")
    with Workspace(root) as ws:
        for call in (lambda: ws.read("\udc80\udcff.txt"), lambda: ws.write("\udc80\udcff.txt", "x\n"),
                     lambda: ws.write("new\udc80.txt", "x\n", expected_version="absent"),
                     lambda: ws.file_history("\udc80\udcff.txt")):
            with pytest.raises(DevreliabError, match="not valid UTF-8"):
                call()
        assert [e.path for e in ws.list_directory(".").entries] == ["ok.txt"]
        assert [m.path for m in ws.search("hi").matches] == ["ok.txt"]
    assert set(os.listdir(os.fsencode(root))) == {b"\x80\xff.txt", b".devreliab", b"ok.txt"}
    proc = StdioServer(root)
    try:
        proc.initialize()
        listing = proc.call_tool("list_directory", path=".")
        assert listing["structuredContent"]["entries"] == [{"path": "ok.txt", "type": "file", "size": 3}], listing
        found = proc.call_tool("search", pattern="hi")
        assert [m["path"] for m in found["structuredContent"]["matches"]] == ["ok.txt"], found
    finally:
        proc.kill()
