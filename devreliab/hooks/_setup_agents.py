"""What ``devreliab setup`` writes for each agent: its MCP server entry and its hooks."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._files import Change, json_change, put_hooks, section
from ._toml import toml_change

HOOK_TIMEOUT_S = 10


def _hook_command(command: list[str], agent: str) -> str:
    """The shell command line an agent runs for its hook (quoted: the path may hold spaces)."""
    return shlex.join([*command, "hook", agent])


def _claude(root: Path, command: list[str]) -> list[Change]:
    """``.mcp.json`` (the MCP server) and ``.claude/settings.json`` (PreToolUse on Read/Write/Edit/MultiEdit,
    PostToolUse on Write/Edit/MultiEdit)."""
    hook = {"type": "command", "command": _hook_command(command, "claude-code"), "timeout": HOOK_TIMEOUT_S}

    def settings(data: dict[str, Any]) -> None:
        hooks = section(data, "hooks")
        put_hooks(hooks, "PreToolUse", {"matcher": "Read|Write|Edit|MultiEdit", "hooks": [hook]}, "claude-code")
        put_hooks(hooks, "PostToolUse", {"matcher": "Write|Edit|MultiEdit", "hooks": [hook]}, "claude-code")

    return [json_change(root / ".mcp.json", lambda d: section(d, "mcpServers").update(
                devreliab={"command": command[0], "args": [*command[1:], "serve"]})),
            json_change(root / ".claude" / "settings.json", settings)]


def _codex(root: Path, command: list[str]) -> list[Change]:
    """``.codex/config.toml`` (``[mcp_servers.devreliab]``) and ``.codex/hooks.json`` (PreToolUse and
    PostToolUse on apply_patch). Codex loads a project's ``.codex/`` only once the project is trusted."""
    hook = {"type": "command", "command": _hook_command(command, "codex"), "timeout": HOOK_TIMEOUT_S}

    def hooks_json(data: dict[str, Any]) -> None:
        hooks = section(data, "hooks")
        for event in ("PreToolUse", "PostToolUse"):
            put_hooks(hooks, event, {"matcher": "apply_patch", "hooks": [hook]}, "codex")

    return [toml_change(root / ".codex" / "config.toml", command),
            json_change(root / ".codex" / "hooks.json", hooks_json)]


def _gemini(root: Path, command: list[str]) -> list[Change]:
    """``.gemini/settings.json``: ``mcpServers.devreliab`` and BeforeTool (read_file, write_file, replace) /
    AfterTool (write_file, replace) hooks; Gemini's hook timeout is in milliseconds."""
    hook = {"name": "devreliab", "type": "command", "command": _hook_command(command, "gemini"),
            "timeout": HOOK_TIMEOUT_S * 1000}

    def settings(data: dict[str, Any]) -> None:
        section(data, "mcpServers")["devreliab"] = {"command": command[0], "args": [*command[1:], "serve"]}
        hooks = section(data, "hooks")
        put_hooks(hooks, "BeforeTool", {"matcher": "read_file|write_file|replace", "hooks": [hook]}, "gemini")
        put_hooks(hooks, "AfterTool", {"matcher": "write_file|replace", "hooks": [hook]}, "gemini")

    return [json_change(root / ".gemini" / "settings.json", settings)]


def _copilot(root: Path, command: list[str]) -> list[Change]:
    """``.vscode/mcp.json`` (VS Code's ``servers``) and ``.github/hooks/devreliab.json`` (preToolUse and
    postToolUse, read by the Copilot CLI, the cloud agent and VS Code's agent hooks)."""
    hook = {"type": "command", "bash": _hook_command(command, "copilot"), "timeoutSec": HOOK_TIMEOUT_S}

    def hooks_file(data: dict[str, Any]) -> None:
        data["version"] = 1
        hooks = section(data, "hooks")
        for event in ("preToolUse", "postToolUse"):
            put_hooks(hooks, event, hook, "copilot")

    return [json_change(root / ".vscode" / "mcp.json", lambda d: section(d, "servers").update(
                devreliab={"type": "stdio", "command": command[0], "args": [*command[1:], "serve"]})),
            json_change(root / ".github" / "hooks" / "devreliab.json", hooks_file)]


def _cursor(root: Path, command: list[str]) -> list[Change]:
    """``.cursor/mcp.json`` and ``.cursor/hooks.json`` (version 1: beforeReadFile and afterFileEdit)."""
    hook = {"command": _hook_command(command, "cursor")}

    def hooks_file(data: dict[str, Any]) -> None:
        data.setdefault("version", 1)
        hooks = section(data, "hooks")
        for event in ("beforeReadFile", "afterFileEdit"):
            put_hooks(hooks, event, hook, "cursor")

    return [json_change(root / ".cursor" / "mcp.json", lambda d: section(d, "mcpServers").update(
                devreliab={"command": command[0], "args": [*command[1:], "serve"]})),
            json_change(root / ".cursor" / "hooks.json", hooks_file)]


PLANS: dict[str, Callable[[Path, list[str]], list[Change]]] = {
    "claude-code": _claude, "codex": _codex, "gemini": _gemini, "copilot": _copilot, "cursor": _cursor}
