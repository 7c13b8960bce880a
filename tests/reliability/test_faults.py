"""Faults: a full disk, permissions, files and directories changing under a write, the state store deleted or
corrupted while servers run. Each ends in a clear error or a rebuilt store: no crash, nothing lost."""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devreliab import DevreliabError
from devreliab.vfs import Workspace

from .conftest import NobodyServer, mounted, server, stop

PAGE = 4096
ORIGINAL = "".join(f"original line {n}\n" for n in range(200))


def fill(mount: Path, leave_pages: int) -> Path:
    """Fill the filesystem at ``mount`` until ENOSPC, then give back ``leave_pages`` pages."""
    filler = mount / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        while True:
            try:
                os.write(fd, b"\0" * PAGE)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                break
    finally:
        os.close(fd)
    if leave_pages:
        os.truncate(filler, max(0, filler.stat().st_size - leave_pages * PAGE))
    return filler


def wait_stored(root: Path, version: str, within_s: float = 30.0) -> None:
    """Until the version store holds ``version``: a read stores what it read from a background thread, and the
    disk must fill after that, as it would under a workspace in use (bounded wait)."""
    deadline = time.monotonic() + within_s
    while True:
        conn = sqlite3.connect(root / ".devreliab" / "state.db")
        try:
            if conn.execute("SELECT 1 FROM vfs_blobs WHERE version = ?", (version,)).fetchone():
                return
        finally:
            conn.close()
        assert time.monotonic() < deadline, f"{version} was not stored within {within_s} s"
        time.sleep(0.02)


def journal(root: Path, path: str) -> list[tuple[str | None, str]]:
    conn = sqlite3.connect(root / ".devreliab" / "state.db")
    try:
        return [(b, a) for b, a in conn.execute(
            "SELECT before, after FROM vfs_journal WHERE path = ? ORDER BY id", (path,))]
    finally:
        conn.close()


def quick_check(root: Path) -> str:
    conn = sqlite3.connect(root / ".devreliab" / "state.db")
    try:
        return str(conn.execute("PRAGMA quick_check").fetchone()[0])
    finally:
        conn.close()


def temp_files(directory: Path) -> list[str]:
    return [n for n in os.listdir(directory) if n.startswith(".devreliab-") and n.endswith(".tmp")]


@pytest.fixture
def small_disk(open_tmp: Path) -> Iterator[Path]:
    with mounted("tmpfs", open_tmp / "mnt", "4m") as mount:
        yield mount


# -- disk full ------------------------------------------------------------------------------------------------
def test_a_full_disk_fails_the_write_clearly_and_leaves_the_file_and_the_store_intact(
        small_disk: Path, figures: dict[str, Any]) -> None:
    root = small_disk / "ws"
    root.mkdir()
    (root / "a.txt").write_text(ORIGINAL, encoding="utf-8")
    outcomes: dict[str, int] = {"refused_clearly": 0, "written_and_recorded": 0}
    with Workspace(root) as ws:
        wait_stored(root, ws.read("a.txt").version)
        # Every amount of free space from none to a few pages: the file write, the version store or the journal
        # runs out first. Each attempt either completes (file, version and journal) or changes nothing.
        for leave in (0, 1, 2, 3, 4, 6, 8, 12, 16):
            filler = fill(small_disk, leave)
            before = (root / "a.txt").read_bytes()
            rows_before = journal(root, "a.txt")
            new = ORIGINAL + f"appended with {leave} pages free\n"
            try:
                result = ws.write("a.txt", new)
            except DevreliabError as exc:
                assert "space" in str(exc) or "full" in str(exc), exc
                assert (root / "a.txt").read_bytes() == before, f"{leave} pages: refused, yet the file changed"
                assert journal(root, "a.txt") == rows_before, f"{leave} pages: refused, yet journalled"
                outcomes["refused_clearly"] += 1
            else:
                assert result.status in ("written", "merged"), result
                assert (root / "a.txt").read_text(encoding="utf-8") == new
                filler.unlink()
                assert journal(root, "a.txt")[-1][1] == result.version, \
                    f"{leave} pages: written but the journal has no row for it"
                outcomes["written_and_recorded"] += 1
                (root / "a.txt").write_text(ORIGINAL, encoding="utf-8")
                ws.read("a.txt")
            finally:
                filler.unlink(missing_ok=True)
            assert temp_files(root) == []
        # with space again, everything works and the store is sound
        ws.read("a.txt")
        done = ws.write("a.txt", ORIGINAL + "after the disk was freed\n")
        assert done.status == "written"
        assert journal(root, "a.txt")[-1][1] == done.version
        assert quick_check(root) == "ok"
    figures.update(outcomes, filesystem="tmpfs size=4m", writes_lost=0)
    assert outcomes["refused_clearly"] >= 1


