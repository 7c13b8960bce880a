"""Resource-updated notifications for devreliab://health, devreliab://conflicts and devreliab://file/PATH.

Conflicts can arise in any server process on the workspace, so the source of truth is the state store: a task
in the lifespan looks at the open conflicts and the health status after every writing tool call of this process
and at least every ``POLL_S`` seconds, and notifies when they changed. Two kinds of subscriber hear about it:
sessions of protocol versions up to 2025-11-25 that sent ``resources/subscribe`` (``notifications/resources/
updated``), and 2026-07-28 clients listening through ``subscriptions/listen`` (the SDK's subscription bus).

File resources (``devreliab://file/PATH``) are announced from the workspace's watcher, which starts on the first
subscription to one (resources/subscribe only: a 2026-07-28 listener does not start it).
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Any
from urllib.parse import unquote

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.subscriptions import InMemorySubscriptionBus
from mcp.shared.subscriptions import ResourceUpdated
from mcp_types import EmptyResult, SubscribeRequestParams, UnsubscribeRequestParams

from devreliab.vfs import ChangeEvent

from ._state import ServerState, ToolCall

log = logging.getLogger("devreliab.mcp")

POLL_S = 1.0
HEALTH_URI = "devreliab://health"
CONFLICTS_URI = "devreliab://conflicts"
CONFLICT_PREFIX = "devreliab://conflict/"  # + a conflict id: one conflict in full
FILE_PREFIX = "devreliab://file/"
WRITING_TOOLS = frozenset({"write_file", "edit_file", "resolve_conflict", "restore_version"})


class Notifier:
    """Who subscribed to what, and the loop that tells them."""

    def __init__(self, state: ServerState, bus: InMemorySubscriptionBus) -> None:
        self.state = state
        self.bus = bus
        self.sessions: dict[str, list[Any]] = {HEALTH_URI: [], CONFLICTS_URI: []}
        self._poke: anyio.Event | None = None
        self._token: Any = None  # the event loop, for change events the watcher delivers on its thread
        self._watching = False

    def install(self, server: MCPServer[Any]) -> None:
        # MCPServer has no public hook for resources/subscribe; the low-level server serves it and then
        # advertises resources.subscribe to clients of the handshake era.
        lowlevel = server._lowlevel_server
        lowlevel.add_request_handler("resources/subscribe", SubscribeRequestParams, self._subscribe)
        lowlevel.add_request_handler("resources/unsubscribe", UnsubscribeRequestParams, self._unsubscribe)

    async def _subscribe(self, ctx: Any, params: SubscribeRequestParams) -> EmptyResult:
        uri = unquote(str(params.uri))
        sessions = self.sessions.setdefault(uri, [])
        if ctx.session not in sessions:
            sessions.append(ctx.session)
        if uri.startswith(FILE_PREFIX) and not self._watching:
            await self._start_watching()
        return EmptyResult()

    async def _unsubscribe(self, ctx: Any, params: UnsubscribeRequestParams) -> EmptyResult:
        with contextlib.suppress(ValueError):
            self.sessions.get(unquote(str(params.uri)), []).remove(ctx.session)
        return EmptyResult()

    async def _start_watching(self) -> None:
        """Start the workspace's watcher on the first file subscription (it stops when the workspace closes)."""
        self._watching = True
        self._token = anyio.lowlevel.current_token()
        ws = self.state.ws
        await anyio.to_thread.run_sync(ws.start_watching)
        ws.subscribe(self._on_change)

    def _on_change(self, event: ChangeEvent) -> None:
        """On the watcher's thread: tell the subscribers of each changed file."""
        for rel in (event.path, event.dest_path):
            uri = FILE_PREFIX + rel.replace(os.sep, "/") if rel else None
            if uri and self.sessions.get(uri):
                with contextlib.suppress(anyio.RunFinishedError, RuntimeError):
                    anyio.from_thread.run(self.notify, uri, token=self._token)

    def on_tool_call(self, call: ToolCall) -> None:
        """A tool-call hook: after a writing call, look now instead of at the next poll."""
        if call.tool in WRITING_TOOLS and self._poke is not None:
            self._poke.set()

    def _snapshot(self) -> tuple[object, object]:
        from ._health import health_of

        try:
            conflicts: object = tuple(c.id for c in self.state.ws.list_conflicts().conflicts)
        except Exception as exc:
            conflicts = f"unusable: {exc}"
        health = health_of(self.state)
        return conflicts, (health.status, tuple(health.reasons), health.open_conflicts)

    async def run(self) -> None:
        self._poke = anyio.Event()
        last = await anyio.to_thread.run_sync(self._snapshot)
        while True:
            with anyio.move_on_after(POLL_S):
                await self._poke.wait()
            self._poke = anyio.Event()
            now = await anyio.to_thread.run_sync(self._snapshot)
            if now[0] != last[0]:
                await self.notify(CONFLICTS_URI)
            if now[1] != last[1]:
                await self.notify(HEALTH_URI)
            last = now

    async def notify(self, uri: str) -> None:
        await self.bus.publish(ResourceUpdated(uri=uri))
        for session in list(self.sessions.get(uri, [])):
            try:
                await session.send_resource_updated(uri)
            except Exception:  # the session is gone: forget it
                with contextlib.suppress(ValueError):
                    self.sessions[uri].remove(session)
