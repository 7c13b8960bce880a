"""The entity level of the merge, for Python: a module is a sequence of entities — imports, top-level definitions
and statements, and the members of each top-level class — matched across the three versions by name.

An entity changed on one side only takes that side; one changed on both is merged line by line (a class that
conflicts as a whole is merged member by member); entities added on both sides commute (theirs first); an import
``from m import …`` changed on both sides merges as a set of names; two different new definitions of one name are
a conflict naming it. The caller checks that the result parses.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import merge3

from ._merge_check import parse
from ._merge_diff import PatienceMatcher
from ._merge_line import REDEFINED, Engine, Region, line_regions, settle


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class Chunk:
    """One entity: its leading blank and comment lines (``lead`` of them), then the statement's own lines."""

    key: str
    name: str
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


def _key(node: ast.stmt, prefix: str, head: str) -> tuple[str, str]:
    """(matching key, the name a conflict message uses); ``head``: the statement's first line, stripped."""
    if isinstance(node, _DEFS):
        return f"def:{node.name}", prefix + node.name
    if isinstance(node, ast.Import):
        names = ",".join(a.name for a in node.names)
        return f"import:{names}", f"import {names}"
    if isinstance(node, ast.ImportFrom):
        module = "." * node.level + (node.module or "")
        return f"from:{module}", f"from {module} import"
    target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else getattr(node, "target",
                                                                                                     None)
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(target, ast.Name):
        return f"var:{target.id}", prefix + target.id
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
        return "doc", prefix + "docstring"
    return f"stmt:{head}", f"{prefix}statement {head[:40]!r}"


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators]) - 1


def split_body(lines: Sequence[str], body: Sequence[ast.stmt], start: int, end: int,
               prefix: str = "") -> list[Chunk] | None:
    """The chunks of ``body`` within lines[start:end]; None when statements share a line."""
    chunks: list[Chunk] = []
    seen: Counter[str] = Counter()
    pos = start
    for node in body:
        first, last = _first_line(node), node.end_lineno or node.lineno
        if first < pos:
            return None
        key, name = _key(node, prefix, lines[node.lineno - 1].strip())
        seen[key] += 1
        key += f"#{seen[key]}" if seen[key] > 1 else ""
        chunks.append(Chunk(key, name, tuple(lines[pos:last]), first - pos, node, pos))
        pos = last
    if pos < end:
        chunks.append(Chunk("tail", prefix + "end", tuple(lines[pos:end]), end - pos, None, pos))
    return chunks


def version_of(text: str) -> Version | None:
    if "\r" in text.replace("\r\n", ""):
        return None  # a lone carriage return counts as a line break to Python, not to the line merge
    tree = parse(text)
    if tree is None:
        return None
    lines = _lines(text)
    chunks = split_body(lines, tree.body, 0, len(lines))
    return None if chunks is None else Version(lines, chunks)


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _order(base: list[str], theirs: list[str], ours: list[str]) -> list[str]:
    """All keys in merged order: both sides' moves and insertions, two insertions at one place theirs first."""
    out: list[str] = []
    for group in merge3.Merge3(base, theirs, ours, sequence_matcher=PatienceMatcher).merge_groups():
        if group[0] == "conflict":
            out.extend([*group[2], *group[3], *group[1]])
        else:
            out.extend(group[1])
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class Context:
    versions: tuple[Version, Version, Version]  # base, theirs, ours
    engine: Engine


class Unmatched(Exception):
    """The entities do not line up (a definition moved into a new statement): leave it to the line merge."""


def _nested_names(chunks: list[Chunk], known: dict[str, Chunk]) -> set[str]:
    """Names defined inside the new (not in base) chunks of one side."""
    names: set[str] = set()
    for c in chunks:
        if c.key not in known and c.node is not None:
            names.update(n.name for n in ast.walk(c.node) if isinstance(n, _DEFS) and n is not c.node)
    return names


def _check_moves(maps: list[dict[str, Chunk]], chunks: tuple[list[Chunk], list[Chunk], list[Chunk]]) -> None:
    moved = _nested_names(chunks[1], maps[0]) | _nested_names(chunks[2], maps[0])
    for key, c in maps[0].items():
        if key not in maps[1] and key not in maps[2] and isinstance(c.node, _DEFS) and c.node.name in moved:
            raise Unmatched(c.name)


def merge_chunks(ctx: Context, chunks: tuple[list[Chunk], list[Chunk], list[Chunk]],
                 nested: bool = False) -> list[Region]:
    maps = [{c.key: c for c in side} for side in chunks]
    _check_moves(maps, chunks)
    order = _order(*[[c.key for c in side] for side in chunks])
    regions: list[Region] = []
    for key in order:
        regions.extend(_merge_one(ctx, maps[0].get(key), maps[1].get(key), maps[2].get(key), nested))
    return regions


