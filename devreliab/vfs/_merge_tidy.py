"""Blank lines after an entity merge: entities that moved next to each other bring their own leading blank lines,
so a run of blank lines can come out longer than either side ever has before a line of that indentation (three
before a top-level ``def`` where both sides use two). Such a run is cut back to the longest either side has there
(at least one). Blank lines inside multi-line strings are text and stay."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from ._merge_check import parse


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def longest_runs(lines: Sequence[str]) -> dict[int, int]:
    """For each indentation: the longest run of blank lines before a line of that indentation."""
    runs: dict[int, int] = {}
    run = 0
    for line in lines:
        if not line.strip():
            run += 1
            continue
        runs[_indent(line)] = max(runs.get(_indent(line), 0), run)
        run = 0
    return runs


def _in_strings(tree: ast.Module) -> set[int]:
    """0-based indices of the lines inside multi-line string constants."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.end_lineno:
            inside.update(range(node.lineno, node.end_lineno))
    return inside


def tidy_blank_runs(lines: list[str], theirs: Sequence[str], ours: Sequence[str]) -> list[str]:
    tree = parse("".join(lines))
    if tree is None:
        return lines
    allowed = longest_runs(theirs)
    for indent, run in longest_runs(ours).items():
        allowed[indent] = max(allowed.get(indent, 0), run)
    protected = _in_strings(tree)
    out: list[str] = []
    pending: list[str] = []
    for i, line in enumerate(lines):
        if not line.strip() and i not in protected:
            pending.append(line)
            continue
        if pending and line.strip():
            pending = pending[:max(1, allowed.get(_indent(line), len(pending)))]
        out.extend(pending)
        pending = []
        out.append(line)
    return out + pending
