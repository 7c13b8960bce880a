"""`devreliab serve` against the reference filesystem MCP server, side by side (pytest-benchmark groups).

Both servers run as real processes over stdio and are driven by the same client code: the official MCP Python
SDK (``mcp.Client`` on ``stdio_client``, initialize handshake, protocol 2025-11-25), whose event loop runs in one
background thread (an anyio blocking portal). The reference is npm ``@modelcontextprotocol/server-filesystem``
(pinned below) on Node, installed on first use into ``~/.cache/devreliab-tools`` like the other npm tools.

Run: .venv/bin/pytest benchmarks/test_bench_mcp.py --benchmark-only --benchmark-group-by=group
Targets (issue: the MCP server): read p50 ≤ 0.5× the reference's; 300 first reads ≤ 1× the reference's;
8 agents × 25 appends lose 0 lines (asserted); bytes returned over an edit session ≤ 0.5× the reference's.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import anyio
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp_types import CallToolResult

from tests.tools import npm_tool

REPO = Path(__file__).resolve().parents[1]
REFERENCE_SPEC = "@modelcontextprotocol/server-filesystem@2026.8.31"
KB = 1024
READS = 500
MANY_FILES = 300
MANY_ROUNDS = 4
AGENTS = 8
APPENDS = 25
APPEND_ROUNDS = 3
SESSION_ROUNDS = 10
KINDS = ["devreliab", "reference"]


# -- the two servers, behind the same client code ------------------------------------------------------------
def _reference_script() -> Path:
    """dist/index.js of the reference server (its bin entry), installed on first use."""
    return npm_tool("server-filesystem", REFERENCE_SPEC, "mcp-server-filesystem").resolve()


def _params(kind: str, root: Path) -> StdioServerParameters:
    if kind == "devreliab":
        env = {"PYTHONUNBUFFERED": "1", "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        return StdioServerParameters(command=sys.executable, args=["-m", "devreliab", "serve", "--root", str(root)],
                                     env=env)
    node = shutil.which("node")
    assert node is not None, "node (20) is needed for the reference server"
    return StdioServerParameters(command=node, args=[str(_reference_script()), str(root)])


@dataclass
class Agent:
    """One MCP client session with its own server process. Tool names and arguments differ per server; the
    transport, the client and the measurement do not."""

    kind: str
    root: Path
    client: Client
    portal: BlockingPortal

    def rel(self, path: str) -> str:
        # devreliab takes workspace-relative paths; the reference wants absolute ones inside its allowed dir.
        return path if self.kind == "devreliab" else str(self.root / path)

    # tool calls as (name, arguments)
    def read(self, path: str, if_version: str | None = None) -> tuple[str, dict[str, Any]]:
        if self.kind == "devreliab":
            args: dict[str, Any] = {"path": path}
            if if_version is not None:
                args["if_version"] = if_version
            return "read_file", args
        return "read_text_file", {"path": self.rel(path)}

    def write(self, path: str, content: str, version: str | None) -> tuple[str, dict[str, Any]]:
        if self.kind == "devreliab":
            return "write_file", {"path": path, "content": content, "expected_version": version}
        return "write_file", {"path": self.rel(path), "content": content}

    def edit(self, path: str, old: str, new: str) -> tuple[str, dict[str, Any]]:
        if self.kind == "devreliab":
            return "edit_file", {"path": path, "edits": [{"old_text": old, "new_text": new}]}
        return "edit_file", {"path": self.rel(path), "edits": [{"oldText": old, "newText": new}]}

    def search(self, directory: str, text: str) -> tuple[str, dict[str, Any]]:
        if self.kind == "devreliab":
            return "search", {"pattern": text, "path": directory, "fixed_strings": True}
        # The reference's only search tool matches file *names* (a glob), not contents.
        return "search_files", {"path": self.rel(directory), "pattern": text}

    async def acall(self, call: tuple[str, dict[str, Any]]) -> CallToolResult:
        result = await self.client.call_tool(*call)
        assert not result.is_error, (self.kind, call[0], result.content)
        return result

    async def atimed(self, call: tuple[str, dict[str, Any]], into: list[float]) -> CallToolResult:
        start = time.perf_counter()
        result = await self.client.call_tool(*call)
        into.append(time.perf_counter() - start)
        assert not result.is_error, (self.kind, call[0], result.content)
        return result

    def call(self, call: tuple[str, dict[str, Any]]) -> CallToolResult:
        return self.portal.call(self.acall, call)

    def timed(self, call: tuple[str, dict[str, Any]], into: list[float]) -> CallToolResult:
        return self.portal.call(self.atimed, call, into)


def text_of(result: CallToolResult) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


def data_of(result: CallToolResult) -> dict[str, Any]:
    assert result.structured_content is not None
    return result.structured_content


def wire_bytes(result: CallToolResult) -> int:
    """The bytes of the tool result as the client received it: content and structuredContent, JSON."""
    return len(result.model_dump_json(by_alias=True, exclude_none=True).encode())


@dataclass
class Servers:
    portal: BlockingPortal
    stack: ExitStack
    logs: Path
    agents: dict[tuple[str, Path, int], Agent] = field(default_factory=dict)
    errlogs: list[tuple[str, Path, TextIO]] = field(default_factory=list)

    def agent(self, kind: str, root: Path, n: int = 0) -> Agent:
        """The n-th agent on ``root`` for ``kind``, started on first use (process start-up is never timed)."""
        key = (kind, root, n)
        if key not in self.agents:
            path = self.logs / f"{kind}-{len(self.errlogs)}.stderr"
            errlog = self.stack.enter_context(open(path, "w"))  # noqa: SIM115 - closed with the stack
            self.errlogs.append((kind, path, errlog))
            client = Client(stdio_client(_params(kind, root), errlog=errlog), mode="legacy", read_timeout_seconds=120)
            self.agents[key] = Agent(kind, root, self.stack.enter_context(self.portal.wrap_async_context_manager(
                client)), self.portal)
        return self.agents[key]

    def agents_of(self, kind: str, root: Path, count: int) -> list[Agent]:
        return [self.agent(kind, root, n) for n in range(count)]

    def run(self, fn: Callable[[], Awaitable[Any]]) -> Any:
        return self.portal.call(fn)

    def stderr_of(self, kind: str) -> str:
        return "".join(p.read_text(errors="replace") for k, p, _ in self.errlogs if k == kind)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    _reference_script()  # install before anything is timed
    logs = tmp_path_factory.mktemp("mcp-logs")
    with ExitStack() as stack:
        portal = stack.enter_context(start_blocking_portal("asyncio"))
        yield Servers(portal, stack, logs)


def _module(n: int, name: str = "compute_value") -> str:
    return "".join(f"def fn_{n}_{i}(a, b):\n    return {name}(a, b) + {i}  # line {i} of module {n}\n"
                   for i in range(40))


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mcp-bench") / "project"
    root.mkdir()
    line = "x = compute_value(alpha, beta)  # some ordinary source line\n"
    (root / "big.txt").write_text(line * (100 * KB // len(line)))
    for d in range((MANY_ROUNDS + 1) * MANY_FILES // 100):  # a batch per round, and one for the interleaved run
        (root / "many" / f"d{d:02}").mkdir(parents=True)
        for f in range(100):
            (root / "many" / f"d{d:02}" / f"m{f:03}.py").write_text(_module(f))
    session = root / "session"
    session.mkdir()
    (session / "pricing.py").write_text(SESSION_FILE)
    for n in range(20):
        body = _module(n, "helper")
        if n % 4 == 0:
            body += "\nfrom pricing import apply_discount\n\nTOTAL = apply_discount(100, 0.1)\n"
        (session / f"use{n:02}.py").write_text(body)
    for p in root.rglob("*"):  # warm the page cache: neither server pays the first disk read
        if p.is_file():
            p.read_bytes()
    time.sleep(2.2)  # past devreliab's racy-clean window (2 s), as in steady use
    return root


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _percentiles(times: list[float]) -> dict[str, float]:
    p95 = statistics.quantiles(times, n=100, method="inclusive")[94] if len(times) > 1 else times[0]
    return {"p50_ms": _ms(statistics.median(times)), "p95_ms": _ms(p95), "min_ms": _ms(min(times)),
            "max_ms": _ms(max(times))}


# -- 1. round-trip latency: the same 100 KB file, 500 times -------------------------------------------------
LATENCY: dict[str, dict[str, float]] = {}


@pytest.mark.benchmark(group="mcp: read the same 100 KB file (one call)")
@pytest.mark.parametrize("kind", KINDS)
def test_read_same_100kb_file(benchmark: Any, servers: Servers, tree: Path, kind: str) -> None:
    agent = servers.agent(kind, tree)
    call = agent.read("big.txt")
    for _ in range(10):  # warm-up (first read fills devreliab's cache; JIT for Node)
        agent.call(call)
    times: list[float] = []
    result = benchmark.pedantic(agent.timed, args=(call, times), rounds=READS, iterations=1)
    assert len(text_of(result)) == (tree / "big.txt").stat().st_size
    LATENCY[kind] = _percentiles(times)
    benchmark.extra_info.update(LATENCY[kind])
    benchmark.extra_info["reply_bytes"] = wire_bytes(result)
    if kind == "reference" and "devreliab" in LATENCY:
        ratio = LATENCY["devreliab"]["p50_ms"] / LATENCY["reference"]["p50_ms"]
        benchmark.extra_info.update(devreliab_p50_ratio=round(ratio, 3), target=0.5, met=ratio <= 0.5)


@pytest.mark.benchmark(group="mcp: read the same 100 KB file (one call)")
def test_read_same_100kb_file_interleaved(benchmark: Any, servers: Servers, tree: Path) -> None:
    """devreliab's read right after the reference's, so both meet the same machine load; the reference's
    times go to extra_info with the ratio of the medians."""
    ours, theirs = servers.agent("devreliab", tree), servers.agent("reference", tree)
    ours_times: list[float] = []
    theirs_times: list[float] = []

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        theirs.timed(theirs.read("big.txt"), theirs_times)
        return (ours.read("big.txt"), ours_times), {}

    benchmark.pedantic(ours.timed, setup=setup, rounds=READS, iterations=1)
    o, t = _percentiles(ours_times), _percentiles(theirs_times)
    ratio = o["p50_ms"] / t["p50_ms"]
    benchmark.extra_info.update({f"devreliab_{k}": v for k, v in o.items()})
    benchmark.extra_info.update({f"reference_{k}": v for k, v in t.items()})
    benchmark.extra_info.update(p50_ratio=round(ratio, 3), p95_ratio=round(o["p95_ms"] / t["p95_ms"], 3),
                                target=0.5, met=ratio <= 0.5)


# -- 2. 300 different files, one call each ------------------------------------------------------------------
MANY_TOTALS: dict[str, float] = {}


@pytest.mark.benchmark(group="mcp: read 300 different files (one call each)")
@pytest.mark.parametrize("kind", KINDS)
def test_read_300_different_files(benchmark: Any, servers: Servers, tree: Path, kind: str) -> None:
    """Each round reads 300 files this server process never read before (a new batch per round)."""
    agent = servers.agent(kind, tree)
    agent.call(agent.read("big.txt"))  # the connection is warm, the files are not
    batches = iter(range(MANY_ROUNDS))

    def setup() -> tuple[tuple[list[str]], dict[str, Any]]:
        b = next(batches)
        return ([f"many/d{d:02}/m{f:03}.py" for d in range(b * 3, b * 3 + 3) for f in range(100)],), {}

    async def read_all(paths: list[str]) -> int:
        size = 0
        for p in paths:
            size += len(text_of(await agent.acall(agent.read(p))))
        return size

    size = benchmark.pedantic(lambda paths: servers.run(lambda: read_all(paths)), setup=setup,
                              rounds=MANY_ROUNDS, iterations=1)
    assert size == sum(len(_module(f)) for f in range(100)) * 3
    if benchmark.stats is not None:
        MANY_TOTALS[kind] = benchmark.stats.stats.median
        benchmark.extra_info["per_call_ms_median"] = _ms(MANY_TOTALS[kind] / MANY_FILES)
    if kind == "reference" and "devreliab" in MANY_TOTALS:
        ratio = MANY_TOTALS["devreliab"] / MANY_TOTALS["reference"]
        benchmark.extra_info.update(devreliab_ratio_of_medians=round(ratio, 3), target=1.0, met=ratio <= 1.0)


@pytest.mark.benchmark(group="mcp: read 300 different files (one call each)")
def test_read_300_different_files_interleaved(benchmark: Any, servers: Servers, tree: Path) -> None:
    """Both servers read 300 files new to them, call by call in turns (devreliab's read right after the
    reference's), so both meet the same machine load; the totals of each server's calls are compared. Fresh
    server processes, so no file was read before; the batch is the fifth, unused by the other test."""
    ours, theirs = servers.agent("devreliab", tree, 1), servers.agent("reference", tree, 1)
    for agent in (ours, theirs):
        agent.call(agent.read("big.txt"))  # the connection is warm, the files are not
    ours_times: list[float] = []
    theirs_times: list[float] = []
    paths = iter([f"many/d{d:02}/m{f:03}.py" for d in range(MANY_ROUNDS * 3, MANY_ROUNDS * 3 + 3)
                  for f in range(100)])

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        path = next(paths)
        theirs.timed(theirs.read(path), theirs_times)
        return (ours.read(path), ours_times), {}

    benchmark.pedantic(ours.timed, setup=setup, rounds=MANY_FILES, iterations=1)
    total_ours, total_theirs = sum(ours_times), sum(theirs_times)
    benchmark.extra_info.update(devreliab_total_s=round(total_ours, 3), reference_total_s=round(total_theirs, 3),
                                devreliab_per_call_ms=_ms(total_ours / MANY_FILES),
                                reference_per_call_ms=_ms(total_theirs / MANY_FILES),
                                ratio_of_totals=round(total_ours / total_theirs, 3), target=1.0,
                                met=total_ours <= total_theirs)


# -- 3. 8 agents appending to one file ----------------------------------------------------------------------
async def _append_guarded(agent: Agent, path: str, lines: list[str], stats: dict[str, int]) -> None:
    for line in lines:
        while True:
            read = await agent.acall(agent.read(path))
            written = data_of(await agent.acall(agent.write(path, text_of(read) + line, data_of(read)["version"])))
            stats[written["status"]] = stats.get(written["status"], 0) + 1
            if written["status"] != "conflict":
                break


async def _append_blind(agent: Agent, path: str, lines: list[str], stats: dict[str, int]) -> None:
    for line in lines:
        text = text_of(await agent.acall(agent.read(path)))
        await agent.acall(agent.write(path, text + line, None))
        stats["written"] = stats.get("written", 0) + 1


@pytest.mark.benchmark(group="mcp: 8 agents x 25 appends to one file")
@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_appends(benchmark: Any, servers: Servers, tree: Path, kind: str) -> None:
    agents = servers.agents_of(kind, tree, AGENTS)
    name = f"append-{kind}.txt"
    path = tree / name
    lost: list[int] = []
    duplicated: list[int] = []
    stats: dict[str, int] = {}
    append = _append_guarded if kind == "devreliab" else _append_blind
    expected = {f"agent {a} line {n}" for a in range(AGENTS) for n in range(APPENDS)}

    def setup() -> tuple[tuple[()], dict[str, Any]]:
        path.write_text("")
        return (), {}

    async def everyone() -> None:
        async with anyio.create_task_group() as tg:
            for a, agent in enumerate(agents):
                tg.start_soon(append, agent, name, [f"agent {a} line {n}\n" for n in range(APPENDS)], stats)

    def run() -> None:
        servers.run(everyone)
        lines = path.read_text().splitlines()
        lost.append(len(expected - set(lines)))
        duplicated.append(len(lines) - len(set(lines)))

    benchmark.pedantic(run, setup=setup, rounds=APPEND_ROUNDS, iterations=1)
    total = AGENTS * APPENDS
    benchmark.extra_info.update(appends=total, lines_lost=lost, lines_duplicated=duplicated,
                                lines_lost_percent_mean=round(100 * sum(lost) / (total * len(lost)), 1),
                                write_statuses=stats)
    if benchmark.stats is not None:
        benchmark.extra_info["appends_per_second_median"] = round(total / benchmark.stats.stats.median, 1)
    if kind == "devreliab":
        # Not asserted (the lines are what this benchmark is about), but recorded: a state store that one
        # process moved aside and rebuilt while the others still had it open.
        benchmark.extra_info["state_store_rebuilds"] = servers.stderr_of(kind).count("moving it aside")
        assert max(lost) == 0 and max(duplicated) == 0, (lost, duplicated)


# -- 4. bytes returned over a scripted edit session ---------------------------------------------------------
SESSION_FILE = "".join(
    f"def price_{i}(amount, rate):\n    \"\"\"Price rule {i}.\"\"\"\n"
    f"    return apply_discount(amount, rate) * {i}\n\n\n"
    for i in range(60)
) + "def apply_discount(amount, rate):\n    return amount * (1 - rate)\n"
SESSION_BYTES: dict[str, int] = {}
SESSION_STEPS: dict[str, dict[str, int]] = {}


@pytest.mark.benchmark(group="mcp: edit session (read, edit, re-read, search)")
@pytest.mark.parametrize("kind", KINDS)
def test_edit_session_bytes(benchmark: Any, servers: Servers, tree: Path, kind: str) -> None:
    """read pricing.py, rename apply_discount's definition, re-read it (devreliab: if_version), search the
    package for the old name. Counted: the JSON of every tool result the client received."""
    agent = servers.agent(kind, tree)
    path = "session/pricing.py"
    per_step: list[dict[str, int]] = []

    def setup() -> tuple[tuple[()], dict[str, Any]]:
        (tree / path).write_text(SESSION_FILE)
        return (), {}

    async def session() -> None:
        steps = {}
        first = await agent.acall(agent.read(path))
        steps["read"] = first
        edited = await agent.acall(agent.edit(path, "def apply_discount(amount, rate):",
                                              "def discounted(amount, rate):"))
        steps["edit"] = edited
        version = data_of(edited).get("version") if agent.kind == "devreliab" else None
        steps["re-read"] = await agent.acall(agent.read(path, if_version=version))
        steps["search"] = await agent.acall(agent.search("session", "apply_discount"))
        per_step.append({k: wire_bytes(r) for k, r in steps.items()}
                        | {f"{k} text": len(text_of(r).encode()) for k, r in steps.items()})

    benchmark.pedantic(lambda: servers.run(session), setup=setup, rounds=SESSION_ROUNDS, iterations=1)
    assert "def discounted(amount, rate):" in (tree / path).read_text()
    steps = per_step[-1]
    SESSION_BYTES[kind] = sum(v for k, v in steps.items() if not k.endswith(" text"))
    SESSION_STEPS[kind] = steps
    benchmark.extra_info.update(bytes_total=SESSION_BYTES[kind], bytes_per_step=steps,
                                text_bytes_total=sum(v for k, v in steps.items() if k.endswith(" text")))
    if kind == "devreliab":
        assert data_of(agent.call(agent.read(path, if_version=data_of(agent.call(agent.read(path)))["version"])))[
            "unchanged"]
    if kind == "reference" and "devreliab" in SESSION_BYTES:
        ratio = SESSION_BYTES["devreliab"] / SESSION_BYTES["reference"]
        benchmark.extra_info.update(devreliab_bytes_ratio=round(ratio, 3), target=0.5, met=ratio <= 0.5)
        # The reference's search_files matches file names only, so its search step is not the same work.
        without_search = {k: v - SESSION_STEPS[k]["search"] for k, v in SESSION_BYTES.items()}
        benchmark.extra_info["devreliab_bytes_ratio_without_search"] = round(
            without_search["devreliab"] / without_search["reference"], 3)


# -- what the servers said on stderr ------------------------------------------------------------------------
@pytest.mark.benchmark(group="mcp: server stderr")
def test_zz_server_stderr(benchmark: Any, servers: Servers) -> None:
    """Not a measurement: records what each server process wrote to stderr (warnings, tracebacks)."""
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    for kind in KINDS:
        text = servers.stderr_of(kind)
        benchmark.extra_info[f"{kind}_stderr_lines"] = len(text.splitlines())
        benchmark.extra_info[f"{kind}_stderr_tracebacks"] = text.count("Traceback")
        benchmark.extra_info[f"{kind}_stderr_tail"] = text.splitlines()[-5:]
