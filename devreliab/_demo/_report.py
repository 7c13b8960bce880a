"""The end of the demo: what was lost either way, the example's analysis report, and the next steps."""

from __future__ import annotations

import sys
from pathlib import Path

from ._edits import CHANGES, Shared
from ._out import DemoFailure, Out


def summary(out: Out, shared: Shared, lost: list[str]) -> None:
    out.title("Work lost")
    out.line(f"with devreliab: 0 of {len(CHANGES)} changes — {' and '.join(shared.on_disk)} on disk, "
             f"agent-C kept in conflict {shared.conflict_id}")
    out.line(f"with plain writes: {len(lost)} of {len(CHANGES)} changes ({' and '.join(lost)})", "bold red")


def analysis_report(root: Path, out: Out) -> None:
    from devreliab.cli import main

    out.title("The example's analysis report (devreliab analyze --top 3, after the agents' edits)")
    sys.stdout.flush()
    code = main(["analyze", "--root", str(root), "--top", "3", "--color",
                 "always" if out.console.is_terminal else "never"])
    sys.stdout.flush()
    if code not in (0, 1):
        raise DemoFailure(f"devreliab analyze exited with {code}")
    if code == 1:
        out.line("(the gate fails on purpose: that is what the example is there to show)")


def next_steps(out: Out) -> None:
    out.title("Next steps")
    out.line("put an agent's own Read/Edit/Write behind devreliab: devreliab setup claude-code (or codex, gemini, "
             "copilot, cursor; --all) writes its MCP entry and hooks — docs/agents.md")
    out.line('or by hand: an MCP server entry {"command": "devreliab", "args": ["serve", "--root", '
             '"."]} in its MCP config — docs/mcp-tools.md')
    out.line("watch every server of a workspace live: devreliab dashboard (http://127.0.0.1:8766/dashboard)")
    out.line("in VS Code: the extension (Problems panel, conflicts in a diff editor) — docs/vscode.md")
