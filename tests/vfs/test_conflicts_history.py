"""Conflicts are listed and resolved by versioned writes; history, restore; a bounded version store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from devreliab._errors import ConflictNotFound, VersionNotFound, WorkspaceError
from devreliab.vfs import Workspace


def make_conflict(root: Path) -> tuple[Workspace, str]:
    (root / "a.txt").write_text("a\nb\nc\n")
    ws = Workspace(root)
    ws.read("a.txt")
    other = Workspace(root)
    other.read("a.txt")
    other.write("a.txt", "a\nTHEIRS\nc\n")
    result = ws.write("a.txt", "a\nOURS\nc\n")
    assert result.status == "conflict" and result.conflict_id
    return ws, result.conflict_id


def test_conflicts_are_listed_for_every_client(root: Path) -> None:
    ws, conflict_id = make_conflict(root)
    listed = Workspace(root).list_conflicts().conflicts
    assert [c.id for c in listed] == [conflict_id]
    assert listed[0].path == "a.txt" and listed[0].client == ws.client_id and listed[0].status == "open"


@pytest.mark.parametrize(("resolution", "content", "expected"), [
    ("ours", None, "a\nOURS\nc\n"),
    ("theirs", None, "a\nTHEIRS\nc\n"),
    ("content", "a\nBOTH\nc\n", "a\nBOTH\nc\n"),
])
def test_resolving_writes_the_chosen_text_and_closes_the_conflict(root: Path, resolution: str,
                                                                 content: str | None, expected: str) -> None:
    ws, conflict_id = make_conflict(root)
    result = ws.resolve_conflict(conflict_id, resolution, content)
    assert result.status in ("written", "merged")
    assert (root / "a.txt").read_text() == expected
    assert ws.list_conflicts().conflicts == []
    closed = ws.list_conflicts(include_resolved=True).conflicts[0]
    assert closed.status == "resolved"


def test_resolution_against_a_file_that_moved_on_is_merged(root: Path) -> None:
    ws, conflict_id = make_conflict(root)
    third = Workspace(root)
    third.read("a.txt")
    third.write("a.txt", "a\nTHEIRS\nc\nmore\n")
    ws.resolve_conflict(conflict_id, "ours")
    assert (root / "a.txt").read_text() == "a\nOURS\nc\nmore\n"


def test_resolution_that_conflicts_again_supersedes_the_old_record(root: Path) -> None:
    ws, conflict_id = make_conflict(root)
    third = Workspace(root)
    third.read("a.txt")
    third.write("a.txt", "a\nTHIRD\nc\n")
    result = ws.resolve_conflict(conflict_id, "ours")
    assert result.status == "conflict" and result.conflict_id
    statuses = {c.id: c.status for c in ws.list_conflicts(include_resolved=True).conflicts}
    assert statuses == {conflict_id: "superseded", result.conflict_id: "open"}


def test_resolution_errors(root: Path) -> None:
    ws, conflict_id = make_conflict(root)
    with pytest.raises(ConflictNotFound, match="list_conflicts"):
        ws.resolve_conflict("nope", "ours")
    with pytest.raises(ConflictNotFound):
        ws.show_conflict("nope")
    with pytest.raises(WorkspaceError, match="'ours', 'theirs', 'merged' or 'content'"):
        ws.resolve_conflict(conflict_id, "mine")
    with pytest.raises(WorkspaceError, match="needs the resolved text"):
        ws.resolve_conflict(conflict_id, "content")
    ws.resolve_conflict(conflict_id, "theirs")
    with pytest.raises(WorkspaceError, match="already resolved"):
        ws.resolve_conflict(conflict_id, "ours")


def test_history_lists_versions_newest_first_and_restore_writes_one_back(ws: Workspace, root: Path) -> None:
    v1 = ws.write("a.txt", "one\n").version
    ws.write("a.txt", "two\n")
    history = ws.file_history("a.txt", limit=10)
    assert history.path == "a.txt" and len(history.versions) == 2
    assert history.versions[-1].version == v1
    assert ws.file_history("a.txt", limit=1).versions[0].action == "write"
    result = ws.restore_version("a.txt", v1 or "")
    assert result.status == "written" and result.version == v1
    assert (root / "a.txt").read_text() == "one\n"
    assert ws.file_history("a.txt").versions[0].action == "restore"


def test_restore_keeps_bytes_exactly_including_crlf(ws: Workspace, root: Path) -> None:
    (root / "w.txt").write_bytes(b"a\r\n")
    version = ws.read("w.txt").version
    ws.write("w.txt", "b\n")
    ws.restore_version("w.txt", version)
    assert (root / "w.txt").read_bytes() == b"a\r\n"


def test_restore_of_a_deleted_file_recreates_it(ws: Workspace, root: Path) -> None:
    version = ws.write("a.txt", "x\n").version or ""
    (root / "a.txt").unlink()
    assert ws.restore_version("a.txt", version).status == "created"


def test_restore_with_a_stale_expected_version_merges(ws: Workspace, root: Path) -> None:
    v1 = ws.write("a.txt", "a\nb\nc\nd\n").version or ""
    v2 = ws.write("a.txt", "A\nb\nc\nd\n").version or ""
    Workspace(root).write("a.txt", "A\nb\nc\nD\n", expected_version=v2)
    result = ws.restore_version("a.txt", v1, expected_version=v2)
    assert result.status == "merged"
    assert (root / "a.txt").read_text() == "a\nb\nc\nD\n"


def test_restoring_an_unknown_version_is_version_not_found(ws: Workspace) -> None:
    with pytest.raises(VersionNotFound, match="file_history"):
        ws.restore_version("a.txt", "sha256:" + "1" * 64)


def test_version_store_is_pruned_lru_but_keeps_what_open_conflicts_need(root: Path) -> None:
    ws, conflict_id = make_conflict(root)
    pinned = ws.show_conflict(conflict_id).conflict
    small = Workspace(root, versions_max_bytes=2000)
    for n in range(20):
        small.write(f"f{n}.txt", f"{n}\n" * 100)
    small.prune_versions()
    assert small._versions.total_bytes() <= 2000 + 1000
    detail = small.show_conflict(conflict_id)
    assert detail.conflict == pinned
    assert detail.ours == "a\nOURS\nc\n" and detail.theirs == "a\nTHEIRS\nc\n"
    assert small.resolve_conflict(conflict_id, "ours").status in ("written", "merged")


def test_a_pruned_base_makes_a_conflict_never_an_overwrite(root: Path) -> None:
    (root / "a.txt").write_text("a\nb\n")
    ws = Workspace(root, versions_max_bytes=0)
    ws.read("a.txt")
    Workspace(root).write("a.txt", "a\nB\n", expected_version=ws.last_read_version("a.txt"))
    ws.prune_versions()
    assert ws.write("a.txt", "A\nb\n").status == "conflict"
    assert (root / "a.txt").read_text() == "a\nB\n"


def test_a_corrupt_state_store_is_rebuilt_with_a_warning(root: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    with Workspace(root) as ws:
        ws.write("a.txt", "x\n")
    db = root / ".devreliab" / "state.db"
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    with Workspace(root) as ws:
        assert ws.read("a.txt").content == "x\n"
        ws.write("a.txt", "y\n")
        assert ws.file_history("a.txt").versions[0].action == "write"
    assert "rebuilding" in caplog.text


def test_a_missing_state_store_is_recreated(root: Path) -> None:
    with Workspace(root) as ws:
        ws.write("a.txt", "x\n")
        import shutil

        shutil.rmtree(root / ".devreliab")
    with Workspace(root) as ws:
        ws.read("a.txt")
        assert ws.write("a.txt", "y\n").status == "written"
    conn = sqlite3.connect(root / ".devreliab" / "state.db")
    assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)


def test_a_store_corrupted_while_in_use_is_rebuilt_and_the_call_retried(
        root: Path, caplog: pytest.LogCaptureFixture) -> None:
    ws = Workspace(root)
    ws.write("a.txt", "x\n")
    ws.close()
    db = root / ".devreliab" / "state.db"
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    with open(db, "r+b") as fh:  # keep the header, wreck the pages behind it
        fh.seek(100)
        fh.write(b"\xff" * 8000)
    assert ws.write("a.txt", "y\n").status == "written"
    assert (root / "a.txt").read_text() == "y\n"
    assert [h.action for h in ws.file_history("a.txt").versions] == ["write"]  # journal starts afresh
    assert "rebuilding" in caplog.text


def test_a_conflict_whose_blobs_vanished_reports_version_not_found(root: Path) -> None:
    ws, conflict_id = make_conflict(root)
    ours = ws.show_conflict(conflict_id).conflict.incoming_version
    ws._store.conn.execute("DELETE FROM vfs_blobs WHERE version = ?", (ours,))
    with pytest.raises(VersionNotFound, match="no longer in the version store"):
        ws.show_conflict(conflict_id)


def test_the_journal_keeps_only_its_newest_rows(root: Path) -> None:
    ws = Workspace(root)
    ws._versions.journal_max_rows = 3
    written = [ws.write("a.txt", f"{n}\n").version for n in range(6)]
    ws.prune_versions()
    assert [h.version for h in ws.file_history("a.txt", limit=100).versions] == written[:2:-1]