def _lines_of(c: Chunk | None) -> list[str] | None:
    return None if c is None else list(c.lines)


def _merge_one(ctx: Context, b: Chunk | None, t: Chunk | None, o: Chunk | None, nested: bool) -> list[Region]:
    bl, tl, ol = _lines_of(b), _lines_of(t), _lines_of(o)
    if tl == ol or bl == ol:
        return [Region(lines=tl)] if tl else []
    if bl == tl:
        return [Region(lines=ol)] if ol else []
    assert t is not None or o is not None
    name = (t or o).name  # type: ignore[union-attr]
    if t is None or o is None:  # removed on one side, changed on the other
        return [Region(conflict=True, base=bl or [], theirs=tl or [], ours=ol or [], entity=name)]
    if b is None:
        return _both_added(t, o, name)
    return _both_changed(ctx, b, t, o, nested)


def _both_added(t: Chunk, o: Chunk, name: str) -> list[Region]:
    if t.body == o.body:
        return [Region(lines=list(t.lines))]
    merged = _merge_import_from(None, t, o)
    if merged is not None:
        return [Region(lines=merged)]
    return [Region(conflict=True, theirs=list(t.lines), ours=list(o.lines), reason=REDEFINED + name, entity=name)]


def _both_changed(ctx: Context, b: Chunk, t: Chunk, o: Chunk, nested: bool) -> list[Region]:
    regions = settle(line_regions(b.lines, t.lines, o.lines, ctx.engine), True)
    if not any(r.conflict for r in regions):
        return regions
    if not nested and isinstance(t.node, ast.ClassDef):
        members = _merge_class(ctx, b, t, o)
        if members is not None:
            return members
    merged = _merge_import_from(b, t, o)
    if merged is not None:
        return [Region(lines=merged)]
    for r in regions:
        r.entity = t.name
    return regions


def _class_parts(version: Version, c: Chunk) -> tuple[list[str], list[Chunk]] | None:
    node = c.node
    if not isinstance(node, ast.ClassDef) or node.body[0].lineno == node.lineno:
        return None
    first = _first_line(node.body[0])
    members = split_body(version.lines, node.body, first, node.end_lineno or first, prefix=node.name + ".")
    return None if members is None else (version.lines[c.start:first], members)


def _merge_class(ctx: Context, b: Chunk, t: Chunk, o: Chunk) -> list[Region] | None:
    parts = [_class_parts(v, c) for v, c in zip(ctx.versions, (b, t, o))]
    if any(p is None for p in parts) or not all(isinstance(c.node, ast.ClassDef) for c in (b, t, o)):
        return None
    pb, pt, po = parts  # type: ignore[misc]
    header = settle(line_regions(pb[0], pt[0], po[0], ctx.engine), True)
    for r in header:
        r.entity = t.name
    return header + merge_chunks(ctx, (pb[1], pt[1], po[1]), nested=True)


def _import_names(c: Chunk | None) -> list[str]:
    if c is None or not isinstance(c.node, ast.ImportFrom):
        return []
    return [f"{a.name} as {a.asname}" if a.asname else a.name for a in c.node.names]


def _merge_import_from(b: Chunk | None, t: Chunk, o: Chunk) -> list[str] | None:
    """``from m import …`` changed on both sides: the set of names (theirs' order, then ours' additions)."""
    node = t.node
    if not isinstance(node, ast.ImportFrom) or not isinstance(o.node, ast.ImportFrom):
        return None
    if any("#" in line or "\\" in line for line in (*t.body, *o.body)):
        return None  # comments or continuations inside the import: leave it to a person
    bn, tn, on = _import_names(b), _import_names(t), _import_names(o)
    removed = (set(bn) - set(tn)) | (set(bn) - set(on))
    names = [n for n in dict.fromkeys([*tn, *on]) if n not in removed]
    if "*" in names or not names:
        return None
    first = t.body[0]
    indent = first[:len(first) - len(first.lstrip())]
    module = "." * node.level + (node.module or "")
    lead = list(t.lines[:t.lead])
    if len(t.body) == 1:
        return [*lead, f"{indent}from {module} import {', '.join(names)}\n"]
    return [*lead, f"{indent}from {module} import (\n", *[f"{indent}    {n},\n" for n in names], f"{indent})\n"]


def entity_regions(base: str, theirs: str, ours: str, engine: Engine = "auto") -> list[Region] | None:
    """The entity merge of three Python texts (each ending in a newline), or None when one does not parse."""
    versions = [version_of(text) for text in (base, theirs, ours)]
    if any(v is None for v in versions):
        return None
    vb, vt, vo = versions  # type: ignore[misc]
    try:
        return merge_chunks(Context((vb, vt, vo), engine), (vb.chunks, vt.chunks, vo.chunks))
    except Unmatched:
        return None
