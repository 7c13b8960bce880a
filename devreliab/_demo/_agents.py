"""The demo's agents: each a real MCP client (the SDK's ``Client``, with its own client name) of its own
``devreliab serve`` process over stdio, started as an agent starts it, with the workspace never on ``sys.path``."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio

from ._out import DemoFailure

START_S = 90.0  # bound on the servers' start (three Python processes on a busy machine)
CALL_S = 60.0  # bound on any one tool call

T = TypeVar("T")


def server_command(root: Path) -> tuple[str, list[str], dict[str, str]]:
    """``python -P -m devreliab serve --root ROOT``: -P (and PYTHONSAFEPATH) keep the current directory off
    ``sys.path``; PYTHONPATH names where this process found devreliab, so the server runs the same code."""
    package_parent = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH", "")) if p)
    env = {"PYTHONPATH": path, "PYTHONSAFEPATH": "1", "PYTHONUNBUFFERED": "1"}
    if "PYTHONDONTWRITEBYTECODE" in os.environ:
        env["PYTHONDONTWRITEBYTECODE"] = os.environ["PYTHONDONTWRITEBYTECODE"]
    return sys.executable, ["-P", "-m", "devreliab", "serve", "--root", str(root)], env


@dataclass
class Agent:
    name: str
    root: Path
    log: Path  # its server's stderr
    client: Any = None
    error: BaseException | None = None
    ready: anyio.Event = field(default_factory=anyio.Event)
    done: anyio.Event = field(default_factory=anyio.Event)

    async def run(self) -> None:
        """Start the server, connect, and stay connected until ``done``. Leaving the client stops the server
        process (the SDK closes its stdin, then terminates it), also when the demo is cancelled by Ctrl-C."""
        from mcp import Client
        from mcp.client.stdio import StdioServerParameters, stdio_client
        from mcp_types import Implementation

        command, args, env = server_command(self.root)
        params = StdioServerParameters(command=command, args=args, env=env, cwd=str(self.root.parent))
        try:
            with self.log.open("w", encoding="utf-8") as errlog:
                async with Client(stdio_client(params, errlog=errlog), mode="legacy", read_timeout_seconds=CALL_S,
                                  client_info=Implementation(name=self.name, version="1")) as client:
                    self.client = client
                    self.ready.set()
                    await self.done.wait()
        except Exception as exc:  # reported by the scenario, with the server's log
            self.error = exc
        finally:
            self.client = None
            self.ready.set()

    def failure(self, what: str) -> DemoFailure:
        log = self.log.read_text(encoding="utf-8", errors="replace")[-2000:] if self.log.exists() else ""
        return DemoFailure(f"{self.name}: {what}" + (f"\nits server's stderr:\n{log}" if log.strip() else ""))

    def connected(self) -> Any:
        if self.client is None:
            raise self.failure(f"not connected ({self.error!r})")
        return self.client

    async def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        """A tool call that must succeed; its structured content."""
        client = self.connected()
        with anyio.fail_after(CALL_S):
            result = await client.call_tool(tool, arguments)
        data = result.structured_content
        if result.is_error or not isinstance(data, dict):
            text = " ".join(getattr(c, "text", "") for c in result.content)
            raise self.failure(f"{tool} failed: {text}")
        return data

    async def read(self, path: str) -> tuple[str, str]:
        """Read ``path`` (its version becomes this agent's base for its next write): (text, version)."""
        entry = (await self.call("read_many", paths=[path]))["results"][0]
        if entry.get("content") is None:
            raise self.failure(f"could not read {path}: {entry.get('message')}")
        return entry["content"], entry["version"]

    async def resource(self, uri: str) -> dict[str, Any]:
        """A JSON resource, e.g. ``devreliab://conflict/ID``."""
        client = self.connected()
        with anyio.fail_after(CALL_S):
            result = await client.read_resource(uri)
        data: dict[str, Any] = json.loads(result.contents[0].text)
        return data


async def _all_started(agents: dict[str, Agent]) -> None:
    with anyio.fail_after(START_S):
        for agent in agents.values():
            await agent.ready.wait()
    for agent in agents.values():
        if agent.client is None:
            raise agent.failure(f"its devreliab serve did not start ({agent.error!r})")


async def with_agents(names: tuple[str, ...], root: Path, logs: Path,
                      body: Callable[[dict[str, Agent]], Awaitable[T]]) -> T:
    """Run ``body`` with the agents connected; every server process is stopped before this returns, also on an
    error or Ctrl-C."""
    logs.mkdir(exist_ok=True)
    agents = {name: Agent(name, root, logs / f"{name}.log") for name in names}
    outcome: list[T] = []
    problem: list[BaseException] = []
    async with anyio.create_task_group() as tg:
        for agent in agents.values():
            tg.start_soon(agent.run)
        try:
            await _all_started(agents)
            outcome.append(await body(agents))
        except (DemoFailure, TimeoutError) as exc:
            problem.append(exc)
        finally:
            for agent in agents.values():
                agent.done.set()
    if problem:
        raise DemoFailure(str(problem[0]) or "a step took too long") from problem[0]
    return outcome[0]
