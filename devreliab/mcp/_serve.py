"""Running the server: stdio (what MCP clients start) or streamable HTTP at /mcp; and the dashboard.

stdio ends cleanly when stdin closes or on SIGTERM/SIGINT: the lifespan closes the workspace and the process
exits 0. HTTP binds to 127.0.0.1 unless told otherwise; any other address needs ``allow_remote`` and a bearer
token, and the Host and Origin headers are checked against the bound address (DNS-rebinding protection).
The HTTP server also serves ``/metrics`` (Prometheus) and ``/dashboard`` (the live dashboard);
``serve_dashboard`` serves the dashboard alone (``devreliab dashboard``), with the same checks.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import os
import signal
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send

from devreliab import DevreliabError
from devreliab.monitor import PerformanceMonitor

from ._lane import ReadLane
from ._lane import enabled as lane_enabled
from ._protocol import SSE_RETRY_MS, BoundedEventStore
from ._server import build_server, create_server
from ._stdio import run_stdio
from ._wirebytes import WireBytes

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
TOKEN_ENV = "DEVRELIAB_TOKEN"


@dataclass(frozen=True)
class HttpAddress:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> HttpAddress:
        """``PORT``, ``HOST:PORT`` or ``[IPv6]:PORT``; the host defaults to 127.0.0.1."""
        host, sep, port_text = text.rpartition(":")
        if not sep:
            host, port_text = "127.0.0.1", text
        host = host.strip("[]") or "127.0.0.1"
        try:
            port = int(port_text)
        except ValueError:
            raise DevreliabError(f"--http {text}: expected [HOST:]PORT, e.g. 8765 or 127.0.0.1:8765") from None
        if not 0 <= port <= 65535:
            raise DevreliabError(f"--http {text}: port must be 0..65535")
        return cls(host, port)

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def serve_stdio(root: str) -> int:
    """Serve over stdin/stdout until stdin closes or SIGTERM/SIGINT; 0 on a clean shutdown."""
    built = build_server(root)
    monitor = built.state.monitor
    sizes = monitor.record_sizes if monitor is not None and monitor.settings.measure_bytes else None

    async def main() -> None:
        async with anyio.create_task_group() as tg:

            async def stop_on_signal() -> None:
                with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
                    async for _ in signals:
                        tg.cancel_scope.cancel()
                        return

            tg.start_soon(stop_on_signal)
            lane = ReadLane(built.server, built.state, built.roots) if lane_enabled() else None
            await run_stdio(built.server, lane, sizes)
            tg.cancel_scope.cancel()

    anyio.run(main)
    return 0


class BearerToken:
    """ASGI middleware: every HTTP request must carry ``Authorization: Bearer <token>``."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self._expected):
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"text/plain"), (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body",
                            "body": b"devreliab: missing or wrong bearer token (Authorization: Bearer ...)"})
                return
        await self.app(scope, receive, send)


def security_settings(address: HttpAddress) -> TransportSecuritySettings:
    """Host and Origin must name the address the server is bound to (or loopback)."""
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    if not address.loopback:
        shown = f"[{address.host}]" if ":" in address.host else address.host
        hosts.append(f"{shown}:*")
        origins += [f"http://{shown}:*", f"https://{shown}:*"]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts,
                                     allowed_origins=origins)


class MetricsRoute:
    """ASGI middleware: ``GET /metrics`` answers the monitor's Prometheus text exposition; the rest goes on.

    The Host header must name the bound address or loopback, as for /mcp (DNS-rebinding protection)."""

    def __init__(self, app: ASGIApp, monitor: PerformanceMonitor, address: HttpAddress) -> None:
        self.app = app
        self.monitor = monitor
        self._hosts = {*LOOPBACK_NAMES, "[::1]", address.host, f"[{address.host}]"}

    def _host_ok(self, scope: Scope) -> bool:
        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name in self._hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != "/metrics":
            await self.app(scope, receive, send)
            return
        from devreliab.monitor import exposition
        from devreliab.monitor._prometheus import CONTENT_TYPE

        if not self._host_ok(scope):
            status, ctype, body = 421, b"text/plain", b"devreliab: this Host is not served here"
        elif scope.get("method") not in ("GET", "HEAD"):
            status, ctype, body = 405, b"text/plain", b"devreliab: /metrics answers GET only"
        else:
            status, ctype = 200, CONTENT_TYPE.encode()
            try:
                body = (await anyio.to_thread.run_sync(exposition, self.monitor)).encode()
            except Exception as exc:  # the monitor must never take the server down
                status, ctype, body = 500, b"text/plain", f"devreliab: metrics unavailable: {exc}".encode()
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", ctype)]})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})


