"""The dashboard over HTTP: an ASGI middleware serving ``/dashboard`` (the page and its assets),
``/dashboard/snapshot.json`` and the WebSocket ``/dashboard/ws`` that pushes a snapshot every refresh.

Mounted by ``devreliab dashboard`` and by ``devreliab serve --http`` (beside ``/mcp`` and ``/metrics``). Requests
are checked as ``/mcp``'s are: the Host header must name the bound address or loopback (else 421), an Origin, when
sent, must be one of those too (else 403; this is what stops another web site's page from opening the
WebSocket), and with a bearer token every request for data needs it, as ``Authorization: Bearer`` or, since a
browser cannot set that header on a page or a WebSocket, as ``?token=`` (the page passes its own on). The page
and its scripts hold no data and are served without it.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
from collections.abc import Iterable
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._dashboard import DashboardSource

log = logging.getLogger("devreliab.monitor")

PREFIX = "/dashboard"
ASSETS = {"dashboard.js": "text/javascript; charset=utf-8", "dashboard.css": "text/css; charset=utf-8"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def asset(name: str) -> bytes:
    """A file of the page, shipped inside the package (``static/``)."""
    return resources.files(__package__).joinpath("static", name).read_bytes()


def _host_name(value: str) -> str:
    return value if value.endswith("]") else value.rsplit(":", 1)[0]


class DashboardRoute:
    """ASGI middleware: ``/dashboard…`` is answered here, everything else goes on to ``app``."""

    def __init__(self, app: ASGIApp, source: DashboardSource, host: str, token: str | None = None) -> None:
        self.app = app
        self.source = source
        self._hosts = {*_LOOPBACK, host, f"[{host}]"}
        self._token = token

    # -- checks ---------------------------------------------------------------------------------------------
    def _refusal(self, scope: Scope, *, data: bool) -> tuple[int, str] | None:
        """(status, why) when the request is refused. ``data``: it asks for the workspace's data (the snapshot,
        the WebSocket), which needs the token; the page and its scripts hold none."""
        headers = dict(scope.get("headers") or [])
        if _host_name(headers.get(b"host", b"").decode("latin-1")) not in self._hosts:
            return 421, "devreliab: this Host is not served here"
        origin = headers.get(b"origin")
        if origin is not None:
            parts = urlsplit(origin.decode("latin-1"))
            if parts.scheme not in ("http", "https") or _host_name(parts.netloc) not in self._hosts:
                return 403, "devreliab: cross-origin requests to the dashboard are refused"
        if self._token is not None and data:
            given = headers.get(b"authorization", b"")
            query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
            if not (hmac.compare_digest(given, f"Bearer {self._token}".encode())
                    or hmac.compare_digest(query.encode(), self._token.encode())):
                return 401, "devreliab: missing or wrong token (open the dashboard with ?token=...)"
        return None

    # -- ASGI ----------------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._closing_on_shutdown(receive), send)
            return
        path = scope.get("path", "")
        if scope["type"] not in ("http", "websocket") or not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        name = path[len(PREFIX):].lstrip("/")
        refusal = self._refusal(scope, data=scope["type"] == "websocket" or name == "snapshot.json")
        if scope["type"] == "websocket":
            if refusal is not None:
                await send({"type": "websocket.close", "code": 1008, "reason": refusal[1][:120]})
                return
            if path == PREFIX + "/ws":
                await self._push(scope, receive, send)
            else:
                await send({"type": "websocket.close", "code": 1008})
            return
        if refusal is not None:
            await _respond(send, refusal[0], refusal[1].encode(), "text/plain; charset=utf-8")
            return
        await self._http(scope, send, path)

    def _closing_on_shutdown(self, receive: Receive) -> Receive:
        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await anyio.to_thread.run_sync(self.source.close)
            return message
        return wrapped

    async def _http(self, scope: Scope, send: Send, path: str) -> None:
        method = scope.get("method")
        if method not in ("GET", "HEAD"):
            await _respond(send, 405, b"devreliab: the dashboard answers GET only", "text/plain; charset=utf-8",
                           head=False)
            return
        head = method == "HEAD"
        name = path[len(PREFIX):].lstrip("/")
        if name in ("", "index.html"):
            await _respond(send, 200, asset("dashboard.html"), "text/html; charset=utf-8", head=head,
                           extra=[(b"content-security-policy", CSP.encode())])
        elif name in ASSETS:
            await _respond(send, 200, asset(name), ASSETS[name], head=head)
        elif name == "snapshot.json":
            body = await anyio.to_thread.run_sync(self._snapshot_json)
            await _respond(send, 200, body.encode(), "application/json", head=head)
        else:
            await _respond(send, 404, b"devreliab: no such page", "text/plain; charset=utf-8", head=head)

    def _snapshot_json(self) -> str:
        try:
            return json.dumps(self.source.snapshot(), separators=(",", ":"), allow_nan=False, default=str)
        except Exception as exc:  # a bug in building the snapshot: the page says so and keeps trying
            log.exception("dashboard: cannot build the snapshot")
            return json.dumps({"version": 1, "error": f"the dashboard cannot build its snapshot: "
                               f"{type(exc).__name__}: {exc} (the server's log has the traceback)"})

    async def _push(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Accept the WebSocket and send a snapshot every refresh until the page goes away."""
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        with contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            async with anyio.create_task_group() as tg:

                async def until_closed() -> None:
                    while (await receive())["type"] != "websocket.disconnect":
                        pass  # the page sends nothing that matters
                    tg.cancel_scope.cancel()

                tg.start_soon(until_closed)
                while True:
                    text = await anyio.to_thread.run_sync(self._snapshot_json)
                    await send({"type": "websocket.send", "text": text})
                    await anyio.sleep(self.source.refresh_s)


async def _respond(send: Send, status: int, body: bytes, content_type: str, *, head: bool = False,
                   extra: Iterable[tuple[bytes, bytes]] = ()) -> None:
    headers = [(b"content-type", content_type.encode()), (b"cache-control", b"no-store"),
               (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
               (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
    """The app behind ``devreliab dashboard``: ``/`` leads to the page, the lifespan is acknowledged."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "http":
        if scope.get("path") == "/":
            query = scope.get("query_string", b"")
            location = PREFIX + ("?" + query.decode("latin-1") if query else "")
            await send({"type": "http.response.start", "status": 307, "headers": [(b"location", location.encode())]})
            await send({"type": "http.response.body", "body": b""})
            return
        await _respond(send, 404, b"devreliab dashboard: the page is at /dashboard", "text/plain; charset=utf-8")
    elif scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})


def app_for(source: DashboardSource, host: str, token: str | None = None, inner: Any = None) -> DashboardRoute:
    return DashboardRoute(inner if inner is not None else not_found, source, host, token)
