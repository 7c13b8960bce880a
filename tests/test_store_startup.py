"""Several processes opening one fresh workspace at the same moment: none of them fails.

Each trial makes a fresh directory and releases 8 real processes at once on it (a barrier: every worker
blocks on its stdin until the parent has written the trial's directory to all of them, back to back); each
constructs ``Workspace(fresh_dir)``, writes a file and reads it back. The workers live across trials, so a
trial costs the opening of the store, not the start of Python.

``DEVRELIAB_STORE_RACE_TRIALS=100`` runs the issue's full measure (100 trials of 8 processes).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WORKERS = 8
TRIALS = int(os.environ.get("DEVRELIAB_STORE_RACE_TRIALS", "20"))

_WORKER = r"""
import sys, traceback
from devreliab import Workspace
name = sys.argv[1]
print("ready", flush=True)
for line in sys.stdin:
    root = line.rstrip("\n")
    try:
        with Workspace(root) as ws:
            ws.write(f"{name}.txt", f"written by {name}\n")
            assert ws.read(f"{name}.txt").content == f"written by {name}\n"
        print("ok", flush=True)
    except Exception as exc:
        print("error " + repr(exc).replace("\n", " "), flush=True)
"""


def _start_workers() -> list[subprocess.Popen[str]]:
    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, f"w{i}"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, bufsize=1) for i in range(WORKERS)]
    for proc in workers:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    return workers


def _trial(workers: list[subprocess.Popen[str]], root: Path) -> list[str]:
    root.mkdir()
    for proc in workers:  # the barrier: every worker is blocked on stdin until this line arrives
        assert proc.stdin is not None
        proc.stdin.write(f"{root}\n")
    answers = []
    for proc in workers:
        assert proc.stdout is not None
        answers.append(proc.stdout.readline().strip() or f"worker exited with {proc.wait(timeout=60)}")
    return answers


def test_eight_processes_opening_one_fresh_workspace_at_once_all_succeed(tmp_path: Path) -> None:
    workers = _start_workers()
    failures: list[str] = []
    try:
        for trial in range(TRIALS):
            root = tmp_path / f"trial{trial}"
            answers = _trial(workers, root)
            failures += [f"trial {trial}: {a}" for a in answers if a != "ok"]
            written = sorted(p.name for p in root.glob("w*.txt"))
            if written != sorted(f"w{i}.txt" for i in range(WORKERS)):
                failures.append(f"trial {trial}: files on disk {written}")
    finally:
        for proc in workers:
            assert proc.stdin is not None
            proc.stdin.close()
        for proc in workers:
            proc.wait(timeout=60)
    failed_trials = len({f.split(":")[0] for f in failures})
    assert not failures, (f"{failed_trials} of {TRIALS} trials failed ({len(failures)} problems in "
                          f"{TRIALS * WORKERS} openings):\n" + "\n".join(failures))
