"""``devreliab demo``: three AI agents edit a fresh copy of the bundled example at once, through devreliab and,
beside it, through plain file writes; then the example's analysis report and the next steps.

Each agent is a real MCP client (the SDK's ``Client``) of its own ``devreliab serve`` process over stdio, as
Claude Code, VS Code or Cursor would start it. The demo reads only structured content of the answers, so a change
in the tools' text is no reason for it to fail; a status it did not expect is (that is a bug worth reporting).
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio
from rich.console import Console
from rich.markup import escape

from ._errors import DevreliabError

AGENTS = ("agent-A", "agent-B", "agent-C")
FILE = "shop/pricing.py"
RISKY_FILE = "shop/alerts.py"
RISKY_TEXT = ('"""Alerts for the operations team."""\n\nimport subprocess\n\n\n'
              "def page_oncall(cmd):\n    return subprocess.call(cmd, shell=True)\n")
START_S = 90.0  # bound on the servers' start (three Python processes on a busy machine)
CALL_S = 60.0  # bound on any one tool call
WITH, PLAIN = "with-devreliab", "plain-writes"

T = TypeVar("T")


class DemoFailure(Exception):
    """The demo saw something it did not expect: a real problem to report, not a usage error."""


@dataclass(frozen=True)
class Change:
    """One agent's edit of FILE: it replaces ``old`` with ``new``; ``mark`` shows whether it is in a text."""

    agent: str
    what: str
    label: str  # the change in a few characters, for the summary
    old: str
    new: str

    @property
    def mark(self) -> str:
        return self.new.strip()

    def apply(self, text: str) -> str:
        if self.old not in text:
            raise DemoFailure(f"{self.agent}'s edit: {self.old.strip()!r} is not in {FILE} (the example changed?)")
        return text.replace(self.old, self.new, 1)


RATES = '    rates = {"WELCOME10": 0.10, "VIP20": 0.20}\n'
SUM = "    return sum(line.unit_price * line.quantity for line in lines)\n"
CHANGES = (
    Change("agent-A", "adds a discount code", '"SPRING15": 0.15', RATES, '    rates = {"WELCOME10": 0.10, "VIP20": 0.20, "SPRING15": 0.15}\n'),
    Change("agent-B", "rounds the subtotal to cents", "round(sum(…), 2)", SUM,
           "    return round(sum(line.unit_price * line.quantity for line in lines), 2)\n"),
    Change("agent-C", "raises the VIP discount", '"VIP20": 0.25', RATES,
           '    rates = {"WELCOME10": 0.10, "VIP20": 0.25}\n'),
)


