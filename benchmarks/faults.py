"""Fault-injection benchmark of the health verdict and of "unusual now".

Real ``devreliab serve`` processes (one per scripted agent, over stdio, through the MCP SDK's client) serve one
workspace under a steady agent load; a schedule injects faults between real quiet periods; an external poller
(as an SRE's probe, or ``devreliab health``: it reads the state store, so it still answers while a server is
stopped) judges the health every ``poll`` seconds. Scoring, per schedule:

- an event is *detected* when the status is not ``ok`` at some poll between its start and its end plus a grace
  of three sampling intervals; its *delay* is the first such poll's time after the start;
- a *flagged episode* is a run of polls with a status other than ``ok``; it is *true* when it overlaps an
  event's window, else a false alarm. Precision = true episodes / all episodes, recall = events detected /
  events; false alarms per hour of the run;
- the same for "unusual now" (an episode: a run of polls with anything unusual).

Faults: error bursts (reads of missing files) and steady error rates (edits with text that is not there),
a slow filesystem (an ``LD_PRELOAD`` shim, compiled here with gcc, that delays ``open``/``stat`` of files under
the workspace while a control file says so — no FUSE mount or root needed, and the delay hits only the
servers, not the machine), SIGSTOP stalls, CPU hogs (busy processes, one per core plus one), slow searches on a
big tree, a traffic surge, a run of write conflicts and open conflicts (left open, then resolved).

Run:  .venv/bin/python -m benchmarks.faults --schedule heldout   (also: tuning; --interval-ms, --json FILE)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
static long delay_us(const char *path) {
    static const char *prefix; static const char *ctl; static long cached = 0; static long checked = -1;
    if (!prefix) { prefix = getenv("SLOWFS_PREFIX"); ctl = getenv("SLOWFS_CTL"); if (!prefix) prefix = ""; }
    if (!*prefix || !path || strncmp(path, prefix, strlen(prefix)) != 0 || !ctl) return 0;
    struct timespec now; clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    long tick = now.tv_sec * 10 + now.tv_nsec / 100000000;
    if (tick != checked) {
        checked = tick; cached = 0;
        FILE *f = fopen(ctl, "r"); if (f) { if (fscanf(f, "%ld", &cached) != 1) cached = 0; fclose(f); }
    }
    return cached;
}
static void slow(const char *path) { long d = delay_us(path); if (d > 0) usleep(d); }
#define WRAP_OPEN(name) int name(const char *p, int flags, ...) { \
    static int (*real)(const char *, int, ...); if (!real) real = dlsym(RTLD_NEXT, #name); \
    mode_t mode = 0; \
    if (flags & (O_CREAT | O_TMPFILE)) { va_list a; va_start(a, flags); mode = va_arg(a, int); va_end(a); } \
    slow(p); return real(p, flags, mode); }
WRAP_OPEN(open)
WRAP_OPEN(open64)
#define WRAP_OPENAT(name) int name(int fd, const char *p, int flags, ...) { \
    static int (*real)(int, const char *, int, ...); if (!real) real = dlsym(RTLD_NEXT, #name); \
    mode_t mode = 0; \
    if (flags & (O_CREAT | O_TMPFILE)) { va_list a; va_start(a, flags); mode = va_arg(a, int); va_end(a); } \
    slow(p); return real(fd, p, flags, mode); }
WRAP_OPENAT(openat)
WRAP_OPENAT(openat64)
#define WRAP_STAT(name, T) int name(const char *p, T *st) { \
    static int (*real)(const char *, T *); if (!real) real = dlsym(RTLD_NEXT, #name); slow(p); return real(p, st); }
WRAP_STAT(stat, struct stat)
WRAP_STAT(lstat, struct stat)
WRAP_STAT(stat64, struct stat64)
WRAP_STAT(lstat64, struct stat64)
#define WRAP_FSTATAT(name, T) int name(int fd, const char *p, T *st, int flags) { \
    static int (*real)(int, const char *, T *, int); if (!real) real = dlsym(RTLD_NEXT, #name); \
    slow(p); return real(fd, p, st, flags); }
WRAP_FSTATAT(fstatat, struct stat)
WRAP_FSTATAT(fstatat64, struct stat64)
"""

KINDS = ("error_burst", "steady_errors", "slow_fs", "stall", "cpu_hog", "slow_search", "surge", "conflict_run",
         "open_conflicts")


@dataclass
class Event:
    kind: str
    start: float  # seconds after the load started (the schedule); wall time once run
    duration: float
    magnitude: float  # error ratio, ms of delay, hog processes, surge factor, conflicts…
    expect_health: bool = True  # a surge is load, not a fault: scored for "unusual now" only
    detected: bool = False
    delay: float | None = None
    unusual_detected: bool = False
    unusual_delay: float | None = None


