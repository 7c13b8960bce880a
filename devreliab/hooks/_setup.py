"""``devreliab setup AGENT``: each agent's MCP server entry and hook configuration, merged into what is there.

Every file is read, devreliab's entries are put in (replacing devreliab's own earlier ones, never anything
else) and the file is written only when its content changes, so a second run changes nothing. A settings file
with comments is refused with the snippet to add by hand, as rewriting it would drop them.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from ._files import Change, SetupError
from ._setup_agents import PLANS

__all__ = ["Change", "SetupError", "apply", "detected", "devreliab_command", "plan"]

#: config directories (in the workspace) and commands (on PATH) that say an agent is used here, for --all
DETECT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "claude-code": ((".claude", ".mcp.json"), ("claude",)),
    "codex": ((".codex",), ("codex",)),
    "gemini": ((".gemini",), ("gemini",)),
    "copilot": ((".github/hooks", ".vscode"), ("copilot",)),
    "cursor": ((".cursor",), ("cursor", "cursor-agent")),
}


def devreliab_command() -> list[str]:
    """An absolute command that runs this devreliab from any working directory: the installed script next to
    this interpreter, else the interpreter itself (``-P``: the workspace never shadows the package)."""
    script = Path(sys.executable).with_name("devreliab")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [str(Path(sys.executable).absolute()), "-P", "-m", "devreliab"]


def plan(agent: str, root: Path, command: list[str] | None = None) -> list[Change]:
    """What setup would write for ``agent`` in the workspace at ``root`` (unchanged files included)."""
    return PLANS[agent](root, command or devreliab_command())


def detected(root: Path) -> list[str]:
    """The agents used here: one of their config paths is in the workspace, or their command is on PATH."""
    return [agent for agent, (paths, commands) in DETECT.items()
            if any((root / p).exists() for p in paths) or any(shutil.which(c) for c in commands)]


def apply(change: Change) -> None:
    change.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = change.path.with_name(f".{change.path.name}.devreliab-tmp")
    tmp.write_text(change.after, encoding="utf-8")
    if change.path.exists():
        os.chmod(tmp, change.path.stat().st_mode & 0o7777)
    os.replace(tmp, change.path)
