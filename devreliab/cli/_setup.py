"""``devreliab setup AGENT``: write an agent's MCP server entry and hooks for this workspace (docs/agents.md)."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from .._errors import DevreliabError
from ..hooks import AGENTS
from ._common import EXIT_GATE_FAILED, EXIT_OK, root_option

if TYPE_CHECKING:
    from pathlib import Path

    from ..hooks._setup import Change
    from ._common import Subparsers


def add(sub: Subparsers) -> None:
    setup = sub.add_parser(
        "setup",
        help="configure an agent (MCP server + hooks) to work through devreliab in this workspace",
        description="Write AGENT's MCP server entry and hook configuration for the workspace, merged into the "
        "files that are there (other settings untouched; a second run changes nothing). --all: every agent whose "
        "config directory is in the workspace or whose command is on PATH.",
    )
    setup.add_argument("agent", nargs="?", choices=AGENTS, metavar="AGENT", help=f"one of: {', '.join(AGENTS)}")
    setup.add_argument("--all", action="store_true", help="every agent found (config dir present or CLI on PATH)")
    setup.add_argument("--root", metavar="DIR", help="workspace root (default: nearest dir with devreliab.jsonc "
                       "or .git, else the current directory)")
    setup.add_argument("--dry-run", action="store_true", help="print the changes as a diff, write nothing")
    setup.add_argument("--check", action="store_true", help="write nothing; exit 1 when something is missing")
    setup.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..hooks._setup import detected, plan

    if bool(args.agent) == bool(args.all):
        raise DevreliabError("name one AGENT or give --all")
    root = root_option(args.root)
    agents = [args.agent] if args.agent else detected(root)
    if not agents:
        print(f"no agent found for {root} (no .claude, .codex, .gemini, .github/hooks, .vscode or .cursor there, "
              "and none of their commands on PATH); name one: devreliab setup AGENT")
        return EXIT_OK
    missing = sum(_handle(change, agent, args, root) for agent in agents for change in plan(agent, root))
    return EXIT_GATE_FAILED if args.check and missing else EXIT_OK


def _handle(change: Change, agent: str, args: argparse.Namespace, root: Path) -> bool:
    """Show, check or write one file; whether it needed a change."""
    from ..hooks._setup import apply

    rel = os.path.relpath(change.path, root)
    if not change.changed:
        print(f"{agent}: {rel} is up to date")
        return False
    if args.dry_run:
        print(change.diff(root), end="")
    elif args.check:
        print(f"{agent}: {rel} is missing devreliab's entries (devreliab setup {agent} adds them)")
    else:
        apply(change)
        print(f"{agent}: wrote {rel}")
    return True
