"""The read lane: ``read_file`` over stdio answered without the SDK's per-request machinery.

Reading is what agents do most, and the SDK's path costs about 0.8 ms of Python per request before a tool runs
(a task per request, five memory-stream hand-overs, three middleware layers, result validation and reshaping);
Node's reference server answers a whole read in about that time. The lane answers a plain, successful
``read_file`` straight from the transport, with exactly the bytes the SDK would send (the same argument model,
the same result, shaped by the SDK's own ``serialize_server_result`` for the negotiated protocol version);
``tests/mcp/test_lane.py`` holds the two paths to byte equality.

Anything out of the ordinary goes the SDK's way, so behaviour there is the SDK's: before the handshake is
complete, a 2026-07-28 session, a request with ``_meta`` (progress tokens, trace context), OpenTelemetry
tracing configured, MCP roots not fetched yet or refusing the path, arguments that fail validation, and every
refusal (a missing, binary or outside file: its error text is the SDK's). The tool-call hook (the performance
monitor) sees lane calls like any other. ``DEVRELIAB_READ_LANE=0`` in the server's environment turns the lane
off.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp_types import JSONRPCNotification, JSONRPCRequest, JSONRPCResponse
from mcp_types.methods import serialize_server_result
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from opentelemetry import trace
from pydantic import ValidationError

from devreliab import DevreliabError

from ._answers import channels_for
from ._roots import Roots
from ._state import ServerState, ToolCall
from ._tools import add_notices, read_answer

TOOL = "read_file"
SWITCH = "DEVRELIAB_READ_LANE"  # "0": every request takes the SDK's path (to rule the lane out when debugging)
log = logging.getLogger("devreliab.mcp")


def enabled() -> bool:
    return os.environ.get(SWITCH, "1") != "0"


def _tracing_configured() -> bool:
    """True when an OpenTelemetry tracer provider is set: the SDK's spans must then see every request."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def _client_name(params: dict[str, Any]) -> str | None:
    """The clientInfo.name of an initialize request's params, if it gave one."""
    info = params.get("clientInfo")
    name = info.get("name") if isinstance(info, dict) else None
    return name if isinstance(name, str) else None


class ReadLane:
    """Watches the stdio session's handshake and answers the ``read_file`` calls it can (see the module)."""

    def __init__(self, server: MCPServer[Any], state: ServerState, roots: Roots) -> None:
        tool = server._tool_manager.get_tool(TOOL)  # no public accessor; the tool's own argument model
        if tool is None:  # pragma: no cover - registered by create_server
            raise RuntimeError(f"{TOOL} is not registered")
        self._validate = tool.fn_metadata.validate_arguments
        self._state = state
        self._roots = roots
        self._init_id: Any = None
        self._version: str | None = None
        self._asks_roots = False
        self._client: str | None = None
        self.ready = False

    # -- the handshake, as it passes by ----------------------------------------------------------------------
    def saw_client(self, message: object) -> None:
        if isinstance(message, JSONRPCRequest) and message.method == "initialize":
            self.ready, self._version, self._init_id = False, None, message.id
            caps = (message.params or {}).get("capabilities")
            self._asks_roots = not isinstance(caps, dict) or caps.get("roots") is not None
            self._client = _client_name(message.params or {})
        elif isinstance(message, JSONRPCNotification) and message.method == "notifications/initialized":
            self.ready = self._version in HANDSHAKE_PROTOCOL_VERSIONS

    def saw_server(self, message: object) -> None:
        if isinstance(message, JSONRPCResponse) and self._init_id is not None and message.id == self._init_id:
            version = message.result.get("protocolVersion") if isinstance(message.result, dict) else None
            self._version = version if isinstance(version, str) else None
            self._init_id = None  # later answers may reuse the id

    # -- the lane ---------------------------------------------------------------------------------------------
    def arguments(self, message: object) -> dict[str, Any] | None:
        """The validated arguments of a ``read_file`` call the lane may answer; None: the SDK answers it."""
        if not self.ready or not isinstance(message, JSONRPCRequest) or message.method != "tools/call":
            return None
        params = message.params
        if not isinstance(params, dict) or params.get("name") != TOOL or set(params) - {"name", "arguments"}:
            return None
        if TOOL not in self._state.enabled_tools:
            return None
        arguments = params.get("arguments", {})
        if not isinstance(arguments, dict) or _tracing_configured():
            return None
        if self._asks_roots:
            known, allowed = self._roots.settled()
            if not known or (allowed is not None and self._roots.refusal(TOOL, arguments, allowed) is not None):
                return None
        try:
            return self._validate(arguments)
        except ValidationError:
            return None

    async def answer(self, message: JSONRPCRequest, arguments: dict[str, Any]) -> str | None:
        """The JSON line answering ``message``; None when the SDK must answer it after all (a refusal)."""
        started = time.perf_counter()
        if self._version is None:  # pragma: no cover - ready implies a version
            return None
        try:
            channels = channels_for(self._client, self._state.answers)
            result = await read_answer(self._state.ws, **arguments, channels=channels)
        except DevreliabError:
            return None
        result = add_notices(self._state.ws, result)
        dumped = serialize_server_result("tools/call", self._version,
                                         result.model_dump(by_alias=True, mode="json", exclude_none=True))
        line = JSONRPCResponse(jsonrpc="2.0", id=message.id, result=dumped).model_dump_json(
            by_alias=True, exclude_unset=True)
        self._state.report(ToolCall(TOOL, time.perf_counter() - started, "ok", False))
        log.debug("read lane answered request %r", message.id)
        return line