@dataclass
class Score:
    schedule: str
    interval_s: float
    seconds: float
    events: list[Event] = field(default_factory=list)
    health: dict[str, float] = field(default_factory=dict)
    unusual: dict[str, float] = field(default_factory=dict)
    polls: int = 0
    calls: int = 0


def schedule(name: str, interval_s: float, *, kinds: tuple[str, ...] = KINDS) -> tuple[float, list[Event]]:
    """(warm-up seconds, events) of a named schedule. ``tuning`` is what the thresholds were set on; ``heldout``
    has other seeds, magnitudes, durations and order."""
    rng = random.Random({"tuning": 1, "heldout": 2, "small": 3}.get(name, 4))
    scale = interval_s / 2.0  # durations are set for a 2 s sampling interval and scale with it
    ranges = {  # kind: (duration range in intervals, magnitude range)
        "error_burst": ((8, 14), (0.15, 0.5)) if name == "tuning" else ((6, 12), (0.12, 0.45)),
        "steady_errors": ((20, 26), (0.47, 0.47)) if name == "tuning" else ((18, 24), (0.3, 0.5)),
        "slow_fs": ((10, 14), (10.0, 30.0)) if name == "tuning" else ((8, 12), (8.0, 25.0)),
        "stall": ((5, 8), (1, 1)),
        "cpu_hog": ((10, 14), (3, 3)) if name == "tuning" else ((8, 12), (3, 4)),
        "slow_search": ((10, 14), (1, 1)),
        "surge": ((8, 12), (5, 5)) if name == "tuning" else ((6, 10), (4, 6)),
        "conflict_run": ((8, 10), (6, 6)) if name == "tuning" else ((6, 10), (4, 8)),
        "open_conflicts": ((10, 14), (10, 10)) if name == "tuning" else ((8, 12), (5, 10)),
    }
    order = list(kinds)
    rng.shuffle(order)
    warmup = (15 if name == "small" else 30) * interval_s  # the baselines need history: 30 samples
    t = warmup
    events = []
    for kind in order:
        (d_lo, d_hi), (m_lo, m_hi) = ranges[kind]
        duration = rng.uniform(d_lo, d_hi) * 2.0 * scale
        magnitude = rng.uniform(m_lo, m_hi)
        events.append(Event(kind, t, duration, round(magnitude, 3), expect_health=kind != "surge"))
        t += duration + rng.uniform(12, 18) * 2.0 * scale  # a real quiet period after each
    return warmup, events


