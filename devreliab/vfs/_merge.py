"""``merge(base, theirs, ours, path=None)``: the three-way merge every write, hook and guard goes through.

``theirs`` is what is on disk now, ``ours`` the incoming text, ``base`` the version ``ours`` was based on.
1. Lines: git's own merge (``git merge-file``) when git is on PATH, else merge3 with patience alignment
   (``_merge_line``); changes to different lines merge, conflicts are narrowed to the lines that differ.
2. Two sides that only *inserted* lines at the same place of a non-empty base keep both, theirs first — unless
   the two insertions define or import a name in common.
3. For Python (``path`` ending in .py/.pyi/.pyw): a merge that does not parse (when both sides did), or that
   defines a name more often than either side, is a conflict; a line conflict is retried entity by entity
   (``_merge_entity``: imports, definitions, class members matched by name).
A conflict says why (``reason``), names the entity when there is one, and carries only its own hunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from ._merge_check import PYTHON_SUFFIXES, Problem, python_problem
from ._merge_entity import entity_regions
from ._merge_line import Engine, line_regions, settle, unsettle_kept
from ._merge_region import Region
from ._merge_tidy import tidy_blank_runs
from ._text import split_lines

# The words of resolve_conflict: 'theirs' is what is on disk, 'ours' the write that could not be merged.
MARK_THEIRS: Final = "<<<<<<< theirs (on disk)"
MARK_MID: Final = "======="
MARK_OURS: Final = ">>>>>>> ours (this write)"
CONTEXT: Final = 3  # lines of context each side of a conflict's hunk
Mode = Literal["auto", "line", "entity"]


@dataclass(frozen=True)
class MergeConflict:
    """One place the merge refused: why, the entity (function, class member, import) if any, and the hunk."""

    reason: str  # "same lines changed" | "same entity redefined: NAME" | "result would not parse"
    entity: str | None
    line: int  # 1-based line of the merge's text where the hunk's conflict starts
    hunk: str  # the conflict's lines (with markers when the text has them) and a few lines of context

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "entity": self.entity, "line": self.line, "hunk": self.hunk}


@dataclass(frozen=True)
class MergeOutcome:
    clean: bool
    text: str  # the merge; with conflict markers where it is not clean
    conflicts: tuple[MergeConflict, ...] = ()
    method: str = "trivial"  # "trivial" (a side unchanged), "line" or "entity": what produced the text


def _is_python(path: str | None, mode: Mode) -> bool:
    return mode == "entity" or (path is not None and path.endswith(PYTHON_SUFFIXES))


def _render(regions: list[Region]) -> tuple[list[str], list[tuple[int, int, Region]]]:
    out: list[str] = []
    spans: list[tuple[int, int, Region]] = []
    for r in regions:
        if not r.conflict:
            out.extend(r.lines)
            continue
        start = len(out)
        out.extend([MARK_THEIRS + "\n", *r.theirs, MARK_MID + "\n", *r.ours, MARK_OURS + "\n"])
        spans.append((start, len(out), r))
    return out, spans


def _hunk(lines: list[str], start: int, end: int) -> str:
    return "".join(lines[max(0, start - CONTEXT):end + CONTEXT])


def _finish(regions: list[Region], final: bool, method: str) -> MergeOutcome:
    lines, spans = _render(regions)
    text = "".join(lines)
    if not final and text.endswith("\n"):
        text = text[:-1]
    conflicts = tuple(MergeConflict(r.reason, r.entity, s + 1, _hunk(lines, s, e)) for s, e, r in spans)
    return MergeOutcome(not conflicts, text, conflicts, method)


def _refused(text: str, problem: Problem, final: bool, method: str) -> MergeOutcome:
    """A merge with no marked conflict that a check refused: the text as merged, the hunk around the problem."""
    lines = split_lines(text)
    if not final and text.endswith("\n"):
        text = text[:-1]
    at = problem.line - 1
    return MergeOutcome(False, text, (MergeConflict(problem.reason, problem.entity, problem.line,
                                                    _hunk(lines, at, at + 1)),), method)


def _python_merge(regions: list[Region], sides: list[list[str]], mode: Mode, engine: Engine,
                  final: bool) -> MergeOutcome:
    texts = ["".join(s) for s in sides]
    outcome = _checked(regions, texts, final, "line")
    if outcome.clean or mode == "line":
        return outcome
    merged = _entity_merge(sides, texts, engine)
    if merged is None:
        return outcome
    entity = _checked(merged, texts, final, "entity")
    return entity if entity.clean or len(entity.conflicts) <= len(outcome.conflicts) else outcome


def _entity_merge(sides: list[list[str]], texts: list[str], engine: Engine) -> list[Region] | None:
    merged = entity_regions(texts[0], texts[1], texts[2], engine)
    if merged is None or any(r.conflict for r in merged):
        return merged
    return [Region(lines=tidy_blank_runs([line for r in merged for line in r.lines], sides[1], sides[2]))]


def _checked(regions: list[Region], texts: list[str], final: bool, method: str) -> MergeOutcome:
    if any(r.conflict for r in regions):
        return _finish(regions, final, method)
    merged = "".join(line for r in regions for line in r.lines)
    problem = python_problem(merged, texts[1], texts[2])
    if problem is None:
        return _finish(regions, final, method)
    if any(r.kept_both for r in regions):
        return _finish(unsettle_kept(regions, problem.reason), final, method)
    return _refused(merged, problem, final, method)


def _sides(*texts: str) -> tuple[list[list[str]], bool]:
    """The texts' lines, each ending in "\n", and whether the merge ends in one (decided apart: the side that
    changed the base's ending wins)."""
    finals = [t.endswith("\n") or t == "" for t in texts]
    sides = [split_lines(t if ends else t + "\n") for t, ends in zip(texts, finals, strict=True)]
    return sides, finals[2] if finals[2] != finals[0] else finals[1]


