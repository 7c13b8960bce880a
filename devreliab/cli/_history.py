"""``devreliab history PATH``: a file's local history on the command line — the versions the workspace kept,
newest first, whoever wrote them (a client, or ``outside`` for a change the local history recorded)."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ._common import EXIT_OK, positive_int, root_option

if TYPE_CHECKING:
    from ..vfs import HistoryEntry, Workspace
    from ._common import Subparsers

ROOT_HELP = "workspace root (default: nearest dir with devreliab.jsonc or .git above PATH)"


def add(sub: Subparsers) -> None:
    history = sub.add_parser(
        "history", help="the versions of a file, newest first (devreliab's writes and outside changes)",
        description="The versions of PATH the workspace kept, newest first: when, who (a client, or 'outside' for a "
        "change no devreliab client made, recorded by the local history), how, and the version. Any of them can be "
        "brought back with 'devreliab restore PATH VERSION'.")
    history.add_argument("path", metavar="PATH")
    history.add_argument("--root", metavar="DIR", help=ROOT_HELP)
    history.add_argument("--limit", "-n", type=positive_int, default=20, help="versions to show (default: 20)")
    history.add_argument("--format", "-f", choices=("text", "json"), default="text",
                         help="output format (default: text)")
    history.set_defaults(handler=run)


def open_workspace(path: str, root_arg: str | None) -> tuple[Workspace, str]:
    """The workspace PATH belongs to (``--root``, else found above PATH) and PATH relative to its root. The
    command line is a client of its own, named ``devreliab-cli (pid N)`` in the journal."""
    from ..vfs import Workspace

    given = Path(path)
    full = (given if given.is_absolute() else Path.cwd() / given).absolute()
    root = root_option(root_arg, anchor=full)
    return Workspace(root, client_id=f"devreliab-cli (pid {os.getpid()})"), os.path.relpath(full, root)


def _line(v: HistoryEntry) -> str:
    """One version: local time, 12 hex digits of the version, the action and who."""
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(v.time))
    return f"{when}  {v.version.removeprefix('sha256:')[:12]}  {v.action:<10}  {v.client}"


def run(args: argparse.Namespace) -> int:
    ws, rel = open_workspace(args.path, args.root)
    with ws:
        found = ws.file_history(rel, limit=args.limit)
    if args.format == "json":
        print(json.dumps(found.to_dict(), indent=2))
    elif not found.versions:
        print(f"{found.path}: no versions kept yet")
    else:
        print("\n".join(_line(v) for v in found.versions))
    return EXIT_OK
