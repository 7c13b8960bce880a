"""A plain writer for the overwrite-guard benchmark: a separate Python process that knows nothing of devreliab.

``python guard_writer.py KIND N ROOT ORACLE SECONDS FILES...`` writes FILES of ROOT for SECONDS:

- ``stale``: read a file, wait 50-400 ms, then write back that (by now stale) copy with its own slot line changed;
- ``format``: rewrite the file as it is now with the spacing of every slot line toggled (a formatter);
- ``revert``: write back exactly the content the file had at this writer's previous visit (an undo).

Each write happens under ``ORACLE/<file>.lock`` (an flock the benchmark's agents take too): not for devreliab,
which never sees it, but so the benchmark knows the true order of writes. Each write is logged as one JSON line
(file, sequence number under that lock, kind, the text before and after, the time) on stdout.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import re
import sys
import time
from pathlib import Path


def sequence(lock_fd: int) -> int:
    """The next sequence number of a file, kept in its lock file (the caller holds the lock)."""
    os.lseek(lock_fd, 0, os.SEEK_SET)
    raw = os.read(lock_fd, 32)
    n = int(raw) + 1 if raw.strip() else 1
    os.lseek(lock_fd, 0, os.SEEK_SET)
    os.ftruncate(lock_fd, 0)
    os.write(lock_fd, str(n).encode())
    return n


def toggle_spacing(text: str) -> str:
    return re.sub(r"^(\w+):( +)", lambda m: f"{m.group(1)}:{' ' if len(m.group(2)) > 1 else '  '}", text,
                  flags=re.MULTILINE)


def own_change(text: str, slot: str, n: int) -> str:
    return re.sub(rf"^{slot}:\s*\S+$", f"{slot}: {n}", text, flags=re.MULTILINE)


def main() -> None:
    kind, ident, root, oracle, seconds = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), float(
        sys.argv[5])
    files = sys.argv[6:]
    rng = random.Random(f"{kind}{ident}")
    end = time.monotonic() + seconds
    previous: dict[str, str] = {}
    n = 0
    while time.monotonic() < end:
        name = rng.choice(files)
        path = root / name
        stale = path.read_text()
        if kind == "stale":
            time.sleep(rng.uniform(0.05, 0.4))
        fd = os.open(oracle / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            before = path.read_text()
            n += 1
            if kind == "stale":
                after = own_change(stale, f"w{ident}", n)
            elif kind == "format":
                after = toggle_spacing(before)
            else:
                after = previous.get(name, before)
            previous[name] = before
            if after != before:
                path.write_text(after)
                seq = sequence(fd)
                print(json.dumps({"file": name, "seq": seq, "kind": kind, "writer": f"{kind}{ident}",
                                  "before": before, "after": after, "time": time.time()}), flush=True)
        finally:
            os.close(fd)
        time.sleep(rng.uniform(0.2, 0.8))


if __name__ == "__main__":
    main()
