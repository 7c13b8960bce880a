"""``devreliab demo``: three agents edit a copy of the bundled example at once, with and without devreliab."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ._common import EXIT_GATE_FAILED, EXIT_OK

if TYPE_CHECKING:
    from ._common import Subparsers


def add(sub: Subparsers) -> None:
    demo = sub.add_parser(
        "demo",
        help="see three AI agents edit one project at once, with and without devreliab (under a minute)",
        description="On a fresh copy of the bundled example, three MCP clients (agent-A, agent-B, agent-C), each "
        "with its own `devreliab serve` process, edit one file at once: a write, a merged write from a stale "
        "read, a conflict kept with its id, guidance on a risky write, the file's history; beside it the same "
        "edits as plain file writes lose work. Then the example's analysis report and the next steps. Exit 0 "
        "when every step showed what it should, 1 (with the reason) otherwise.",
    )
    demo.add_argument("--keep", metavar="DIR", help="work in DIR (new or empty) and keep it afterwards: "
                      "DIR/with-devreliab and DIR/plain-writes (default: a temporary directory, removed)")
    demo.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import signal
    import sys

    from .. import _demo  # lazy: other commands start fast

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # like Ctrl-C: stop the servers, remove the temp dir
    try:
        _demo.run(Path(args.keep) if args.keep else None)
    except _demo.DemoFailure as exc:
        print(f"devreliab demo: failed: {exc}", file=sys.stderr)
        return EXIT_GATE_FAILED
    return EXIT_OK
