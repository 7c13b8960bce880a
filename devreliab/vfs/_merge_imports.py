"""``from m import …`` changed (or added) on both sides, merged as a set of names in both sides' order (theirs'
additions first where both added at one place), less the names either side removed. Statements with comments or
backslashes are left to a person."""

from __future__ import annotations

import ast

import merge3

from ._merge_chunks import Chunk


def _names(c: Chunk | None) -> list[str]:
    if c is None or not isinstance(c.node, ast.ImportFrom):
        return []
    return [f"{a.name} as {a.asname}" if a.asname else a.name for a in c.node.names]


def _sequence(base: list[str], theirs: list[str], ours: list[str]) -> list[str]:
    """The names in merged order: each side's additions where that side put them, theirs first at one place."""
    out: list[str] = []
    for group in merge3.Merge3(base, theirs, ours).merge_groups():
        out.extend([*group[2], *group[3]] if group[0] == "conflict" else group[1])
    return out


def _mergeable(t: Chunk, o: Chunk) -> bool:
    if not isinstance(t.node, ast.ImportFrom) or not isinstance(o.node, ast.ImportFrom):
        return False
    return not any("#" in line or "\\" in line for line in (*t.body, *o.body))


def _render(t: Chunk, node: ast.ImportFrom, names: list[str]) -> list[str]:
    """The statement in theirs' layout: one line if theirs had one, else parenthesised, a name a line."""
    first = t.body[0]
    indent = first[:len(first) - len(first.lstrip())]
    module = "." * node.level + (node.module or "")
    lead = list(t.lines[:t.lead])
    if len(t.body) == 1:
        return [*lead, f"{indent}from {module} import {', '.join(names)}\n"]
    return [*lead, f"{indent}from {module} import (\n", *[f"{indent}    {n},\n" for n in names], f"{indent})\n"]


def merge_import_from(b: Chunk | None, t: Chunk, o: Chunk) -> list[str] | None:
    """The merged statement's lines, or None when these are not two plain ``from m import`` statements."""
    if not _mergeable(t, o):
        return None
    bn, tn, on = _names(b), _names(t), _names(o)
    removed = (set(bn) - set(tn)) | (set(bn) - set(on))
    names = [n for n in dict.fromkeys(_sequence(bn, tn, on)) if n not in removed]
    if "*" in names or not names:
        return None
    assert isinstance(t.node, ast.ImportFrom)
    return _render(t, t.node, names)
