"""The overwrite guard across real processes: an agent writes through a ``devreliab serve`` process (the MCP SDK's
client over stdio), a plain Python process writes the file from a stale copy, and the agent's work is not lost:
an ``overwritten`` conflict holds both changes, the agent's next answer says so, ``merged`` applies the proposal.
And the elected watcher, SIGKILLed, is replaced by another server process that records what changed meanwhile."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp_types import Implementation

from devreliab.vfs import Workspace
from tests.tools import await_for, wait_for

from .conftest import StdioServer, serve_env

TAKEOVER_S = 5.0  # the contract: another process takes over within 5 s of the holder's death
BASE = "def one():\n    return 1\n\n\ndef two():\n    return 2\n\n\ndef three():\n    return 3\n"


def plain_write(path: Path, text: str) -> None:
    subprocess.run([sys.executable, "-c", "import sys; open(sys.argv[1], 'w').write(sys.argv[2])", str(path), text],
                   check=True, timeout=60)


def lease_pid(root: Path) -> int | None:
    with sqlite3.connect(root / ".devreliab" / "state.db", timeout=30) as conn:
        row = conn.execute("SELECT pid, expires FROM vfs_watch_lease").fetchone()
    return None if row is None or row[1] < time.time() else int(row[0])


def outside_rows(root: Path, rel: str) -> list[str]:
    with sqlite3.connect(root / ".devreliab" / "state.db", timeout=30) as conn:
        return [r[0] for r in conn.execute("SELECT after FROM vfs_journal WHERE path = ? AND client = 'outside'",
                                           (rel,))]






@pytest.mark.anyio
async def test_a_stale_plain_write_over_an_agents_edit_is_caught_told_and_merged(root: Path) -> None:
    (root / "app.py").write_text(BASE)
    params = StdioServerParameters(command=sys.executable, args=["-m", "devreliab", "serve", "--root", str(root)],
                                   env=serve_env())
    async with Client(params, read_timeout_seconds=60, client_info=Implementation(name="agent-a", version="1")) as c:
        await await_for(lambda: anyio.to_thread.run_sync(lease_pid, root), "a server taking the lease")
        await c.call_tool("read_file", {"path": "app.py"})
        stale = (root / "app.py").read_text()  # the plain writer's copy, taken before the agent's edit
        edited = await c.call_tool("edit_file", {"path": "app.py", "edits": [
            {"old_text": "return 1", "new_text": "return 100"}]})
        assert edited.structured_content is not None and edited.structured_content["status"] == "written"
        await anyio.to_thread.run_sync(plain_write, root / "app.py", stale.replace("return 3", "return 300"))

        async def overwritten() -> list[dict[str, Any]]:
            listed = await c.call_tool("list_conflicts", {})
            assert listed.structured_content is not None
            return [x for x in listed.structured_content["conflicts"] if x["kind"] == "overwritten"]

        (conflict,) = await await_for(overwritten, "an overwritten conflict")
        assert conflict["client"].startswith("agent-a (pid ") and conflict["proposal_clean"] is True
        with Workspace(root) as ws:
            merged = ws.show_conflict(conflict["id"]).merged
        assert "return 100" in merged and "return 300" in merged
        resolved = await c.call_tool("resolve_conflict", {"conflict_id": conflict["id"], "resolution": "merged"})
        assert resolved.structured_content is not None and resolved.structured_content["status"] == "written"
        plain = await c.call_tool("list_conflicts", {})
        assert plain.structured_content is not None and plain.structured_content["conflicts"] == []
    assert (root / "app.py").read_text() == BASE.replace("return 1", "return 100").replace("return 3", "return 300")


@pytest.mark.anyio
async def test_the_agent_whose_work_was_dropped_hears_it_in_one_line_of_its_next_answer(root: Path) -> None:
    (root / "notes.txt").write_text("one\ntwo\nthree\n")
    params = StdioServerParameters(command=sys.executable, args=["-m", "devreliab", "serve", "--root", str(root)],
                                   env=serve_env())
    async with Client(params, read_timeout_seconds=60, client_info=Implementation(name="agent-b", version="1")) as c:
        await await_for(lambda: anyio.to_thread.run_sync(lease_pid, root), "a server taking the lease")
        await c.call_tool("read_file", {"path": "notes.txt"})
        await c.call_tool("write_file", {"path": "notes.txt", "content": "one\ntwo\nthree\nfour (agent)\n"})
        await anyio.to_thread.run_sync(plain_write, root / "notes.txt", "one\ntwo\nthree\nfour (script)\n")

        def flagged() -> bool:
            with Workspace(root) as ws:
                return any(x.kind == "overwritten" for x in ws.list_conflicts().conflicts)

        await await_for(lambda: anyio.to_thread.run_sync(flagged), "an overwritten conflict")
        answer = await c.call_tool("file_info", {"path": "notes.txt"})
        again = await c.call_tool("file_info", {"path": "notes.txt"})
    notes = [t.text for t in answer.content[1:]]  # type: ignore[union-attr]
    assert len(notes) == 1 and "\n" not in notes[0]
    assert "notes.txt" in notes[0] and "overwritten" in notes[0] and "'merged'" in notes[0]
    assert len(again.content) == 1  # said once


def test_the_elected_watcher_killed_is_replaced_and_a_change_made_meanwhile_is_recorded(root: Path) -> None:
    first, second = StdioServer(root), StdioServer(root)
    try:
        first.initialize()
        second.initialize()
        holder_pid = wait_for(lambda: lease_pid(root), "a server taking the lease")
        holder, other = (first, second) if first.proc.pid == holder_pid else (second, first)
        assert holder.proc.pid == holder_pid
        holder.kill()  # SIGKILL, and reaped
        killed_at = time.monotonic()
        plain_write(root / "meanwhile.txt", "written while the watcher was dead\n")
        wait_for(lambda: lease_pid(root) == other.proc.pid, "the other server taking over", TAKEOVER_S)
        assert time.monotonic() - killed_at < TAKEOVER_S + 1
        try:
            wait_for(lambda: outside_rows(root, "meanwhile.txt"), "recording the change made meanwhile")
        except AssertionError:
            raise AssertionError(other.stderr) from None
        assert other.call_tool("health")["structuredContent"]["status"] in ("ok", "degraded")
    finally:
        first.kill()
        second.kill()


@pytest.mark.anyio
async def test_history_enabled_false_keeps_a_server_out_of_the_election(root: Path) -> None:
    from devreliab.mcp._server import build_server

    (root / "devreliab.jsonc").write_text('{"history": {"enabled": false}}\n')
    built = build_server(root, monitor=False)
    async with Client(built.server) as client:
        await client.call_tool("list_conflicts", {})
        assert built.state.workspace is not None and built.state.workspace.history_keeper is None
    on = build_server(root.parent, monitor=False)
    async with Client(on.server) as client:
        await client.call_tool("list_conflicts", {})
        assert on.state.workspace is not None and on.state.workspace.history_keeper is not None
