"""The server factory: an ``MCPServer`` whose lifespan opens one ``Workspace`` for the root and closes it."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from mcp.server.subscriptions import InMemorySubscriptionBus
from mcp_types import (
    CompleteRequestParams,
    CompleteResult,
    Completion,
    EmptyResult,
    SetLevelRequestParams,
)

from devreliab import ConflictNotFound, DevreliabError, FileNotFound, __version__
from devreliab.monitor import PerformanceMonitor
from devreliab.vfs import Workspace

from . import _tools
from ._errors import message
from ._health import health_of
from ._listing import tools_list_middleware
from ._notify import CONFLICT_PREFIX, CONFLICTS_URI, FILE_PREFIX, HEALTH_URI, Notifier
from ._protocol import not_found, protocol_middleware, register_prompts
from ._roots import Roots
from ._state import ServerState, ToolCallHook, tool_call_middleware

INSTRUCTIONS = """\
devreliab serves one workspace to several agents at once, safely: read and write its files with these tools
rather than your built-in file tools, since only writes through devreliab are checked against the version you
read (devreliab's agent hooks cover the built-in tools where they are set up). Paths are relative to the workspace root
('/'-separated; an absolute path inside the root works too). Every read answers with a version (sha256:…) in
its first line [path | version … | lines]; your next write to that file is based on the version you read, so a
change someone made meanwhile is merged, never lost. Where both changed the same lines the write answers status
"conflict" with a conflict_id, the merge with markers and next_step: resolve it with resolve_conflict, or re-read
and redo. When your connection has no session (MCP 2026-07-28 over HTTP) pass expected_version=<the version you
read> to write_file. Save tokens: read ranges (start_line/end_line), re-check with if_version, search before
reading, prefer edit_file to rewriting big files. Writes to .py files answer with guidance on what got worse."""



def create_server(
    root: str | os.PathLike[str],
    *,
    on_tool_call: Iterable[ToolCallHook] = (),
    client_id: str | None = None,
    per_session: bool = False,
    monitor: PerformanceMonitor | bool = True,
    count_bytes: bool = False,
) -> MCPServer[ServerState]:
    """An MCP server for the workspace at ``root``. ``on_tool_call`` callbacks get every tool call's name,
    duration and outcome. ``per_session``: each session is its own client (its own memory of the versions it
    read), as several HTTP clients share one process. ``monitor``: the performance monitor fed by that hook and
    sampling into the state store (True: a new one; False: none). ``count_bytes``: the server itself measures
    the bytes of each request and answer (by encoding them once more); devreliab's own transports count them
    on the wire instead, so only an embedder with a transport of its own needs this."""
    return build_server(root, on_tool_call=on_tool_call, client_id=client_id, per_session=per_session,
                        monitor=monitor, count_bytes=count_bytes).server


@dataclass(frozen=True)
class Built:
    """A server and the parts of it a transport may use directly (stdio's read lane)."""

    server: MCPServer[ServerState]
    state: ServerState
    roots: Roots


def build_server(
    root: str | os.PathLike[str],
    *,
    on_tool_call: Iterable[ToolCallHook] = (),
    client_id: str | None = None,
    per_session: bool = False,
    monitor: PerformanceMonitor | bool = True,
    count_bytes: bool = False,
) -> Built:
    """``create_server``, with its state and roots."""
    if monitor is True:
        monitor = PerformanceMonitor(root)
    state = ServerState(root=os.fspath(root), hooks=list(on_tool_call), per_session=per_session,
                        monitor=monitor or None)
    if state.monitor is not None:
        state.hooks.append(state.monitor.on_tool_call)
    bus = InMemorySubscriptionBus()
    notifier = Notifier(state, bus)
    state.hooks.append(notifier.on_tool_call)

    @asynccontextmanager
    async def lifespan(_: MCPServer[ServerState]) -> AsyncIterator[ServerState]:
        state.workspace = await anyio.to_thread.run_sync(lambda: Workspace(state.root, client_id=client_id))
        if state.workspace.config.raw.get("history", {}).get("enabled", True):
            await anyio.to_thread.run_sync(state.workspace.start_history)
        monitor = state.monitor
        if monitor is not None:
            monitor.attach(state.workspace)
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(notifier.run)
                if monitor is not None:
                    tg.start_soon(monitor.run)
                yield state
                tg.cancel_scope.cancel()
        finally:
            ws, state.workspace = state.workspace, None
            with anyio.CancelScope(shield=True):  # close the workspace on SIGTERM too
                if monitor is not None:
                    try:
                        await anyio.to_thread.run_sync(monitor.sample)  # the last interval's calls count too
                    except Exception:  # a monitor bug must not keep the workspace from closing
                        logging.getLogger("devreliab.mcp").exception("monitor: the last sample failed")
                    monitor.attach(None)
                    await anyio.to_thread.run_sync(monitor.close)
                await anyio.to_thread.run_sync(state.close_sessions)
                await anyio.to_thread.run_sync(ws.close)

    server: MCPServer[ServerState] = MCPServer(
        "devreliab",
        title="devreliab",
        version=__version__,
        instructions=INSTRUCTIONS,
        lifespan=lifespan,
        log_level="WARNING",
        subscriptions=bus,
    )
    notifier.install(server)
    roots = Roots(state.root)
    roots.install(server)

    async def within_roots(ctx: Any, tool: str) -> str | None:
        allowed = await roots.allowed(ctx.session, getattr(ctx, "protocol_version", None))
        if allowed is None:
            return None
        arguments = ctx.params.get("arguments") if isinstance(ctx.params, dict) else None
        return roots.refusal(tool, arguments, allowed)

    state.guard = within_roots
    _register_protocol_basics(server)
    server.middleware.append(protocol_middleware())
    server.middleware.append(tool_call_middleware(state))
    server.middleware.append(tools_list_middleware(lambda: state.enabled_tools))
    if state.monitor is not None:  # bytes in and out of every request, and the other requests' durations
        server.middleware.append(state.monitor.wire_middleware(sizes=count_bytes))
    _tools.register(server, state)
    _register_resources(server, state)
    register_prompts(server)
    return Built(server, state, roots)


def _register_resources(server: MCPServer[Any], state: ServerState) -> None:
    @server.resource(HEALTH_URI, name="health", mime_type="application/json",
                     description="The workspace's health: status ok/degraded/failing, reasons with a recommended "
                     "action each, what is unusual now, forecasts, open conflicts.")
    def health() -> str:
        return health_of(state).model_dump_json(exclude_none=True)

    @server.resource(FILE_PREFIX + "{+path}", name="file", mime_type="text/plain",
                     description="A text file of the workspace (PATH relative to the root). Subscribe to it to be "
                     "told when it changes on disk, whoever changed it.")
    def file(path: str) -> str:
        try:
            return state.ws.read(path).content or ""
        except FileNotFound as exc:
            raise not_found(message(exc)) from exc
        except DevreliabError as exc:
            raise ResourceError(message(exc)) from exc

    @server.resource(CONFLICTS_URI, name="conflicts", mime_type="application/json",
                     description="The open write conflicts of the workspace, oldest first.")
    def conflicts() -> str:
        listing = state.ws.list_conflicts()
        return json.dumps({"conflicts": [c.to_dict() for c in listing.conflicts]})

    @server.resource(CONFLICT_PREFIX + "{conflict_id}", name="conflict", mime_type="application/json",
                     description="One conflict in full (ID from list_conflicts): its summary and the texts of base "
                     "(what both sides started from), theirs (the disk at the time), ours (the write that "
                     "conflicted) and merged (with <<<<<<< / >>>>>>> markers), for a three-way view.")
    def conflict(conflict_id: str) -> str:
        try:
            return json.dumps(state.ws.show_conflict(conflict_id).to_dict())
        except ConflictNotFound as exc:
            raise not_found(message(exc)) from exc
        except DevreliabError as exc:
            raise ResourceError(message(exc)) from exc


_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "notice": logging.INFO, "warning": logging.WARNING,
           "error": logging.ERROR, "critical": logging.CRITICAL, "alert": logging.CRITICAL,
           "emergency": logging.CRITICAL}


def _register_protocol_basics(server: MCPServer[Any]) -> None:
    """``logging/setLevel`` sets the level of devreliab's own log (written to stderr, not sent to the client);
    ``completion/complete`` answers no suggestions."""

    async def set_level(ctx: Any, params: SetLevelRequestParams) -> EmptyResult:
        logging.getLogger("devreliab").setLevel(_LEVELS.get(params.level, logging.WARNING))
        return EmptyResult()

    async def complete(ctx: Any, params: CompleteRequestParams) -> CompleteResult:
        return CompleteResult(completion=Completion(values=[], total=None, has_more=None))

    lowlevel = server._lowlevel_server  # MCPServer's completion() decorator is untyped
    lowlevel.add_request_handler("logging/setLevel", SetLevelRequestParams, set_level)
    lowlevel.add_request_handler("completion/complete", CompleteRequestParams, complete)
