"""Shared test helpers: throwaway workspaces on disk and the real CLI as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "fixtures" / "example"


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(*args: str | os.PathLike[str], cwd: Path, env: dict[str, str] | None = None,
            input: str | None = None, timeout: float = 300) -> Run:
    """``python -m devreliab ARGS`` in ``cwd``, as a user would run it."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "devreliab", *map(str, args)], cwd=cwd, env=full_env,
                          capture_output=True, text=True, input=input, timeout=timeout)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false",
         "-c", "init.defaultBranch=main", *args],
        cwd=cwd, capture_output=True, text=True, check=True, timeout=60,
    )
    return proc.stdout


MakeProject = Callable[..., Path]


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """Writes ``files`` (path → text, dedented; bytes written as is) under a fresh workspace root.

    ``config`` becomes devreliab.jsonc; ``git=True`` makes it a repository with one commit.
    """
    counter = [0]

    def make(files: dict[str, str | bytes], config: str | None = None, git_repo: bool = False) -> Path:
        counter[0] += 1
        root = tmp_path / f"ws{counter[0]}"
        root.mkdir()
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content), encoding="utf-8")
        if config is not None:
            (root / "devreliab.jsonc").write_text(textwrap.dedent(config), encoding="utf-8")
        if git_repo:
            git(root, "init", "-q")
            git(root, "add", "-A")
            git(root, "commit", "-qm", "initial")
        return root

    return make


# A function whose cyclomatic complexity is exactly 10 (one if/elif chain of 9 tests + 1).
CC10 = "def grade(x):\n" + "".join(
    f"    {'if' if i == 0 else 'elif'} x == {i}:\n        return {i}\n" for i in range(9)
) + "    return -1\n"

CC9 = "def grade(x):\n" + "".join(
    f"    {'if' if i == 0 else 'elif'} x == {i}:\n        return {i}\n" for i in range(8)
) + "    return -1\n"
