"""git's own three-way merge of lines: ``git merge-file -p --diff3`` on temporary files, read back as regions.

git is asked with long markers and fixed labels, outside any repository and with no user or system config, so its
answer does not depend on the machine's git settings; any failure answers None (the caller falls back).
"""

from __future__ import annotations

import os
import shutil
import subprocess  # nosec B404 - runs git merge-file on temporary files, no shell, no workspace code
import tempfile
from collections.abc import Sequence
from typing import Final

from ._merge_region import Region
from ._text import split_lines

_MARKER: Final = 41  # marker size: long enough that no real line is mistaken for one
_TIMEOUT: Final = 30.0
_MARKS: Final = {"<" * _MARKER + " t\n": 1, "|" * _MARKER + " b\n": 2, "=" * _MARKER + "\n": 3,
                 ">" * _MARKER + " o\n": 0}


def _run(git: str, base: Sequence[str], theirs: Sequence[str], ours: Sequence[str]) -> str | None:
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
            proc = subprocess.run(cmd, capture_output=True, timeout=_TIMEOUT, cwd=tmp, env=env,  # nosec B603
                                  check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
    if proc.returncode < 0 or proc.returncode > 127:
        return None
    return proc.stdout.decode("utf-8", "surrogatepass")


def parse_diff3(out: str) -> list[Region] | None:
    """Regions of git merge-file's diff3 output; None if it is not the shape expected."""
    regions: list[Region] = [Region()]
    state = 0  # 0 settled lines, 1 theirs, 2 base, 3 ours
    for line in split_lines(out):
        mark = _MARKS.get(line)
        if mark is None:
            r = regions[-1]
            (r.lines, r.theirs, r.base, r.ours)[state].append(line)
        elif mark != (state + 1) % 4:
            return None
        else:
            state = mark
            if mark in (0, 1):
                regions.append(Region(conflict=mark == 1))
    return regions if state == 0 else None


def git_regions(base: Sequence[str], theirs: Sequence[str], ours: Sequence[str]) -> list[Region] | None:
    """git's merge of the lines, or None when git is not on PATH or fails."""
    git = shutil.which("git")
    out = None if git is None else _run(git, base, theirs, ours)
    return None if out is None else parse_diff3(out)
