"""``devreliab history PATH`` and ``devreliab restore PATH VERSION``: a file's local history on the command line."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .._errors import DevreliabError
from ._common import EXIT_OK, positive_int, root_option

if TYPE_CHECKING:
    from ..vfs import HistoryEntry, Workspace
    from ._common import Subparsers

_ROOT_HELP = "workspace root (default: nearest dir with devreliab.jsonc or .git above PATH)"


def add(sub: Subparsers) -> None:
    history = sub.add_parser(
        "history", help="the versions of a file, newest first (devreliab's writes and outside changes)",
        description="The versions of PATH the workspace kept, newest first: when, who (a client, or 'outside' for a "
        "change no devreliab client made, recorded by the local history), how, and the version. Any of them can be "
        "brought back with 'devreliab restore PATH VERSION'.")
    history.add_argument("path", metavar="PATH")
    history.add_argument("--root", metavar="DIR", help=_ROOT_HELP)
    history.add_argument("--limit", "-n", type=positive_int, default=20, help="versions to show (default: 20)")
    history.add_argument("--format", "-f", choices=("text", "json"), default="text",
                         help="output format (default: text)")
    history.set_defaults(handler=run_history)
    restore = sub.add_parser(
        "restore", help="write back a kept version of a file",
        description="Write back VERSION of PATH (from 'devreliab history'; a unique prefix of its hex digits is "
        "enough) byte for byte. It is a versioned write: journalled, and itself in the history, so it can be undone.")
    restore.add_argument("path", metavar="PATH")
    restore.add_argument("version", metavar="VERSION")
    restore.add_argument("--root", metavar="DIR", help=_ROOT_HELP)
    restore.set_defaults(handler=run_restore)


def _open(path: str, root_arg: str | None) -> tuple[Workspace, str]:
    from ..vfs import Workspace

    given = Path(path)
    root = root_option(root_arg, anchor=given if given.is_absolute() else Path.cwd() / given)
    full = (given if given.is_absolute() else Path.cwd() / given).absolute()
    try:
        rel = os.path.relpath(full, root)
    except ValueError:
        rel = path
    return Workspace(root, client_id=f"devreliab-cli (pid {os.getpid()})"), rel


def _line(v: HistoryEntry) -> str:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(v.time))
    return f"{when}  {v.version.removeprefix('sha256:')[:12]}  {v.action:<10}  {v.client}"


def run_history(args: argparse.Namespace) -> int:
    ws, rel = _open(args.path, args.root)
    with ws:
        found = ws.file_history(rel, limit=args.limit)
    if args.format == "json":
        print(json.dumps(found.to_dict(), indent=2))
    elif not found.versions:
        print(f"{found.path}: no versions kept yet")
    else:
        print("\n".join(_line(v) for v in found.versions))
    return EXIT_OK


def _full_version(ws: Workspace, rel: str, given: str) -> str:
    if len(given) == 71 and given.startswith("sha256:"):
        return given
    digits = given.removeprefix("sha256:").lower()
    known = {v.version for v in ws.file_history(rel, limit=10_000).versions}
    known |= {v.before for v in ws.file_history(rel, limit=10_000).versions if v.before}
    matches = sorted(v for v in known if v.removeprefix("sha256:").startswith(digits)) if digits else []
    if len(matches) != 1:
        what = "no version" if not matches else f"{len(matches)} versions"
        raise DevreliabError(f"{rel}: {what} of its history start with {given!r}; "
                             "'devreliab history PATH' lists them")
    return matches[0]


def run_restore(args: argparse.Namespace) -> int:
    ws, rel = _open(args.path, args.root)
    with ws:
        version = _full_version(ws, rel, args.version)
        result = ws.restore_version(rel, version)
    print(f"{rel}: restored {version.removeprefix('sha256:')[:12]} ({result.status}; now {result.version})")
    return EXIT_OK
