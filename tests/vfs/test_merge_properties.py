"""Properties of devreliab.vfs.merge on random edits (hypothesis), for text and for Python, with git's merge and
with the pure-Python fallback: a clean merge holds both sides' changes; merging a change twice changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devreliab.vfs import merge

CASES = pytest.mark.parametrize(("engine", "path"), [("git", "notes.txt"), ("python", "notes.txt"),
                                                     ("git", "mod.py"), ("python", "mod.py")])


def _line(name: str) -> str:
    return f"{name} = 0\n"  # a line that is also a Python statement, so the entity merge takes part


@st.composite
def edited(draw: st.DrawFn, base: list[str], tag: str) -> list[str]:
    """``base`` with up to three random replacements of up to three lines: by new, uniquely named lines, or by
    the same names with new values."""
    lines = list(base)
    for e in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, len(lines)))
        end = draw(st.integers(start, min(len(lines), start + 3)))
        if draw(st.booleans()) and end > start:  # change the lines' values, keep their names (the same entities)
            lines[start:end] = [f"{line.split(' = ')[0]} = '{tag}{e}'\n" for line in lines[start:end]]
        else:
            lines[start:end] = [_line(f"{tag}{e}_{i}") for i in range(draw(st.integers(0, 3)))]
    return lines


@st.composite
def three_versions(draw: st.DrawFn) -> tuple[list[str], list[str], list[str]]:
    base = [_line(f"b{i}") for i in range(draw(st.integers(1, 25)))]
    return base, draw(edited(base, "t")), draw(edited(base, "o"))


def _holds_the_changes_of(result: list[str], base: list[str], side: list[str]) -> None:
    kept = set(result)
    assert set(side) - set(base) <= kept, "a line the side added is missing"
    assert not (set(base) - set(side)) & kept, "a line the side removed is back"
    assert [x for x in result if x in set(side)] == [x for x in side if x in kept], "the side's order changed"


@CASES
@settings(max_examples=150, deadline=None)
@given(case=three_versions())
def test_a_clean_merge_holds_both_sides_changes(case: tuple[list[str], list[str], list[str]], engine: str,
                                                path: str) -> None:
    base, theirs, ours = case
    outcome = merge("".join(base), "".join(theirs), "".join(ours), path, engine=engine)  # type: ignore[arg-type]
    if outcome.clean:
        result = outcome.text.splitlines(keepends=True)
        _holds_the_changes_of(result, base, theirs)
        _holds_the_changes_of(result, base, ours)
    else:
        assert outcome.conflicts and all(c.hunk for c in outcome.conflicts)


@CASES
@settings(max_examples=100, deadline=None)
@given(case=three_versions())
def test_merging_a_change_already_merged_changes_nothing(case: tuple[list[str], list[str], list[str]], engine: str,
                                                         path: str) -> None:
    base, theirs, ours = ("".join(v) for v in case)
    first = merge(base, theirs, ours, path, engine=engine)  # type: ignore[arg-type]
    if first.clean:
        again = merge(base, first.text, ours, path, engine=engine)  # type: ignore[arg-type]
        assert again.clean and again.text == first.text
    same = merge(base, ours, ours, path, engine=engine)  # type: ignore[arg-type]
    assert same.clean and same.text == ours


@CASES
@settings(max_examples=60, deadline=None)
@given(case=three_versions())
def test_a_side_left_as_the_base_yields_the_other_side(case: tuple[list[str], list[str], list[str]], engine: str,
                                                       path: str) -> None:
    base, x, _ = ("".join(v) for v in case)
    assert merge(base, x, base, path, engine=engine).text == x  # type: ignore[arg-type]
    assert merge(base, base, x, path, engine=engine).text == x  # type: ignore[arg-type]
