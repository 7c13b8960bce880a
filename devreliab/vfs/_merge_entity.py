"""The entity level of the merge, for Python: a module is a sequence of entities — imports, top-level definitions
and statements, and the members of each top-level class — matched across the three versions by name.

An entity changed on one side only takes that side; one changed on both is merged line by line (a class that
conflicts as a whole is merged member by member); entities added on both sides commute (theirs first); an import
``from m import …`` changed on both sides merges as a set of names; two different new definitions of one name are
a conflict naming it. The caller checks that the result parses.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ._merge_chunks import Chunk, Version, first_line, split_body, version_of
from ._merge_imports import merge_import_from
from ._merge_line import Engine, line_regions, settle
from ._merge_order import Unmatched, check_moves, key_order
from ._merge_region import REDEFINED, Region


@dataclass(frozen=True)
class Context:
    versions: tuple[Version, Version, Version]  # base, theirs, ours
    engine: Engine


def merge_chunks(ctx: Context, chunks: tuple[list[Chunk], list[Chunk], list[Chunk]],
                 nested: bool = False) -> list[Region]:
    maps = [{c.key: c for c in side} for side in chunks]
    check_moves(maps, chunks)
    order = key_order(*[[c.key for c in side] for side in chunks])
    regions: list[Region] = []
    for key in order:
        regions.extend(_merge_one(ctx, maps[0].get(key), maps[1].get(key), maps[2].get(key), nested))
    return regions


def _lines_of(c: Chunk | None) -> list[str] | None:
    return None if c is None else list(c.lines)


def _one_side(b: Chunk | None, t: Chunk | None, o: Chunk | None) -> list[Region] | None:
    """The entity when at most one side changed it (None: both did)."""
    bl, tl, ol = _lines_of(b), _lines_of(t), _lines_of(o)
    if tl == ol or bl == ol:
        return [Region(lines=tl)] if tl else []
    if bl == tl:
        return [Region(lines=ol)] if ol else []
    return None


def _merge_one(ctx: Context, b: Chunk | None, t: Chunk | None, o: Chunk | None, nested: bool) -> list[Region]:
    settled = _one_side(b, t, o)
    if settled is not None:
        return settled
    if t is None or o is None:  # removed on one side, changed on the other
        name = (t or o).name  # type: ignore[union-attr]
        return [Region(conflict=True, base=list(b.lines) if b else [], theirs=_lines_of(t) or [],
                       ours=_lines_of(o) or [], entity=name)]
    if b is None:
        return _both_added(t, o, t.name)
    return _both_changed(ctx, b, t, o, nested)


def _both_added(t: Chunk, o: Chunk, name: str) -> list[Region]:
    if t.body == o.body:
        return [Region(lines=list(t.lines))]
    merged = merge_import_from(None, t, o)
    if merged is not None:
        return [Region(lines=merged)]
    return [Region(conflict=True, theirs=list(t.lines), ours=list(o.lines), reason=REDEFINED + name, entity=name)]


def _both_changed(ctx: Context, b: Chunk, t: Chunk, o: Chunk, nested: bool) -> list[Region]:
    regions = settle(line_regions(b.lines, t.lines, o.lines, ctx.engine), True, keep_both=False)
    if not any(r.conflict for r in regions):
        return regions
    if not nested and isinstance(t.node, ast.ClassDef):
        members = _merge_class(ctx, b, t, o)
        if members is not None:
            return members
    merged = merge_import_from(b, t, o)
    if merged is not None:
        return [Region(lines=merged)]
    for r in regions:
        r.entity = t.name
    return regions


def _class_parts(version: Version, c: Chunk) -> tuple[list[str], list[Chunk]] | None:
    node = c.node
    if not isinstance(node, ast.ClassDef) or node.body[0].lineno == node.lineno:
        return None
    first = first_line(node.body[0])
    members = split_body(version.lines, node.body, first, node.end_lineno or first, prefix=node.name + ".")
    return None if members is None else (version.lines[c.start:first], members)


def _merge_class(ctx: Context, b: Chunk, t: Chunk, o: Chunk) -> list[Region] | None:
    pb, pt, po = (_class_parts(v, c) for v, c in zip(ctx.versions, (b, t, o), strict=True))
    if pb is None or pt is None or po is None:
        return None
    header = settle(line_regions(pb[0], pt[0], po[0], ctx.engine), True, keep_both=False)
    for r in header:
        r.entity = t.name
    return header + merge_chunks(ctx, (pb[1], pt[1], po[1]), nested=True)


def entity_regions(base: str, theirs: str, ours: str, engine: Engine = "auto") -> list[Region] | None:
    """The entity merge of three Python texts (each ending in a newline), or None when one does not parse."""
    vb, vt, vo = (version_of(text) for text in (base, theirs, ours))
    if vb is None or vt is None or vo is None:
        return None
    try:
        return merge_chunks(Context((vb, vt, vo), engine), (vb.chunks, vt.chunks, vo.chunks))
    except Unmatched:
        return None