class Bench:
    def __init__(self, root: Path, interval_s: float, agents: int = 3, rate: float = 8.0) -> None:
        self.root = root
        self.interval_s = interval_s
        self.agents = agents
        self.rate = rate  # calls a second per agent
        self.ctl = root.parent / "slowfs.ctl"
        self.ctl.write_text("0")
        self.faults: dict[str, float] = {}  # active fault → magnitude
        self.calls = 0
        self.clients: list[Any] = []
        self.hogs: list[subprocess.Popen[bytes]] = []
        self.conflicts: list[str] = []

    def prepare(self) -> None:
        src = self.root / "src"
        src.mkdir(parents=True)
        for i in range(40):
            (src / f"m{i}.py").write_text("".join(f"def f{i}_{j}(a):\n    return a * {j}\n" for j in range(40)))
        big = self.root / "big"
        for d in range(40):
            (big / f"d{d}").mkdir(parents=True)
            for i in range(60):
                (big / f"d{d}" / f"f{i}.txt").write_text(f"line {i}\n" * 400)
        (self.root / "shared.txt").write_text("".join(f"line {i}\n" for i in range(20)))
        (self.root / "devreliab.jsonc").write_text(json.dumps({"monitor": {
            "sample_interval_ms": round(self.interval_s * 1000)}}))
        shim = self.root.parent / "slowfs.so"
        c = self.root.parent / "slowfs.c"
        c.write_text(SHIM)
        subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", str(shim), str(c), "-ldl"], check=True)
        self.shim = shim

    def env(self) -> dict[str, str]:
        env = {**os.environ, "PYTHONPATH": str(REPO), "LD_PRELOAD": str(self.shim),
               "SLOWFS_PREFIX": str(self.root.resolve()), "SLOWFS_CTL": str(self.ctl)}
        return env

    async def agent(self, n: int, client: Any, until: float) -> None:
        rng = random.Random(n)
        i = 0
        while time.time() < until:
            i += 1
            await self.one_call(n, client, rng, i)
            self.calls += 1
            pace = self.rate * (self.faults.get("surge", 1.0))
            await asyncio.sleep(rng.expovariate(pace))

    async def one_call(self, n: int, client: Any, rng: random.Random, i: int) -> None:
        f = self.faults
        r = rng.random()
        if "error_burst" in f and rng.random() < f["error_burst"]:
            await client.call_tool("read_file", {"path": f"missing/{rng.randint(0, 9999)}.py"})
        elif "steady_errors" in f and r < 0.3:
            bad = rng.random() < f["steady_errors"]
            await client.call_tool("edit_file", {"path": f"src/m{n}.py", "dry_run": True, "edits": [
                {"old_text": "no such text" if bad else f"def f{n}_1(a):", "new_text": f"def f{n}_1(a):"}]})
        elif r < 0.5:
            await client.call_tool("read_file", {"path": f"src/m{rng.randint(0, 39)}.py"})
        elif r < 0.7:
            await client.call_tool("file_info", {"path": f"src/m{rng.randint(0, 39)}.py"})
        elif r < 0.85:
            where = "big" if "slow_search" in f else "src"
            await client.call_tool("search", {"pattern": f"f{rng.randint(0, 39)}_3\\b", "path": where,
                                              "max_results": 20})
        else:
            await client.call_tool("list_directory", {"path": "src"})

    # -- faults -------------------------------------------------------------------------------------------
    async def inject(self, event: Event) -> None:
        kind, m = event.kind, event.magnitude
        if kind in ("error_burst", "steady_errors", "slow_search", "surge"):
            self.faults[kind] = m
        elif kind == "slow_fs":
            self.ctl.write_text(str(int(m * 1000)))
        elif kind == "stall":
            self.stopped = self.server_pids()[:1]
            for pid in self.stopped:
                os.kill(pid, signal.SIGSTOP)
        elif kind == "cpu_hog":
            self.hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(int(m))]
        elif kind in ("conflict_run", "open_conflicts"):
            await self.make_conflicts(int(m), resolve=kind == "conflict_run")

    async def clear(self, event: Event) -> None:
        kind = event.kind
        self.faults.pop(kind, None)
        if kind == "slow_fs":
            self.ctl.write_text("0")
        elif kind == "stall":
            for pid in self.stopped:
                os.kill(pid, signal.SIGCONT)
        elif kind == "cpu_hog":
            for hog in self.hogs:
                hog.kill()
                hog.wait()
            self.hogs = []
        elif kind == "open_conflicts":
            for cid in self.conflicts:
                await self.clients[0].call_tool("resolve_conflict", {"conflict_id": cid, "resolution": "theirs"})
            self.conflicts = []

    async def make_conflicts(self, n: int, *, resolve: bool) -> None:
        a, b = self.clients[0], self.clients[1]
        for k in range(n):
            path = f"conf/c{k}_{int(time.time() * 1000)}.txt"
            base = await a.call_tool("write_file", {"path": path, "content": "one\ntwo\nthree\n"})
            version = base.structured_content["version"]
            await b.call_tool("read_file", {"path": path})
            await a.call_tool("write_file", {"path": path, "content": "ONE\ntwo\nthree\n", "expected_version": version})
            got = await b.call_tool("write_file", {"path": path, "content": "uno\ntwo\nthree\n",
                                                   "expected_version": version})
            cid = (got.structured_content or {}).get("conflict_id")
            if cid and resolve:
                await b.call_tool("resolve_conflict", {"conflict_id": cid, "resolution": "theirs"})
            elif cid:
                self.conflicts.append(cid)
            await asyncio.sleep(0.2)

    def server_pids(self) -> list[int]:
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == os.getpid() and b"serve" in cmd and str(self.root).encode() in cmd:
                pids.append(int(entry))
        return sorted(pids)


