"""The line level of the merge: regions from git's own merge when git is on PATH (``_merge_git``), else from
merge3 with patience alignment; then the insertion policy and git's "zealous" narrowing of conflicts.

Every line handed in ends in "\\n" (the caller decides the final newline).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import merge3

from ._merge_diff import PatienceMatcher
from ._merge_git import git_regions
from ._merge_region import REDEFINED, Region, defined_names

Engine = Literal["auto", "git", "python"]


def python_regions(base: Sequence[str], theirs: Sequence[str], ours: Sequence[str]) -> list[Region]:
    """merge3 with patience alignment: the fallback when git is not on the machine."""
    regions: list[Region] = []
    m = merge3.Merge3(list(base), list(theirs), list(ours), sequence_matcher=PatienceMatcher)
    for group in m.merge_groups():
        if group[0] == "conflict":
            regions.append(Region(conflict=True, base=list(group[1]), theirs=list(group[2]), ours=list(group[3])))
        else:
            regions.append(Region(lines=list(group[1])))
    return regions


def line_regions(base: Sequence[str], theirs: Sequence[str], ours: Sequence[str],
                 engine: Engine = "auto") -> list[Region]:
    if engine != "python":
        regions = git_regions(base, theirs, ours)
        if regions is not None:
            return regions
    return python_regions(base, theirs, ours)


def _contains(longer: list[str], shorter: list[str]) -> bool:
    n = len(shorter)
    return len(longer) >= n and (longer[:n] == shorter or longer[len(longer) - n:] == shorter)


def _shared_edge(t: list[str], o: list[str]) -> bool:
    return bool((t[0] == o[0] and t[0].strip()) or (t[-1] == o[-1] and t[-1].strip()))


def _insertions(r: Region) -> Region:
    """Two insertions at one place: the longer one if it starts or ends with the other; else both, theirs first,
    unless they define a name in common or share a non-blank first or last line; else a conflict."""
    t, o = r.theirs, r.ours
    if _contains(t, o) or _contains(o, t):
        return Region(lines=t if len(t) >= len(o) else o)
    shared = sorted(defined_names(t) & defined_names(o))
    if shared:
        return Region(conflict=True, theirs=t, ours=o, reason=REDEFINED + shared[0], entity=shared[0])
    if _shared_edge(t, o):
        return r
    return Region(lines=t + o, kept_both=True, theirs=t, ours=o)


def _trim(r: Region) -> list[Region]:
    """The conflict without the lines both sides agree on at its start and end (git's zealous level)."""
    t, o = r.theirs, r.ours
    head = 0
    while head < len(t) and head < len(o) and t[head] == o[head]:
        head += 1
    tail = 0
    while tail < len(t) - head and tail < len(o) - head and t[-1 - tail] == o[-1 - tail]:
        tail += 1
    inner = Region(conflict=True, base=r.base, theirs=t[head:len(t) - tail], ours=o[head:len(o) - tail])
    return [Region(lines=t[:head]), *([inner] if inner.theirs or inner.ours else []), Region(lines=t[len(t) - tail:])]


def _settle_one(r: Region, base_nonempty: bool, keep_both: bool) -> list[Region]:
    if not r.conflict:
        return [r]
    if keep_both and not r.base and base_nonempty and r.theirs and r.ours:
        return [_insertions(r)]
    return _trim(r)


def settle(regions: list[Region], base_nonempty: bool, keep_both: bool = True) -> list[Region]:
    """Narrow conflicts to what differs; settle two insertions at one place of a non-empty base (``_insertions``;
    ``keep_both`` False where the order of two insertions matters and cannot be guessed, as in Python code)."""
    out = [s for r in regions for s in _settle_one(r, base_nonempty, keep_both)]
    return [r for r in out if r.conflict or r.lines]


def unsettle_kept(regions: list[Region], reason: str) -> list[Region]:
    """Turn the keep-both settlements back into conflicts (the result failed a check)."""
    return [Region(conflict=True, base=[], theirs=r.theirs, ours=r.ours, reason=reason) if r.kept_both else r
            for r in regions]
