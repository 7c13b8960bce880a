"""Patience diff's anchors: the lines that occur exactly once on both sides, kept in an order both agree on."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

Block = tuple[int, int, int]  # (start in a, start in b, length)


def _unique_pairs(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int) -> list[Block]:
    """(index in a, index in b) of the lines that occur exactly once in a[alo:ahi] and in b[blo:bhi]."""
    count: dict[str, list[int]] = {}
    for i in range(alo, ahi):
        entry = count.setdefault(a[i], [0, i, 0, -1])
        entry[0] += 1
    for j in range(blo, bhi):
        seen = count.get(b[j])
        if seen is not None:
            seen[2] += 1
            seen[3] = j
    pairs = [(e[1], e[3], 1) for e in count.values() if e[0] == 1 and e[2] == 1]
    pairs.sort()
    return pairs


def _longest_increasing(pairs: list[Block]) -> list[Block]:
    """The longest run of ``pairs`` (sorted by a) whose b indices increase: patience sorting."""
    tails: list[int] = []  # b index ending the best run of each length
    ends: list[int] = []  # index into pairs of that run's last pair
    back: list[int] = [-1] * len(pairs)
    for k, (_, j, _) in enumerate(pairs):
        pos = bisect.bisect_left(tails, j)
        back[k] = ends[pos - 1] if pos else -1
        if pos == len(tails):
            tails.append(j)
            ends.append(k)
        else:
            tails[pos], ends[pos] = j, k
    out: list[Block] = []
    k = ends[-1] if ends else -1
    while k >= 0:
        out.append(pairs[k])
        k = back[k]
    out.reverse()
    return out


def anchors(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int) -> list[Block]:
    """The anchors of a[alo:ahi] and b[blo:bhi], in order (one-line blocks)."""
    return _longest_increasing(_unique_pairs(a, b, alo, ahi, blo, bhi))
