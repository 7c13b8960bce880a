"""The replay benchmark's corpus reader and counts, on a real git repository made here with two merges."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import merge_replay
from merge_corpus import scenarios

BASE = "import os\n\n\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n"


def _git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
           "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True,
                          env=env).stdout


def _commit(repo: Path, text: str, message: str) -> None:
    (repo / "m.py").write_text(text)
    _git(repo, "add", "m.py")
    _git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: two merges of a side branch; the first merges cleanly, the second conflicts and is resolved."""
    repo = tmp_path / "r"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _commit(repo, BASE, "base")
    _git(repo, "checkout", "-q", "-b", "side")
    _commit(repo, BASE.replace("return 2", "return 20"), "side changes g")
    _git(repo, "checkout", "-q", "main")
    _commit(repo, BASE.replace("return 1", "return 10"), "main changes f")
    _git(repo, "merge", "-q", "--no-edit", "side")
    _git(repo, "checkout", "-q", "side")
    first = BASE.replace("return 2", "return 20")
    _commit(repo, first + "\n\ndef side_new():\n    return 's'\n", "side adds a function")
    _git(repo, "checkout", "-q", "main")
    merged = BASE.replace("return 1", "return 10").replace("return 2", "return 20")
    _commit(repo, merged + "\n\ndef main_new():\n    return 'm'\n", "main adds a function")
    subprocess.run(["git", "-C", str(repo), "merge", "-q", "--no-edit", "side"], capture_output=True, check=False)
    (repo / "m.py").write_text(merged + "\n\ndef main_new():\n    return 'm'\n\n\ndef side_new():\n    return 's'\n")
    _git(repo, "commit", "-q", "-am", "merge side, both functions kept")
    return repo


def test_the_corpus_holds_each_python_file_changed_on_both_sides_of_a_merge(repo: Path) -> None:
    found = list(scenarios(str(repo), "HEAD", None))
    assert len(found) == 2
    newest = found[0]
    assert newest.path == "m.py" and "main_new" in newest.theirs and "side_new" in newest.ours
    assert "main_new" in newest.answer and "side_new" in newest.answer


def test_the_replay_counts_git_and_each_devreliab_mode(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    total, tallies = merge_replay.replay([f"{repo}@HEAD"], None)
    assert total == 2
    git = tallies["git merge-file"]
    assert (git.clean, git.identical, git.different) == (1, 1, 0)  # the second merge conflicts in git
    for mode in ("devreliab line (git engine)", "devreliab line (pure Python)"):
        assert (tallies[mode].clean, tallies[mode].identical) == (1, 1)
    for mode in ("devreliab entity (git engine)", "devreliab entity (pure Python)"):
        entity = tallies[mode]
        assert (entity.clean, entity.identical, entity.resolved_git_conflicts) == (2, 2, 1)
    assert merge_replay.main([str(repo)]) == 0
    assert "| git merge-file | 1 | 1 | 0 |" in capsys.readouterr().out
