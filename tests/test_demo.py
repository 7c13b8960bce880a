"""``devreliab demo`` and ``scripts/demo`` (the README's first command), run as a user runs them: real processes,
real servers, real files. What the demo claims is checked against the directory it kept, not only its words."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devreliab import Workspace

from .conftest import FIXTURE, REPO, Run, run_cli

DEMO_S = 300.0  # bound on one whole demo run (most of it is three server processes starting on a busy machine)
FILE = "shop/pricing.py"
CHANGES = {  # what each agent's change leaves in shop/pricing.py
    "agent-A": '"SPRING15": 0.15',
    "agent-B": "round(sum(line.unit_price * line.quantity for line in lines), 2)",
    "agent-C": '"VIP20": 0.25',
}


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".devreliab" not in p.parts}


def serve_processes(marker: str) -> list[int]:
    """Live ``devreliab serve`` processes whose command line mentions ``marker`` (a directory of this test)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and b"serve" in argv and any(marker.encode() in a for a in argv):
            found.append(int(entry.name))
    return found


def wait_for(condition: object, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Run, Path]]:
    """``scripts/demo --keep DIR`` once for the module: the README's command, its output and what it kept."""
    keep = tmp_path_factory.mktemp("demo") / "kept"
    before = tree_digest(FIXTURE)
    env = {**os.environ, "NO_COLOR": "1", "DEVRELIAB_VENV": str(Path(sys.executable).parent.parent)}
    proc = subprocess.run([str(REPO / "scripts" / "demo"), "--keep", str(keep)], cwd=tmp_path_factory.getbasetemp(),
                          env=env, capture_output=True, text=True, timeout=DEMO_S)
    assert tree_digest(FIXTURE) == before, "the demo changed the bundled example"
    yield Run(proc.returncode, proc.stdout, proc.stderr), keep


def conflict_id(out: str) -> str:
    found = re.search(r"kept in conflict ([0-9a-f]+)", out)
    assert found, out
    return found.group(1)


def test_scripts_demo_runs_the_demo_and_exits_0_when_every_step_showed_what_it_should(kept: tuple[Run, Path]) -> None:
    run, keep = kept
    assert run.code == 0, run.err + run.out
    for step in ("1. agent-A", ": written", "2. agent-B", ": merged", "3. agent-C", ": conflict",
                 "4. agent-B writes shop/alerts.py", "B602", "5. file_history shop/pricing.py",
                 "Gate failed", "devreliab setup claude-code", "docs/agents.md", "docs/mcp-tools.md",
                 "devreliab dashboard", "docs/vscode.md"):
        assert step in run.out, step
    assert serve_processes(str(keep)) == [], "a devreliab serve of the demo outlived it"


def test_agent_a_and_agent_b_changes_are_both_on_disk_after_the_merged_write(kept: tuple[Run, Path]) -> None:
    _, keep = kept
    text = (keep / "with-devreliab" / FILE).read_text(encoding="utf-8")
    assert CHANGES["agent-A"] in text and CHANGES["agent-B"] in text
    assert CHANGES["agent-C"] not in text  # agent-C's change overlapped agent-A's: it is a conflict, not a write


def test_agent_c_conflict_is_in_the_state_store_with_its_id_and_both_texts(kept: tuple[Run, Path]) -> None:
    run, keep = kept
    cid = conflict_id(run.out)
    assert f"devreliab://conflict/{cid}" in run.out and f"id {cid}" in run.out
    with Workspace(keep / "with-devreliab") as ws:
        detail = ws.show_conflict(cid)
        assert [c.id for c in ws.list_conflicts().conflicts] == [cid]
    assert detail.conflict.path == FILE and detail.conflict.status == "open"
    assert detail.ours is not None and CHANGES["agent-C"] in detail.ours  # agent-C's text, kept
    assert detail.theirs is not None and CHANGES["agent-A"] in detail.theirs  # what was on disk then
    assert detail.base is not None and not any(mark in detail.base for mark in CHANGES.values())


def test_the_risky_write_is_on_disk_and_its_answer_named_the_finding_and_the_fix(kept: tuple[Run, Path]) -> None:
    run, keep = kept
    assert "shell=True" in (keep / "with-devreliab" / "shop" / "alerts.py").read_text(encoding="utf-8")
    guidance = [line for line in run.out.splitlines() if line.strip().startswith("! ")]
    assert any("B602" in line for line in guidance), run.out
    assert re.search(r"fix \(analyze_file\): .*argument", run.out), run.out


def test_plain_writes_lose_the_work_the_demo_says_they_lose(kept: tuple[Run, Path]) -> None:
    run, keep = kept
    text = (keep / "plain-writes" / FILE).read_text(encoding="utf-8")
    lost = [agent for agent, mark in CHANGES.items() if mark not in text]
    assert lost, "the plain writes lost nothing"
    said = re.search(r"with plain writes: (\d+) of 3 changes \(([^)]*)\)", run.out)
    assert said, run.out
    assert int(said.group(1)) == len(lost) and said.group(2) == " and ".join(lost)
    assert "with devreliab: 0 of 3 changes" in run.out


def test_the_history_names_which_agent_wrote_each_version(kept: tuple[Run, Path]) -> None:
    run, keep = kept
    with Workspace(keep / "with-devreliab") as ws:
        # the local history may hold the version the file began with, if its watcher walked first
        versions = [v for v in ws.file_history(FILE).versions if v.action != "baseline"]
    assert len(versions) == 2
    for v, agent in zip(versions, ("agent-B", "agent-A"), strict=True):  # newest first
        row = [line for line in run.out.splitlines() if line.strip().startswith(v.version.removeprefix("sha256:")[:10])]
        assert row and f"by {agent}" in row[0], run.out


def test_demo_without_keep_removes_its_directory_and_leaves_no_server(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    run = run_cli("demo", cwd=tmp_path, env={"TMPDIR": str(tmp)}, timeout=DEMO_S)
    assert run.code == 0, run.err + run.out
    assert "with devreliab: 0 of 3 changes" in run.out
    assert list(tmp.iterdir()) == []
    assert serve_processes(str(tmp)) == []


def test_ctrl_c_during_the_demo_stops_every_server_and_removes_the_temporary_directory(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "devreliab", "demo"], cwd=tmp_path,
                            env={**os.environ, "NO_COLOR": "1", "TMPDIR": str(tmp)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(serve_processes(str(tmp))) == 3 or proc.poll() is not None, "three servers started")
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=DEMO_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, out + err
    assert "interrupted" in err
    assert serve_processes(str(tmp)) == []
    assert list(tmp.iterdir()) == []


def test_demo_refuses_a_keep_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me\n", encoding="utf-8")
    run = run_cli("demo", "--keep", tmp_path, cwd=tmp_path)
    assert run.code == 2 and "new or empty directory" in run.err
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]
