"""Per-function allowances: ``# devreliab: allow complexity <reason>`` accepts one function's complexity.

The comment goes on the ``def`` line or on a line of its own directly above it (above the decorators too). The
reason is required — it is what the next reviewer reads; a marker without one is not an allowance. An allowed
function fails no complexity gate and gets no complexity recommendation; it keeps its measured complexity.
"""

from __future__ import annotations

import dataclasses
import re

from ._model import Block

MARKER = "devreliab:"
_ALLOW = re.compile(r"#\s*devreliab:\s*allow\s+complexity\b[\s:—-]*(?P<reason>\S.*?)?\s*$")
_DECORATOR_OR_COMMENT = re.compile(r"\s*(@|#)")


def _reason_at(lines: list[str], lineno: int) -> str | None:
    """The allowance's reason on line ``lineno`` (1-based, the ``def``) or the comment and decorator lines above."""
    index = lineno - 1
    candidates = [index] if index < len(lines) else []
    index -= 1
    while index >= 0 and _DECORATOR_OR_COMMENT.match(lines[index]):
        candidates.append(index)
        index -= 1
    for i in candidates:
        m = _ALLOW.search(lines[i])
        if m is not None:
            return m.group("reason") or None
    return None


def apply(blocks: tuple[Block, ...], source: str, lines: list[str]) -> tuple[Block, ...]:
    """``blocks`` with ``allowed`` set on the functions an allowance comment names."""
    if MARKER not in source:
        return blocks
    out = []
    for b in blocks:
        reason = _reason_at(lines, b.lineno) if b.kind != "class" else None
        out.append(dataclasses.replace(b, allowed=reason) if reason else b)
    return tuple(out)
