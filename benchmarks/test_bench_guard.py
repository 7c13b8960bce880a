"""The overwrite guard under load: 4 MCP agents (the SDK's client, each with its own ``devreliab serve``) and 4 plain
writers (separate Python processes: 2 writing stale copies, a formatter, an undoer) on 6 shared files.

Run: .venv/bin/python -m compileall -q devreliab && \
     .venv/bin/pytest benchmarks/test_bench_guard.py --benchmark-only -s     (GUARD_BENCH_S=60 by default)

Every file has one slot line per agent (``a0: …``) and per stale writer (``w0: …``). An agent reads a file and
changes its own slot with ``edit_file``; a stale writer writes back a copy it read 50-400 ms earlier with its own
slot changed, so whatever an agent changed meanwhile is dropped; the formatter re-spaces every slot line of the
file as it is; the undoer writes back the content the file had at its previous visit. Agents and writers take a
per-file flock of the benchmark's own (outside the workspace, unknown to devreliab) around each write, so the true
order of writes is known. From it: every agent change a stale write dropped is an expected detection; an
``overwritten`` conflict on that file naming that agent, created after the drop, detects it (recall, and the
latency from the write to the conflict); a conflict no expected drop explains is a false alarm (the formatter and
the undoer must cause none). The watcher's CPU is the elected process's CPU time over the run, less what the
other server processes used on average (they serve the same agents' calls).
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import Client, StdioServerParameters
from mcp_types import Implementation

from benchmarks.guard_writer import sequence
from tests.mcp.conftest import serve_env

SECONDS = float(os.environ.get("GUARD_BENCH_S", "60"))
AGENTS, STALE, FILES = 4, 2, 6
WRITER = Path(__file__).with_name("guard_writer.py")
SLOT = re.compile(r"^(\w+):\s*(\S+)$", re.MULTILINE)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def slots(text: str) -> dict[str, str]:
    return dict(SLOT.findall(text))


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Agent:
    """One MCP agent: a ``devreliab serve`` process and the SDK client talking to it."""

    index: int
    portal: BlockingPortal
    root: Path
    oracle: Path
    events: list[dict[str, Any]] = field(default_factory=list)
    errors: int = 0

    def __post_init__(self) -> None:
        params = StdioServerParameters(command=sys.executable, args=["-m", "devreliab", "serve", "--root",
                                                                     str(self.root)], env=serve_env())
        self._cm: AbstractContextManager[Client] = self.portal.wrap_async_context_manager(
            Client(params, read_timeout_seconds=120, client_info=Implementation(name=f"agent-{self.index}",
                                                                                 version="1")))
        self.client = self._cm.__enter__()

    def call(self, tool: str, **arguments: Any) -> Any:
        return self.portal.call(self.client.call_tool, tool, arguments)

    def pid(self) -> int:
        info = self.call("metrics")
        return int(info.structured_content["pid"])

    def run(self, files: list[str], seconds: float) -> None:
        rng = random.Random(self.index)
        end = time.monotonic() + seconds
        n = 0
        while time.monotonic() < end:
            name = rng.choice(files)
            n += 1
            fd = os.open(self.oracle / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._edit(name, n, fd)
            finally:
                os.close(fd)
            time.sleep(rng.uniform(0.1, 0.5))

    def _edit(self, name: str, n: int, lock_fd: int) -> None:
        read = self.call("read_file", path=name)
        before = read.content[0].text
        line = next((m.group(0) for m in SLOT.finditer(before) if m.group(1) == f"a{self.index}"), None)
        if line is None:  # not the file's text (an error): try again next round
            self._error(read)
            return
        result = self.call("edit_file", path=name, edits=[{"old_text": line, "new_text": f"a{self.index}: {n}"}])
        if result.is_error:
            self._error(result)
            return
        seq = sequence(lock_fd)
        after = (self.root / name).read_text()
        self.events.append({"file": name, "seq": seq, "kind": "agent", "writer": f"agent-{self.index}",
                            "before": before, "after": after, "time": time.time(), "value": str(n)})

    def _error(self, result: Any) -> None:
        self.errors += 1
        if self.errors <= 3:
            print(f"agent-{self.index}: {str(result.content[0].text)[:300]!r}")

    def close(self) -> None:
        self._cm.__exit__(None, None, None)


def initial() -> str:
    lines = [f"a{i}: 0" for i in range(AGENTS)] + [f"w{j}: 0" for j in range(STALE)]
    return "# shared\n" + "\n".join(f"{line}\nfiller {k}" for k, line in enumerate(lines)) + "\n"


def expected_drops(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every agent change a stale write dropped, in the true order of each file's writes; and the drops superseded
    within ``TRANSIENT_S`` (the debounce) — undone by another stale copy that still held the agent's value, or
    replaced by an undo: the dropped state never settled (the watcher, coalescing the burst, never sees it) and
    what the burst left is not a stale copy's doing."""
    ordered = sorted(events, key=lambda e: (e["file"], e["seq"]))
    drops: list[dict[str, Any]] = []
    transient: list[dict[str, Any]] = []
    last: dict[tuple[str, str], str] = {}  # (file, agent slot) -> the value that agent last wrote
    for k, e in enumerate(ordered):
        if e["kind"] == "agent":
            last[(e["file"], "a" + e["writer"].split("-")[1])] = e["value"]
            continue
        before, after = slots(e["before"]), slots(e["after"])
        for slot, value in before.items():
            if not slot.startswith("a") or value != last.get((e["file"], slot)) or after.get(slot) == value:
                continue
            last.pop((e["file"], slot), None)  # that change is gone (or deliberately undone)
            if e["kind"] != "stale":
                continue
            drop = {"file": e["file"], "agent": f"agent-{slot[1:]}", "time": e["time"]}
            (transient if _restored(ordered[k + 1:], e, slot, value) else drops).append(drop)
    return drops, transient


