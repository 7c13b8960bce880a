"""What every agent adapter shares: the interface, and helpers to read a payload's fields safely."""

from __future__ import annotations

import json
from typing import Any

from ._events import Change, Event, Outcome, Reply, UnknownPayload


class Adapter:
    """One agent's hook dialect. Subclasses set ``name`` and ``docs`` and implement ``parse`` and ``answer``."""

    name = ""
    docs = ""  # where the payload shapes are documented (named in the error for an unknown payload)
    #: the setup of this agent, for ``devreliab setup`` (see _setup.py)

    def parse(self, payload: dict[str, Any]) -> Event:
        raise NotImplementedError

    def answer(self, event: Event, outcome: Outcome) -> Reply:
        raise NotImplementedError

    def rewrite(self, event: Event, current: str, merged: str) -> dict[str, Any] | None:
        """The tool input that leaves ``merged`` in the file; None: this agent cannot rewrite it."""
        return None

    def tool_call(self, payload: dict[str, Any], events: dict[str, str]) -> tuple[str, str, dict[str, Any], str]:
        """(phase, tool, tool input, session) of a snake_case tool payload (Claude Code, Codex, Gemini CLI)."""
        name, tool = payload.get("hook_event_name"), payload.get("tool_name")
        tool_input, session = payload.get("tool_input"), payload.get("session_id")
        if name not in events:
            raise self.unknown(f"hook_event_name {name!r} is not {' or '.join(events)}")
        if not (isinstance(tool, str) and isinstance(tool_input, dict) and isinstance(session, str)):
            raise self.unknown("session_id, tool_name and tool_input (an object) are required")
        return events[str(name)], tool, tool_input, session

    def unknown(self, what: str) -> UnknownPayload:
        return UnknownPayload(f"devreliab hook {self.name}: {what}; expected the payload documented at {self.docs}")

    def fallback(self, phase: str, outcome: Outcome) -> Reply:
        """The answer for an event that could not be parsed (``phase`` guessed from the payload, or "pre")."""
        return self.answer(Event(agent=self.name, session="unknown", phase="post" if phase == "post" else "pre",
                                 kind="other", cwd=""), outcome)


def text_field(data: dict[str, Any], *names: str) -> str | None:
    """The first of ``names`` that holds a string."""
    for name in names:
        value = data.get(name)
        if isinstance(value, str):
            return value
    return None


def changes_of(items: object, old: str, new: str, replace_all: str = "replace_all") -> tuple[Change, ...]:
    """Search-and-replace edits from a list of objects with fields ``old``/``new``."""
    if not isinstance(items, list):
        return ()
    out = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get(old), str) and isinstance(item.get(new), str):
            out.append(Change(item[old], item[new], bool(item.get(replace_all, False))))
    return tuple(out)


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False) + "\n"
