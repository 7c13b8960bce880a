"""``devreliab setup AGENT``: each agent's MCP server entry and hook configuration, merged into what is there.

Every file is read, devreliab's entries are put in (replacing devreliab's own earlier ones, never anything
else) and the file is written only when its content changes, so a second run changes nothing. A settings file
with comments is refused with the snippet to add by hand, as rewriting it would drop them.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shlex
import shutil
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import DevreliabError

HOOK_TIMEOUT_S = 10
#: config directories (in the workspace) and commands (on PATH) that say an agent is used here, for --all
DETECT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "claude-code": ((".claude", ".mcp.json"), ("claude",)),
    "codex": ((".codex",), ("codex",)),
    "gemini": ((".gemini",), ("gemini",)),
    "copilot": ((".github/hooks", ".vscode"), ("copilot",)),
    "cursor": ((".cursor",), ("cursor", "cursor-agent")),
}


class SetupError(DevreliabError):
    """A configuration file setup cannot merge into safely (the message says what to do)."""


@dataclass(frozen=True)
class Change:
    path: Path
    before: str | None  # None: the file does not exist
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self, root: Path) -> str:
        rel = os.path.relpath(self.path, root)
        return "".join(difflib.unified_diff((self.before or "").splitlines(keepends=True),
                                            self.after.splitlines(keepends=True),
                                            f"a/{rel}" if self.before is not None else "/dev/null", f"b/{rel}"))


def devreliab_command() -> list[str]:
    """An absolute command that runs this devreliab from any working directory: the installed script next to
    this interpreter, else the interpreter itself (``-P``: the workspace never shadows the package)."""
    script = Path(sys.executable).with_name("devreliab")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [str(Path(sys.executable).absolute()), "-P", "-m", "devreliab"]


def _is_ours(entry: object, agent: str) -> bool:
    """Whether a hook entry (any nesting) runs ``devreliab … hook AGENT``."""
    if isinstance(entry, str):
        return "devreliab" in entry and f" hook {agent}" in entry
    if isinstance(entry, dict):
        return any(_is_ours(v, agent) for v in entry.values())
    if isinstance(entry, list):
        return any(_is_ours(v, agent) for v in entry)
    return False


def _put_hooks(hooks: dict[str, Any], event: str, entry: dict[str, Any], agent: str) -> None:
    """Put ``entry`` in the list of ``event``: in place of devreliab's own earlier entry, else at the end."""
    current = hooks.get(event)
    entries = list(current) if isinstance(current, list) else []
    mine = [i for i, e in enumerate(entries) if _is_ours(e, agent)]
    if mine:
        entries[mine[0]] = entry
        entries = [e for i, e in enumerate(entries) if i not in mine[1:]]
    else:
        entries.append(entry)
    hooks[event] = entries


def _load_json(path: Path) -> tuple[str | None, dict[str, Any]]:
    if not path.exists():
        return None, {}
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        return text, {}
    try:
        data = json.loads(text)
    except ValueError:
        if re.search(r"(^|\s)(//|/\*)", text):
            raise SetupError(f"{path} has comments, and rewriting it would drop them; add devreliab's entries by "
                             "hand (devreliab setup --dry-run on a copy without comments shows them)") from None
        raise SetupError(f"{path} is not valid JSON; fix it or move it away, then run setup again") from None
    if not isinstance(data, dict):
        raise SetupError(f"{path}: the top level must be an object")
    return text, data


