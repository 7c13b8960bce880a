"""``devreliab dashboard``: the live dashboard of the workspace's servers."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ._common import port, root_option

DASHBOARD_PORT = 8766

if TYPE_CHECKING:
    from ._common import Subparsers


def add(sub: Subparsers) -> None:
    dashboard = sub.add_parser(
        "dashboard",
        help="the live dashboard of the workspace's servers in a browser",
        description="Serve a live dashboard at http://HOST:PORT/dashboard: health with reasons and actions, "
        "latency percentiles per tool, throughput and errors, bytes in and out, the content cache, memory, "
        "anomalies, forecasts, open conflicts and the quality & security summary of every devreliab server on "
        "the workspace (from its state store), pushed to the page over a WebSocket. Runs until Ctrl-C.",
    )
    dashboard.add_argument("--root", metavar="DIR", help="workspace root (default: nearest dir with "
                           "devreliab.jsonc or .git, else the current directory)")
    dashboard.add_argument("--host", default="127.0.0.1", metavar="HOST",
                           help="address to listen on (default: 127.0.0.1, this machine only)")
    dashboard.add_argument("--port", type=port, default=DASHBOARD_PORT, metavar="N",
                           help=f"port to listen on (default: {DASHBOARD_PORT}; 0: any free port)")
    dashboard.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host (needs a "
                           "token)")
    dashboard.add_argument("--token", metavar="TOKEN", help="token the page must be opened with (?token=...; "
                           "default: $DEVRELIAB_TOKEN)")
    dashboard.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    root = root_option(args.root)
    from devreliab.mcp._serve import HttpAddress, serve_dashboard  # lazy: other commands start fast

    host = args.host.strip("[]")
    return serve_dashboard(str(root), HttpAddress(host, args.port), allow_remote=args.allow_remote,
                           token=args.token)
