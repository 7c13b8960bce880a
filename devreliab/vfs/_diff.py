"""Unified diffs of the changed region of a text, cheap for small changes to big files."""

from __future__ import annotations

import difflib
import re

from ._text import split_lines

_HUNK = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", re.MULTILINE)


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix of ``a`` and ``b`` (compared in C, block by block)."""
    limit, i, step = min(len(a), len(b)), 0, 4096
    while step:
        while i + step <= limit and a[i:i + step] == b[i:i + step]:
            i += step
        step //= 8
    return i


def _common_suffix(a: str, b: str, limit: int) -> int:
    i, step = 0, 4096
    while step:
        while i + step <= limit and a[len(a) - i - step:len(a) - i] == b[len(b) - i - step:len(b) - i]:
            i += step
        step //= 8
    return i


def unified_diff(before: str, after: str, rel: str, context: int = 3) -> str:
    """A unified diff of the changed region only: the common head and tail are found with string
    comparisons before difflib runs (hunk numbers are shifted back), so a small change to a big file costs
    little and files of repeated lines do not trip difflib's "popular line" heuristic."""
    if before == after:
        return ""
    head = _common_prefix(before, after)
    tail = _common_suffix(before, after, min(len(before), len(after)) - head)
    start = before.rfind("\n", 0, head) + 1  # start of the first changed line
    for _ in range(context):
        if start == 0:
            break
        start = before.rfind("\n", 0, start - 1) + 1
    ends = []
    for text in (before, after):
        end = len(text) - tail
        for _ in range(context + 1):
            nl = text.find("\n", end)
            if nl == -1:
                end = len(text)
                break
            end = nl + 1
        ends.append(end)
    a, b = split_lines(before[start:ends[0]]), split_lines(after[start:ends[1]])
    for lines in (a, b):
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n\\ No newline at end of file\n"
    text = "".join(difflib.unified_diff(a, b, f"a/{rel}", f"b/{rel}", n=context))
    offset = before.count("\n", 0, start)
    if not offset:
        return text

    def shift(match: re.Match[str]) -> str:
        old, old_len, new, new_len = match.groups()
        return f"@@ -{int(old) + offset}{old_len or ''} +{int(new) + offset}{new_len or ''} @@"

    return _HUNK.sub(shift, text)
