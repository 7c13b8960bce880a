"""A region of a merge: settled lines, or a conflict between theirs and ours; and the names a block defines."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

REDEFINED: Final = "same entity redefined: "
SAME_LINES: Final = "same lines changed"
_DEF: Final = re.compile(r"^\s*(?:async\s+def|def|class)\s+(\w+)")
_ASSIGN: Final = re.compile(r"^(\w+)\s*(?::[^=]*)?=(?!=)")
_IMPORT: Final = re.compile(r"^\s*(?:from\s+\S+\s+)?import\s+(.+)$")


@dataclass
class Region:
    """Settled ``lines``, or a conflict between ``theirs`` and ``ours`` (``base`` what both changed)."""

    lines: list[str] = field(default_factory=list)
    conflict: bool = False
    base: list[str] = field(default_factory=list)
    theirs: list[str] = field(default_factory=list)
    ours: list[str] = field(default_factory=list)
    reason: str = SAME_LINES
    entity: str | None = None
    kept_both: bool = False  # settled by keeping both insertions (undone if the result fails a check)


def _imported(names: str) -> set[str]:
    out = set()
    for part in names.strip("()\\ \n").split(","):
        words = part.split()
        if words:
            out.add("import " + words[-1])
    return out


def defined_names(lines: Sequence[str]) -> set[str]:
    """Names a block of lines defines or imports (a cheap look that works on any fragment)."""
    names: set[str] = set()
    for line in lines:
        m = _DEF.match(line) or _ASSIGN.match(line)
        if m:
            names.add(m.group(1))
            continue
        imp = _IMPORT.match(line)
        if imp:
            names |= _imported(imp.group(1))
    return names