def test_a_full_disk_is_a_tool_error_over_mcp_and_the_server_keeps_serving(small_disk: Path) -> None:
    root = small_disk / "ws"
    root.mkdir()
    (root / "a.txt").write_text(ORIGINAL, encoding="utf-8")
    with server(root) as proc:
        proc.call_tool("read_file", path="a.txt")
        filler = fill(small_disk, 0)
        answer = proc.call_tool("write_file", path="a.txt", content=ORIGINAL + "more\n")
        assert answer["isError"] is True
        text = answer["content"][0]["text"]
        assert "No space left on device" in text or "nothing was written" in text, text
        assert (root / "a.txt").read_text(encoding="utf-8") == ORIGINAL
        filler.unlink()
        again = proc.call_tool("write_file", path="a.txt", content=ORIGINAL + "more\n")
        assert again["structuredContent"]["status"] == "written", again
        assert stop(proc) == 0


# -- permissions ----------------------------------------------------------------------------------------------
def test_permission_denied_is_a_clear_error_and_the_file_is_untouched(open_tmp: Path) -> None:
    import pwd

    nobody = pwd.getpwnam("nobody")
    root = open_tmp / "ws"
    (root / "ro").mkdir(parents=True)
    (root / "ro" / "locked.txt").write_text(ORIGINAL, encoding="utf-8")  # root's, in root's directory
    (root / "private.txt").write_text("root only\n", encoding="utf-8")
    (root / "private.txt").chmod(0o600)
    (root / "mine.txt").write_text("nobody's\n", encoding="utf-8")
    for path in (root, root / "mine.txt"):
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    proc = NobodyServer(root)
    try:
        proc.initialize()
        proc.call_tool("read_file", path="ro/locked.txt")
        for tool, args in (("write_file", {"path": "ro/locked.txt", "content": "changed\n"}),
                           ("edit_file", {"path": "ro/locked.txt",
                                          "edits": [{"old_text": "original line 0\n", "new_text": "x\n"}]}),
                           ("write_file", {"path": "ro/new.txt", "content": "new\n"}),
                           ("read_file", {"path": "private.txt"})):
            answer = proc.call_tool(tool, **args)
            assert answer["isError"] is True, (tool, answer)
            assert "Permission denied" in answer["content"][0]["text"], (tool, answer)
        assert (root / "ro" / "locked.txt").read_text(encoding="utf-8") == ORIGINAL
        assert os.listdir(root / "ro") == ["locked.txt"]
        mine = proc.call_tool("read_file", path="mine.txt")["structuredContent"]
        done = proc.call_tool("write_file", path="mine.txt", content="still served\n")["structuredContent"]
        assert done["status"] == "written" and mine["version"] != done["version"]
        assert stop(proc) == 0
    finally:
        proc.kill()


