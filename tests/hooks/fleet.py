"""A simulated fleet: agent sessions doing read → change → write on shared files of one workspace.

Half the sessions play Claude Code: the harness runs ``devreliab hook claude-code`` before the Read and the Write
(PreToolUse), applies the tool's effect itself (with ``updatedInput`` when the hook gives one) and runs the
PostToolUse hook. The other half are MCP SDK clients of real ``devreliab serve`` processes using ``edit_file`` (and
``write_file`` in rounds where everyone also changes the shared header line). Every round all sessions read, then
write one after another, so which writes overlap is known: in a header round the first writer of a file wins and
every later one must become exactly one conflict record. Without hooks the Claude Code sessions write their stale
copy and lose other sessions' work; the fleet counts how much.
"""

from __future__ import annotations

import sys
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import Client, StdioServerParameters

from devreliab import Workspace
from tests.tools import read_text

from .conftest import hook_env, run_hook
from .payloads import claude

SESSIONS = 8
ORDER = (0, 4, 1, 5, 2, 6, 3, 7)  # hook and MCP sessions take turns (reversed every other round)


@dataclass
class FleetResult:
    writes: int = 0
    conflicts_expected: int = 0
    conflicts_recorded: int = 0
    lost: int = 0
    checked: int = 0
    seconds: float = 0.0
    hook_latencies: list[float] = field(default_factory=list)


def initial(sessions: int) -> str:
    return "header: v0\n\n" + "".join(f"slot{s}: init\n\n" for s in range(sessions))


def change(text: str, s: int, value: str, header: str | None) -> str:
    lines = text.split("\n")
    out = [f"slot{s}: {value}" if line.startswith(f"slot{s}: ") else line for line in lines]
    if header is not None:
        out = [header if line.startswith("header: ") else line for line in out]
    return "\n".join(out)


def value_of(text: str, prefix: str) -> str:
    return next(line for line in text.split("\n") if line.startswith(prefix))


class McpSession:
    """A real ``devreliab serve`` process, spoken to through the MCP SDK's client (run on a blocking portal)."""

    def __init__(self, portal: BlockingPortal, root: Path) -> None:
        params = StdioServerParameters(command=sys.executable, args=["-m", "devreliab", "serve", "--root", str(root)],
                                       env=hook_env())
        self.portal = portal
        self._cm: AbstractContextManager[Client] = portal.wrap_async_context_manager(
            Client(params, read_timeout_seconds=60))
        self.client = self._cm.__enter__()

    def call_tool(self, name: str, **arguments: Any) -> Any:
        result = self.portal.call(self.client.call_tool, name, arguments)
        assert not result.is_error, result.content
        return result

    def close(self) -> None:
        self._cm.__exit__(None, None, None)


class Fleet:
    def __init__(self, root: Path, files: int, hooks: bool) -> None:
        self.root, self.hooks = root, hooks
        self.files = [f"shared{i}.txt" for i in range(files)]
        for name in self.files:
            (root / name).write_text(initial(SESSIONS))
        self._portal_cm = start_blocking_portal()
        portal = self._portal_cm.__enter__()
        self.servers = [McpSession(portal, root) for _ in range(SESSIONS // 2)]
        self.result = FleetResult()
        self.expected: dict[tuple[str, str], str] = {}
        self.reads: dict[int, str] = {}

    def close(self) -> None:
        try:
            for server in self.servers:
                server.close()
        finally:
            self._portal_cm.__exit__(None, None, None)

    def _hook(self, payload: dict[str, object]) -> dict[str, object]:
        start = time.perf_counter()
        answer = run_hook("claude-code", payload).answer
        self.result.hook_latencies.append(time.perf_counter() - start)
        return answer

    def _read(self, s: int, name: str) -> None:
        path = self.root / name
        if s < SESSIONS // 2:
            if self.hooks:
                self._hook(claude("PreToolUse", "Read", self.root, session=f"fleet{s}", file_path=str(path)))
            self.reads[s] = path.read_text()
        else:
            result = self.servers[s - SESSIONS // 2].call_tool("read_file", path=name)
            self.reads[s] = read_text(result.content[0].text)

    def _claude_write(self, s: int, name: str, content: str) -> bool:
        path = self.root / name
        if self.hooks:
            answer = self._hook(claude("PreToolUse", "Write", self.root, session=f"fleet{s}", file_path=str(path),
                                       content=content)).get("hookSpecificOutput", {})
            assert isinstance(answer, dict)
            if answer.get("permissionDecision") == "deny":
                return False
            content = answer.get("updatedInput", {}).get("content", content)
        path.write_text(content)
        if self.hooks:
            post = self._hook(claude("PostToolUse", "Write", self.root, session=f"fleet{s}", file_path=str(path),
                                     content=content))
            assert post.get("decision") != "block", post
        return True

    def _mcp_write(self, s: int, name: str, old: str, content: str, header: bool) -> bool:
        server = self.servers[s - SESSIONS // 2]
        if header:
            result = server.call_tool("write_file", path=name, content=content)
        else:
            slot = value_of(old, f"slot{s}: ")
            result = server.call_tool("edit_file", path=name, edits=[
                {"old_text": slot + "\n", "new_text": value_of(content, f"slot{s}: ") + "\n"}])
        return bool(result.structured_content["status"] != "conflict")

    def round(self, r: int, header_round: bool) -> None:
        targets = {s: self.files[(r + s) % len(self.files)] for s in range(SESSIONS)}
        for s in range(SESSIONS):
            self._read(s, targets[s])
        winners: dict[str, bool] = {}
        for s in ORDER if r % 2 == 0 else tuple(reversed(ORDER)):
            name, value = targets[s], f"s{s}r{r}"
            header = f"header: s{s}r{r}" if header_round else None
            content = change(self.reads[s], s, value, header)
            start = time.perf_counter()
            if s < SESSIONS // 2:
                ok = self._claude_write(s, name, content)
            else:
                ok = self._mcp_write(s, name, self.reads[s], content, header_round)
            self.result.seconds += time.perf_counter() - start
            self.result.writes += 1
            if header_round:
                self.result.conflicts_expected += 1 if winners.get(name) else 0
                winners[name] = True
            if ok:
                self.expected[(name, f"slot{s}: ")] = f"slot{s}: {value}"
                if header is not None:
                    self.expected[(name, "header: ")] = header

    def run(self, rounds: int, header_every: int = 5) -> FleetResult:
        for r in range(rounds):
            self.round(r, r % header_every == header_every - 1)
        for (name, prefix), want in self.expected.items():
            self.result.checked += 1
            self.result.lost += value_of((self.root / name).read_text(), prefix) != want
        with Workspace(self.root, client_id="fleet-check") as ws:
            self.result.conflicts_recorded = len(ws.list_conflicts().conflicts)
        return self.result
