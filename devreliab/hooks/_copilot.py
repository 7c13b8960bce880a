"""GitHub Copilot (CLI and cloud agent; VS Code agent hooks): ``preToolUse`` / ``postToolUse``.

Shapes from https://docs.github.com/en/copilot/reference/hooks-configuration and the SDK's pre-tool-use hook
(https://docs.github.com/en/copilot/how-tos/copilot-sdk/use-hooks/pre-tool-use): stdin ``{timestamp, cwd,
toolName, toolArgs}`` (``toolArgs`` is the tool's arguments, as an object or as a JSON string; ``toolResult``
after the tool); the answer ``{permissionDecision: "allow"|"deny"|"ask", permissionDecisionReason, modifiedArgs,
additionalContext}``. Tools: ``view {path}``, ``create {path, file_text}``, ``edit``/``str_replace {path,
old_str, new_str}``; VS Code's ``read_file {filePath}``, ``create_file {filePath, content}``,
``replace_string_in_file {filePath, oldString, newString}``. VS Code's form (``hookEventName``, ``tool_name``,
``tool_input``) is answered with Claude Code's ``hookSpecificOutput`` as well. A payload without a session id is
the session of the agent process that runs the hook (its parent process).
"""

from __future__ import annotations

import json
import os
from typing import Any

from ._agent import Adapter, changes_of, dumps, text_field
from ._events import Change, Event, Kind, Outcome, Reply

TOOLS: dict[str, Kind] = {"view": "read", "read_file": "read", "create": "write", "create_file": "write",
                          "edit": "edit", "str_replace": "edit", "replace_string_in_file": "edit"}
EVENTS = {"preToolUse": "pre", "PreToolUse": "pre", "postToolUse": "post", "PostToolUse": "post"}


def _args(payload: dict[str, Any]) -> dict[str, Any] | None:
    args = payload.get("toolArgs", payload.get("tool_input"))
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except ValueError:
            return None
    return args if isinstance(args, dict) else None


def _phase_by_fields(payload: dict[str, Any]) -> str:
    return "post" if "toolResult" in payload or "tool_response" in payload else "pre"


def _changes(args: dict[str, Any]) -> tuple[Change, ...]:
    return changes_of([args], "old_str", "new_str") or changes_of([args], "oldString", "newString")


class Copilot(Adapter):
    name = "copilot"
    docs = "https://docs.github.com/en/copilot/reference/hooks-configuration"

    def parse(self, payload: dict[str, Any]) -> Event:
        tool, args = text_field(payload, "toolName", "tool_name"), _args(payload)
        if tool is None or args is None:
            raise self.unknown("toolName and toolArgs (an object or a JSON object as text) are required")
        name = text_field(payload, "hookEventName", "hook_event_name")
        phase = EVENTS.get(name or "", _phase_by_fields(payload))
        kind = TOOLS.get(tool, "other")
        return Event(agent=self.name, session=text_field(payload, "sessionId", "session_id") or f"ppid{os.getppid()}",
                     phase="pre" if phase == "pre" else "post", kind=kind, cwd=text_field(payload, "cwd") or "",
                     tool=tool, path=text_field(args, "path", "filePath"),
                     content=text_field(args, "file_text", "content") if kind == "write" else None,
                     changes=_changes(args) if kind == "edit" else (), tool_input={**args, "_vscode": name is not None})

    def rewrite(self, event: Event, current: str, merged: str) -> dict[str, Any] | None:
        args = {k: v for k, v in event.tool_input.items() if k != "_vscode"}
        if event.kind == "write":
            return {**args, ("file_text" if "file_text" in args else "content"): merged}
        if event.kind != "edit" or not current:
            return None
        old, new = ("old_str", "new_str") if "old_str" in args else ("oldString", "newString")
        return {**args, old: current, new: merged}

    def answer(self, event: Event, outcome: Outcome) -> Reply:
        out: dict[str, Any] = {}
        if outcome.verdict in ("deny", "done"):
            out.update(permissionDecision="deny", permissionDecisionReason=outcome.reason)
        elif outcome.verdict == "rewrite":
            out.update(modifiedArgs=outcome.updated_input, permissionDecisionReason=outcome.reason)
        if outcome.context:
            out["additionalContext"] = outcome.context
        if event.tool_input.get("_vscode") and out:
            out["hookSpecificOutput"] = _vscode_form(event, outcome, out)
        if outcome.warning:
            out["systemMessage"] = outcome.warning
        return Reply(stdout=dumps(out))


def _vscode_form(event: Event, outcome: Outcome, out: dict[str, Any]) -> dict[str, Any]:
    """VS Code's agent hooks read Claude Code's ``hookSpecificOutput``."""
    spec = {k: v for k, v in out.items() if k != "modifiedArgs"}
    if outcome.updated_input is not None:
        spec["updatedInput"] = outcome.updated_input
    return {"hookEventName": "PreToolUse" if event.phase == "pre" else "PostToolUse", **spec}
