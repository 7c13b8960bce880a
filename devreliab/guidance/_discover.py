"""Which files a run analyses: the paths given (files or directories), minus excluded ones, or what git says
changed (``--changed-since REF``, ``--staged``)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from .._errors import DevreliabError, GitError
from .._policy import WorkspacePolicy

PY_SUFFIXES = (".py", ".pyw")


def relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def discover(root: Path, paths: Iterable[Path], excludes: Sequence[str]) -> list[str]:
    """Python files under ``paths`` (files or directories), relative to ``root``, sorted, excluded ones dropped.

    A path outside the root or missing is a ``DevreliabError`` naming it.
    """
    found: set[str] = set()
    ex = WorkspacePolicy(excludes)
    for given in paths:
        path = given if given.is_absolute() else Path.cwd() / given
        path = Path(os.path.normpath(path))
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            raise DevreliabError(f"{given}: outside the workspace root {root} (use --root)") from None
        if path.is_dir():
            if rel != "." and ex.excluded(rel):
                continue
            _walk(str(path), "" if rel == "." else rel + "/", ex, found)
        elif path.exists() or path.is_symlink():
            if not ex.excluded(rel):
                found.add(rel)
        else:
            raise DevreliabError(f"{given}: no such file or directory")
    return sorted(found)


def _walk(directory: str, prefix: str, ex: WorkspacePolicy, found: set[str]) -> None:
    """Python files below ``directory`` (``prefix`` is its workspace-relative path), excluded ones pruned.

    os.scandir with plain strings: on a tree like Django's (2,500 directories) pathlib costs more than the
    walk itself. Symlinked directories are not followed (no cycles, no escapes).
    """
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if ex.entry(name, prefix + name):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                _walk(entry.path, prefix + name + "/", ex, found)
            elif name.endswith(PY_SUFFIXES):
                found.add(prefix + name)
        except OSError:
            continue


def git(root: Path, *args: str) -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed, but --changed-since/--staged need it") from None
    if proc.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed: {proc.stderr.strip() or proc.returncode}")
    return proc.stdout


def is_git_repo(root: Path) -> bool:
    """True when ``root`` is inside a git work tree (and git is installed)."""
    try:
        proc = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=root, capture_output=True,
                              text=True, check=False)
    except FileNotFoundError:
        return False
    return proc.returncode == 0 and proc.stdout.strip() == "true"


def changed_files(root: Path, ref: str | None, staged: bool, excludes: Sequence[str]) -> list[str]:
    """Python files changed since ``ref`` (working tree, untracked included) or staged for commit."""
    if staged:
        out = git(root, "diff", "--cached", "--relative", "--name-only", "--diff-filter=ACMR", "-z")
        names = out.split("\0")
    else:
        assert ref is not None
        git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        out = git(root, "diff", "--relative", "--name-only", "--diff-filter=ACMR", "-z", ref, "--")
        untracked = git(root, "ls-files", "--others", "--exclude-standard", "-z")
        names = out.split("\0") + untracked.split("\0")
    result = set()
    ex = WorkspacePolicy(excludes)
    for name in names:
        if name.endswith(PY_SUFFIXES) and not ex.excluded(name):
            result.add(name)
    return sorted(result)


def staged_content(root: Path, names: Sequence[str]) -> dict[str, bytes]:
    """The bytes of each file as staged in git's index (what a commit would record)."""
    contents: dict[str, bytes] = {}
    for name in names:
        proc = subprocess.run(["git", "show", f":./{name}"], cwd=root, capture_output=True, check=False)
        if proc.returncode == 0:
            contents[name] = proc.stdout
    return contents
