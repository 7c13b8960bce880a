"""Three-way merge of logical text with merge3, line by line.

``theirs`` is what is on disk now, ``ours`` the incoming text, ``base`` the version ``ours`` was based on.
Changes to different lines merge cleanly. Two sides that only *inserted* lines at the same place of a
non-empty base (typically both appending at the end) keep both insertions, theirs first: neither changed
a line the other saw, so concatenating loses nothing and is not a real conflict. Anything else that overlaps
is a conflict and is rendered with git-style markers.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import merge3

from ._text import split_lines

MARK_THEIRS: Final = "<<<<<<< current (on disk)"
MARK_MID: Final = "======="
MARK_OURS: Final = ">>>>>>> incoming (yours)"
_AUTOJUNK_ABOVE: Final = 20000  # lines; below this, exact (non-heuristic) matching is affordable


@dataclass(frozen=True)
class MergeOutcome:
    clean: bool
    text: str  # the merge; with conflict markers when not clean
    conflicts: int


class _ExactMatcher(difflib.SequenceMatcher[str]):
    """difflib without the "popular line" heuristic, which misaligns files with many repeated lines."""

    def __init__(self, isjunk: Callable[[str], bool] | None = None, a: Sequence[str] = "",
                 b: Sequence[str] = "", autojunk: bool = False) -> None:
        super().__init__(isjunk, a, b, autojunk=False)


def merge_texts(base: str, theirs: str, ours: str) -> MergeOutcome:
    """Merge ``ours`` into ``theirs`` relative to ``base``."""
    if theirs == ours or ours == base:
        return MergeOutcome(True, theirs, 0)
    if theirs == base:
        return MergeOutcome(True, ours, 0)
    # Merge on lines that all end in "\n"; the final newline is decided separately.
    finals = [t.endswith("\n") or t == "" for t in (base, theirs, ours)]
    sides = [split_lines(t if t.endswith("\n") or t == "" else t + "\n") for t in (base, theirs, ours)]
    big = max(len(s) for s in sides) > _AUTOJUNK_ABOVE
    matcher: Any = difflib.SequenceMatcher if big else _ExactMatcher
    m = merge3.Merge3(sides[0], sides[1], sides[2], sequence_matcher=matcher)
    out: list[str] = []
    conflicts = 0
    for group in m.merge_groups():
        if group[0] != "conflict":
            out.extend(group[1])
            continue
        _, base_lines, their_lines, our_lines = group
        if not base_lines and sides[0]:
            out.extend(their_lines)
            out.extend(our_lines)
            continue
        conflicts += 1
        out.append(MARK_THEIRS + "\n")
        out.extend(their_lines)
        out.append(MARK_MID + "\n")
        out.extend(our_lines)
        out.append(MARK_OURS + "\n")
    text = "".join(out)
    final = finals[2] if finals[2] != finals[0] else finals[1]
    if not final and text.endswith("\n"):
        text = text[:-1]
    return MergeOutcome(conflicts == 0, text, conflicts)