# -- files and directories changing between read and write ----------------------------------------------------
def test_files_deleted_renamed_or_replaced_between_read_and_write(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / "d").mkdir(parents=True)
    for name in ("deleted.txt", "renamed.txt", "d/x.txt", "became_dir.txt", "edited.txt"):
        (root / name).write_text(ORIGINAL, encoding="utf-8")
    with server(root) as proc:
        for name in ("deleted.txt", "renamed.txt", "d/x.txt", "became_dir.txt", "edited.txt"):
            proc.call_tool("read_file", path=name)
        (root / "deleted.txt").unlink()
        (root / "renamed.txt").rename(root / "moved.txt")
        (root / "edited.txt").unlink()
        for name in ("deleted.txt", "renamed.txt"):  # a file deleted since it was read is re-created
            answer = proc.call_tool("write_file", path=name, content="agent's text\n")
            assert answer["structuredContent"]["status"] == "created", answer
            assert (root / name).read_text(encoding="utf-8") == "agent's text\n"
        assert (root / "moved.txt").read_text(encoding="utf-8") == ORIGINAL  # the renamed copy is intact
        gone = proc.call_tool("edit_file", path="edited.txt",
                              edits=[{"old_text": "original line 1\n", "new_text": "x\n"}])
        assert gone["isError"] is True and "does not exist" in gone["content"][0]["text"]

        # a directory replaced by a file, a file replaced by a directory
        for child in (root / "d").iterdir():
            child.unlink()
        (root / "d").rmdir()
        (root / "d").write_text("now a file\n", encoding="utf-8")
        (root / "became_dir.txt").unlink()
        (root / "became_dir.txt").mkdir()
        for tool, args, expected in (
                ("write_file", {"path": "d/x.txt", "content": "y\n"}, "not a directory"),
                ("read_file", {"path": "d/x.txt"}, "not a directory"),
                ("write_file", {"path": "became_dir.txt", "content": "y\n"}, "directory"),
                ("read_file", {"path": "became_dir.txt"}, "directory")):
            answer = proc.call_tool(tool, **args)
            assert answer["isError"] is True, (tool, args, answer)
            assert expected in answer["content"][0]["text"], (tool, args, answer)
        assert (root / "d").read_text(encoding="utf-8") == "now a file\n"
        assert list((root / "became_dir.txt").iterdir()) == []
        assert stop(proc) == 0


# -- the state store deleted or corrupted while servers run ----------------------------------------------------
def _conflict_ids(proc: Any) -> set[str]:
    return {c["id"] for c in proc.call_tool("list_conflicts")["structuredContent"].get("conflicts", [])}


@pytest.mark.parametrize("damage", ["delete the database", "delete .devreliab", "overwrite with garbage"])
def test_the_state_store_damaged_while_servers_run_is_rebuilt_and_shared_again(
        tmp_path: Path, damage: str, figures: dict[str, Any]) -> None:
    import shutil

    root = tmp_path / "ws"
    root.mkdir()
    (root / "shared.txt").write_text(ORIGINAL, encoding="utf-8")
    with server(root) as first, server(root) as second:
        first.call_tool("read_file", path="shared.txt")
        second.call_tool("read_file", path="shared.txt")
        state = root / ".devreliab"
        if damage == "delete the database":
            for suffix in ("", "-wal", "-shm"):
                (state / f"state.db{suffix}").unlink(missing_ok=True)
        elif damage == "delete .devreliab":
            shutil.rmtree(state)
        else:
            for suffix in ("-wal", "-shm"):
                (state / f"state.db{suffix}").unlink(missing_ok=True)
            (state / "state.db").write_bytes(b"garbage, not SQLite " * 500)
        written = first.call_tool("write_file", path="shared.txt", content="first's version\n")
        assert written["structuredContent"]["status"] == "written", written
        clash = second.call_tool("write_file", path="shared.txt", content="second's version\n")
        assert clash["structuredContent"]["status"] == "conflict", clash
        conflict_id = clash["structuredContent"]["conflict_id"]
        # a third process that starts now sees the same state as the two that lived through the damage
        with server(root) as third:
            assert conflict_id in _conflict_ids(third)
            history = third.call_tool("file_history", path="shared.txt")["structuredContent"]["versions"]
            assert history[0]["version"] == written["structuredContent"]["version"]
            assert third.call_tool("health")["structuredContent"]["state_store"] is not None
            assert stop(third) == 0
        assert conflict_id in _conflict_ids(first)
        resolved = first.call_tool("resolve_conflict", conflict_id=conflict_id, resolution="ours")
        assert resolved["structuredContent"]["status"] == "written", resolved
        assert (root / "shared.txt").read_text(encoding="utf-8") == "second's version\n"
        assert quick_check(root) == "ok"
        assert stop(first) == 0 and stop(second) == 0
    figures.update(damage=damage, processes=3, writes_lost=0)
