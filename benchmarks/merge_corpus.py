"""The replay corpus: file-level merge scenarios read from the merge commits of a git repository.

For each two-parent merge commit reachable from REV (newest first) with exactly one merge base: every .py file
changed on both sides (no rename detection) to different contents and present in both parents and the merge.
base = the file at the merge base ("" if it was added on both sides), theirs = the first parent's, ours = the
second parent's, answer = the committed merge's. Files that are not UTF-8 text are skipped.
"""

from __future__ import annotations

import subprocess  # nosec B404 - runs git on the corpus repositories
from collections.abc import Iterator
from dataclasses import dataclass


def _git(repo: str, *args: str, check: bool = True) -> str:
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, check=check,  # nosec B603 B607
                          text=True, errors="surrogateescape").stdout


@dataclass(frozen=True)
class Scenario:
    repo: str
    commit: str
    path: str
    base: str
    theirs: str
    ours: str
    answer: str


class Blobs:
    """``git cat-file --batch`` over one long-running process."""

    def __init__(self, repo: str) -> None:
        self.proc = subprocess.Popen(["git", "-C", repo, "cat-file", "--batch"], stdin=subprocess.PIPE,  # nosec
                                     stdout=subprocess.PIPE)

    def get(self, rev: str, path: str) -> bytes | None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{rev}:{path}\n".encode())
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            return None
        data = self.proc.stdout.read(int(header[2]) + 1)
        return data[:-1]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def _changed(repo: str, a: str, b: str) -> set[str]:
    out = _git(repo, "diff", "--no-renames", "--name-only", a, b, "--", "*.py")
    return set(out.split("\n")) - {""}


def _text(data: bytes | None) -> str | None:
    if data is None or b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _merges(repo: str, rev: str, limit: int | None) -> Iterator[tuple[str, str, str]]:
    args = ["rev-list", "--merges", "--parents", rev] + ([f"--max-count={limit}"] if limit else [])
    for line in _git(repo, *args).splitlines():
        parts = line.split()
        if len(parts) == 3:
            yield parts[0], parts[1], parts[2]


def scenarios(repo: str, rev: str, limit: int | None) -> Iterator[Scenario]:
    blobs = Blobs(repo)
    try:
        for commit, p1, p2 in _merges(repo, rev, limit):
            bases = _git(repo, "merge-base", "--all", p1, p2, check=False).split()
            if len(bases) != 1:
                continue
            for path in sorted(_changed(repo, bases[0], p1) & _changed(repo, bases[0], p2)):
                texts = [_text(blobs.get(r, path)) for r in (p1, p2, commit)]
                base = _text(blobs.get(bases[0], path)) or ""
                if any(t is None for t in texts) or texts[0] == texts[1]:
                    continue
                yield Scenario(repo, commit, path, base, *texts)  # type: ignore[arg-type]
    finally:
        blobs.close()
