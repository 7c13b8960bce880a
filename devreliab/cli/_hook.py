"""``devreliab hook AGENT``: the command an agent runs as its hook (one event on stdin, the answer on stdout)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..hooks import AGENTS

if TYPE_CHECKING:
    from ._common import Subparsers


def add(sub: Subparsers) -> None:
    hook = sub.add_parser(
        "hook",
        help="the hook an agent runs around its own Read/Edit/Write tools (devreliab setup installs it)",
        description="Read one hook event of AGENT as JSON on stdin and answer on stdout in that agent's shape: "
        "reads set the session's base versions, writes of a file changed meanwhile are merged or stored as "
        "conflicts, every write is journalled. Paths outside the workspace are left alone. See docs/agents.md.",
    )
    hook.add_argument("agent", choices=AGENTS, metavar="AGENT", help=f"one of: {', '.join(AGENTS)}")
    hook.add_argument("--root", metavar="DIR", help="workspace root (default: the nearest dir with "
                      "devreliab.jsonc or .git above the event's working directory)")
    hook.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..hooks._run import run_hook

    root = Path(args.root).resolve() if args.root else None
    reply = run_hook(args.agent, sys.stdin.buffer.read(), root if root is None or root.is_dir() else None)
    sys.stdout.write(reply.stdout)
    sys.stdout.flush()
    if reply.stderr:
        sys.stderr.write(reply.stderr)
    return reply.exit_code