TRANSIENT_S = 0.1  # the history's debounce


def _restored(later: list[dict[str, Any]], drop: dict[str, Any], slot: str, value: str) -> bool:
    """Did a write within TRANSIENT_S of ``drop`` put ``value`` back into ``slot`` of the same file, or undo it?"""
    for e in later:
        if e["file"] != drop["file"] or e["time"] > drop["time"] + TRANSIENT_S:
            return False
        if slots(e["after"]).get(slot) == value or e["kind"] == "revert":
            return True
    return False


def overwritten(root: Path) -> list[tuple[str, str, float, str, str]]:
    with sqlite3.connect(root / ".devreliab" / "state.db", timeout=30) as conn:
        return conn.execute("SELECT c.id, c.path, c.created, k.clients, c.theirs FROM vfs_conflicts c JOIN "
                            "vfs_conflict_kinds k ON k.id = c.id WHERE k.kind = 'overwritten' ORDER BY c.created"
                            ).fetchall()


def source_of(version: str, created: float, events: list[dict[str, Any]]) -> str:
    """Which kind of write left ``version`` last before ``created`` (for the false alarms' breakdown)."""
    import hashlib

    found = [e for e in events if e["time"] <= created + 0.05
             and "sha256:" + hashlib.sha256(e["after"].encode()).hexdigest() == version]
    return str(max(found, key=lambda e: e["time"])["kind"]) if found else "unknown"


def match(drops: list[dict[str, Any]], conflicts: list[tuple[str, str, float, str, str]],
          window_s: float = 5.0) -> tuple[list[float], int, set[str]]:
    """(latencies of the detected drops, how many were missed, the ids of conflicts that explain a drop)."""
    latencies: list[float] = []
    missed = 0
    used: set[str] = set()
    for d in drops:
        hit = next((c for c in conflicts if c[1] == d["file"] and d["agent"] + " (pid" in c[3]
                    and d["time"] - 0.05 <= c[2] <= d["time"] + window_s), None)
        if hit is None:
            missed += 1
        else:
            latencies.append(hit[2] - d["time"])
            used.add(hit[0])
    return latencies, missed, used