def _json_change(path: Path, edit: Callable[[dict[str, Any]], None]) -> Change:
    before, data = _load_json(path)
    original = json.loads(json.dumps(data))
    edit(data)
    if data == original and before is not None:
        return Change(path, before, before)
    return Change(path, before, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _section(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        value = data[key] = {}
    if not isinstance(value, dict):
        raise SetupError(f"'{key}' must be an object to add devreliab to it (it is {type(value).__name__})")
    return value


def _toml_change(path: Path, command: list[str]) -> Change:
    """``[mcp_servers.devreliab]`` in Codex's config.toml, edited as text so everything else stays as it is."""
    before = path.read_text(encoding="utf-8") if path.exists() else None
    try:
        data = tomllib.loads(before or "")
    except tomllib.TOMLDecodeError as exc:
        raise SetupError(f"{path} is not valid TOML ({exc}); fix it, then run setup again") from None
    want = {"command": command[0], "args": [*command[1:], "serve"]}
    if data.get("mcp_servers", {}).get("devreliab") == want:
        return Change(path, before, before or "")
    block = (f"[mcp_servers.devreliab]\ncommand = {json.dumps(want['command'])}\n"
             f"args = [{', '.join(json.dumps(a) for a in want['args'])}]\n")
    text = before or ""
    header = re.compile(r"(?m)^\[mcp_servers\.devreliab\]\s*$")
    found = header.search(text)
    if found is None:
        return Change(path, before, text + ("\n" if text and not text.endswith("\n") else "")
                      + ("\n" if text else "") + block)
    after = re.compile(r"(?m)^\[").search(text, found.end())
    end = after.start() if after else len(text)
    return Change(path, before, text[:found.start()] + block + ("\n" if after else "") + text[end:])


def _hook_command(command: list[str], agent: str) -> str:
    return shlex.join([*command, "hook", agent])


def _claude(root: Path, command: list[str]) -> list[Change]:
    hook = {"type": "command", "command": _hook_command(command, "claude-code"), "timeout": HOOK_TIMEOUT_S}

    def settings(data: dict[str, Any]) -> None:
        hooks = _section(data, "hooks")
        _put_hooks(hooks, "PreToolUse", {"matcher": "Read|Write|Edit|MultiEdit", "hooks": [hook]}, "claude-code")
        _put_hooks(hooks, "PostToolUse", {"matcher": "Write|Edit|MultiEdit", "hooks": [hook]}, "claude-code")

    return [_json_change(root / ".mcp.json", lambda d: _section(d, "mcpServers").update(
                devreliab={"command": command[0], "args": [*command[1:], "serve"]})),
            _json_change(root / ".claude" / "settings.json", settings)]


def _codex(root: Path, command: list[str]) -> list[Change]:
    hook = {"type": "command", "command": _hook_command(command, "codex"), "timeout": HOOK_TIMEOUT_S}

    def hooks_json(data: dict[str, Any]) -> None:
        hooks = _section(data, "hooks")
        for event in ("PreToolUse", "PostToolUse"):
            _put_hooks(hooks, event, {"matcher": "apply_patch", "hooks": [hook]}, "codex")

    return [_toml_change(root / ".codex" / "config.toml", command),
            _json_change(root / ".codex" / "hooks.json", hooks_json)]


def _gemini(root: Path, command: list[str]) -> list[Change]:
    hook = {"name": "devreliab", "type": "command", "command": _hook_command(command, "gemini"),
            "timeout": HOOK_TIMEOUT_S * 1000}

    def settings(data: dict[str, Any]) -> None:
        _section(data, "mcpServers")["devreliab"] = {"command": command[0], "args": [*command[1:], "serve"]}
        hooks = _section(data, "hooks")
        _put_hooks(hooks, "BeforeTool", {"matcher": "read_file|write_file|replace", "hooks": [hook]}, "gemini")
        _put_hooks(hooks, "AfterTool", {"matcher": "write_file|replace", "hooks": [hook]}, "gemini")

    return [_json_change(root / ".gemini" / "settings.json", settings)]


def _copilot(root: Path, command: list[str]) -> list[Change]:
    hook = {"type": "command", "bash": _hook_command(command, "copilot"), "timeoutSec": HOOK_TIMEOUT_S}

    def hooks_file(data: dict[str, Any]) -> None:
        data["version"] = 1
        hooks = _section(data, "hooks")
        for event in ("preToolUse", "postToolUse"):
            _put_hooks(hooks, event, hook, "copilot")

    return [_json_change(root / ".vscode" / "mcp.json", lambda d: _section(d, "servers").update(
                devreliab={"type": "stdio", "command": command[0], "args": [*command[1:], "serve"]})),
            _json_change(root / ".github" / "hooks" / "devreliab.json", hooks_file)]


def _cursor(root: Path, command: list[str]) -> list[Change]:
    hook = {"command": _hook_command(command, "cursor")}

    def hooks_file(data: dict[str, Any]) -> None:
        data.setdefault("version", 1)
        hooks = _section(data, "hooks")
        for event in ("beforeReadFile", "afterFileEdit"):
            _put_hooks(hooks, event, hook, "cursor")

    return [_json_change(root / ".cursor" / "mcp.json", lambda d: _section(d, "mcpServers").update(
                devreliab={"command": command[0], "args": [*command[1:], "serve"]})),
            _json_change(root / ".cursor" / "hooks.json", hooks_file)]


PLANS: dict[str, Callable[[Path, list[str]], list[Change]]] = {
    "claude-code": _claude, "codex": _codex, "gemini": _gemini, "copilot": _copilot, "cursor": _cursor}


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
