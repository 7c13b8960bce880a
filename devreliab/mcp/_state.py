"""Shared state of one server: the workspace (from the lifespan), per-tool counters and the tool-call hook.

The hook is the place where every tool call's name, duration and outcome are reported, whatever the transport:
a server middleware around ``tools/call``. The performance monitor (its own issue) plugs in as one more
callback through ``create_server(on_tool_call=...)``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

from mcp.server.context import CallNext, HandlerResult, ServerMiddleware, ServerRequestContext
from mcp_types import CallToolResult, TextContent
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel

from devreliab.monitor import PerformanceMonitor
from devreliab.monitor._calls import call_facts
from devreliab.vfs import Workspace

from ._answers import channels_for, current_channels
from ._clients import client_label_of, current_client, named
from ._errors import tidy_validation
from ._listing import TOOLSETS, enabled_tools, switched_off

log = logging.getLogger("devreliab.mcp")

Outcome = Literal["ok", "error", "crash", "protocol_error"]


@dataclass(frozen=True)
class ToolCall:
    """One finished tool call, as reported to ``on_tool_call`` callbacks."""

    tool: str
    seconds: float
    outcome: Outcome  # ok; error: isError result; crash: unexpected exception; protocol_error: JSON-RPC error
    is_error: bool
    client: str | None = None  # the MCP clientInfo.name of the caller, when it gave one
    arguments_hash: str | None = None  # a short hash of the call's arguments (the same call repeated: the same hash)
    session: str | None = None  # the HTTP session (Mcp-Session-Id), None over stdio
    protocol_version: str | None = None  # the MCP protocol version of the connection
    known: bool = True  # False: the server has no tool of that name (the monitor labels it _OTHER)


ToolCallHook = Callable[[ToolCall], None]
MAX_SESSION_WORKSPACES = 64
current_session: ContextVar[str | None] = ContextVar("devreliab_mcp_session", default=None)
Guard = Callable[[ServerRequestContext[Any, Any], str], Awaitable[str | None]]


@dataclass
class _Counter:
    calls: int = 0
    errors: int = 0
    crashes: int = 0
    total_s: float = 0.0
    max_s: float = 0.0


class ToolStats:
    """Per-tool counts and durations of this process, fed by the hook."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_tool: dict[str, _Counter] = {}
        self.recent_crashes: list[float] = []  # monotonic times of the last crashes

    def __call__(self, call: ToolCall) -> None:
        with self._lock:
            c = self._by_tool.setdefault(call.tool, _Counter())
            c.calls += 1
            c.total_s += call.seconds
            c.max_s = max(c.max_s, call.seconds)
            if call.outcome == "crash":
                c.crashes += 1
                self.recent_crashes = [*self.recent_crashes[-19:], time.monotonic()]
            elif call.is_error:
                c.errors += 1

    def snapshot(self) -> dict[str, _Counter]:
        with self._lock:
            return {k: _Counter(**vars(v)) for k, v in sorted(self._by_tool.items())}


@dataclass
class ServerState:
    """What the tools share. ``workspace`` is set by the lifespan while the server runs."""

    root: str
    stats: ToolStats = field(default_factory=ToolStats)
    hooks: list[ToolCallHook] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    pid: int = field(default_factory=os.getpid)
    workspace: Workspace | None = None
    guard: Guard | None = None  # may refuse a tool call before it runs (MCP roots)
    per_session: bool = False  # one Workspace (one client memory of versions read) per session
    monitor: PerformanceMonitor | None = None  # the performance monitor (None: monitoring is off)
    _sessions: OrderedDict[str, Workspace] = field(default_factory=OrderedDict)
    _stateless: Workspace | None = None
    _sessions_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.monitor is not None:  # the monitor sums the content caches of every workspace of the process
            self.monitor.cache_sources = self.all_workspaces

    def all_workspaces(self) -> list[Workspace]:
        """The process's workspace and every session's (their caches are separate)."""
        with self._sessions_lock:
            sessions = list(self._sessions.values())
        stateless = [self._stateless] if self._stateless is not None else []
        return ([self.workspace] if self.workspace is not None else []) + stateless + sessions

    @property
    def ws(self) -> Workspace:
        """The workspace as the calling session's client sees it.

        Over stdio a process serves one client. Over HTTP several sessions share the process; each session of
        the handshake era gets its own ``Workspace`` (the same directory and state store), so a write is based on
        what *that* client read.
        """
        if self.workspace is None:  # pragma: no cover - the lifespan sets it before any request
            raise RuntimeError("the workspace is not open")
        session = current_session.get()
        if not self.per_session:
            return named(self.workspace)
        if session is None:  # no session (2026-07-28 over HTTP): nobody's reads may stand for this client's
            return named(self._sessionless())
        with self._sessions_lock:
            found = self._sessions.get(session)
            if found is not None:
                self._sessions.move_to_end(session)
                return named(found)
            ws = Workspace(self.root, self.workspace.config)
            self._sessions[session] = ws
            evicted = []
            while len(self._sessions) > MAX_SESSION_WORKSPACES:  # the oldest idle sessions' memory goes
                gone, old_ws = self._sessions.popitem(last=False)
                evicted.append(old_ws)
                if self.monitor is not None:
                    self.monitor.end_session(gone)
        for old in evicted:  # its background writer stops; its connections go when nothing uses them any more
            old.retire()
        return named(ws)

    def _sessionless(self) -> Workspace:
        """The workspace of requests without a session: it remembers no reads, so a write must name its base."""
        with self._sessions_lock:
            if self._stateless is None:
                assert self.workspace is not None
                self._stateless = Workspace(self.root, self.workspace.config, remember_reads=False)
            return self._stateless

    def close_sessions(self) -> None:
        with self._sessions_lock:
            workspaces = list(self._sessions.values())
            if self._stateless is not None:
                workspaces.append(self._stateless)
                self._stateless = None
            self._sessions.clear()
        for ws in workspaces:
            ws.close()

    @property
    def enabled_tools(self) -> frozenset[str]:
        """devreliab.jsonc: mcp.toolsets, the tools this server offers."""
        workspace = self.workspace
        return enabled_tools(workspace.config.raw["mcp"]["toolsets"] if workspace is not None else list(TOOLSETS))

    @property
    def answers(self) -> str:
        """devreliab.jsonc: mcp.answers, which channels of an answer are complete (see ``_answers``)."""
        workspace = self.workspace
        return str(workspace.config.raw["mcp"]["answers"]) if workspace is not None else "auto"

    @property
    def guidance_on_write(self) -> bool:
        # devreliab.jsonc: mcp.guidance_on_write (default true)
        return self.ws.config.guidance_on_write

    def report(self, call: ToolCall) -> None:
        hooks: list[ToolCallHook] = [self.stats, *self.hooks]
        for hook in hooks:
            try:
                hook(call)
            except Exception:  # a hook's bug must not fail the call it measures
                log.exception("tool-call hook failed")


