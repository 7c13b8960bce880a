"""Scale: a tree of many files and a very large file. Listing, search and reads answer within bounded memory
(the server's peak RSS is reported) and say ``truncated`` where they are capped."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.tools import read_text

from .conftest import peak_rss_kib, scale, server, stop

PER_DIR = 1000
LINE = "line {:012d} of the big file, padded to a realistic width: lorem ipsum dolor sit amet\n"


def make_tree(root: Path, files: int) -> None:
    for i in range(files):
        directory = root / "tree" / f"d{i // PER_DIR:04d}"
        if i % PER_DIR == 0:
            directory.mkdir(parents=True)
        (directory / f"f{i % PER_DIR:04d}.txt").write_text(f"needle {i}\nfile {i} of the tree\n", encoding="utf-8")


def make_big_file(path: Path, size: int) -> int:
    """A text file of about ``size`` bytes; its number of lines."""
    width = len(LINE.format(0))
    lines = size // width
    block = 10_000
    with open(path, "w", encoding="utf-8") as out:
        for start in range(0, lines, block):
            out.write("".join(LINE.format(n) for n in range(start, min(lines, start + block))))
    return lines


@pytest.mark.reliability_heavy
def test_a_huge_tree_and_a_huge_file_are_served_within_bounded_memory(tmp_path: Path,
                                                                       figures: dict[str, Any]) -> None:
    files = scale(20_000, 200_000)
    big_bytes = scale(64 * 1024 * 1024, 1024 * 1024 * 1024)
    root = tmp_path / "ws"
    root.mkdir()
    started = time.monotonic()
    make_tree(root, files)
    lines = make_big_file(root / "big.log", big_bytes)
    made_s = time.monotonic() - started
    timings: dict[str, float] = {}
    with server(root) as proc:
        baseline_kib = peak_rss_kib(proc.proc.pid)

        def timed(name: str, tool: str, **arguments: Any) -> dict[str, Any]:
            t0 = time.monotonic()
            answer = proc.call_tool(tool, **arguments)
            timings[name] = round(time.monotonic() - t0, 2)
            return answer

        listing = timed("list_directory_depth20", "list_directory", path=".", depth=20,
                        max_entries=10_000)["structuredContent"]
        assert listing["truncated"] is True and len(listing["entries"]) == 10_000
        top = timed("list_directory_tree", "list_directory", path="tree", max_entries=10_000)["structuredContent"]
        assert len(top["entries"]) == (files + PER_DIR - 1) // PER_DIR and not top.get("truncated")

        found = timed("search_capped", "search", pattern="needle", max_results=1000)["structuredContent"]
        assert found["truncated"] is True and len(found["matches"]) == 1000
        last = files - 1
        rare = timed("search_rare", "search", pattern=f"^needle {last}$")["structuredContent"]
        assert [m["path"] for m in rare["matches"]] == [
            f"tree/d{last // PER_DIR:04d}/f{last % PER_DIR:04d}.txt"] and not rare.get("truncated")

        info = timed("file_info_big", "file_info", path="big.log")["structuredContent"]
        assert info["size"] == (root / "big.log").stat().st_size and info["binary"] is False
        whole = timed("read_big", "read_file", path="big.log")
        assert whole["isError"] is True and "limit" in whole["content"][0]["text"]
        small = timed("read_small_range", "read_file", path=f"tree/d0000/f{min(5, files - 1):04d}.txt",
                      start_line=2, end_line=2)
        assert read_text(small["content"][0]["text"]).startswith("file ")
        peak_kib = peak_rss_kib(proc.proc.pid)
        assert stop(proc) == 0
    # The bound: the server holds neither the tree nor the big file (every answer above is capped)
    assert peak_kib < baseline_kib + 256 * 1024, (baseline_kib, peak_kib)
    figures.update(files=files, big_file_bytes=os.path.getsize(root / "big.log"), big_file_lines=lines,
                   setup_s=round(made_s, 1), seconds=timings, rss_baseline_mib=round(baseline_kib / 1024),
                   rss_peak_mib=round(peak_kib / 1024))


def test_the_advice_for_a_file_over_the_limit_works(tmp_path: Path) -> None:
    """The refusal of a whole read says "read a range, or search inside the file": both work, streaming the
    file (it is never held whole)."""
    root = tmp_path / "ws"
    root.mkdir()
    (root / "devreliab.jsonc").write_text('{"cache": {"max_file_bytes": 1048576}}\n', encoding="utf-8")
    lines = make_big_file(root / "big.log", 4 * 1024 * 1024)
    with server(root) as proc:
        refused = proc.call_tool("read_file", path="big.log")
        assert "start_line" in refused["content"][0]["text"]
        wanted = lines - 2
        found = proc.call_tool("search", pattern=f"line {wanted:012d} ")["structuredContent"]
        ranged = proc.call_tool("read_file", path="big.log", start_line=wanted + 1, end_line=wanted + 1)
        assert not ranged.get("isError"), ranged
        assert read_text(ranged["content"][0]["text"]) == LINE.format(wanted)
        assert ranged["structuredContent"]["total_lines"] == lines
        assert [m["line"] for m in found["matches"]] == [wanted + 1]
