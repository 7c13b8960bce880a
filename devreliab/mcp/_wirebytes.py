"""Bytes of each MCP request and answer over HTTP, counted as they cross the wire (an ASGI middleware).

stdio counts its lines itself (``_stdio``); over streamable HTTP a ``POST /mcp`` carries one JSON-RPC request
and its response body (JSON, or the SSE events up to the answer) carries the answer: both bodies are counted
here and reported with the request's method and tool. Nothing is encoded twice; the request body is parsed
again only to name its method (bodies over ``PARSE_LIMIT`` are counted but reported as ``?``). Notifications,
batches and the GET event stream are not requests with answers and are left out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("devreliab.mcp")

PARSE_LIMIT = 1024 * 1024
Sizes = Callable[[str, "str | None", int, int], None]


def _named(body: bytes) -> tuple[str, str | None] | None:
    """(method, tool) of a JSON-RPC request body; None for a notification, a response or a batch."""
    if len(body) > PARSE_LIMIT:
        return "?", None
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if not isinstance(message, dict) or "id" not in message or not isinstance(message.get("method"), str):
        return None
    method: str = message["method"]
    if method != "tools/call":
        return method, None
    params = message.get("params")
    name = params.get("name") if isinstance(params, dict) else None
    return method, name if isinstance(name, str) else "<invalid>"


class WireBytes:
    def __init__(self, app: ASGIApp, sizes: Sizes, path: str = "/mcp") -> None:
        self.app = app
        self.sizes = sizes
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != self.path or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        received = 0
        sent = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                received += len(body)
                if received <= PARSE_LIMIT:
                    chunks.append(body)
            return message

        async def counting_send(message: Message) -> None:
            nonlocal sent
            if message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counting_receive, counting_send)
        finally:
            named = _named(b"".join(chunks)) if received <= PARSE_LIMIT else ("?", None)
            if named is not None:
                try:
                    self.sizes(named[0], named[1], received, sent)
                except Exception:  # measuring must never cost an answer
                    log.exception("cannot record the size of an HTTP request")
