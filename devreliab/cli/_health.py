"""``devreliab health``: is devreliab healthy on this workspace, and why not."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ._common import EXIT_GATE_FAILED, EXIT_OK, root_option

if TYPE_CHECKING:
    from ._common import Subparsers


def add(sub: Subparsers) -> None:
    health = sub.add_parser(
        "health",
        help="is devreliab healthy on this workspace, and why not",
        description="The health of every devreliab server on the workspace, from the samples they write into its "
        "state store: ok / degraded / failing, reasons with a recommended action each, what is unusual now and "
        "forecasts. Exit code 0: ok, or unknown (no server has sampled: nothing to judge), 1: degraded or "
        "failing, 2: usage error.",
    )
    health.add_argument("--root", metavar="DIR", help="workspace root (default: nearest dir with devreliab.jsonc "
                        "or .git, else the current directory)")
    health.add_argument("--format", "-f", choices=("text", "json"), default="text",
                        help="output format (default: text)")
    health.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    root = root_option(args.root)
    from ..monitor import workspace_health
    from ..monitor._render import render_json, render_text  # lazy: other commands start fast

    health = workspace_health(root)
    print(render_json(health) if args.format == "json" else render_text(health), end="")
    return EXIT_OK if health.status in ("ok", "unknown") else EXIT_GATE_FAILED  # unknown: no samples, exit 0
