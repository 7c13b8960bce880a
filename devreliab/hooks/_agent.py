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
