"""The whole demo: its directories, the agents' steps, the plain writes, the report and the next steps."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
from rich.markup import escape

from ._agents import with_agents
from ._dirs import PLAIN, WITH, copy_example, workdir
from ._edits import AGENTS, plain_writes
from ._out import DemoFailure, Out
from ._report import analysis_report, next_steps, summary
from ._scenario import agents_scenario


def run(keep: Path | None = None) -> None:
    """The demo. Raises DemoFailure when a step did not show what it should."""
    out = Out()
    started = time.monotonic()
    with workdir(keep) as base:
        root, plain = copy_example(base / WITH), copy_example(base / PLAIN)
        out.title("devreliab demo: three AI agents edit one project at the same time")
        out.line(f"a fresh copy of the bundled example: {root}")
        out.line(f"{', '.join(AGENTS)}: each a real MCP client of its own `devreliab serve` process (stdio)")
        shared = anyio.run(with_agents, AGENTS, root, base / "logs",
                           lambda agents: agents_scenario(agents, root, out))
        out.title("Beside it, without devreliab")
        lost = plain_writes(plain, out)
        if not lost:
            raise DemoFailure("the plain writes lost nothing: the demo's scenario is broken")
        summary(out, shared, lost)
        analysis_report(root, out)
        next_steps(out)
        out.console.print()
        out.console.print(f"Done in {time.monotonic() - started:.1f} s."
                          + (f" Kept: {escape(str(base))}" if keep is not None else ""))
