"""Three-way merge against a simple model: edits to separate regions both survive."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from devreliab.vfs._merge import MARK_MID, MARK_OURS, MARK_THEIRS, merge_texts

Replacement = tuple[int, int, list[str]]  # replace lines [start, end) by the list


@st.composite
def two_separate_edits(draw: st.DrawFn) -> tuple[list[str], Replacement, Replacement]:
    """A base of unique lines and two replacements of disjoint, non-adjacent line ranges."""
    n = draw(st.integers(min_value=3, max_value=40))
    base = [f"base {i}\n" for i in range(n)]
    a_start = draw(st.integers(0, n - 3))
    a_end = draw(st.integers(a_start, min(a_start + 5, n - 2)))
    b_start = draw(st.integers(a_end + 1, n - 1))
    b_end = draw(st.integers(b_start, min(b_start + 5, n)))
    a_new = [f"theirs {i}\n" for i in range(draw(st.integers(0, 4)))]
    b_new = [f"ours {i}\n" for i in range(draw(st.integers(0, 4)))]
    if a_start == a_end and not a_new:
        a_new = ["theirs only\n"]
    if b_start == b_end and not b_new:
        b_new = ["ours only\n"]
    return base, (a_start, a_end, a_new), (b_start, b_end, b_new)


def _apply(lines: list[str], *edits: tuple[int, int, list[str]]) -> list[str]:
    out = list(lines)
    for start, end, new in sorted(edits, key=lambda e: -e[0]):
        out[start:end] = new
    return out


@settings(max_examples=400, deadline=None)
@given(two_separate_edits(), st.booleans())
def test_separate_edits_merge_cleanly_into_the_model(case: tuple, swap: bool) -> None:  # type: ignore[type-arg]
    base, theirs_edit, ours_edit = case
    if swap:
        theirs_edit, ours_edit = ours_edit, theirs_edit
    model = "".join(_apply(base, theirs_edit, ours_edit))
    outcome = merge_texts("".join(base), "".join(_apply(base, theirs_edit)), "".join(_apply(base, ours_edit)))
    assert outcome.clean
    assert outcome.text == model


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab\n", max_size=30), st.text(alphabet="ab\n", max_size=30))
def test_one_side_unchanged_yields_the_other_side(base: str, other: str) -> None:
    assert merge_texts(base, other, base).text == other
    assert merge_texts(base, base, other).text == other
    assert merge_texts(base, other, other).text == other


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["x\n", "y\n", "z\n"]), min_size=1, max_size=10),
       st.lists(st.text(alphabet="pq", min_size=1).map(lambda s: s + "\n"), min_size=1, max_size=3),
       st.lists(st.text(alphabet="rs", min_size=1).map(lambda s: s + "\n"), min_size=1, max_size=3))
def test_both_appending_keeps_theirs_then_ours(base: list[str], theirs: list[str], ours: list[str]) -> None:
    outcome = merge_texts("".join(base), "".join(base + theirs), "".join(base + ours))
    assert outcome.clean
    assert outcome.text == "".join(base + theirs + ours)


def test_overlapping_changes_conflict_with_markers_holding_both_sides() -> None:
    outcome = merge_texts("a\nb\nc\n", "a\nT\nc\n", "a\nO\nc\n")
    assert not outcome.clean and len(outcome.conflicts) == 1
    assert outcome.text == f"a\n{MARK_THEIRS}\nT\n{MARK_MID}\nO\n{MARK_OURS}\nc\n"


def test_two_different_new_files_conflict() -> None:
    assert not merge_texts("", "theirs\n", "ours\n").clean


def test_missing_final_newline_is_taken_from_the_side_that_changed_it() -> None:
    assert merge_texts("a\nb\nc", "A\nb\nc", "a\nb\nc\n").text == "A\nb\nc\n"
    assert merge_texts("a\nb\nc\n", "A\nb\nc\n", "a\nb\nc").text == "A\nb\nc"
    assert merge_texts("a\nb\nc", "A\nb\nc", "a\nb\nC").text == "A\nb\nC"
