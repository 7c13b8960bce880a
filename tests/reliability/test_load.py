"""Load: many agents, each its own ``devreliab serve`` over stdio, working one workspace for a bounded time.

Afterwards every accepted write is in its file (or in a conflict record), the journal accounts for every
version of every file as one unbroken chain, and no process died. Throughput and p99 latency are reported.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devreliab.vfs._text import version_of
from tests.tools import read_text

from ..mcp.conftest import StdioServer
from .conftest import scale, stop

SHARED = "shared/notes.md"
SHARED_PY = "shared/calc.py"
MARK = "# -- agents add above this line --\n"
STARTUP_BATCH = 4
INITIALIZE = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "load", "version": "1"}}


@dataclass
class Agent:
    index: int
    proc: StdioServer
    rng: random.Random
    latencies: list[tuple[str, float]] = field(default_factory=list)  # (tool, seconds)
    accepted: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (path, kind) → lines, in order
    versions: dict[str, list[str]] = field(default_factory=dict)  # path → versions answered
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (conflict id, line)
    errors: list[str] = field(default_factory=list)
    calls: int = 0
    n: int = 0

    @property
    def private(self) -> str:
        return f"private/agent{self.index:02d}.py"

    def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        started = time.perf_counter()
        answer = self.proc.call_tool(tool, **arguments)
        self.latencies.append((tool, time.perf_counter() - started))
        self.calls += 1
        if answer.get("isError"):
            self.errors.append(f"{tool} {arguments}: {answer['content'][0]['text']}")
            return {}
        data: dict[str, Any] = dict(answer.get("structuredContent") or {})
        if tool == "read_file" and not data.get("unchanged"):
            data["content"] = read_text(answer["content"][0]["text"])  # the text channel: a header line, the text
        return data

    def accept(self, path: str, line: str, result: dict[str, Any], kind: str = "append") -> None:
        if result.get("status") == "conflict":
            self.conflicts.append((result["conflict_id"], line))
        elif result.get("status") in ("written", "merged", "created"):
            self.accepted.setdefault((path, kind), []).append(line)
            self.versions.setdefault(path, []).append(result["version"])

    # -- the operations an agent does ------------------------------------------------------------------------
    def append_shared(self) -> None:
        line = f"agent {self.index} append {self.n}\n"
        current = self.call("read_file", path=SHARED)
        if current:
            self.accept(SHARED, line, self.call("write_file", path=SHARED, content=current["content"] + line))

    def edit_shared(self) -> None:
        line = f"# agent {self.index} edit {self.n}\n"
        self.accept(SHARED_PY, line, self.call("edit_file", path=SHARED_PY,
                                                edits=[{"old_text": MARK, "new_text": line + MARK}]), "edit")

    def edit_private(self) -> None:
        line = f"# private {self.index} {self.n}\n"
        self.accept(self.private, line, self.call("edit_file", path=self.private,
                                                  edits=[{"old_text": MARK, "new_text": line + MARK}]), "edit")

    def write_private(self) -> None:
        current = self.call("read_file", path=self.private)
        if current:
            line = f"VALUE_{self.n} = {self.n}\n"
            self.accept(self.private, line,
                        self.call("write_file", path=self.private, content=current["content"] + line))

    def reads(self) -> None:
        self.call("read_many", paths=[SHARED, SHARED_PY, self.private, "README.md"])
        self.call("file_info", path=SHARED)

    def search(self) -> None:
        self.call("search", pattern=f"agent {self.rng.randrange(64)} ", max_results=20)

    def analyse(self) -> None:
        self.call("analyze_file", path=self.rng.choice([SHARED_PY, self.private]))

    def listing(self) -> None:
        self.call("list_directory", path=".", depth=2, max_entries=200)

    def run(self, deadline: float) -> None:
        ops: list[tuple[Callable[[], None], int]] = [
            (self.append_shared, 5), (self.edit_shared, 3), (self.edit_private, 3), (self.write_private, 2),
            (self.reads, 3), (self.search, 2), (self.analyse, 1), (self.listing, 1)]
        choices = [op for op, weight in ops for _ in range(weight)]
        while time.monotonic() < deadline:
            self.n += 1
            self.rng.choice(choices)()


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def check_chain(conn: sqlite3.Connection, path: str, first: str, last: str) -> int:
    """The journal of ``path`` is one chain of versions from ``first`` to ``last``; its length."""
    # the local history's baseline row (the file as the history began, when its watcher walked first) is no write
    rows = conn.execute("SELECT before, after FROM vfs_journal WHERE path = ? AND action != 'baseline' ORDER BY id",
                        (path,)).fetchall()
    successor: dict[str, str] = {}
    for before, after in rows:
        assert before not in successor, f"{path}: two writes were both based on {before}: one was lost"
        successor[before] = after
    version, steps = first, 0
    while version != last:
        assert version in successor, f"{path}: the journal chain breaks after {version}"
        version = successor[version]
        steps += 1
    assert steps == len(rows), f"{path}: {len(rows) - steps} journal rows are not on the chain"
    return steps


@pytest.mark.reliability_heavy
def test_many_agents_working_one_workspace_lose_nothing(tmp_path: Path, figures: dict[str, Any]) -> None:
    agents_n = scale(4, 32)
    seconds = scale(8, 60)
    root = tmp_path / "ws"
    (root / "shared").mkdir(parents=True)
    (root / "private").mkdir()
    (root / "README.md").write_text("# load\n", encoding="utf-8")
    # the agents re-read the shared notes whole and write them back: no answer cap (at full scale they outgrow it)
    (root / "devreliab.jsonc").write_text('{"mcp": {"read_max_lines": 10000000, "read_max_chars": 1000000000}}')
    initial: dict[str, str] = {
        SHARED: "# notes\n",
        SHARED_PY: "def total(xs):\n    return sum(xs)\n\n\n" + MARK,
        **{f"private/agent{i:02d}.py": f'"""agent {i}"""\n' + MARK for i in range(agents_n)},
    }
    for rel, text in initial.items():
        (root / rel).write_text(text, encoding="utf-8")
    agents: list[Agent] = []
    try:
        boot = time.monotonic()
        for first in range(0, agents_n, STARTUP_BATCH):  # 32 interpreters importing at once starve 2 cores
            batch = [Agent(i, StdioServer(root), random.Random(i))
                     for i in range(first, min(agents_n, first + STARTUP_BATCH))]
            agents += batch
            for agent in batch:
                agent.proc.answer(agent.proc.request("initialize", INITIALIZE), timeout=180)
                agent.proc.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        startup_s = time.monotonic() - boot
        failures: list[BaseException] = []

        def work(agent: Agent, deadline: float) -> None:
            try:
                agent.run(deadline)
            except BaseException as exc:  # reported below
                failures.append(exc)

        started = time.monotonic()
        threads = [threading.Thread(target=work, args=(a, started + seconds)) for a in agents]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 120)
        elapsed = time.monotonic() - started
        assert not failures, failures[:3]
        assert all(a.proc.proc.poll() is None for a in agents), "a server process died under load"
        errors = [e for a in agents for e in a.errors]
        assert not errors, errors[:5]

        # every accepted line is in its file, each agent's lines in the order they were accepted
        for rel in initial:
            text = (root / rel).read_text(encoding="utf-8")
            lines = text.splitlines(keepends=True)
            present = set(lines)
            for agent in agents:
                for kind in ("append", "edit"):
                    mine = agent.accepted.get((rel, kind), [])
                    missing = [line for line in mine if line not in present]
                    assert not missing, f"{rel}: accepted writes of agent {agent.index} lost: {missing[:3]}"
                    assert [line for line in lines if line in set(mine)] == mine, \
                        f"{rel}: agent {agent.index}'s {kind}s out of order"
        # every conflict answer has its record, holding the agent's text
        conn = sqlite3.connect(root / ".devreliab" / "state.db")
        try:
            for agent in agents:
                for conflict_id, line in agent.conflicts:
                    row = conn.execute("SELECT b.data FROM vfs_conflicts c JOIN vfs_blobs b ON b.version = c.ours "
                                       "WHERE c.id = ?", (conflict_id,)).fetchone()
                    assert row is not None and line.encode() in bytes(row[0]), conflict_id
            # the journal: one unbroken chain per file from the first version to the one on disk, and every
            # version an agent was answered with is on it
            chain_rows = 0
            for rel, text in initial.items():
                final = version_of((root / rel).read_bytes())
                chain_rows += check_chain(conn, rel, version_of(text.encode()), final)
                journalled = {r[0] for r in conn.execute("SELECT after FROM vfs_journal WHERE path = ?", (rel,))}
                for agent in agents:
                    assert set(agent.versions.get(rel, [])) <= journalled, f"{rel}: a version without a journal row"
            assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()
        codes = [stop(a.proc) for a in agents]
        assert codes == [0] * agents_n, codes
    finally:
        for agent in agents:
            agent.proc.kill()
    latencies = sorted(x for a in agents for _, x in a.latencies)
    calls = len(latencies)
    by_tool: dict[str, list[float]] = {}
    for agent in agents:
        for tool, seconds_taken in agent.latencies:
            by_tool.setdefault(tool, []).append(seconds_taken)
    p99_by_tool = {tool: round(percentile(sorted(xs), 0.99) * 1000, 1) for tool, xs in sorted(by_tool.items())}
    figures.update(
        agents=agents_n, startup_s=round(startup_s, 1), seconds=round(elapsed, 1), tool_calls=calls,
        throughput_calls_per_s=round(calls / elapsed, 1),
        p50_ms=round(percentile(latencies, 0.5) * 1000, 1), p99_ms=round(percentile(latencies, 0.99) * 1000, 1),
        p99_ms_by_tool=p99_by_tool,
        max_ms=round(latencies[-1] * 1000, 1),
        accepted_writes=sum(len(v) for a in agents for v in a.accepted.values()),
        conflicts=sum(len(a.conflicts) for a in agents), journal_rows_on_chain=chain_rows, writes_lost=0,
        processes_died=0)
