"""Coarse timestamps: on a filesystem whose timestamps have one-second granularity, same-size edits in place
with the mtime set back explicitly (os.utime) are still never served stale from the cache."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from devreliab.vfs import Workspace
from tests.tools import read_text

from .conftest import mounted, scale, server


def same_size(n: int) -> bytes:
    return f"seq {n:08d}\n".encode() * 16


@pytest.mark.reliability_heavy
def test_same_size_edits_under_coarse_timestamps_are_never_read_stale(open_tmp: Path,
                                                                       figures: dict[str, Any]) -> None:
    fast_rounds = scale(150, 2000)
    slow_rounds = scale(2, 6)
    with mounted("ext4-coarse", open_tmp / "coarse", "32m") as mount:
        root = mount / "ws"
        root.mkdir()
        path = root / "f.txt"
        path.write_bytes(same_size(0))
        probe = os.stat(path)
        assert probe.st_mtime_ns % 1_000_000_000 == 0 and probe.st_ctime_ns % 1_000_000_000 == 0, \
            "the loop-mounted ext4 with 128-byte inodes should have whole-second timestamps"
        pinned = probe.st_mtime_ns  # every edit puts the mtime back to this value
        inode = probe.st_ino
        reads = 0

        def rewrite(n: int) -> None:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.pwrite(fd, same_size(n), 0)
            finally:
                os.close(fd)
            os.utime(path, ns=(pinned, pinned))

        with Workspace(root) as ws, server(root) as proc:

            def expect(n: int) -> None:
                nonlocal reads
                want = same_size(n).decode()
                assert ws.read("f.txt").content == want, f"stale read through the library after edit {n}"
                got = read_text(proc.call_tool("read_file", path="f.txt")["content"][0]["text"])
                assert got == want, f"stale read through the server after edit {n}"
                reads += 2

            expect(0)
            for n in range(1, fast_rounds + 1):  # many edits inside the same second: nothing but content differs
                rewrite(n)
                expect(n)
            n = fast_rounds
            for _ in range(slow_rounds):  # an entry cached long after its edit (trusted), then a new edit
                time.sleep(2.2)
                expect(n)
                n += 1
                rewrite(n)
                expect(n)
            assert os.stat(path).st_ino == inode and os.stat(path).st_mtime_ns == pinned
        figures.update(filesystem="ext4 (loop, 128-byte inodes: 1 s timestamps)", edits=n, reads=reads,
                       stale_reads=0, racy_rehashes=ws.cache_stats().racy_rehashes)