def _error_text(result: HandlerResult) -> str | None:
    """The first text of an isError tool result (a model or the dict the runner made of it); None if not one."""
    data = result.model_dump(by_alias=True) if isinstance(result, BaseModel) else result
    if not isinstance(data, dict) or not data.get("isError"):
        return None
    content = data.get("content") or [{}]
    text = content[0].get("text") if isinstance(content[0], dict) else None
    return text if isinstance(text, str) else ""


def _session_key(ctx: ServerRequestContext[Any, Any]) -> str | None:
    """The HTTP session a request belongs to (its Mcp-Session-Id); None over stdio, and for 2026-07-28
    requests, which stand alone and share the process's client memory."""
    if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
        return None
    headers = getattr(ctx.request, "headers", None)
    key = headers.get("mcp-session-id") if headers is not None else None
    return key if isinstance(key, str) and key else None


def _outcome(tool: str, text: str | None) -> tuple[bool, Outcome]:
    """Whether the server has the tool (the SDK answers "Unknown tool" otherwise), and the call's outcome."""
    if text is None:
        return True, "ok"
    return not text.startswith("Unknown tool") and tool != "<invalid>", "crash" if _crashed(text) else "error"


def _crashed(text: str) -> bool:
    # The SDK hides an unexpected exception's text: "Error executing tool NAME" and nothing after it.
    return text.startswith("Error executing tool ") and ":" not in text


async def _refusal(state: ServerState, ctx: ServerRequestContext[Any, Any], tool: str) -> str | None:
    """Why the call may not run: its toolset is switched off, or it leaves the client's roots."""
    refusal = switched_off(tool, state.enabled_tools)
    if refusal is None and state.guard is not None:
        refusal = await state.guard(ctx, tool)
    return refusal


def _tidied(result: HandlerResult) -> tuple[HandlerResult, str | None]:
    """The result, with pydantic's argument errors said in a model's words; and its error text, if any."""
    text = _error_text(result)
    if text is None or " validation error" not in text:
        return result, text
    text = tidy_validation(text)
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True), text


def _with_notices(state: ServerState, result: HandlerResult) -> HandlerResult:
    """The result with the one-line notices for this client (e.g. its work was overwritten outside)."""
    if state.workspace is None:
        return result
    from ._tools import add_notices  # (a cycle at import time: _tools imports this module)

    try:
        noticed: HandlerResult = add_notices(state.ws, result)
    except Exception:  # a notice is extra: it must never fail the answer
        log.exception("could not add the notices to an answer")
        return result
    return noticed


def tool_call_middleware(state: ServerState) -> ServerMiddleware[Any]:
    """A server middleware that times every ``tools/call`` and reports it to the state's hooks."""

    async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method != "tools/call" or ctx.request_id is None:
            return await call_next(ctx)
        name = ctx.params.get("name") if isinstance(ctx.params, dict) else None
        tool = name if isinstance(name, str) else "<invalid>"
        current_session.set(_session_key(ctx))  # the tool's worker thread runs in a copy of this context
        current_client.set(client_label_of(ctx.session, state.pid))
        facts = call_facts(ctx, _session_key(ctx))
        current_channels.set(channels_for(facts["client"], state.answers))
        started = time.perf_counter()
        refusal = await _refusal(state, ctx, tool)
        if refusal is not None:
            state.report(ToolCall(tool, time.perf_counter() - started, "error", True, **facts))
            return CallToolResult(content=[TextContent(type="text", text=f"Error executing tool {tool}: {refusal}")],
                                  is_error=True)
        try:
            result = await call_next(ctx)
        except BaseException:
            state.report(ToolCall(tool, time.perf_counter() - started, "protocol_error", True, **facts))
            raise
        seconds = time.perf_counter() - started
        result, text = _tidied(result)
        result = _with_notices(state, result)
        known, outcome = _outcome(tool, text)
        state.report(ToolCall(tool, seconds, outcome, outcome != "ok", **facts, known=known))
        return result

    return middleware