def _episodes(flags: list[tuple[float, bool]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    start: float | None = None
    for t, flagged in flags:
        if flagged and start is None:
            start = t
        elif not flagged and start is not None:
            out.append((start, t))
            start = None
    if start is not None:
        out.append((start, flags[-1][0]))
    return out


def _first_hit(flags: list[tuple[float, bool]], e: Event, grace: float) -> float | None:
    """Seconds from the event's start to the first flagged poll within its window, or None."""
    hits = [t for t, flagged in flags if flagged and e.start <= t <= e.start + e.duration + grace]
    return round(hits[0] - e.start, 1) if hits else None


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 1.0


def _score(flags: list[tuple[float, bool]], events: list[Event], grace: float, seconds: float,
           attr: str) -> dict[str, float]:
    """Precision per flagged episode, recall per event, delays and false alarms an hour (``attr``: ``health`` or
    ``unusual``; the events record their own detection and delay)."""
    episodes = _episodes(flags)
    windows = [(e.start, e.start + e.duration + grace) for e in events]
    true = [ep for ep in episodes if any(ep[0] <= w1 and ep[1] >= w0 for w0, w1 in windows)]
    expected = [e for e in events if e.expect_health or attr == "unusual"]
    delays: dict[int, float | None] = {}
    for e in events:
        delays[id(e)] = delay = _first_hit(flags, e, grace)
        if attr == "health":
            e.detected, e.delay = delay is not None, delay
        else:
            e.unusual_detected, e.unusual_delay = delay is not None, delay
    found = sorted(d for e in expected if (d := delays[id(e)]) is not None)
    return {"precision": _ratio(len(true), len(episodes)), "recall": _ratio(len(found), len(expected)),
            "episodes": len(episodes), "false_alarms": len(episodes) - len(true),
            "false_alarms_per_hour": round((len(episodes) - len(true)) * 3600 / seconds, 1),
            "median_delay_s": found[len(found) // 2] if found else -1.0, "max_delay_s": found[-1] if found else -1.0}


async def run(name: str = "heldout", interval_s: float = 2.0, *, kinds: tuple[str, ...] = KINDS,
              root: Path | None = None, poll_s: float = 1.0, agents: int = 3) -> Score:
    from mcp import Client, StdioServerParameters
    from mcp_types import Implementation

    from devreliab._store import StateStore
    from devreliab.monitor import workspace_health
    from devreliab.monitor._samples import Window

    base = Path(tempfile.mkdtemp(prefix="devreliab-faults-")) if root is None else root
    bench = Bench(base / "project", interval_s, agents=agents)
    bench.prepare()
    warmup, events = schedule(name, interval_s, kinds=kinds)
    total = events[-1].start + events[-1].duration + 15 * interval_s
    params = StdioServerParameters(command=sys.executable,
                                   args=["-m", "devreliab", "serve", "--root", str(bench.root)], env=bench.env())
    from contextlib import AsyncExitStack

    async with AsyncExitStack() as stack:
        for n in range(agents):
            bench.clients.append(await stack.enter_async_context(Client(
                params, read_timeout_seconds=120, client_info=Implementation(name=f"agent{n}", version="1"))))
        t0 = time.time()
        for e in events:
            e.start += t0
        until = t0 + total
        store = StateStore(bench.root)
        window = Window(3600)
        flags: list[tuple[float, bool, bool]] = []

        async def poller() -> None:
            while time.time() < until:
                now = time.time()
                h = await asyncio.to_thread(workspace_health, bench.root, store=store, window=window, now=now,
                                            open_store=False)
                flags.append((now, h.status != "ok", bool(h.unusual)))
                await asyncio.sleep(poll_s)

        async def injector() -> None:
            for e in events:
                await asyncio.sleep(max(0.0, e.start - time.time()))
                await bench.inject(e)
                await asyncio.sleep(max(0.0, e.start + e.duration - time.time()))
                await bench.clear(e)

        await asyncio.gather(poller(), injector(), *(bench.agent(n, c, until) for n, c in enumerate(bench.clients)))
        store.close()
    seconds = total
    grace = 3 * interval_s
    scored = [(t, f) for t, f, _ in flags if t >= t0 + warmup]
    score = Score(name, interval_s, round(seconds), events, polls=len(flags), calls=bench.calls)
    score.health = _score(scored, events, grace, seconds - warmup, "health")
    score.unusual = _score([(t, u) for t, _, u in flags if t >= t0 + warmup], events, grace, seconds - warmup,
                           "unusual")
    for e in events:
        e.start = round(e.start - t0, 1)
        e.duration = round(e.duration, 1)
    return score


def table(score: Score) -> str:
    lines = [f"schedule {score.schedule}: {score.seconds} s, sampling every {score.interval_s:g} s, "
             f"{score.calls} calls, {score.polls} polls",
             "", "| event | start s | duration s | magnitude | health: detected, delay s "
             "| unusual now: detected, delay s |",
             "|---|---|---|---|---|---|"]
    for e in score.events:
        health = ("yes, " + f"{e.delay}" if e.detected else "no") if e.expect_health else "(not a fault)"
        unusual = "yes, " + f"{e.unusual_delay}" if e.unusual_detected else "no"
        lines.append(f"| {e.kind} | {e.start} | {e.duration} | {e.magnitude} | {health} | {unusual} |")
    for label, s in (("health verdict", score.health), ("unusual now", score.unusual)):
        lines.append(f"\n{label}: precision {s['precision']}, recall {s['recall']}, {int(s['episodes'])} episodes, "
                     f"{int(s['false_alarms'])} false alarms ({s['false_alarms_per_hour']}/h), "
                     f"delay median {s['median_delay_s']} s, max {s['max_delay_s']} s")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schedule", default="heldout", choices=("tuning", "heldout", "small"))
    parser.add_argument("--interval-ms", type=int, default=2000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    score = asyncio.run(run(args.schedule, args.interval_ms / 1000))
    print(table(score))
    if args.json:
        args.json.write_text(json.dumps(asdict(score), indent=2))


if __name__ == "__main__":
    main()
