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
from ._events import Change, Event, Kind, Outcome, Reply

EVENTS = {"BeforeTool": "pre", "AfterTool": "post"}
TOOLS: dict[str, Kind] = {"read_file": "read", "write_file": "write", "replace": "edit"}


def _changes(tool_input: dict[str, Any]) -> tuple[Change, ...]:
    expected = tool_input.get("expected_replacements")
    every = isinstance(expected, int) and expected > 1
    return changes_of([{**tool_input, "all": every}], "old_string", "new_string", "all")


class Gemini(Adapter):
    name = "gemini"
    docs = "https://geminicli.com/docs/hooks/reference"

    def parse(self, payload: dict[str, Any]) -> Event:
        phase, tool, tool_input, session = self.tool_call(payload, EVENTS)
        kind = TOOLS.get(tool, "other")
        return Event(agent=self.name, session=session, phase="pre" if phase == "pre" else "post", kind=kind,
                     cwd=text_field(payload, "cwd") or "", tool=tool,
                     path=text_field(tool_input, "file_path", "absolute_path", "path"),
                     content=text_field(tool_input, "content") if kind == "write" else None,
                     changes=_changes(tool_input) if kind == "edit" else (), tool_input=tool_input)

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
