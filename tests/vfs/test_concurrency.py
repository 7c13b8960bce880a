"""Many OS processes on one file: nothing lost, no false conflicts, no stale reads, crash-safe writes."""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from devreliab._store import StateStore
from devreliab.vfs import Workspace

from .conftest import run_worker, start_worker


def wait_all(procs: list[subprocess.Popen[str]], timeout: float) -> list[tuple[int, str, str]]:
    deadline = time.monotonic() + timeout
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
        results.append((proc.returncode, out, err))
    return results


@pytest.mark.parametrize("workers", [8, 32])
def test_concurrent_appenders_lose_no_line(root: Path, workers: int) -> None:
    rounds = 25
    (root / "shared.txt").write_text("header\n")
    procs = [start_worker("append", str(root), "shared.txt", str(w), str(rounds)) for w in range(workers)]
    results = wait_all(procs, timeout=300)
    for code, out, err in results:
        assert code == 0, err
        assert "conflict" not in out
    lines = (root / "shared.txt").read_text().splitlines()
    expected = {f"worker {w} round {n}" for w in range(workers) for n in range(rounds)}
    assert lines[0] == "header"
    assert set(lines[1:]) == expected
    assert len(lines) == 1 + workers * rounds
    for w in range(workers):  # each worker's own lines stay in its order
        mine = [line for line in lines if line.startswith(f"worker {w} ")]
        assert mine == [f"worker {w} round {n}" for n in range(rounds)]
    assert Workspace(root).list_conflicts().conflicts == []


def test_top_and_bottom_editors_both_keep_their_edits_without_conflict(root: Path) -> None:
    (root / "doc.txt").write_text("top 0\n" + "".join(f"middle {i}\n" for i in range(10)) + "bottom 0\n")
    procs = [start_worker("top_bottom", str(root), "doc.txt", where, "25") for where in ("top", "bottom")]
    for code, out, err in wait_all(procs, timeout=120):
        assert code == 0, err
        assert "conflict" not in out
    lines = (root / "doc.txt").read_text().splitlines()
    assert lines[0] == "top 25" and lines[-1] == "bottom 25"
    assert lines[1:-1] == [f"middle {i}" for i in range(10)]
    assert Workspace(root).list_conflicts().conflicts == []


def _seq(data: str) -> int:
    return int(data.split()[1])


def test_reads_are_never_stale_while_a_writer_changes_the_file_behind_the_cache(root: Path) -> None:
    path = root / "hot.txt"
    path.write_bytes(b"seq 00000000\n" * 16)
    writer = start_worker("scribble", str(root), "hot.txt", "1500", str(random.randrange(1 << 30)))
    ws = Workspace(root)
    reads = 0
    try:
        while writer.poll() is None:
            before = _seq(path.read_text())
            seen = _seq(ws.read("hot.txt").content or "")
            after = _seq(path.read_text())
            assert before <= seen <= after, (before, seen, after)
            reads += 1
    finally:
        _out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    final = path.read_text()
    assert ws.read("hot.txt").content == final
    assert reads > 100


def test_a_writer_killed_at_random_points_leaves_one_complete_version(root: Path) -> None:
    rng = random.Random()
    name = "victim.txt"
    (root / name).write_text("version 0\n" * 20000)
    for _ in range(50):
        proc = start_worker("rewrite_forever", str(root), name)
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        assert ready and proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0, 0.05))  # the kill point: somewhere inside a write
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        lines = (root / name).read_text().splitlines()
        assert len(lines) == 20000 and len(set(lines)) == 1, "the file is not one complete version"
        store = StateStore(root)
        assert store.conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
        store.close()
    leftovers = [n for n in os.listdir(root) if n.startswith(".devreliab-")]
    with Workspace(root) as ws:
        assert ws.read(name).total_lines == 20000
        assert ws.write("after.txt", "still works\n").status == "created"
    conn = sqlite3.connect(root / ".devreliab" / "state.db")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert len(leftovers) <= 1  # a killed writer's temp file is reused (and so removed) by the next write


def test_worker_script_reports_unknown_commands() -> None:
    assert run_worker("nope", timeout=60).returncode != 0


def test_threads_with_their_own_workspace_lose_no_line(root: Path) -> None:
    import threading

    (root / "t.txt").write_text("")
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            ws = Workspace(root)
            for n in range(25):
                while True:
                    text = ws.read("t.txt").content or ""
                    if ws.write("t.txt", text + f"thread {worker} round {n}\n").status != "conflict":
                        break
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    lines = (root / "t.txt").read_text().splitlines()
    assert sorted(lines) == sorted(f"thread {w} round {n}" for w in range(8) for n in range(25))
