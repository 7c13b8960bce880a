"""Fixtures for the hook tests: a workspace on disk and ``devreliab hook AGENT`` as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
WAIT_S = 60.0


@dataclass(frozen=True)
class HookRun:
    answer: dict[str, Any]
    stderr: str
    exit_code: int


def hook_env() -> dict[str, str]:
    env = {**os.environ}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return env


def run_hook(agent: str, payload: dict[str, Any] | bytes, *extra: str) -> HookRun:
    """One hook event through the real command, as the agent runs it."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    proc = subprocess.run([sys.executable, "-m", "devreliab", "hook", agent, *extra], input=data,
                          capture_output=True, timeout=WAIT_S, env=hook_env(), check=False)
    out = proc.stdout.decode()
    answer = json.loads(out) if out.strip() else {}
    assert isinstance(answer, dict), out
    return HookRun(answer, proc.stderr.decode(), proc.returncode)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / ".git").mkdir()  # the workspace root is found from the event's cwd
    (root / "notes.txt").write_text("alpha\n\none\n\ntwo\n\nthree\n", encoding="utf-8")
    return root
