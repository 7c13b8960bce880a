"""The unified diff in write/edit results applies back exactly (checked against a tiny patcher)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from devreliab.vfs._diff import unified_diff

_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def apply_patch(before: str, diff: str) -> str:
    """Apply a unified diff (as produced for one file) to ``before``."""
    source = before.splitlines(keepends=True)
    lines = diff.splitlines(keepends=True)[2:]
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(lines):
        match = _HUNK.match(lines[i])
        assert match, lines[i]
        start, length = int(match[1]), int(match[2] if match[2] is not None else 1)
        first = start - 1 if length else start
        out.extend(source[pos:first])
        pos = first
        i += 1
        while i < len(lines) and not lines[i].startswith("@@"):
            line = lines[i]
            if line.startswith("\\"):
                i += 1
                continue
            body = line[1:]
            if i + 1 < len(lines) and lines[i + 1].startswith("\\"):
                body = body[:-1]
            if line[0] == " ":
                out.append(body)
                pos += 1
            elif line[0] == "-":
                pos += 1
            else:
                out.append(body)
            i += 1
    out.extend(source[pos:])
    return "".join(out)


LINES = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "x = 1\n", "\n"]), max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@given(LINES, LINES, st.booleans(), st.booleans())
def test_diff_applied_to_before_gives_after(before: str, after: str, cut_a: bool, cut_b: bool) -> None:
    if cut_a and before:
        before = before[:-1]
    if cut_b and after:
        after = after[:-1]
    diff = unified_diff(before, after, "f")
    assert (diff == "") == (before == after)
    assert apply_patch(before, diff) == after


def test_small_change_deep_in_a_big_file_reports_true_line_numbers() -> None:
    before = "".join(f"line {i}\n" for i in range(1, 10001))
    after = before.replace("line 5000\n", "LINE 5000\n")
    diff = unified_diff(before, after, "big.txt")
    assert diff.splitlines()[2] == "@@ -4997,7 +4997,7 @@"
    assert apply_patch(before, diff) == after


def test_repeated_lines_do_not_blow_up_the_diff() -> None:
    body = "same line\n" * 5000
    diff = unified_diff("0\n" + body, "1\n" + body, "f")
    assert diff.count("\n") == 8