def merge(base: str, theirs: str, ours: str, path: str | None = None, *, mode: Mode = "auto",
          engine: Engine = "auto") -> MergeOutcome:
    """Merge ``ours`` into ``theirs`` relative to ``base``; ``path`` (workspace-relative) selects Python's checks
    and entity merge. ``mode="line"`` stops at the line merge; ``engine`` picks git or the pure-Python matcher."""
    if theirs in (ours, base) or ours == base:
        return MergeOutcome(True, ours if theirs == base else theirs)
    sides, final = _sides(base, theirs, ours)
    python = _is_python(path, mode)
    regions = settle(line_regions(sides[0], sides[1], sides[2], engine), bool(sides[0]), keep_both=not python)
    if python:
        return _python_merge(regions, sides, mode, engine, final)
    return _finish(regions, final, "line")


def configured_mode(raw: dict[str, Any]) -> Mode:
    """The merge mode devreliab.jsonc's ``merge.python`` asks for Python files: ``line`` (the default: git's
    line merge with the Python checks) or ``entity`` (also the entity merge; it resolves more but guesses more,
    see docs/workspace.md)."""
    return "auto" if raw.get("merge", {}).get("python") == "entity" else "line"


def labelled(text: str, theirs_by: str | None, ours_by: str | None) -> str:
    """``text`` with the conflict markers naming who wrote each side: ``<<<<<<< theirs (on disk, by X)`` and
    ``>>>>>>> ours (this write, by Y)``."""
    if theirs_by:
        text = text.replace(MARK_THEIRS + "\n", f"<<<<<<< theirs (on disk, by {theirs_by})\n")
    if ours_by:
        text = text.replace(MARK_OURS + "\n", f">>>>>>> ours (this write, by {ours_by})\n")
    return text


def merge_texts(base: str, theirs: str, ours: str, path: str | None = None) -> MergeOutcome:
    """The merge the workspace applies (kept under its old name)."""
    return merge(base, theirs, ours, path)