# -- where things are ----------------------------------------------------------------------------------------
def example_dir() -> Path:
    """The bundled example: inside the package when installed from a wheel, else the checkout's fixtures/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_example", here.parent / "fixtures" / "example"):
        if (candidate / "devreliab.jsonc").is_file():
            return candidate
    raise DemoFailure(f"the bundled example is missing (looked in {here / '_example'} and "
                      f"{here.parent / 'fixtures' / 'example'}); reinstall devreliab")


def copy_example(dest: Path) -> Path:
    """A fresh copy of the example at ``dest`` (never the example itself: it is not modified)."""
    shutil.copytree(example_dir(), dest, ignore=shutil.ignore_patterns(".devreliab", "__pycache__"))
    return dest


def prepare(keep: Path | None) -> Path:
    """The directory the demo works in: ``keep`` (created; it must be empty) or a new temporary one."""
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="devreliab-demo-"))
    if keep.exists() and (not keep.is_dir() or any(keep.iterdir())):
        raise DevreliabError(f"--keep {keep}: must be a new or empty directory")
    keep.mkdir(parents=True, exist_ok=True)
    return keep.resolve()


def server_command(root: Path) -> tuple[str, list[str], dict[str, str]]:
    """``devreliab serve`` for ``root`` as an agent starts it, with the workspace never on ``sys.path`` (-P, and
    this package found where this process found it)."""
    package_parent = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH", "")) if p)
    env = {"PYTHONPATH": path, "PYTHONSAFEPATH": "1", "PYTHONUNBUFFERED": "1"}
    if "PYTHONDONTWRITEBYTECODE" in os.environ:
        env["PYTHONDONTWRITEBYTECODE"] = os.environ["PYTHONDONTWRITEBYTECODE"]
    return sys.executable, ["-P", "-m", "devreliab", "serve", "--root", str(root)], env


# -- the agents: one MCP client and one server process each ---------------------------------------------------
@dataclass
class Agent:
    name: str
    root: Path
    log: Path
    client: Any = None
    error: BaseException | None = None
    ready: anyio.Event = field(default_factory=anyio.Event)
    done: anyio.Event = field(default_factory=anyio.Event)

    async def run(self) -> None:
        """Start the server, connect, and stay connected until ``done`` (the SDK stops the process on exit)."""
        from mcp import Client
        from mcp.client.stdio import StdioServerParameters, stdio_client
        from mcp_types import Implementation

        command, args, env = server_command(self.root)
        params = StdioServerParameters(command=command, args=args, env=env, cwd=str(self.root.parent))
        try:
            with self.log.open("w", encoding="utf-8") as errlog:
                async with Client(stdio_client(params, errlog=errlog), mode="legacy", read_timeout_seconds=CALL_S,
                                  client_info=Implementation(name=self.name, version="1")) as client:
                    self.client = client
                    self.ready.set()
                    await self.done.wait()
        except Exception as exc:  # reported by the scenario, with the server's log
            self.error = exc
        finally:
            self.client = None
            self.ready.set()

    def failure(self, what: str) -> DemoFailure:
        log = self.log.read_text(encoding="utf-8", errors="replace")[-2000:] if self.log.exists() else ""
        return DemoFailure(f"{self.name}: {what}" + (f"\nits server's stderr:\n{log}" if log.strip() else ""))

    async def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        """A tool call that must succeed; its structured content."""
        if self.client is None:
            raise self.failure(f"not connected ({self.error!r})")
        with anyio.fail_after(CALL_S):
            result = await self.client.call_tool(tool, arguments)
        data = result.structured_content
        if result.is_error or not isinstance(data, dict):
            text = " ".join(getattr(c, "text", "") for c in result.content)
            raise self.failure(f"{tool} failed: {text}")
        return data

    async def read(self, path: str) -> tuple[str, str]:
        """Read ``path`` (its version becomes this agent's base for its next write): (text, version)."""
        entry = (await self.call("read_many", paths=[path]))["results"][0]
        if entry.get("content") is None:
            raise self.failure(f"could not read {path}: {entry.get('message')}")
        return entry["content"], entry["version"]

    async def resource(self, uri: str) -> dict[str, Any]:
        with anyio.fail_after(CALL_S):
            result = await self.client.read_resource(uri)
        data: dict[str, Any] = json.loads(result.contents[0].text)
        return data


async def with_agents(base: Path, root: Path, body: Callable[[dict[str, Agent]], Awaitable[T]]) -> T:
    """Run ``body`` with the three agents connected; every server process is stopped before this returns,
    also on an error or Ctrl-C."""
    (base / "logs").mkdir(exist_ok=True)
    agents = {name: Agent(name, root, base / "logs" / f"{name}.log") for name in AGENTS}
    outcome: list[T] = []
    problem: list[BaseException] = []
    async with anyio.create_task_group() as tg:
        for agent in agents.values():
            tg.start_soon(agent.run)
        try:
            with anyio.fail_after(START_S):
                for agent in agents.values():
                    await agent.ready.wait()
            for agent in agents.values():
                if agent.client is None:
                    raise agent.failure(f"its devreliab serve did not start ({agent.error!r})")
            outcome.append(await body(agents))
        except (DemoFailure, TimeoutError) as exc:
            problem.append(exc)
        finally:
            for agent in agents.values():
                agent.done.set()
    if problem:
        raise DemoFailure(str(problem[0]) or "a step took too long") from problem[0]
    return outcome[0]


# -- what the demo prints --------------------------------------------------------------------------------------
def short(version: str | None) -> str:
    return (version or "?").removeprefix("sha256:")[:10]


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def diff_lines(before: str, after: str) -> list[str]:
    return [line.rstrip("\n") for line in difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


class Out:
    """The demo's terminal output: rich when stdout is a terminal, plain text otherwise."""

    def __init__(self) -> None:
        self.console = Console(highlight=False, soft_wrap=True)

    def title(self, text: str) -> None:
        self.console.print()
        self.console.print(f"[bold]{escape(text)}[/bold]")

    def step(self, n: int | str, text: str, status: str, extra: str = "") -> None:
        colour = {"written": "green", "created": "green", "merged": "green", "conflict": "yellow"}.get(status, "red")
        self.console.print(f"{n}. {escape(text)}: [bold {colour}]{escape(status)}[/]{escape(extra)}")

    def line(self, text: str, style: str = "") -> None:
        self.console.print(f"   [{style}]{escape(text)}[/]" if style else f"   {escape(text)}")

    def diff(self, before: str, after: str) -> None:
        for line in diff_lines(before, after):
            self.line(line, "red" if line.startswith("-") else "green")


def expect(status: str, wanted: str, step: str) -> None:
    if status != wanted:
        raise DemoFailure(f"{step}: expected status {wanted!r}, got {status!r}. That is a bug in devreliab: "
                          "please report it with this output.")


# -- the scenario through devreliab ---------------------------------------------------------------------------
@dataclass
class Shared:
    """What the agents' steps found out, for the summary."""

    original: str = ""
    versions: dict[str, str] = field(default_factory=dict)  # version written -> agent
    conflict_id: str = ""
    on_disk: list[str] = field(default_factory=list)
    kept_in_conflict: list[str] = field(default_factory=list)


async def agents_scenario(agents: dict[str, Agent], root: Path, out: Out) -> Shared:
    shared = Shared()
    reads = [await agents[c.agent].read(FILE) for c in CHANGES]
    shared.original, version = reads[0]
    out.line(f"all three read {FILE} (version {short(version)}); each now changes its own copy of that text")
    await step_written(agents, out, shared)
    await step_merged(agents, root, out, shared)
    await step_conflict(agents, out, shared)
    await step_guidance(agents["agent-B"], out)
    await step_history(agents["agent-C"], out, shared)
    return shared


async def step_written(agents: dict[str, Agent], out: Out, shared: Shared) -> None:
    a = CHANGES[0]
    answer = await agents[a.agent].call("write_file", path=FILE, content=a.apply(shared.original))
    out.step(1, f"{a.agent} {a.what}", answer["status"])
    expect(answer["status"], "written", f"{a.agent}'s write")
    shared.versions[answer["version"]] = a.agent
    out.diff(shared.original, a.apply(shared.original))


async def step_merged(agents: dict[str, Agent], root: Path, out: Out, shared: Shared) -> None:
    b = CHANGES[1]
    answer = await agents[b.agent].call("write_file", path=FILE, content=b.apply(shared.original))
    out.step(2, f"{b.agent}, from its stale read, {b.what}", answer["status"])
    expect(answer["status"], "merged", f"{b.agent}'s write from a stale read")
    shared.versions[answer["version"]] = b.agent
    out.diff(shared.original, b.apply(shared.original))
    disk = (root / FILE).read_text(encoding="utf-8")
    shared.on_disk = [c.agent for c in CHANGES if c.mark in disk]
    if shared.on_disk != ["agent-A", "agent-B"]:
        raise DemoFailure(f"after the merge the disk holds the changes of {shared.on_disk}, not agent-A's and "
                          "agent-B's")
    out.line(f"on disk now: agent-A's {CHANGES[0].label} and agent-B's {CHANGES[1].label} — both kept")


async def step_conflict(agents: dict[str, Agent], out: Out, shared: Shared) -> None:
    c = CHANGES[2]
    ours = c.apply(shared.original)
    answer = await agents[c.agent].call("write_file", path=FILE, content=ours)
    out.step(3, f"{c.agent}, from its stale read, {c.what} on the line agent-A changed", answer["status"],
             f" {answer.get('conflict_id')} (nothing written, nothing lost)")
    expect(answer["status"], "conflict", f"{c.agent}'s write of the lines agent-A changed")
    shared.conflict_id = answer["conflict_id"]
    listed = (await agents[c.agent].call("list_conflicts"))["conflicts"]
    mine = [x for x in listed if x["id"] == shared.conflict_id]
    if not mine:
        raise DemoFailure(f"list_conflicts does not list conflict {shared.conflict_id}: {listed}")
    out.line(f"list_conflicts: {len(listed)} open — {mine[0]['path']}, id {shared.conflict_id}, "
             f"client {mine[0]['client']}")
    detail = await agents[c.agent].resource(f"devreliab://conflict/{shared.conflict_id}")
    theirs, kept = detail.get("theirs") or "", detail.get("ours") or ""
    if c.mark not in kept or CHANGES[0].mark not in theirs:
        raise DemoFailure(f"conflict {shared.conflict_id} does not hold both texts")
    shared.kept_in_conflict = [c.agent]
    out.line(f"devreliab://conflict/{shared.conflict_id}: theirs (on disk) has agent-A's line, ours keeps "
             f"agent-C's {c.label}")
    out.line("resolve it with resolve_conflict (ours / theirs / your merge), or in VS Code's diff editor")


async def step_guidance(agent: Agent, out: Out) -> None:
    answer = await agent.call("write_file", path=RISKY_FILE, content=RISKY_TEXT)
    out.step(4, f"{agent.name} writes {RISKY_FILE} with subprocess.call(cmd, shell=True)", answer["status"],
             " — the answer carries guidance:")
    expect(answer["status"], "created", f"{agent.name}'s new file")
    guidance = answer.get("guidance") or []
    if not any("B602" in g for g in guidance):
        raise DemoFailure(f"the write of {RISKY_FILE} came without guidance on shell=True: {guidance}")
    for g in guidance:
        out.line(f"! {g}", "yellow")
    recs = (await agent.call("analyze_file", path=RISKY_FILE))["recommendations"]
    fixes = [r["fix"] for r in recs if r["rule"] == "B602" and r["fix"]]
    if not fixes:
        raise DemoFailure(f"analyze_file offers no fix for shell=True in {RISKY_FILE}")
    title, _, detail = fixes[0].partition(": ")
    out.line(f"fix (analyze_file): {title} — {detail.split(':')[0].split('. ')[0]}", "green")


async def step_history(agent: Agent, out: Out, shared: Shared) -> None:
    versions = (await agent.call("file_history", path=FILE))["versions"]
    out.step(5, f"file_history {FILE}", f"{len(versions)} versions", " (newest first)")
    for v in versions:
        who = shared.versions.get(v["version"], "?")
        out.line(f"{short(v['version'])}  {v['action']:<7} by {who:<8} (client {v['client']})")
    missing = [agent for ver, agent in shared.versions.items() if ver not in {v["version"] for v in versions}]
    if missing:
        raise DemoFailure(f"file_history of {FILE} misses the writes of {missing}")


# -- the same edits as plain file writes ----------------------------------------------------------------------
def plain_writes(root: Path, out: Out) -> list[str]:
    """Each agent reads the whole file, changes its copy, writes the whole file back: the changes lost."""
    path = root / FILE
    original = path.read_text(encoding="utf-8")
    reads = {c.agent: original for c in CHANGES}  # all three read before anyone writes, as above
    for c in CHANGES:
        path.write_text(c.apply(reads[c.agent]), encoding="utf-8")
    disk = path.read_text(encoding="utf-8")
    lost = [c.agent for c in CHANGES if c.mark not in disk]
    out.line(f"a second copy, the same three edits as plain file writes (read the whole file, change it, write "
             f"it back: what agents' built-in tools do), in the same order, from the same reads:")
    for c in CHANGES:
        state = "[bold red]lost[/]" if c.agent in lost else "[green]on disk[/]"
        out.console.print(f"   {escape(c.agent)} {escape(c.what)} ({escape(c.label)}): {state}")
    out.line("each write replaced the whole file with the writer's stale copy: the last writer won")
    return lost


# -- the whole demo --------------------------------------------------------------------------------------------
def analysis_report(root: Path, out: Out) -> None:
    from devreliab.cli import main

    out.title(f"The example's analysis report (devreliab analyze --top 3, after the agents' edits)")
    sys.stdout.flush()
    code = main(["analyze", "--root", str(root), "--top", "3", "--color",
                 "always" if out.console.is_terminal else "never"])
    sys.stdout.flush()
    if code not in (0, 1):
        raise DemoFailure(f"devreliab analyze exited with {code}")
    if code == 1:
        out.line("(the gate fails on purpose: that is what the example is there to show)")


def next_steps(out: Out) -> None:
    out.title("Next steps")
    out.line("give an agent devreliab: an MCP server entry {\"command\": \"devreliab\", \"args\": [\"serve\", "
             "\"--root\", \".\"]} — docs/mcp-tools.md")
    out.line("watch every server of a workspace live: devreliab dashboard (http://127.0.0.1:8766/dashboard)")
    out.line("in VS Code: the extension (Problems panel, conflicts in a diff editor) — docs/vscode.md")


def summary(out: Out, shared: Shared, lost: list[str]) -> None:
    out.title("Work lost")
    out.line(f"with devreliab: 0 of {len(CHANGES)} changes — {' and '.join(shared.on_disk)} on disk, "
             f"{', '.join(shared.kept_in_conflict)} kept in conflict {shared.conflict_id}")
    names = " and ".join(lost) or "none"
    out.line(f"with plain writes: {len(lost)} of {len(CHANGES)} changes ({names})",
             "bold red" if lost else "")


@contextmanager
def workdir(keep: Path | None) -> Iterator[Path]:
    base = prepare(keep)
    try:
        yield base
    finally:
        if keep is None:
            shutil.rmtree(base, ignore_errors=True)


def run(keep: Path | None = None) -> int:
    """The demo; 0 when every step showed what it should. Raises DemoFailure otherwise."""
    out = Out()
    started = time.monotonic()
    with workdir(keep) as base:
        root, plain = copy_example(base / WITH), copy_example(base / PLAIN)
        out.title("devreliab demo: three AI agents edit one project at the same time")
        out.line(f"a fresh copy of the bundled example: {root}")
        out.line(f"{', '.join(AGENTS)}: each a real MCP client of its own `devreliab serve` process (stdio)")
        shared = anyio.run(with_agents, base, root, lambda agents: agents_scenario(agents, root, out))
        out.title("Beside it, without devreliab")
        lost = plain_writes(plain, out)
        if not lost:
            raise DemoFailure("the plain writes lost nothing: the demo's scenario is broken")
        summary(out, shared, lost)
        analysis_report(root, out)
        next_steps(out)
        out.console.print()
        out.console.print(f"Done in {time.monotonic() - started:.1f} s."
                          + (f" Kept: {escape(str(base))}" if keep is not None else ""))
    return 0
