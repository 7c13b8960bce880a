"""Cursor: ``.cursor/hooks.json`` (version 1) ``beforeReadFile`` and ``afterFileEdit``.

Shapes from https://cursor.com/docs/agent/hooks: every payload carries ``{conversation_id, generation_id,
hook_event_name, workspace_roots}``; ``beforeReadFile`` adds ``{file_path, content}`` and is answered
``{"permission": "allow"|"deny"}``; ``afterFileEdit`` adds ``{file_path, edits: [{old_string, new_string}]}`` and
its answer is not used. Cursor has no hook before its own edits, so a Cursor session is protected after the fact:
the edit is journalled, and one that replaced another client's change made after this session read the file is
merged with it (or that change is put back and the edit kept as a conflict record).
"""

from __future__ import annotations

from typing import Any

from ._agent import Adapter, changes_of, dumps, text_field
from ._events import Event, Outcome, Reply

EVENTS = {"beforeReadFile": ("pre", "read"), "afterFileEdit": ("post", "edit")}


def _first_root(payload: dict[str, Any]) -> str:
    roots = payload.get("workspace_roots")
    return roots[0] if isinstance(roots, list) and roots and isinstance(roots[0], str) else ""


class Cursor(Adapter):
    name = "cursor"
    docs = "https://cursor.com/docs/agent/hooks"

    def parse(self, payload: dict[str, Any]) -> Event:
        name = text_field(payload, "hook_event_name") or ""
        session = text_field(payload, "conversation_id")
        if name not in EVENTS:
            return Event(agent=self.name, session=session or "unknown", phase="pre", kind="other", cwd="",
                         tool=name)
        path = text_field(payload, "file_path")
        if session is None or path is None:
            raise self.unknown(f"{name} needs conversation_id and file_path")
        phase, kind = EVENTS[name]
        return Event(agent=self.name, session=session, phase="pre" if phase == "pre" else "post",
                     kind="read" if kind == "read" else "edit", cwd=_first_root(payload), tool=name, path=path,
                     changes=changes_of(payload.get("edits"), "old_string", "new_string"))

    def answer(self, event: Event, outcome: Outcome) -> Reply:
        if event.tool == "beforeReadFile" or (event.phase == "pre" and event.kind == "other"):
            denied = outcome.verdict in ("deny", "done")
            out: dict[str, Any] = {"permission": "deny" if denied else "allow"}
            if denied:
                out["user_message"] = out["agent_message"] = outcome.reason
            return Reply(stdout=dumps(out))
        message = outcome.reason or outcome.context or outcome.warning
        return Reply(stdout=dumps({}), stderr=message + "\n" if message else "")
