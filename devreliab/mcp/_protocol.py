"""Protocol details a strict client or the conformance suite checks: prompts that earn the ``prompts``
capability, JSON-RPC errors with the spec's codes (no traceback in the log for a client's mistake), and SSE
streams a client can resume (a bounded event store, so streams start with a priming event and a retry hint).
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from contextvars import ContextVar
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerMiddleware, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.streamable_http import EventCallback, EventId, EventMessage, EventStore, StreamId
from mcp.shared.exceptions import MCPError
from mcp_types import JSONRPCMessage
from mcp_types.jsonrpc import INVALID_PARAMS
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

RESOURCE_NOT_FOUND_HANDSHAKE = -32002  # the code up to 2025-11-25; SEP-2164 moved it to -32602 from 2026-07-28
SSE_RETRY_MS = 1000
EVENTS_KEPT = 2000

current_protocol: ContextVar[str | None] = ContextVar("devreliab_mcp_protocol", default=None)

PROMPTS = {
    "resolve_conflicts": (
        "Go through the workspace's open write conflicts one by one and resolve each.",
        "Call list_conflicts. For each open conflict: read devreliab://conflict/{id} (base, theirs, ours and the "
        "merge with markers), decide what the file should say keeping both sides' intent, then resolve_conflict "
        "with resolution 'content' and the merged text (or 'ours'/'theirs' when one side alone is right). "
        "Report which conflicts you resolved and how."),
    "improve_file": (
        "Bring one Python file under the quality gate without changing its behaviour.",
        "Call analyze_file on {path}. For each recommendation, best first, apply the fix with edit_file (keep "
        "behaviour; add or run tests where the project has them), then analyze_file again. Stop when the gate "
        "passes or no fix applies; say what changed and what is left."),
}


def not_found(message: str) -> MCPError:
    """The JSON-RPC error for a resource that does not exist, with the code of the connection's protocol."""
    handshake = current_protocol.get() in HANDSHAKE_PROTOCOL_VERSIONS
    return MCPError(RESOURCE_NOT_FOUND_HANDSHAKE if handshake else INVALID_PARAMS, message)


def register_prompts(server: MCPServer[Any]) -> None:
    """The prompts devreliab offers (they earn the ``prompts`` capability the SDK always declares)."""

    @server.prompt(name="resolve_conflicts", title="Resolve the open conflicts", description=PROMPTS[
        "resolve_conflicts"][0])
    def resolve_conflicts() -> str:
        return PROMPTS["resolve_conflicts"][1]

    @server.prompt(name="improve_file", title="Bring a file under the gate", description=PROMPTS[
        "improve_file"][0])
    def improve_file(path: str) -> str:
        return PROMPTS["improve_file"][1].format(path=path)


def protocol_middleware() -> ServerMiddleware[Any]:
    """Remembers the request's protocol version (for error codes) and answers an unknown prompt with
    INVALID_PARAMS before the SDK logs a traceback for it."""

    async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        current_protocol.set(getattr(ctx, "protocol_version", None))
        if ctx.method == "prompts/get":
            name = ctx.params.get("name") if isinstance(ctx.params, dict) else None
            if name not in PROMPTS:
                raise MCPError(INVALID_PARAMS, f"unknown prompt {name!r}; prompts/list names them: "
                               + ", ".join(PROMPTS))
        return await call_next(ctx)

    return middleware


class BoundedEventStore(EventStore):
    """The last EVENTS_KEPT events of every stream, in memory, so a client whose SSE stream broke can resume
    with Last-Event-ID; older events are gone (the client then re-sends its request)."""

    def __init__(self, keep: int = EVENTS_KEPT) -> None:
        self._keep = keep
        self._ids = itertools.count(1)
        self._events: OrderedDict[str, tuple[StreamId, JSONRPCMessage | None]] = OrderedDict()

    async def store_event(self, stream_id: StreamId, message: JSONRPCMessage | None) -> EventId:
        event_id = str(next(self._ids))
        self._events[event_id] = (stream_id, message)
        while len(self._events) > self._keep:
            self._events.popitem(last=False)
        return event_id

    async def replay_events_after(self, last_event_id: EventId, send_callback: EventCallback) -> StreamId | None:
        found = self._events.get(last_event_id)
        if found is None:
            return None
        stream_id = found[0]
        later = itertools.dropwhile(lambda item: item[0] != last_event_id, list(self._events.items()))
        next(later, None)  # the event the client already has
        for event_id, (stream, message) in later:
            if stream == stream_id and message is not None:
                await send_callback(EventMessage(message, event_id))
        return stream_id
