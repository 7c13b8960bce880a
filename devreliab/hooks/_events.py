"""The common event every agent's hook payload is translated to, and the outcome the core answers with.

An adapter turns one agent's payload into an ``Event`` (what the tool is about to do, or did, to which file) and
turns the core's ``Outcome`` back into that agent's answer. Nothing here knows any agent's field names.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

Phase = Literal["pre", "post"]
Kind = Literal["read", "write", "edit", "patch", "other"]
Verdict = Literal["pass", "deny", "rewrite", "done"]


class UnknownPayload(ValueError):
    """The hook's input is not a payload shape this adapter knows (the message says what was expected)."""


@dataclass(frozen=True)
class Change:
    """One search-and-replace of a string edit (Claude Code ``Edit``, Gemini ``replace``, Copilot ``edit``…)."""

    old: str
    new: str
    replace_all: bool = False


@dataclass(frozen=True)
class Event:
    """One tool call of one agent session, before (``pre``) or after (``post``) the tool ran."""

    agent: str
    session: str
    phase: Phase
    kind: Kind
    cwd: str
    tool: str = ""
    path: str | None = None
    content: str | None = None  # write: the whole new text
    changes: tuple[Change, ...] = ()  # edit
    patch: str | None = None  # patch: apply_patch text (may touch several files)
    tool_input: dict[str, Any] = field(default_factory=dict)
    auto_approve: bool = False  # the agent's permission mode already approves edits without asking

    @property
    def client(self) -> str:
        """The session as a client of the workspace: ``agent:session``."""
        return f"{self.agent}:{self.session}"


@dataclass(frozen=True)
class Outcome:
    """What the core decided.

    ``pass``: no objection (the agent's own permission flow goes on). ``deny``: the tool must not run (pre) or
    the model must be told (post); ``reason`` says why and what to do. ``rewrite``: run the tool with
    ``updated_input`` (made by the adapter), which leaves the merged text in ``Event.path``. ``done``: devreliab
    wrote the result itself; the tool must not run, and ``reason`` tells the model so. ``context`` is extra text
    for the model in every case.
    """

    verdict: Verdict = "pass"
    reason: str = ""
    context: str = ""
    updated_input: dict[str, Any] | None = None
    warning: str = ""  # for the user (a failure the hook got out of the way of)

    def adding(self, lines: list[str]) -> Outcome:
        """This outcome with ``lines`` added to the model's context (a notice for the session)."""
        if not lines:
            return self
        return dataclasses.replace(self, context="\n".join([self.context, *lines] if self.context else lines))


@dataclass(frozen=True)
class Reply:
    """The hook process's answer: what to print on stdout and stderr, and its exit code."""

    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0
