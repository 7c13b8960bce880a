"""The ``devreliab`` command line, one module per command. Exit codes: 0 success / gate passed, 1 gate failed,
2 usage or config error."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from .._errors import DevreliabError
from . import _analyze, _dashboard, _demo, _health, _history, _hook, _restore, _serve, _setup
from ._common import EXIT_OK, EXIT_USAGE

#: every command's module: ``add(subparsers)`` declares it and sets ``handler``
COMMANDS = (_analyze, _serve, _health, _history, _restore, _dashboard, _demo, _setup, _hook)


def build_parser() -> argparse.ArgumentParser:
    from .._version import __version__

    parser = argparse.ArgumentParser(
        prog="devreliab",
        description="Code guidance and a conflict-safe workspace for AI coding agents.",
    )
    parser.add_argument("--version", action="version", version=f"devreliab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in COMMANDS:
        command.add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(format="devreliab: %(message)s", level=logging.WARNING)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except DevreliabError as exc:
        print(f"devreliab: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("devreliab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # a workspace, config or output path the user cannot use
        where = f": {exc.filename}" if exc.filename else ""
        print(f"devreliab: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_USAGE
