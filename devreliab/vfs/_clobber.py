"""Did an outside write drop a client's accepted change? (docs/workspace.md, "Clobber detection")

A client's write is the change ``base → ours``; the outside write left ``theirs``. The two are compared region by
region with merge3 (base, theirs, ours), and the change counts as *dropped* when some region of it is missing
from theirs:

- a region only ours changed: theirs still holds base's text there, so ours' change was undone;
- a region both changed differently: theirs dropped ours' change unless it is *derived* from it — it keeps one of
  the lines ours added (compared without whitespace, so a formatter's re-indenting counts as kept), or, where ours
  replaced lines, theirs is more like ours' text than like base's, whitespace aside (someone edited the client's
  lines further).

Changes of whitespace only are never counted as dropped. Everything else theirs did (other regions) is its own
business: a formatter, a generator or a person adding elsewhere drops nothing.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from typing import Any, Final

import merge3

from ._text import split_lines

_AUTOJUNK_ABOVE: Final = 20000  # lines; below this, exact (non-heuristic) matching is affordable


class _ExactMatcher(difflib.SequenceMatcher[str]):
    """difflib without the "popular line" heuristic, which misaligns files with many repeated lines."""

    def __init__(self, isjunk: Callable[[str], bool] | None = None, a: Sequence[str] = "",
                 b: Sequence[str] = "", autojunk: bool = False) -> None:
        super().__init__(isjunk, a, b, autojunk=False)

_SPACE = re.compile(r"\s+")
_RATIO_CHARS = 20_000  # regions longer than this are compared with difflib's cheaper upper bound


def _norm(line: str) -> str:
    return _SPACE.sub("", line)


def _lines(text: str) -> list[str]:
    return split_lines(text if text.endswith("\n") or text == "" else text + "\n")


def _ratio(a: Sequence[str], b: Sequence[str]) -> float:
    """How alike two runs of lines are, ignoring whitespace (so a formatter's re-spacing does not tip it)."""
    x, y = "\n".join(map(_norm, a)), "\n".join(map(_norm, b))
    if not x and not y:
        return 1.0
    matcher = difflib.SequenceMatcher(None, x, y, autojunk=False)
    return matcher.quick_ratio() if len(x) + len(y) > _RATIO_CHARS else matcher.ratio()


def _derived(base_r: Sequence[str], theirs_r: Sequence[str], ours_r: Sequence[str]) -> bool:
    """Where both changed one region: is theirs built on ours' text there (so ours' change is not lost)?"""
    added = {_norm(line) for line in ours_r} - {_norm(line) for line in base_r}
    if added & {_norm(line) for line in theirs_r}:
        return True
    if not base_r:  # both inserted at the same place, and theirs kept none of ours' lines
        return False
    return _ratio(theirs_r, ours_r) > _ratio(theirs_r, base_r)


def _whitespace_only(a: Sequence[str], b: Sequence[str]) -> bool:
    return [n for n in map(_norm, a) if n] == [n for n in map(_norm, b) if n]


def _regions(base: list[str], theirs: list[str], ours: list[str]) -> list[tuple[slice, slice, slice]]:
    """The (base, theirs, ours) spans between merge3's sync regions where theirs or ours differ from base."""
    big = max(len(base), len(theirs), len(ours)) > _AUTOJUNK_ABOVE
    matcher: Any = difflib.SequenceMatcher if big else _ExactMatcher
    m = merge3.Merge3(base, theirs, ours, sequence_matcher=matcher)
    out: list[tuple[slice, slice, slice]] = []
    iz = it = io = 0
    for zmatch, zend, tmatch, tend, omatch, oend in m.find_sync_regions():
        if tmatch > it or omatch > io or zmatch > iz:
            out.append((slice(iz, zmatch), slice(it, tmatch), slice(io, omatch)))
        iz, it, io = zend, tend, oend
    return out


def _region_dropped(b: Sequence[str], t: Sequence[str], o: Sequence[str]) -> bool:
    if list(o) == list(b) or list(o) == list(t) or _whitespace_only(b, o):
        return False  # ours did not change this region (or theirs made the same change)
    if list(t) == list(b):
        return True  # theirs holds base's text where ours changed it: undone
    return not _derived(b, t, o)


def dropped(base: str, ours: str, theirs: str) -> bool:
    """Whether ``theirs`` lacks the change ``base → ours`` (see the module's docstring)."""
    if theirs == ours or base == ours:
        return False
    b, t, o = (_lines(x) for x in (base, theirs, ours))
    return any(_region_dropped(b[zs], t[ts], o[os_]) for zs, ts, os_ in _regions(b, t, o))
