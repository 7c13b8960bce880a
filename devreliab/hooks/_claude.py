"""Claude Code: ``PreToolUse`` / ``PostToolUse`` command hooks.

Shapes from the hooks reference, https://code.claude.com/docs/en/hooks (PreToolUse input and decision control):
stdin ``{session_id, transcript_path, cwd, permission_mode, hook_event_name, tool_name, tool_input, tool_use_id}``
(+ ``tool_response`` after the tool); ``Read {file_path, offset?, limit?}``, ``Write {file_path, content}``,
``Edit {file_path, old_string, new_string, replace_all?}``, ``MultiEdit {file_path, edits: [...]}``. Answer:
``{"hookSpecificOutput": {"hookEventName", "permissionDecision": "allow|deny|ask", "permissionDecisionReason",
"updatedInput", "additionalContext"}}``; after the tool ``{"decision": "block", "reason"}`` reaches the model.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ._agent import Adapter, changes_of, dumps, text_field
from ._events import Change, Event, Kind, Outcome, Reply

#: permission modes in which Claude Code applies edits without asking (so a rewritten input need not be asked)
AUTO_APPROVE = ("acceptEdits", "bypassPermissions", "dontAsk")
EVENTS = {"PreToolUse": "pre", "PostToolUse": "post"}


def _changes(tool: str, tool_input: dict[str, Any]) -> tuple[Change, ...]:
    if tool == "Edit":
        return changes_of([tool_input], "old_string", "new_string")
    if tool == "MultiEdit":
        return changes_of(tool_input.get("edits"), "old_string", "new_string")
    return ()


class ClaudeCode(Adapter):
    name = "claude-code"
    docs = "https://code.claude.com/docs/en/hooks"
    tools: ClassVar[dict[str, Kind]] = {"Read": "read", "Write": "write", "Edit": "edit", "MultiEdit": "edit"}

    def parse(self, payload: dict[str, Any]) -> Event:
        phase, tool, tool_input, session = self.tool_call(payload, EVENTS)
        kind = self.tools.get(tool, "other")
        return Event(agent=self.name, session=session, phase="pre" if phase == "pre" else "post", kind=kind,
                     cwd=text_field(payload, "cwd") or "", tool=tool, path=text_field(tool_input, "file_path"),
                     content=text_field(tool_input, "content") if kind == "write" else None,
                     changes=_changes(tool, tool_input), patch=self.patch_of(tool, tool_input),
                     tool_input=tool_input, auto_approve=payload.get("permission_mode") in AUTO_APPROVE)

    def patch_of(self, tool: str, tool_input: dict[str, Any]) -> str | None:
        return None

    def rewrite(self, event: Event, current: str, merged: str) -> dict[str, Any] | None:
        if event.kind == "write":
            return {**event.tool_input, "content": merged}
        if event.kind != "edit" or not current:
            return None  # an empty file has no old_string to replace: devreliab writes it itself
        if event.tool == "MultiEdit":
            return {"file_path": event.tool_input.get("file_path"),
                    "edits": [{"old_string": current, "new_string": merged, "replace_all": False}]}
        return {**event.tool_input, "old_string": current, "new_string": merged, "replace_all": False}

    def answer(self, event: Event, outcome: Outcome) -> Reply:
        out: dict[str, Any] = {}
        if event.phase == "pre":
            spec = self._pre(event, outcome)
        else:
            spec = {}
            if outcome.verdict == "deny":
                out.update(decision="block", reason=outcome.reason)
        if outcome.context:
            spec["additionalContext"] = outcome.context
        if spec:
            out["hookSpecificOutput"] = {"hookEventName": "PreToolUse" if event.phase == "pre" else "PostToolUse",
                                         **spec}
        if outcome.warning:
            out["systemMessage"] = outcome.warning
        return Reply(stdout=dumps(out))

    def _pre(self, event: Event, outcome: Outcome) -> dict[str, Any]:
        if outcome.verdict in ("deny", "done"):
            return {"permissionDecision": "deny", "permissionDecisionReason": outcome.reason}
        if outcome.verdict == "rewrite":
            return {"permissionDecision": "allow" if event.auto_approve else "ask",
                    "permissionDecisionReason": outcome.reason, "updatedInput": outcome.updated_input}
        return {}
