"""How the entities of three versions line up: the merged order of their keys, and the moves the entity merge
does not follow (a definition that went into a new statement on one side)."""

from __future__ import annotations

import ast

import merge3

from ._merge_chunks import Chunk
from ._merge_diff import PatienceMatcher
from ._merge_keys import DEFS


def _complete(order: list[str], sides: tuple[list[str], ...]) -> list[str]:
    """Add the keys the order left out (a key one side replaced where the other kept it): each after the key
    before it on its own side, so every entity of every version is decided on."""
    out = list(dict.fromkeys(order))
    known = set(out)
    for side in sides:
        for i, key in enumerate(side):
            if key not in known:
                before = side[i - 1] if i else None
                out.insert(out.index(before) + 1 if before in known else 0, key)
                known.add(key)
    return out


def key_order(base: list[str], theirs: list[str], ours: list[str]) -> list[str]:
    """All keys of the three versions in merged order: both sides' moves and insertions, two insertions at one
    place theirs first."""
    out: list[str] = []
    for group in merge3.Merge3(base, theirs, ours, sequence_matcher=PatienceMatcher).merge_groups():
        if group[0] == "conflict":
            out.extend([*group[2], *group[3], *group[1]])
        else:
            out.extend(group[1])
    return _complete(out, (ours, theirs, base))


class Unmatched(Exception):
    """The entities do not line up (a definition moved into a new statement): leave it to the line merge."""


def _nested_names(chunks: list[Chunk], known: dict[str, Chunk]) -> set[str]:
    """Names defined inside the new (not in base) chunks of one side."""
    names: set[str] = set()
    for c in chunks:
        if c.key not in known and c.node is not None:
            names.update(n.name for n in ast.walk(c.node) if isinstance(n, DEFS) and n is not c.node)
    return names


def check_moves(maps: list[dict[str, Chunk]], chunks: tuple[list[Chunk], list[Chunk], list[Chunk]]) -> None:
    moved = _nested_names(chunks[1], maps[0]) | _nested_names(chunks[2], maps[0])
    for key, c in maps[0].items():
        if key not in maps[1] and key not in maps[2] and isinstance(c.node, DEFS) and c.node.name in moved:
            raise Unmatched(c.name)
