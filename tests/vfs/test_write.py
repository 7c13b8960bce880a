"""Guarded writes: created / written / merged / conflict, and the bytes on disk keep their format."""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

import pytest

from devreliab._errors import BinaryFileError, EncodingError, VersionRequired, WorkspaceError
from devreliab.vfs import ABSENT, Workspace


def test_creating_a_new_file_needs_no_base_and_makes_parent_directories(ws: Workspace, root: Path) -> None:
    result = ws.write("new/dir/a.txt", "hello\n")
    assert result.status == "created"
    assert (root / "new" / "dir" / "a.txt").read_text() == "hello\n"
    assert result.version == ws.read("new/dir/a.txt").version
    assert set(result.to_dict()) == {"status", "version", "conflict_id", "current_version", "diff"}


def test_overwriting_an_unread_file_raises_version_required_with_the_current_version(
        ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("theirs\n")
    with pytest.raises(VersionRequired, match="read it first") as info:
        ws.write("a.txt", "mine\n")
    assert info.value.current_version == Workspace(root).read("a.txt").version
    assert (root / "a.txt").read_text() == "theirs\n"


def test_write_after_read_is_based_on_the_version_read(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("one\n")
    ws.read("a.txt")
    result = ws.write("a.txt", "two\n")
    assert result.status == "written"
    assert "-one\n+two\n" in (result.diff or "")


def test_write_with_stale_version_merges_non_overlapping_edits(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("a\nb\nc\nd\ne\n")
    base = ws.read("a.txt").version
    other = Workspace(root)
    other.read("a.txt")
    other.write("a.txt", "A\nb\nc\nd\ne\n")
    result = ws.write("a.txt", "a\nb\nc\nd\nE\n", expected_version=base)
    assert result.status == "merged"
    assert (root / "a.txt").read_text() == "A\nb\nc\nd\nE\n"


def test_overlapping_edits_write_nothing_and_store_a_conflict(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("a\nb\nc\n")
    base = ws.read("a.txt").version
    other = Workspace(root)
    other.read("a.txt")
    theirs = other.write("a.txt", "a\nTHEIRS\nc\n").version
    result = ws.write("a.txt", "a\nOURS\nc\n", expected_version=base)
    assert result.status == "conflict" and result.version is None
    assert result.current_version == theirs
    assert result.diff is not None and "<<<<<<<" in result.diff and "OURS" in result.diff
    assert (root / "a.txt").read_text() == "a\nTHEIRS\nc\n"
    detail = ws.show_conflict(result.conflict_id or "")
    assert detail.ours == "a\nOURS\nc\n" and detail.theirs == "a\nTHEIRS\nc\n" and detail.base == "a\nb\nc\n"


def test_both_appending_at_the_end_keeps_both_without_conflict(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("a\n")
    other = Workspace(root)
    ws.read("a.txt")
    other.read("a.txt")
    other.write("a.txt", "a\ntheirs\n")
    assert ws.write("a.txt", "a\nours\n").status == "merged"
    assert (root / "a.txt").read_text() == "a\ntheirs\nours\n"


def test_file_that_appeared_meanwhile_is_merged_against_an_empty_base(ws: Workspace, root: Path) -> None:
    with pytest.raises(WorkspaceError):
        ws.read("a.txt")
    (root / "a.txt").write_text("someone else\n")
    result = ws.write("a.txt", "mine\n")
    assert result.status == "conflict"
    assert (root / "a.txt").read_text() == "someone else\n"
    same = Workspace(root).write("a.txt", "someone else\n", expected_version=ABSENT)
    assert same.status == "merged"


def test_unknown_base_version_is_a_conflict_not_an_overwrite(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("disk\n")
    result = ws.write("a.txt", "mine\n", expected_version="sha256:" + "0" * 64)
    assert result.status == "conflict"
    assert (root / "a.txt").read_text() == "disk\n"


def test_crlf_file_stays_crlf_when_written_with_lf_text(ws: Workspace, root: Path) -> None:
    (root / "w.txt").write_bytes(b"a\r\nb\r\n")
    content = ws.read("w.txt").content or ""
    ws.write("w.txt", content + "c\n")
    assert (root / "w.txt").read_bytes() == b"a\r\nb\r\nc\r\n"
    ws.write("w.txt", "x\r\ny\r\n")
    assert (root / "w.txt").read_bytes() == b"x\r\ny\r\n"


def test_lf_file_normalises_incoming_crlf(ws: Workspace, root: Path) -> None:
    (root / "u.txt").write_bytes(b"a\nb\n")
    ws.read("u.txt")
    ws.write("u.txt", "a\r\nb\r\nc\r\n")
    assert (root / "u.txt").read_bytes() == b"a\nb\nc\n"


@pytest.mark.parametrize(("bom", "codec"), [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                                            (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_encoding_and_bom_are_kept(ws: Workspace, root: Path, bom: bytes, codec: str) -> None:
    (root / "e.txt").write_bytes(bom + "é\n".encode(codec))
    ws.read("e.txt")
    ws.write("e.txt", "é\nü\n")
    assert (root / "e.txt").read_bytes() == bom + "é\nü\n".encode(codec)


def test_final_newline_is_written_as_given(ws: Workspace, root: Path) -> None:
    (root / "n.txt").write_text("a")
    ws.read("n.txt")
    ws.write("n.txt", "b")
    assert (root / "n.txt").read_bytes() == b"b"


def test_mode_bits_are_kept(ws: Workspace, root: Path) -> None:
    path = root / "run.sh"
    path.write_text("#!/bin/sh\n")
    path.chmod(0o751)
    ws.read("run.sh")
    ws.write("run.sh", "#!/bin/sh\necho hi\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o751


def test_write_leaves_no_temp_files(ws: Workspace, root: Path) -> None:
    ws.write("a.txt", "x\n")
    ws.write("a.txt", "y\n")
    assert sorted(os.listdir(root)) == [".devreliab", "a.txt"]


def test_unencodable_text_raises_and_writes_nothing(ws: Workspace, root: Path) -> None:
    with pytest.raises(EncodingError, match="nothing was written"):
        ws.write("a.txt", "bad \ud800 surrogate\n")
    assert not (root / "a.txt").exists()


def test_text_write_over_a_binary_file_is_refused(ws: Workspace, root: Path) -> None:
    (root / "b.bin").write_bytes(b"\x00\x01")
    with pytest.raises(BinaryFileError):
        ws.write("b.bin", "text", expected_version="sha256:" + "0" * 64)


def test_non_text_content_is_refused(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError, match="text"):
        ws.write("a.txt", b"bytes")  # type: ignore[arg-type]


def test_writing_identical_content_changes_nothing(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("same\n")
    before = (root / "a.txt").stat()
    ws.read("a.txt")
    result = ws.write("a.txt", "same\n")
    after = (root / "a.txt").stat()
    assert result.status == "written"
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_a_write_is_journaled_with_before_after_and_client(ws: Workspace, root: Path) -> None:
    first = ws.write("a.txt", "1\n").version
    second = ws.write("a.txt", "2\n").version
    history = ws.file_history("a.txt").versions
    assert [(h.version, h.before, h.client) for h in history] == [
        (second, first, ws.client_id), (first, None, ws.client_id)]


def test_content_over_the_size_limit_is_refused_and_nothing_written(root: Path) -> None:
    from devreliab._config import load_config
    from devreliab._errors import FileTooLarge

    (root / "devreliab.jsonc").write_text('{"cache": {"max_file_bytes": 10}}')
    with Workspace(root, load_config(root)) as ws, pytest.raises(FileTooLarge, match="nothing was written"):
        ws.write("a.txt", "x" * 11)
    assert not (root / "a.txt").exists()


def test_a_temp_file_left_by_a_killed_writer_is_cleaned_by_the_next_write(ws: Workspace, root: Path) -> None:
    from devreliab.vfs._paths import temp_name

    (root / temp_name("a.txt")).write_text("half a wri")
    ws.write("a.txt", "whole\n")
    assert sorted(os.listdir(root)) == [".devreliab", "a.txt"]


def test_a_workspace_root_that_is_not_a_directory_is_refused(tmp_path: Path) -> None:
    from devreliab._errors import FileNotFound

    with pytest.raises(FileNotFound, match="not a directory"):
        Workspace(tmp_path / "missing")


@pytest.mark.parametrize("version", ["sha256:x", "abc", "", "SHA256:" + "0" * 64, "sha256:" + "g" * 64])
def test_a_malformed_expected_version_is_refused_with_the_expected_form(ws: Workspace, version: str) -> None:
    with pytest.raises(WorkspaceError, match="64 hex digits"):
        ws.write("a.txt", "x", expected_version=version)
    with pytest.raises(WorkspaceError, match="64 hex digits"):
        ws.edit("a.txt", [{"old_text": "a", "new_text": "b"}], expected_version=version)
    with pytest.raises(WorkspaceError, match="64 hex digits"):
        ws.restore_version("a.txt", version)


def test_writing_over_an_existing_file_above_the_limit_is_refused(root: Path) -> None:
    from devreliab._config import load_config
    from devreliab._errors import FileTooLarge

    (root / "devreliab.jsonc").write_text('{"cache": {"max_file_bytes": 10}}')
    (root / "big.txt").write_text("x" * 20)
    with Workspace(root, load_config(root)) as ws, pytest.raises(FileTooLarge, match="limit"):
        ws.write("big.txt", "small", expected_version="sha256:" + "0" * 64)
    assert (root / "big.txt").read_text() == "x" * 20
