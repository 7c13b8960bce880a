"""The line level of the merge: regions from git's own merge (``git merge-file --diff3``) when git is on PATH,
else from merge3 with patience alignment; then the insertion policy and git's "zealous" narrowing of conflicts.

Every line handed in ends in "\\n" (the caller decides the final newline). A region is either settled lines or a
conflict holding the base, theirs and ours lines of one place.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess  # nosec B404 - runs git merge-file on temporary files, no shell, no workspace code
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

import merge3

from ._merge_diff import PatienceMatcher
from ._text import split_lines

Engine = Literal["auto", "git", "python"]
_MARKER: Final = 41  # marker size for git merge-file: long enough that no real line is mistaken for one
_GIT_TIMEOUT: Final = 30.0
REDEFINED: Final = "same entity redefined: "
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
    reason: str = "same lines changed"
    entity: str | None = None
    kept_both: bool = False  # settled by keeping both insertions (undone if the result fails a check)


def _git() -> str | None:
    return shutil.which("git")


def _git_output(git: str, base: Sequence[str], theirs: Sequence[str], ours: Sequence[str]) -> str | None:
    with tempfile.TemporaryDirectory(prefix="devreliab-merge-") as tmp:
        names = []
        for name, lines in (("theirs", theirs), ("base", base), ("ours", ours)):
            path = os.path.join(tmp, name)
            with open(path, "wb") as fh:
                fh.write("".join(lines).encode("utf-8", "surrogatepass"))
            names.append(path)
        env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}
        cmd = [git, "merge-file", "-p", "--diff3", f"--marker-size={_MARKER}", "-L", "t", "-L", "b", "-L", "o",
               *names]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=_GIT_TIMEOUT, cwd=tmp, env=env,  # nosec B603
                                  check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
    if proc.returncode < 0 or proc.returncode > 127:
        return None
    return proc.stdout.decode("utf-8", "surrogatepass")


def _parse_git(out: str) -> list[Region] | None:
    """Regions of git merge-file's diff3 output; None if it is not the shape expected."""
    marks = {"<" * _MARKER + " t\n": 1, "|" * _MARKER + " b\n": 2, "=" * _MARKER + "\n": 3, ">" * _MARKER + " o\n": 0}
    regions: list[Region] = [Region()]
    state = 0
    for line in split_lines(out):
        mark = marks.get(line)
        if mark is None:
            target = (regions[-1].lines, regions[-1].theirs, regions[-1].base, regions[-1].ours)[state]
            target.append(line)
            continue
        if mark != (state + 1) % 4:
            return None
        state = mark
        if mark == 1:
            regions.append(Region(conflict=True))
        elif mark == 0:
            regions.append(Region())
    return regions if state == 0 else None


def git_regions(base: Sequence[str], theirs: Sequence[str], ours: Sequence[str]) -> list[Region] | None:
    """git's own three-way merge of the lines, or None when git is not there or fails."""
    git = _git()
    if git is None:
        return None
    out = _git_output(git, base, theirs, ours)
    return None if out is None else _parse_git(out)


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
            for part in imp.group(1).strip("()\\ \n").split(","):
                words = part.split()
                if words:
                    names.add("import " + words[-1])
    return names


def _trim(r: Region) -> tuple[list[str], Region, list[str]]:
    """Split off the lines both sides agree on at the start and the end of a conflict (git's zealous level)."""
    t, o = r.theirs, r.ours
    head = 0
    while head < len(t) and head < len(o) and t[head] == o[head]:
        head += 1
    tail = 0
    while tail < len(t) - head and tail < len(o) - head and t[-1 - tail] == o[-1 - tail]:
        tail += 1
    inner = Region(conflict=True, base=r.base, theirs=t[head:len(t) - tail], ours=o[head:len(o) - tail])
    return t[:head], inner, t[len(t) - tail:]


def _contains(longer: list[str], shorter: list[str]) -> bool:
    return len(longer) >= len(shorter) and (longer[:len(shorter)] == shorter or longer[len(longer) - len(shorter):]
                                            == shorter)


def _insertions(r: Region) -> Region:
    """Two insertions at one place: the longer one if it starts or ends with the other; both (theirs first)
    unless they define a name in common or share a non-blank first or last line; else a conflict."""
    t, o = r.theirs, r.ours
    if _contains(t, o) or _contains(o, t):
        return Region(lines=t if len(t) >= len(o) else o)
    shared = sorted(defined_names(t) & defined_names(o))
    if shared:
        return Region(conflict=True, theirs=t, ours=o, reason=REDEFINED + shared[0], entity=shared[0])
    if (t[0] == o[0] and t[0].strip()) or (t[-1] == o[-1] and t[-1].strip()):
        return r
    return Region(lines=t + o, kept_both=True, theirs=t, ours=o)


def settle(regions: list[Region], base_nonempty: bool) -> list[Region]:
    """Narrow conflicts to what differs; settle two insertions at one place of a non-empty base (``_insertions``)."""
    out: list[Region] = []
    for r in regions:
        if not r.conflict:
            out.append(r)
        elif not r.base and base_nonempty and r.theirs and r.ours:
            out.append(_insertions(r))
        else:
            head, inner, tail = _trim(r)
            out.extend([Region(lines=head)] + ([inner] if inner.theirs or inner.ours else []) + [Region(lines=tail)])
    return [r for r in out if r.conflict or r.lines]


def unsettle_kept(regions: list[Region], reason: str) -> list[Region]:
    """Turn the keep-both settlements back into conflicts (the result failed a check)."""
    return [Region(conflict=True, base=[], theirs=r.theirs, ours=r.ours, reason=reason) if r.kept_both else r
            for r in regions]
