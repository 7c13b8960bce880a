"""Worker processes for the multi-process tests: ``python workers.py <command> <root> ...``.

Each command uses the library exactly as a separate MCP server process would: its own Workspace object.
"""

from __future__ import annotations

import os
import random
import sys
import time

from devreliab.vfs import Workspace


def append(root: str, name: str, worker: str, rounds: int) -> None:
    """read → append a unique line → write, ``rounds`` times; retry only on a conflict answer."""
    ws = Workspace(root)
    for n in range(rounds):
        line = f"worker {worker} round {n}\n"
        while True:
            current = ws.read(name)
            result = ws.write(name, (current.content or "") + line)
            if result.status != "conflict":
                break
            print(f"conflict {result.conflict_id}", flush=True)
    ws.close()


def top_bottom(root: str, name: str, where: str, rounds: int) -> None:
    """Rewrite the first (top) or last (bottom) line through read → write, ``rounds`` times."""
    ws = Workspace(root)
    for n in range(rounds):
        current = ws.read(name).content or ""
        lines = current.split("\n")
        index = 0 if where == "top" else len(lines) - 2
        lines[index] = f"{where} {n + 1}"
        result = ws.write(name, "\n".join(lines))
        if result.status == "conflict":
            print(f"conflict {result.conflict_id}", flush=True)
    ws.close()


def scribble(root: str, name: str, count: int, seed: int) -> None:
    """Write sequence-numbered contents behind the cache's back, in place or by rename, at random moments."""
    rng = random.Random(seed)
    path = os.path.join(root, name)
    for n in range(1, count + 1):
        data = f"seq {n:08d}\n".encode() * 16  # same size every time: only the signature can tell
        if rng.random() < 0.5:
            fd = os.open(path, os.O_WRONLY)
            os.pwrite(fd, data, 0)
            os.close(fd)
        else:
            tmp = path + ".scribble"
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        time.sleep(rng.random() * 0.004)
    print("done", flush=True)


def rewrite_forever(root: str, name: str) -> None:
    """Write complete versions (every line the same number) until killed."""
    ws = Workspace(root)
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        current = ws.read(name)
        ws.write(name, f"version {n}\n" * 20000, expected_version=current.version)


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "append":
        append(args[0], args[1], args[2], int(args[3]))
    elif command == "top_bottom":
        top_bottom(args[0], args[1], args[2], int(args[3]))
    elif command == "scribble":
        scribble(args[0], args[1], int(args[2]), int(args[3]))
    elif command == "rewrite_forever":
        rewrite_forever(args[0], args[1])
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