def run_fleet(root: Path, oracle: Path) -> dict[str, Any]:
    files = [f"shared{i}.txt" for i in range(FILES)]
    for name in files:
        (root / name).write_text(initial())
    with start_blocking_portal() as portal:
        agents = [Agent(i, portal, root, oracle) for i in range(AGENTS)]
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not overwritten_lease(root):
                time.sleep(0.05)
            holder = overwritten_lease(root)
            pids = [a.pid() for a in agents]
            cpu0 = {p: cpu_s(p) for p in pids}
            kinds = ["stale"] * STALE + ["format", "revert"]
            writers = [subprocess.Popen([sys.executable, str(WRITER), kind, str(j if kind == "stale" else 0),
                                         str(root), str(oracle), str(SECONDS), *files], stdout=subprocess.PIPE,
                                        text=True) for j, kind in enumerate(kinds)]
            threads = [threading.Thread(target=a.run, args=(files, SECONDS)) for a in agents]
            started = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            outputs = [w.communicate(timeout=120)[0] for w in writers]
            elapsed = time.monotonic() - started
            time.sleep(5)  # let the last detections land (each is matched within its own window anyway)
            cpu = {p: cpu_s(p) - cpu0[p] for p in pids}
        finally:
            for a in agents:
                a.close()
    events = [e for a in agents for e in a.events]
    events += [json.loads(line) for out in outputs for line in out.splitlines() if line.strip()]
    others = [c for p, c in cpu.items() if p != holder]
    return {"events": events, "elapsed": elapsed, "holder_cpu": cpu.get(holder or -1, 0.0),
            "other_cpu": statistics.mean(others) if others else 0.0, "agent_errors": sum(a.errors for a in agents)}


def overwritten_lease(root: Path) -> int | None:
    try:
        with sqlite3.connect(root / ".devreliab" / "state.db", timeout=30) as conn:
            row = conn.execute("SELECT pid FROM vfs_watch_lease").fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else int(row[0])


def test_overwrite_guard_fleet(benchmark: Any, tmp_path: Path) -> None:
    root, oracle = tmp_path / "project", tmp_path / "oracle"
    root.mkdir()
    oracle.mkdir()
    run = benchmark.pedantic(run_fleet, args=(root, oracle), rounds=1, iterations=1)
    drops, transient = expected_drops(run["events"])
    conflicts = overwritten(root)
    latencies, missed, used = match(drops, conflicts)
    explained = used | match(transient, conflicts, window_s=2.0)[2]  # a transient drop the watcher did see
    false_alarms = [c for c in conflicts if c[0] not in explained]
    by_kind: dict[str, int] = {}
    for e in run["events"]:
        by_kind[e["kind"]] = by_kind.get(e["kind"], 0) + 1
    recall = (len(drops) - missed) / len(drops) if drops else 1.0
    print(f"\nguard fleet {run['elapsed']:.0f} s: writes {by_kind}; agent edit errors {run['agent_errors']}")
    print(f"dropped accepted changes {len(drops)} (and {len(transient)} superseded within {TRANSIENT_S * 1000:.0f} ms"
          f" by another stale copy or an undo), detected {len(drops) - missed} (recall {recall:.1%}), "
          f"overwritten conflicts {len(conflicts)}, false alarms {len(false_alarms)}")
    if false_alarms:
        causes: dict[str, int] = {}
        for c in false_alarms:
            cause = source_of(c[4], c[2], run["events"])
            causes[cause] = causes.get(cause, 0) + 1
        print(f"false alarms by the write that left the file: {causes}")
    if latencies:
        print(f"detection latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
              f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
    print(f"CPU over the run: elected watcher's server {run['holder_cpu']:.2f} s "
          f"({run['holder_cpu'] / run['elapsed']:.1%} of a core), other servers {run['other_cpu']:.2f} s on average")
