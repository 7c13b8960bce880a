"""Search-and-replace edits: each ``old_text`` must match exactly once unless ``replace_all`` is set."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .._errors import EditError


@dataclass(frozen=True)
class Edit:
    """Replace ``old_text`` by ``new_text`` (every occurrence with ``replace_all``)."""

    old_text: str
    new_text: str
    replace_all: bool = False


def as_edits(edits: Iterable[Edit | Mapping[str, Any]]) -> list[Edit]:
    """Accept Edit objects or mappings with old_text, new_text and optional replace_all."""
    out: list[Edit] = []
    for index, item in enumerate(edits):
        if isinstance(item, Edit):
            out.append(item)
            continue
        try:
            old, new = item["old_text"], item["new_text"]
        except (KeyError, TypeError):
            raise EditError(f"edit {index + 1}: needs 'old_text' and 'new_text'") from None
        replace_all = item.get("replace_all", False)
        if not isinstance(old, str) or not isinstance(new, str) or not isinstance(replace_all, bool):
            raise EditError(f"edit {index + 1}: old_text and new_text must be strings, replace_all a boolean")
        out.append(Edit(old, new, replace_all))
    if not out:
        raise EditError("no edits given")
    return out


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n")


def closest_lines(text: str, needle: str, limit: int = 3) -> str:
    """The lines of ``text`` most like the first non-blank line of ``needle``, numbered."""
    lines = text.split("\n")
    probe = next((line for line in needle.split("\n") if line.strip()), needle)
    scored = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            ratio = difflib.SequenceMatcher(None, probe.strip(), line.strip(), autojunk=False).quick_ratio()
            scored.append((ratio, number, line))
    scored.sort(key=lambda item: (-item[0], item[1]))
    best = [f"  line {number}: {line}" for ratio, number, line in scored[:limit] if ratio > 0.3]
    return "\n".join(best) if best else "  (no similar lines)"


def apply_edits(text: str, edits: list[Edit], name: str) -> str:
    """Apply ``edits`` in order to logical ``text``; EditError when one does not match as required."""
    for index, edit in enumerate(edits, 1):
        old, new = _normalise(edit.old_text), _normalise(edit.new_text)
        label = f"{name!r} edit {index}"
        if not old:
            raise EditError(f"{label}: old_text is empty; give the text to replace")
        count = text.count(old)
        if count == 0:
            raise EditError(
                f"{label}: old_text was not found (it must match exactly, including whitespace). "
                f"Closest lines:\n{closest_lines(text, old)}"
            )
        if count > 1 and not edit.replace_all:
            first = text[: text.index(old)].count("\n") + 1
            raise EditError(
                f"{label}: old_text matches {count} times (first at line {first}); add surrounding lines to "
                "make it unique, or set replace_all"
            )
        text = text.replace(old, new) if edit.replace_all else text.replace(old, new, 1)
    return text
