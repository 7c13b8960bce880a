"""A Python text cut into entities for the entity merge: each top-level statement (or class member) with the
blank and comment lines before it, keyed so the same entity has the same key in all three versions."""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ._merge_check import parse
from ._merge_keys import key_of


@dataclass(frozen=True)
class Chunk:
    """One entity: its leading blank and comment lines (``lead`` of them), then the statement's own lines."""

    key: str
    name: str  # what a conflict calls it
    lines: tuple[str, ...]
    lead: int
    node: ast.stmt | None
    start: int  # index of the chunk's first line in the file's lines

    @property
    def body(self) -> tuple[str, ...]:
        return self.lines[self.lead:]


@dataclass(frozen=True)
class Version:
    lines: list[str]
    chunks: list[Chunk]


def first_line(node: ast.stmt) -> int:
    """0-based index of the statement's first line, decorators included."""
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)]) - 1


def split_body(lines: Sequence[str], body: Sequence[ast.stmt], start: int, end: int,
               prefix: str = "") -> list[Chunk] | None:
    """The chunks of ``body`` within lines[start:end]; None when statements share a line."""
    chunks: list[Chunk] = []
    seen: Counter[str] = Counter()
    pos = start
    for node in body:
        first, last = first_line(node), node.end_lineno or node.lineno
        if first < pos:
            return None
        key, name = key_of(node, prefix, lines[node.lineno - 1].strip())
        seen[key] += 1
        key += f"#{seen[key]}" if seen[key] > 1 else ""
        chunks.append(Chunk(key, name, tuple(lines[pos:last]), first - pos, node, pos))
        pos = last
    if pos < end:
        chunks.append(Chunk("tail", prefix + "end", tuple(lines[pos:end]), end - pos, None, pos))
    return chunks


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def version_of(text: str) -> Version | None:
    """The text's top-level chunks, or None when it does not parse (or has a lone carriage return, which
    Python counts as a line break and the line merge does not)."""
    if "\r" in text.replace("\r\n", ""):
        return None
    tree = parse(text)
    if tree is None:
        return None
    lines = _lines(text)
    chunks = split_body(lines, tree.body, 0, len(lines))
    return None if chunks is None else Version(lines, chunks)
