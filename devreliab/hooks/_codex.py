"""Codex CLI: ``PreToolUse`` / ``PostToolUse`` command hooks, which fire for ``apply_patch``.

Shapes from openai/codex ``codex-rs/hooks/schema/generated/pre-tool-use.command.input.schema.json`` and
``pre-tool-use.command.output.schema.json`` (and https://developers.openai.com/codex/hooks): stdin
``{session_id, turn_id, transcript_path, cwd, hook_event_name, model, permission_mode, tool_name, tool_use_id,
tool_input}``; ``apply_patch`` carries its patch text in ``tool_input.command`` (openai/codex PR 20527). The
answer is Claude Code's shape (``hookSpecificOutput.permissionDecision``, ``permissionDecisionReason``,
``additionalContext``; ``decision: "block"`` after the tool). Codex reads files through its shell, which no hook
shows, so a Codex session's base is what it last wrote; a merged patch is written by devreliab itself (the
hook then denies the tool call and says so), since rebuilding a patch that applies exactly is not worth the risk.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ._claude import ClaudeCode
from ._events import Event, Kind


class Codex(ClaudeCode):
    name = "codex"
    docs = "https://developers.openai.com/codex/hooks"
    tools: ClassVar[dict[str, Kind]] = {"apply_patch": "patch"}

    def patch_of(self, tool: str, tool_input: dict[str, Any]) -> str | None:
        command = tool_input.get("command")
        return command if tool == "apply_patch" and isinstance(command, str) else None

    def rewrite(self, event: Event, current: str, merged: str) -> dict[str, Any] | None:
        return None
