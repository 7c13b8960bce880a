"""``devreliab demo``: three AI agents edit a fresh copy of the bundled example at once, through devreliab and,
beside it, through plain file writes; then the example's analysis report and the next steps.

Each agent is a real MCP client (the SDK's ``Client``) of its own ``devreliab serve`` process over stdio, as
Claude Code, VS Code or Cursor would start it (``_agents``). The demo reads only structured content of the
answers, so a change in the tools' text is no reason for it to fail; a status it did not expect is, and that is a
bug worth reporting (``DemoFailure``). ``_scenario`` holds the edits and their steps, ``_out`` the printing,
``_run`` the whole run and its directories.
"""

from __future__ import annotations

from ._out import DemoFailure
from ._run import run

__all__ = ["DemoFailure", "run"]
