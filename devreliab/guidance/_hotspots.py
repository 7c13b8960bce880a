"""Hotspots: complexity × churn. Code that is both complex and often changed is where bugs concentrate
(Tornhill, "Your Code as a Crime Scene"); it is what to fix first."""

from __future__ import annotations

import subprocess
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from ._model import FileAnalysis, Hotspot


class ChurnReader:
    """Reads file churn from ``git log --numstat`` in the background while files are analysed."""

    def __init__(self, root: Path, max_commits: int) -> None:
        try:
            self._proc: subprocess.Popen[str] | None = subprocess.Popen(
                ["git", "log", "--no-merges", "--no-renames", "--relative", "--numstat", "--format=%x00",
                 "-n", str(max_commits)],
                cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            )
        except OSError:
            self._proc = None

    def result(self) -> dict[str, tuple[int, int]]:
        """(lines added + deleted, commits) per path; empty when git is missing or the repo has no history."""
        if self._proc is None:
            return {}
        out, _ = self._proc.communicate()
        if self._proc.returncode != 0:
            return {}
        churn: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) != 3:
                continue
            added, deleted, path = parts
            entry = churn[path]
            entry[0] += (int(added) if added.isdigit() else 0) + (int(deleted) if deleted.isdigit() else 0)
            entry[1] += 1
        return {path: (lines, commits) for path, (lines, commits) in churn.items()}


def hotspots(files: Iterable[FileAnalysis], churn: dict[str, tuple[int, int]], limit: int = 20) -> tuple[
        Hotspot, ...]:
    spots = []
    for f in files:
        lines, commits = churn.get(f.path, (0, 0))
        if not commits:
            continue
        for b in f.functions:
            if b.complexity <= 1:
                continue
            spots.append(Hotspot(f.path, b.qualname, b.lineno, b.complexity, lines, commits,
                                 float(b.complexity * commits)))
    spots.sort(key=lambda h: (-h.score, -h.churn, h.path, h.line))
    return tuple(spots[:limit])
