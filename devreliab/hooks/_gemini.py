"""Gemini CLI: ``BeforeTool`` / ``AfterTool`` command hooks.

Shapes from https://geminicli.com/docs/hooks/reference (google-gemini/gemini-cli ``docs/hooks/reference.md``):
stdin ``{session_id, transcript_path, cwd, hook_event_name, timestamp, tool_name, tool_input}`` (+
``tool_response`` after the tool); tools ``read_file {file_path}``, ``write_file {file_path, content}``,
``replace {file_path, old_string, new_string, expected_replacements?}``. stdout must be JSON only:
``{"decision": "allow"|"deny", "reason", "systemMessage", "hookSpecificOutput": {"hookEventName",
"additionalContext"}}``. The hook does not rewrite Gemini's tool input: a merged write is written by devreliab and
the tool call denied with a reason that says so.
"""

from __future__ import annotations

from typing import Any

from ._agent import Adapter, changes_of, dumps, text_field
from ._events import Event, Kind, Outcome, Reply

EVENTS = {"BeforeTool": "pre", "AfterTool": "post"}
TOOLS: dict[str, Kind] = {"read_file": "read", "write_file": "write", "replace": "edit"}


class Gemini(Adapter):
    name = "gemini"
    docs = "https://geminicli.com/docs/hooks/reference"

    def parse(self, payload: dict[str, Any]) -> Event:
        name, tool = payload.get("hook_event_name"), payload.get("tool_name")
        tool_input, session = payload.get("tool_input"), payload.get("session_id")
        if name not in EVENTS:
            raise self.unknown(f"hook_event_name {name!r} is not BeforeTool or AfterTool")
        if not isinstance(tool, str) or not isinstance(tool_input, dict) or not isinstance(session, str):
            raise self.unknown("session_id, tool_name and tool_input (an object) are required")
        kind = TOOLS.get(tool, "other")
        replace_all = isinstance(tool_input.get("expected_replacements"), int) and tool_input[
            "expected_replacements"] > 1
        changes = changes_of([{**tool_input, "all": replace_all}], "old_string", "new_string", "all") \
            if kind == "edit" else ()
        return Event(agent=self.name, session=session, phase="pre" if EVENTS[name] == "pre" else "post", kind=kind,
                     cwd=text_field(payload, "cwd") or "", tool=tool,
                     path=text_field(tool_input, "file_path", "absolute_path", "path"),
                     content=text_field(tool_input, "content") if kind == "write" else None, changes=changes,
                     tool_input=tool_input)

    def answer(self, event: Event, outcome: Outcome) -> Reply:
        out: dict[str, Any] = {}
        if outcome.verdict in ("deny", "done"):
            out.update(decision="deny", reason=outcome.reason)
        if outcome.context:
            out["hookSpecificOutput"] = {"hookEventName": "BeforeTool" if event.phase == "pre" else "AfterTool",
                                         "additionalContext": outcome.context}
        if outcome.warning:
            out["systemMessage"] = outcome.warning
        return Reply(stdout=dumps(out))