def http_app(root: str, address: HttpAddress, token: str | None) -> Any:
    from devreliab.monitor._dashboard import DashboardSource
    from devreliab.monitor._web import DashboardRoute

    monitor = PerformanceMonitor(root)
    server = create_server(root, per_session=True, monitor=monitor)
    app: ASGIApp = server.streamable_http_app(streamable_http_path="/mcp", host=address.host,
                                              event_store=BoundedEventStore(), retry_interval=SSE_RETRY_MS,
                                              transport_security=security_settings(address))
    if monitor.settings.measure_bytes:
        app = WireBytes(app, monitor.record_sizes)
    app = MetricsRoute(app, monitor, address)
    app = BearerToken(app, token) if token else app
    # the dashboard reads the store through the server's own workspace (never a second StateStore)
    return DashboardRoute(app, DashboardSource(root, store=monitor.store), address.host, token)


def _check_exposure(address: HttpAddress, allow_remote: bool, token: str | None, option: str) -> None:
    if not address.loopback:
        if not allow_remote:
            raise DevreliabError(f"{option} {address.host}:{address.port} is not a loopback address; binding "
                                 "there exposes the workspace to the network: add --allow-remote (and a token)")
        if not token:
            raise DevreliabError(f"binding to {address.host} needs a bearer token: --token or ${TOKEN_ENV}")


def _uvicorn_server(app: Any, address: HttpAddress) -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn re-raises SIGTERM after its graceful shutdown (exit -15); devreliab exits 0 instead."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            def stop(signum: int, frame: object) -> None:
                self.should_exit = True

            originals = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in originals.items():
                    signal.signal(sig, handler)

    config = uvicorn.Config(app, host=address.host, port=address.port, log_level="warning", lifespan="on",
                            ws_ping_interval=20.0, ws_ping_timeout=20.0)
    return Server(config)


def serve_http(root: str, address: HttpAddress, *, allow_remote: bool = False, token: str | None = None) -> int:
    """Serve streamable HTTP at http://HOST:PORT/mcp (and /metrics, /dashboard) until SIGTERM/SIGINT."""
    token = token or os.environ.get(TOKEN_ENV) or None
    _check_exposure(address, allow_remote, token, "--http")
    _uvicorn_server(http_app(root, address, token), address).run()
    return 0


def websocket_library() -> str | None:
    """The WebSocket implementation uvicorn will use, or None (the page then polls)."""
    import importlib.util

    for name in ("websockets", "wsproto"):
        if importlib.util.find_spec(name) is not None:
            return name
    return None


def serve_dashboard(root: str, address: HttpAddress, *, allow_remote: bool = False, token: str | None = None) -> int:
    """Serve the live dashboard of the workspace at http://HOST:PORT/dashboard until SIGTERM/SIGINT.

    The socket is bound and listening before the server starts, so port 0 picks a free port and the URL
    printed on stdout answers as soon as it is printed.
    """
    from devreliab.monitor._dashboard import DashboardSource
    from devreliab.monitor._web import app_for

    token = token or os.environ.get(TOKEN_ENV) or None
    _check_exposure(address, allow_remote, token, "--host")
    family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address.host, address.port))
        sock.listen(128)  # before the URL is printed: a browser opened at once queues instead of being refused
    except OSError as exc:
        sock.close()
        raise DevreliabError(f"cannot listen on {address.host}:{address.port}: {exc.strerror or exc}") from None
    port = sock.getsockname()[1]
    source = DashboardSource(root)
    shown = f"[{address.host}]" if ":" in address.host else address.host
    print(f"devreliab dashboard: http://{shown}:{port}/dashboard" + (" (add ?token=...)" if token else ""),
          flush=True)
    if websocket_library() is None:
        print("devreliab: no WebSocket library (websockets or wsproto) is installed: the page polls "
              "/dashboard/snapshot.json instead (pip install websockets)", file=sys.stderr, flush=True)
    try:
        _uvicorn_server(app_for(source, address.host, token), address).run(sockets=[sock])
    finally:
        source.close()
        sock.close()
    return 0
