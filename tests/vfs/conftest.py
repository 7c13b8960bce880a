"""Fixtures for the workspace tests: a fresh workspace directory and a Workspace client on it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devreliab.vfs import Workspace

WORKER = Path(__file__).with_name("workers.py")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


@pytest.fixture
def ws(root: Path) -> Iterator[Workspace]:
    with Workspace(root) as workspace:
        yield workspace


def run_worker(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run tests/vfs/workers.py in a fresh Python process and wait for it (bounded)."""
    return subprocess.run([sys.executable, str(WORKER), *args], capture_output=True, text=True,
                          timeout=timeout, check=False, env=worker_env())


def start_worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(WORKER), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=worker_env())


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    project = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = project + os.pathsep + env.get("PYTHONPATH", "")
    return env
