"""A line matcher for merge3 that aligns like git's diffs: patience anchors, exact matching in between.

difflib's longest-matching-block strategy pairs a moved or repeated block with the wrong copy; git's diffs
(and patience/histogram diff) first anchor on lines that occur once on both sides, in order, then match what
lies between the anchors. ``PatienceMatcher`` does that, after trimming the common head and tail, and falls back
to difflib's exact (non-heuristic) matcher in a gap that has no unique common line.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Final

from ._merge_anchor import Block, anchors

_EXACT_UP_TO: Final = 4000  # lines; a larger gap without anchors is matched with difflib's heuristic


def _exact(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int) -> list[Block]:
    big = max(ahi - alo, bhi - blo) > _EXACT_UP_TO
    sm = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=big)
    return [(alo + i, blo + j, n) for i, j, n in sm.get_matching_blocks() if n]


def _match(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int, out: list[Block]) -> None:
    """Append the matching blocks of a[alo:ahi] and b[blo:bhi] to ``out``, in order."""
    head = 0
    while alo + head < ahi and blo + head < bhi and a[alo + head] == b[blo + head]:
        head += 1
    tail = 0
    while ahi - tail > alo + head and bhi - tail > blo + head and a[ahi - tail - 1] == b[bhi - tail - 1]:
        tail += 1
    if head:
        out.append((alo, blo, head))
    _match_middle(a, b, alo + head, ahi - tail, blo + head, bhi - tail, out)
    if tail:
        out.append((ahi - tail, bhi - tail, tail))


def _match_middle(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int,
                  out: list[Block]) -> None:
    if alo >= ahi or blo >= bhi:
        return
    found = anchors(a, b, alo, ahi, blo, bhi)
    if not found:
        out.extend(_exact(a, b, alo, ahi, blo, bhi))
        return
    i, j = alo, blo
    for ai, bj, _ in found:
        _match(a, b, i, ai, j, bj, out)
        out.append((ai, bj, 1))
        i, j = ai + 1, bj + 1
    _match(a, b, i, ahi, j, bhi, out)


def matching_blocks(a: Sequence[str], b: Sequence[str]) -> list[Block]:
    """Maximal matching blocks of ``a`` and ``b`` in order, ending with the (len(a), len(b), 0) sentinel."""
    raw: list[Block] = []
    _match(a, b, 0, len(a), 0, len(b), raw)
    joined: list[Block] = []
    for i, j, n in raw:
        if joined and joined[-1][0] + joined[-1][2] == i and joined[-1][1] + joined[-1][2] == j:
            pi, pj, pn = joined[-1]
            joined[-1] = (pi, pj, pn + n)
        else:
            joined.append((i, j, n))
    joined.append((len(a), len(b), 0))
    return joined


class PatienceMatcher:
    """The part of difflib.SequenceMatcher's interface that merge3 uses, with patience alignment."""

    def __init__(self, isjunk: Callable[[str], bool] | None = None, a: Sequence[str] = (),
                 b: Sequence[str] = ()) -> None:
        self._a, self._b = a, b

    def get_matching_blocks(self) -> list[Block]:
        return matching_blocks(self._a, self._b)
