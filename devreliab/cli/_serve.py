"""``devreliab serve``: the MCP server (stdio, or streamable HTTP)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .._errors import DevreliabError
from ._common import root_option

if TYPE_CHECKING:
    from ._common import Subparsers


def add(sub: Subparsers) -> None:
    serve = sub.add_parser(
        "serve",
        help="the MCP server for AI agents (stdio, or streamable HTTP with --http)",
        description="Serve the workspace to MCP clients: over stdin/stdout by default (what Claude Code, VS Code "
        "and Cursor start), or over streamable HTTP at http://HOST:PORT/mcp with --http.",
    )
    serve.add_argument("--root", metavar="DIR", help="workspace root (default: nearest dir with devreliab.jsonc "
                       "or .git, else the current directory)")
    serve.add_argument("--http", metavar="[HOST:]PORT", help="serve streamable HTTP at /mcp instead of stdio "
                       "(HOST defaults to 127.0.0.1)")
    serve.add_argument("--allow-remote", action="store_true", help="allow --http on a non-loopback address "
                       "(needs a token)")
    serve.add_argument("--token", metavar="TOKEN", help="bearer token HTTP clients must send (default: "
                       "$DEVRELIAB_TOKEN)")
    serve.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    root = root_option(args.root)
    from devreliab.mcp._serve import HttpAddress, serve_http, serve_stdio  # lazy: other commands start fast

    if args.http:
        return serve_http(str(root), HttpAddress.parse(args.http), allow_remote=args.allow_remote,
                          token=args.token)
    if args.allow_remote or args.token:
        raise DevreliabError("--allow-remote and --token only apply with --http")
    return serve_stdio(str(root))
