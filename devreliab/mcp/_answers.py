"""Answers every client shows its model completely, whichever channel it passes on.

A tool result has two channels: ``content`` (text) and ``structuredContent`` (JSON). Clients differ in what
they hand the model: Claude Code, GitHub Copilot CLI and Codex pass only the structured content when there is
one; opencode passes only the text; others pass both. So each answer is complete in the channel the client
reads, and the file text — the only large payload — travels twice only when the client's habit is unknown:

- ``structured``: structuredContent holds everything (the file text in ``content``); the text channel is a
  one-line summary (path, version, lines);
- ``text``: the text channel holds everything (a one-line header with path and version, then the file text);
  structuredContent holds the facts without the file text;
- ``both``: each channel is complete on its own.

``mcp.answers`` in devreliab.jsonc picks one for every client, or ``auto`` (the default): by the client's
``clientInfo.name``.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

Channels = Literal["both", "text", "structured"]

# clientInfo.name fragments (lower case) of clients known to pass only structuredContent to the model when an
# answer has one: anthropics/claude-code #79944/#55677, github/copilot-cli #3258, Codex by report.
STRUCTURED_FIRST = ("claude-code", "claude code", "copilot-cli", "github-copilot-cli", "codex")
# ... and of clients known to pass only the text content.
TEXT_ONLY = ("opencode",)

current_channels: ContextVar[Channels] = ContextVar("devreliab_mcp_channels", default="both")


def channels_for(client: str | None, setting: str) -> Channels:
    """The channels an answer to ``client`` must fill, for the ``mcp.answers`` setting."""
    if setting in ("both", "text", "structured"):
        return setting  # type: ignore[return-value]
    name = (client or "").lower()
    if any(fragment in name for fragment in STRUCTURED_FIRST):
        return "structured"
    if any(fragment in name for fragment in TEXT_ONLY):
        return "text"
    return "both"


@dataclass(frozen=True)
class Shown:
    """The part of a file a read answers with, after the answer's cap."""

    text: str
    first: int  # first line shown, 1-based (0: the file is empty)
    last: int  # last line shown
    truncated: bool
    next_start_line: int | None  # where the rest begins, when truncated


def cap(text: str, first: int, total: int, max_lines: int, max_chars: int) -> Shown:
    """At most ``max_lines`` whole lines and ``max_chars`` characters of ``text`` (which starts at line
    ``first`` of a file of ``total`` lines); a single line longer than the cap is cut."""
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    size = 0
    for line in lines[:max_lines]:
        if size + len(line) > max_chars:
            if not kept:
                kept.append(line[:max_chars] + "…\n")
            break
        kept.append(line)
        size += len(line)
    if len(kept) == len(lines):
        return Shown(text, first if lines else 0, first + len(lines) - 1 if lines else 0, False, None)
    last = first + len(kept) - 1
    return Shown("".join(kept), first, last, True, last + 1 if last < total else None)


def header(path: str, version: str, shown: Shown, total: int | None) -> str:
    """The one line before a file's text in the text channel: what it is, its version, which lines."""
    if not shown.first:
        where = "empty file"
    elif shown.first == 1 and shown.last == total:
        where = f"{total} lines"
    else:
        where = f"lines {shown.first}-{shown.last} of {total}"
    return f"[{path} | version {version} | {where}]"


def footer(shown: Shown, max_lines: int, total: int | None) -> str:
    """The line after a truncated text: how to ask for the rest."""
    if not shown.truncated or shown.next_start_line is None:
        return ""
    start = shown.next_start_line
    end = min(start + max_lines - 1, total or start)
    return (f"[truncated at the answer cap: lines {shown.first}-{shown.last} of {total} shown; read the rest with "
            f"start_line={start} end_line={end}]")


def joined(body: str, tail: str) -> str:
    """``body`` and then the ``tail`` line, if any, on a line of its own."""
    if not tail:
        return body
    return body + ("" if body.endswith("\n") or not body else "\n") + tail


def numbered(text: str, first: int) -> str:
    """``text`` with each line prefixed by its number (``cat -n`` style), for ranged reads on request."""
    return "".join(f"{first + k:6}\t{line}" for k, line in enumerate(text.splitlines(keepends=True)))
