"""Reads: versions, line ranges, if_version, encodings, binary detection and the content cache."""

from __future__ import annotations

import codecs
import hashlib
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devreliab._config import load_config
from devreliab._errors import BinaryFileError, EncodingError, FileTooLarge, WorkspaceError
from devreliab.vfs import ReadError, ReadResult, Workspace
from devreliab.vfs._text import decode


def test_read_returns_content_and_the_sha256_version_of_the_bytes(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_bytes(b"one\ntwo\n")
    result = ws.read("a.txt")
    assert result.content == "one\ntwo\n"
    assert result.version == "sha256:" + hashlib.sha256(b"one\ntwo\n").hexdigest()
    assert (result.encoding, result.line_ending, result.total_lines) == ("utf-8", "lf", 2)
    assert result.to_dict() == {"path": "a.txt", "content": "one\ntwo\n", "version": result.version,
                                "encoding": "utf-8", "line_ending": "lf", "total_lines": 2}


def test_line_range_is_one_based_and_inclusive(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("1\n2\n3\n4\n5")
    assert ws.read("a.txt", start_line=2, end_line=3).content == "2\n3\n"
    assert ws.read("a.txt", start_line=4).content == "4\n5"
    assert ws.read("a.txt", end_line=1).content == "1\n"
    assert ws.read("a.txt", start_line=9).content == ""
    assert ws.read("a.txt", start_line=2, end_line=3).total_lines == 5


@pytest.mark.parametrize(("start", "end"), [(0, 2), (3, 2), (-1, None)])
def test_invalid_line_range_is_refused(ws: Workspace, root: Path, start: int, end: int | None) -> None:
    (root / "a.txt").write_text("1\n2\n3\n")
    with pytest.raises(WorkspaceError, match="start_line"):
        ws.read("a.txt", start_line=start, end_line=end)


def test_if_version_matching_answers_unchanged_without_content(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("x\n")
    version = ws.read("a.txt").version
    result = ws.read("a.txt", if_version=version)
    assert result.unchanged and result.content is None
    assert result.to_dict() == {"path": "a.txt", "version": version, "unchanged": True}
    assert ws.read("a.txt", if_version="sha256:old").content == "x\n"


def test_crlf_file_reads_as_logical_lines_and_reports_crlf(ws: Workspace, root: Path) -> None:
    (root / "w.txt").write_bytes(b"a\r\nb\r\n")
    result = ws.read("w.txt")
    assert result.content == "a\nb\n"
    assert result.line_ending == "crlf"


def test_mixed_line_endings_are_passed_through(ws: Workspace, root: Path) -> None:
    (root / "m.txt").write_bytes(b"a\r\nb\nc\r")
    result = ws.read("m.txt")
    assert result.content == "a\r\nb\nc\r"
    assert result.line_ending == "mixed"


@pytest.mark.parametrize(("raw", "encoding"), [
    (codecs.BOM_UTF8 + "héllo\n".encode(), "utf-8-sig"),
    (codecs.BOM_UTF16_LE + "héllo\n".encode("utf-16-le"), "utf-16-le"),
    (codecs.BOM_UTF16_BE + "héllo\n".encode("utf-16-be"), "utf-16-be"),
    ("héllo\n".encode(), "utf-8"),
])
def test_encodings_with_bom_are_detected(ws: Workspace, root: Path, raw: bytes, encoding: str) -> None:
    (root / "e.txt").write_bytes(raw)
    result = ws.read("e.txt")
    assert result.content == "héllo\n"
    assert result.encoding == encoding


def test_binary_file_is_refused_for_text_reads(ws: Workspace, root: Path) -> None:
    (root / "b.bin").write_bytes(b"\x89PNG\x00\x01\x02")
    with pytest.raises(BinaryFileError, match="binary"):
        ws.read("b.bin")
    info = ws.file_info("b.bin")
    assert info.binary and info.encoding is None and info.size == 7


def test_invalid_utf8_is_an_encoding_error(ws: Workspace, root: Path) -> None:
    (root / "l.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    with pytest.raises(EncodingError, match="offset 3"):
        ws.read("l.txt")
    assert ws.file_info("l.txt").encoding is None


def test_file_info_reports_size_version_mtime_and_format(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_bytes(b"a\r\n")
    info = ws.file_info("a.txt")
    assert info.size == 3
    assert info.version == ws.read("a.txt").version
    assert abs(info.mtime - (root / "a.txt").stat().st_mtime) < 1e-6
    assert (info.encoding, info.line_ending, info.binary) == ("utf-8", "crlf", False)
    assert set(info.to_dict()) == {"path", "size", "version", "mtime", "encoding", "line_ending", "binary"}


def test_file_over_the_size_limit_is_refused(root: Path) -> None:
    (root / "devreliab.jsonc").write_text('{"cache": {"max_file_bytes": 10}}')
    (root / "big.txt").write_text("x" * 11)
    with Workspace(root, load_config(root)) as ws, pytest.raises(FileTooLarge, match="max_file_bytes"):
        ws.read("big.txt")


def test_read_many_reports_errors_in_place(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("a\n")
    results = ws.read_many(["a.txt", "missing.txt", "../x"])
    assert isinstance(results[0], ReadResult)
    assert isinstance(results[1], ReadError) and results[1].error == "FileNotFound"
    assert isinstance(results[2], ReadError) and results[2].error == "PathOutsideWorkspace"


def test_unchanged_file_is_served_from_memory_after_the_racy_window(root: Path) -> None:
    (root / "a.txt").write_text("a\n")
    old = (root / "a.txt").stat()
    os.utime(root / "a.txt", ns=(old.st_atime_ns, old.st_mtime_ns - 10**10))
    with Workspace(root, racy_window_s=0.0) as ws:
        ws.read("a.txt")
        ws.read("a.txt")
        ws.read("a.txt")
        stats = ws.cache_stats()
    assert stats.hits == 2 and stats.entries == 1 and stats.bytes_held > 0


def test_recently_modified_file_is_rehashed_not_trusted(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("a\n")
    ws.read("a.txt")
    ws.read("a.txt")
    stats = ws.cache_stats()
    assert stats.hits == 0 and stats.racy_rehashes == 1


def test_same_size_same_mtime_rewrite_is_never_served_stale(ws: Workspace, root: Path) -> None:
    path = root / "a.txt"
    path.write_text("aaaa\n")
    st = path.stat()
    assert ws.read("a.txt").content == "aaaa\n"
    fd = os.open(path, os.O_WRONLY)
    os.pwrite(fd, b"bbbb\n", 0)
    os.close(fd)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime forged back; ctime still moves
    assert ws.read("a.txt").content == "bbbb\n"


def test_cache_evicts_least_recently_used_within_its_byte_budget(root: Path) -> None:
    (root / "devreliab.jsonc").write_text('{"cache": {"max_bytes": 3000}}')
    for n in range(5):
        (root / f"{n}.txt").write_text(str(n) * 1000)
    with Workspace(root, load_config(root)) as ws:
        for n in range(5):
            ws.read(f"{n}.txt")
        stats = ws.cache_stats()
    assert stats.evictions >= 3
    assert stats.bytes_held <= 3000


def test_read_records_the_version_this_client_last_read(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("a\n")
    version = ws.read("a.txt").version
    assert ws.last_read_version("a.txt") == version


def test_invalidating_a_path_drops_every_spelling_of_it(root: Path) -> None:
    (root / "d").mkdir()
    (root / "d" / "a.txt").write_text("a\n")
    (root / "b.txt").write_text("b\n")
    with Workspace(root) as ws:
        for spelling in ("d/a.txt", "./d/a.txt", str(root / "d" / "a.txt"), "b.txt"):
            ws.read(spelling)
        assert ws.cache_stats().entries == 4
        ws._cache.invalidate_rel("d/a.txt")
        assert ws.cache_stats().entries == 1
        ws._cache.clear()
        stats = ws.cache_stats()
    assert stats.entries == 0 and stats.evictions == 0 and stats.bytes_held == 0


def test_file_info_of_a_file_over_the_limit_is_streamed(root: Path) -> None:
    (root / "devreliab.jsonc").write_text('{"cache": {"max_file_bytes": 100}}')
    (root / "big.txt").write_bytes(b"line\r\n" * 1000)
    (root / "big.bin").write_bytes(b"\x00" * 1000)
    with Workspace(root, load_config(root)) as ws:
        info = ws.file_info("big.txt")
        assert (info.size, info.encoding, info.line_ending, info.binary) == (6000, "utf-8", "crlf", False)
        assert info.version == "sha256:" + hashlib.sha256(b"line\r\n" * 1000).hexdigest()
        assert ws.file_info("big.bin").binary


TEXTS = st.lists(st.sampled_from(["a", "é", "\r", "\n", "\r\n", "€", "😀"]), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.sampled_from(["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be"]), st.integers(1, 7),
       st.booleans())
def test_streamed_description_agrees_with_the_in_memory_one(text: str, encoding: str, chunk: int,
                                                            break_it: bool) -> None:
    import io

    from devreliab.vfs._text import _BOM_OF, _CODEC, describe_stream

    data = _BOM_OF[encoding] + text.encode(_CODEC[encoding])  # type: ignore[index]
    if break_it:
        data += b"\xff"
    facts = describe_stream(io.BytesIO(data).read, chunk_size=chunk)
    assert facts.version == "sha256:" + hashlib.sha256(data).hexdigest() and facts.size == len(data)
    try:
        _, fmt = decode(data, "x")
    except (EncodingError, BinaryFileError):
        assert facts.encoding is None
    else:
        assert (facts.encoding, facts.line_ending) == (fmt.encoding, fmt.line_ending)


# -- versions read are stored behind the read, not during it ----------------------------------------------------
def _stored(root: Path, version: str) -> bool:
    conn = sqlite3.connect(root / ".devreliab" / "state.db")
    try:
        return conn.execute("SELECT 1 FROM vfs_blobs WHERE version = ?", (version,)).fetchone() is not None
    finally:
        conn.close()


def test_a_read_does_not_wait_for_another_process_holding_the_store(root: Path) -> None:
    """Another process holds the state store's write lock (a long merge, say): a read of a file never read
    before still answers at once, and its version is stored once the lock is free (here: at close)."""
    (root / "new.txt").write_text("first read\n")
    ws = Workspace(root)
    holder = sqlite3.connect(root / ".devreliab" / "state.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    answered: list[ReadResult] = []
    reader = threading.Thread(target=lambda: answered.append(ws.read("new.txt")))
    reader.start()
    reader.join(timeout=10)  # the store's busy timeout is 30 s: a read that waited for the lock is still out
    try:
        assert answered and answered[0].content == "first read\n"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        reader.join()
    assert ws.last_read_version("new.txt") == answered[0].version
    ws.close()
    assert _stored(root, answered[0].version)


def test_a_write_based_on_a_freshly_read_version_merges_with_a_change_made_meanwhile(root: Path) -> None:
    """The base of the merge is the version read a moment ago, found whether or not it was stored yet."""
    (root / "m.txt").write_text("".join(f"line {i}\n" for i in range(10)))
    with Workspace(root) as ws:
        base = ws.read("m.txt").content or ""
        (root / "m.txt").write_text(base.replace("line 0\n", "line 0 changed by someone else\n"))
        result = ws.write("m.txt", base.replace("line 9\n", "line 9 changed by me\n"))
        assert result.status == "merged"
    text = (root / "m.txt").read_text()
    assert "line 0 changed by someone else\n" in text and "line 9 changed by me\n" in text


# -- ranges of files over the size limit are streamed --------------------------------------------------------
BIG_TEXT = "".join(f"línea {i}: {'x' * (i % 50)}\r\n" if i % 7 else f"line {i}\n" for i in range(20_000))


@pytest.mark.parametrize(("start", "end"), [(1, 3), (9_998, 10_002), (19_999, None), (None, 2), (25_000, None)])
def test_a_range_of_a_file_over_the_limit_is_read_by_streaming_it(root: Path, start: int | None,
                                                                     end: int | None) -> None:
    (root / "big.txt").write_bytes(BIG_TEXT.encode())
    (root / "devreliab.jsonc").write_text('{"cache": {"max_file_bytes": 65536}}')
    with Workspace(root, load_config(root)) as limited, Workspace(root) as whole:
        with pytest.raises(FileTooLarge):
            limited.read("big.txt")
        streamed = limited.read("big.txt", start_line=start, end_line=end)
        expected = whole.read("big.txt", start_line=start, end_line=end)
        assert streamed.to_dict() == expected.to_dict()
        assert limited.read("big.txt", start_line=2, end_line=2, if_version=expected.version).unchanged
        assert limited.last_read_version("big.txt") == expected.version


def test_a_range_over_the_limit_itself_and_a_big_binary_file_are_refused_clearly(root: Path) -> None:
    (root / "big.txt").write_bytes(BIG_TEXT.encode())
    (root / "big.bin").write_bytes(b"\x00\x01" * 100_000)
    (root / "devreliab.jsonc").write_text('{"cache": {"max_file_bytes": 65536}}')
    with Workspace(root, load_config(root)) as ws:
        with pytest.raises(FileTooLarge, match="fewer lines"):
            ws.read("big.txt", start_line=1, end_line=15_000)
        with pytest.raises(BinaryFileError):
            ws.read("big.bin", start_line=1, end_line=2)
        with pytest.raises(WorkspaceError, match="start_line"):
            ws.read("big.txt", start_line=3, end_line=2)


def test_a_retired_workspace_stops_its_background_writer_and_still_serves(root: Path) -> None:
    """An HTTP server drops the workspaces of old sessions: their writer threads must not pile up, and a call
    of that session still in flight must still work (its versions are then stored at once)."""
    (root / "a.txt").write_text("first\n")
    (root / "b.txt").write_text("second\n")

    def writers() -> int:
        return sum(t.name == "devreliab-versions" and t.is_alive() for t in threading.enumerate())

    ws = Workspace(root)
    try:
        first = ws.read("a.txt")
        running = writers()
        ws.retire()
        assert writers() == running - 1
        assert _stored(root, first.version)  # what it held was stored on the way out
        second = ws.read("b.txt")
        assert second.content == "second\n" and _stored(root, second.version)
    finally:
        ws.close()
