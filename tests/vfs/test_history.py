"""The local history and the overwrite guard, with real files, real SQLite and plain writers in other processes:
every outside change is recorded, an outside write that drops a client's accepted change becomes an
``overwritten`` conflict, and reverts, branch switches and edits of untouched files stay history."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devreliab import WorkspaceError
from devreliab.vfs import Workspace
from devreliab.vfs._clobber import dropped
from devreliab.vfs._history import HistoryKeeper
from tests.conftest import git
from tests.tools import wait_for

BASE = "def one():\n    return 1\n\n\ndef two():\n    return 2\n\n\ndef three():\n    return 3\n"




def plain_write(path: Path, text: str) -> None:
    """A writer that knows nothing of devreliab: another Python process writing the file in place."""
    subprocess.run([sys.executable, "-c", "import sys; open(sys.argv[1], 'w').write(sys.argv[2])", str(path), text],
                   check=True, timeout=60)


@pytest.fixture
def keeper(ws: Workspace) -> Iterator[HistoryKeeper]:
    history = ws.start_history()
    wait_for(lambda: history.holder and not history.backlog()[0], "taking the lease and the first scan")
    yield history
    ws.stop_history()


def outside_versions(ws: Workspace, rel: str) -> list[str]:
    return [v.version for v in ws.file_history(rel, limit=200).versions if v.client == "outside"]


def version_of_text(text: str) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


# -- the rule --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("ours", "theirs", "lost"), [
    ("a\nB\nc\n", "a\nb\nc\nW\n", True),  # a stale copy changed elsewhere: ours' line is back to base
    ("a\nB\nc\n", "a\nB\nc\nW\n", False),  # built on ours
    ("a\nb\nc\nA\n", "a\nb\nc\nW\n", True),  # both appended, theirs kept none of ours' lines
    ("a\nb\nc\nA\n", "a\nb\nc\nA\nW\n", False),
    ("a\nb = 1\nc\n", "a\nb  =  1\nc\n", False),  # a formatter re-spaced ours' line
    ("a\nbee\nc\n", "a\nbx\nc\n", True),  # the same line changed differently, theirs closer to base
    ("a\nbeetroot soup\nc\n", "a\nbeetroot soup!\nc\n", False),  # ours' line edited further
    ("a\nb\nc\n", "x\n", False),  # ours changed nothing
])
def test_a_change_counts_as_dropped_only_when_the_new_text_lacks_it(ours: str, theirs: str, lost: bool) -> None:
    assert dropped("a\nb\nc\n", ours, theirs) is lost


# -- history -----------------------------------------------------------------------------------------------------
def test_an_outside_edit_of_a_file_nobody_else_changed_is_recorded_without_a_conflict(
        root: Path, ws: Workspace, keeper: HistoryKeeper) -> None:
    plain_write(root / "fresh.py", BASE)
    wait_for(lambda: outside_versions(ws, "fresh.py"), "recording the new file")
    edited = BASE.replace("return 2", "return 22")
    plain_write(root / "fresh.py", edited)
    wait_for(lambda: version_of_text(edited) in outside_versions(ws, "fresh.py"), "recording the edit")
    assert ws.list_conflicts().conflicts == []
    newest = ws.file_history("fresh.py").versions[0]
    assert newest.client == "outside" and newest.action == "outside"


def test_the_first_scan_keeps_every_file_as_it_is_as_its_baseline(root: Path) -> None:
    (root / "old.txt").write_text("from before\n")
    with Workspace(root) as ws:
        history = ws.start_history()
        wait_for(lambda: history.holder and not history.backlog()[0], "the first scan")
        (entry,) = ws.file_history("old.txt").versions
        assert (entry.client, entry.action, entry.before) == ("outside", "baseline", None)
        assert entry.version == version_of_text("from before\n")
        kept = ws.store.conn.execute("SELECT version FROM vfs_watch_files WHERE path = 'old.txt'").fetchone()
        assert kept == (version_of_text("from before\n"),)


def test_ignored_and_excluded_files_are_not_recorded(root: Path, ws: Workspace) -> None:
    (root / ".gitignore").write_text("*.log\nbuild/\n")
    (root / "build").mkdir()
    history = ws.start_history()
    wait_for(lambda: history.holder and not history.backlog()[0], "the first scan")
    plain_write(root / "run.log", "noise\n")
    plain_write(root / "build" / "out.txt", "generated\n")
    plain_write(root / "kept.txt", "kept\n")  # written last: once it is recorded, the others were looked at
    wait_for(lambda: outside_versions(ws, "kept.txt"), "recording kept.txt")
    assert outside_versions(ws, "run.log") == [] and outside_versions(ws, "build/out.txt") == []


def test_a_burst_of_writes_to_one_file_is_coalesced_and_the_last_content_recorded(
        root: Path, ws: Workspace, keeper: HistoryKeeper) -> None:
    subprocess.run([sys.executable, "-c", "import sys\nfor i in range(200):\n open(sys.argv[1], 'w').write(f'{i}\\n')",
                    str(root / "burst.txt")], check=True, timeout=60)
    wait_for(lambda: version_of_text("199\n") in outside_versions(ws, "burst.txt"), "recording the last write")
    assert len(outside_versions(ws, "burst.txt")) < 200


# -- the overwrite guard -----------------------------------------------------------------------------------------
def test_a_stale_copy_written_over_an_accepted_edit_is_an_overwritten_conflict_with_both_changes(
        root: Path, ws: Workspace, keeper: HistoryKeeper) -> None:
    (root / "app.py").write_text(BASE)
    stale = ws.read("app.py").content
    assert stale is not None
    ws.edit("app.py", [{"old_text": "return 1", "new_text": "return 100"}])
    plain_write(root / "app.py", stale.replace("return 3", "return 300"))
    wait_for(lambda: ws.list_conflicts().conflicts, "an overwritten conflict")
    (conflict,) = ws.list_conflicts().conflicts
    assert conflict.kind == "overwritten" and conflict.proposal_clean and conflict.client == ws.client_id
    detail = ws.show_conflict(conflict.id)
    assert "return 100" in detail.merged and "return 300" in detail.merged
    assert detail.base == BASE and detail.ours is not None and "return 100" in detail.ours
    assert ws.take_notices() and ws.take_notices() == []  # said once
    resolved = ws.resolve_conflict(conflict.id, "merged")
    assert resolved.status == "written"
    assert (root / "app.py").read_text() == BASE.replace("return 1", "return 100").replace("return 3", "return 300")
    assert ws.list_conflicts().conflicts == []


def test_an_overlapping_clobber_keeps_a_marked_proposal_that_merged_refuses(
        root: Path, ws: Workspace, keeper: HistoryKeeper) -> None:
    (root / "clash.txt").write_text("one\ntwo\nthree\n")
    ws.read("clash.txt")
    ws.write("clash.txt", "one\ntwo (agent)\nthree\n")
    plain_write(root / "clash.txt", "one\nzz\nthree\n")
    wait_for(lambda: ws.list_conflicts().conflicts, "an overwritten conflict")
    (conflict,) = ws.list_conflicts().conflicts
    assert conflict.kind == "overwritten" and not conflict.proposal_clean
    with pytest.raises(WorkspaceError, match="did not merge cleanly"):
        ws.resolve_conflict(conflict.id, "merged")
    assert ws.resolve_conflict(conflict.id, "ours").status == "written"
    assert (root / "clash.txt").read_text() == "one\ntwo (agent)\nthree\n"


def test_a_write_that_builds_on_the_accepted_version_is_no_conflict(
        root: Path, ws: Workspace, keeper: HistoryKeeper) -> None:
    (root / "built.py").write_text(BASE)
    ws.read("built.py")
    ws.edit("built.py", [{"old_text": "return 1", "new_text": "return 100"}])
    current = (root / "built.py").read_text()
    plain_write(root / "built.py", current.replace("return 2", "return 200"))
    wait_for(lambda: version_of_text(current.replace("return 2", "return 200")) in outside_versions(ws, "built.py"),
             "recording the write")
    assert ws.list_conflicts().conflicts == []


def test_a_revert_to_an_earlier_version_is_history_not_a_conflict(
        root: Path, ws: Workspace, keeper: HistoryKeeper) -> None:
    (root / "undo.py").write_text(BASE)
    ws.read("undo.py")
    ws.edit("undo.py", [{"old_text": "return 1", "new_text": "return 100"}])
    plain_write(root / "undo.py", BASE)  # an undo: exactly the version before
    wait_for(lambda: version_of_text(BASE) in outside_versions(ws, "undo.py"), "recording the revert")
    assert ws.list_conflicts().conflicts == []


def test_a_revert_to_the_version_a_file_had_when_the_history_began_is_no_conflict(root: Path) -> None:
    (root / "first.txt").write_text("one\ntwo\n")
    with Workspace(root) as ws:
        history = ws.start_history()
        wait_for(lambda: history.holder and not history.backlog()[0], "the first scan")
        ws.read("first.txt")
        ws.write("first.txt", "one\ntwo (agent)\n")
        plain_write(root / "first.txt", "one\ntwo\n")  # an undo all the way back
        wait_for(lambda: outside_versions(ws, "first.txt")[0] == version_of_text("one\ntwo\n")
                 and ws.file_history("first.txt").versions[0].client == "outside", "recording the undo")
        assert ws.list_conflicts().conflicts == []
        assert ws.file_history("first.txt").versions[0].action == "revert"


def test_git_stash_and_a_branch_switch_are_history_not_conflicts(root: Path, ws: Workspace) -> None:
    git(root, "init", "-q")
    (root / "lib.py").write_text(BASE)
    git(root, "add", "lib.py")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-qb", "other")
    (root / "lib.py").write_text(BASE.replace("return 2", "return 'other'"))
    git(root, "commit", "-qam", "other")
    git(root, "checkout", "-q", "main")
    history = ws.start_history()
    wait_for(lambda: history.holder and not history.backlog()[0], "the first scan")
    ws.read("lib.py")
    ws.edit("lib.py", [{"old_text": "return 1", "new_text": "return 100"}])
    git(root, "stash")
    wait_for(lambda: version_of_text(BASE) in outside_versions(ws, "lib.py"), "recording the stash")
    git(root, "stash", "pop")
    ws.read("lib.py")
    ws.edit("lib.py", [{"old_text": "return 3", "new_text": "return 300"}])
    git(root, "commit", "-qam", "agent's work")
    git(root, "checkout", "-q", "other")
    other = BASE.replace("return 2", "return 'other'")
    wait_for(lambda: version_of_text(other) in outside_versions(ws, "lib.py"), "recording the branch switch")
    assert ws.list_conflicts().conflicts == []
    ws.stop_history()


def test_a_change_made_while_nobody_watched_is_recorded_by_the_next_holder(root: Path) -> None:
    with Workspace(root) as ws:
        history = ws.start_history()
        wait_for(lambda: history.holder and not history.backlog()[0], "the first scan")
        (root / "a.txt").write_text("first\n")
        wait_for(lambda: outside_versions(ws, "a.txt"), "recording a.txt")
        ws.stop_history()
        (root / "a.txt").write_text("changed while nobody watched\n")
        (root / "b.txt").write_text("created while nobody watched\n")
        ws.start_history()
        wait_for(lambda: version_of_text("changed while nobody watched\n") in outside_versions(ws, "a.txt"),
                 "the rescan recording a.txt")
        wait_for(lambda: outside_versions(ws, "b.txt"), "the rescan recording b.txt")


def test_a_stale_copy_written_after_a_harmless_outside_write_is_still_caught_and_only_once(
        root: Path, ws: Workspace, keeper: HistoryKeeper) -> None:
    (root / "fmt.py").write_text(BASE)
    stale = ws.read("fmt.py").content
    assert stale is not None
    ws.edit("fmt.py", [{"old_text": "return 1", "new_text": "return 100"}])
    formatted = (root / "fmt.py").read_text().replace("return 2", "return  2")  # a formatter, built on the edit
    plain_write(root / "fmt.py", formatted)
    wait_for(lambda: version_of_text(formatted) in outside_versions(ws, "fmt.py"), "recording the formatter")
    assert ws.list_conflicts().conflicts == []
    plain_write(root / "fmt.py", stale.replace("return 3", "return 300"))
    wait_for(lambda: ws.list_conflicts().conflicts, "an overwritten conflict")
    again = stale.replace("return 3", "return 301")
    plain_write(root / "fmt.py", again)
    wait_for(lambda: version_of_text(again) in outside_versions(ws, "fmt.py"), "recording the next write")
    assert len(ws.list_conflicts().conflicts) == 1
    actions = [v.action for v in ws.file_history("fmt.py").versions]
    assert actions[:3] == ["outside", "overwrote", "outside"]


def test_an_edit_after_a_revert_is_not_blamed_for_the_reverted_change(
        root: Path, ws: Workspace, keeper: HistoryKeeper) -> None:
    (root / "stash.py").write_text(BASE)
    ws.read("stash.py")
    ws.edit("stash.py", [{"old_text": "return 1", "new_text": "return 100"}])
    plain_write(root / "stash.py", BASE)  # git stash: back to the version before
    wait_for(lambda: version_of_text(BASE) in outside_versions(ws, "stash.py"), "recording the revert")
    edited = BASE.replace("return 2", "return 200")  # then someone edits the reverted file
    plain_write(root / "stash.py", edited)
    wait_for(lambda: version_of_text(edited) in outside_versions(ws, "stash.py"), "recording the edit")
    assert ws.list_conflicts().conflicts == []
    assert [v.action for v in ws.file_history("stash.py").versions][:2] == ["outside", "revert"]


def test_a_clobber_that_a_client_writes_over_before_the_watcher_looks_is_still_caught(root: Path) -> None:
    (root / "gap.py").write_text(BASE)
    with Workspace(root, client_id="agent-a") as a, Workspace(root, client_id="agent-b") as b:
        history = HistoryKeeper(a, debounce_s=5.0)  # the watcher looks late; agent-b writes before it does
        history.start()
        try:
            wait_for(lambda: history.holder and not history.backlog()[0], "the first scan")
            stale = a.read("gap.py").content
            assert stale is not None
            a.edit("gap.py", [{"old_text": "return 1", "new_text": "return 100"}])
            plain_write(root / "gap.py", stale.replace("return 3", "return 300"))
            b.edit("gap.py", [{"old_text": "return 2", "new_text": "return 200"}])
            wait_for(lambda: a.list_conflicts().conflicts, "an overwritten conflict")
        finally:
            history.stop()
        (conflict,) = a.list_conflicts().conflicts
        assert conflict.kind == "overwritten" and conflict.client == "agent-a"
        assert "return 100" in a.show_conflict(conflict.id).merged
        actions = [(v.client, v.action) for v in a.file_history("gap.py").versions]
        assert actions[:3] == [("agent-b", "edit"), ("outside", "overwrote"), ("agent-a", "edit")]


def test_ruff_format_of_500_files_after_agent_edits_is_history_without_conflicts(
        root: Path, ws: Workspace, keeper: HistoryKeeper) -> None:
    ruff = Path(sys.executable).parent / "ruff"
    assert ruff.exists(), "ruff comes with the test tools: scripts/setup-venv test"
    names = [f"pkg/mod{i:03}.py" for i in range(500)]
    (root / "pkg").mkdir()
    for name in names:
        (root / name).write_text("def f( a,b ):\n    return {'a':a,'b':b}\n")
    wait_for(lambda: len(outside_versions(ws, names[-1])) == 1 and not keeper.backlog()[0], "recording the files",
             deadline_s=60)
    for name in names[:5]:  # agents changed a few of them first
        ws.read(name)
        ws.edit(name, [{"old_text": "return", "new_text": "x = 1\n    return"}])
    subprocess.run([str(ruff), "format", "--no-cache", "--isolated", "."], cwd=root, check=True, timeout=120,
                   capture_output=True)
    formatted = (root / names[-1]).read_text()
    assert formatted != "def f( a,b ):\n    return {'a':a,'b':b}\n"
    wait_for(lambda: all(version_of_text((root / n).read_text()) in outside_versions(ws, n) for n in names[:: 50])
             and not keeper.backlog()[0], "recording the formatted files", deadline_s=60)
    assert ws.list_conflicts().conflicts == []
