"""``devreliab restore PATH VERSION``: write back a version of a file the workspace kept, byte for byte.

VERSION is a version from ``devreliab history`` (``sha256:`` and 64 hex digits), or a unique prefix of its hex
digits. The restore is a versioned write like any other: journalled, so it is in the history and can be undone.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .._errors import DevreliabError
from ._common import EXIT_OK
from ._history import ROOT_HELP, open_workspace

if TYPE_CHECKING:
    from ..vfs import Workspace
    from ._common import Subparsers

FULL_LENGTH = len("sha256:") + 64


def add(sub: Subparsers) -> None:
    restore = sub.add_parser(
        "restore", help="write back a kept version of a file",
        description="Write back VERSION of PATH (from 'devreliab history'; a unique prefix of its hex digits is "
        "enough) byte for byte. It is a versioned write: journalled, and itself in the history, so it can be undone.")
    restore.add_argument("path", metavar="PATH")
    restore.add_argument("version", metavar="VERSION")
    restore.add_argument("--root", metavar="DIR", help=ROOT_HELP)
    restore.set_defaults(handler=run)


def _known(ws: Workspace, rel: str) -> set[str]:
    """Every version the history of ``rel`` names (written, and replaced)."""
    versions = ws.file_history(rel, limit=10_000).versions
    return {v.version for v in versions} | {v.before for v in versions if v.before}


def full_version(ws: Workspace, rel: str, given: str) -> str:
    """``given`` as a whole version: itself when it is one, else the one version of the history it starts."""
    if len(given) == FULL_LENGTH and given.startswith("sha256:"):
        return given
    digits = given.removeprefix("sha256:").lower()
    matches = sorted(v for v in _known(ws, rel) if digits and v.removeprefix("sha256:").startswith(digits))
    if len(matches) != 1:
        what = f"{len(matches)} versions" if matches else "no version"
        raise DevreliabError(f"{rel}: {what} of its history start with {given!r}; "
                             "'devreliab history PATH' lists them")
    return matches[0]


def run(args: argparse.Namespace) -> int:
    ws, rel = open_workspace(args.path, args.root)
    with ws:
        version = full_version(ws, rel, args.version)
        result = ws.restore_version(rel, version)
    print(f"{rel}: restored {version.removeprefix('sha256:')[:12]} ({result.status}; now {result.version})")
    return EXIT_OK
