"""The five steps through devreliab: a write, a merged write, a conflict kept, guidance (``_advice``) and the
file's history with who wrote what."""

from __future__ import annotations

from pathlib import Path

from ._advice import step_guidance
from ._agents import Agent
from ._edits import CHANGES, FILE, Shared, present
from ._out import DemoFailure, Out, expect, short


async def agents_scenario(agents: dict[str, Agent], root: Path, out: Out) -> Shared:
    shared = Shared()
    reads = [await agents[c.agent].read(FILE) for c in CHANGES]
    shared.original, version = reads[0]
    out.line(f"all three read {FILE} (version {short(version)}); each now changes its own copy of that text")
    for n, change in enumerate(CHANGES[:2], 1):
        await step_write(n, agents[change.agent], out, shared, "written" if n == 1 else "merged")
    shared.on_disk = present((root / FILE).read_text(encoding="utf-8"))
    if shared.on_disk != ["agent-A", "agent-B"]:
        raise DemoFailure(f"after the merge the disk holds the changes of {shared.on_disk}, not agent-A's and "
                          "agent-B's")
    out.line(f"on disk now: agent-A's {CHANGES[0].label} and agent-B's {CHANGES[1].label} — both kept")
    await step_conflict(agents["agent-C"], out, shared)
    await step_guidance(agents["agent-B"], out)
    await step_history(agents["agent-C"], out, shared)
    return shared


async def step_write(n: int, agent: Agent, out: Out, shared: Shared, wanted: str) -> None:
    change = CHANGES[n - 1]
    mine = change.apply(shared.original)
    answer = await agent.call("write_file", path=FILE, content=mine)
    stale = ", from its stale read," if n > 1 else ""
    out.step(n, f"{agent.name}{stale} {change.what}", answer["status"])
    expect(answer["status"], wanted, f"{agent.name}'s write")
    shared.versions[answer["version"]] = agent.name
    out.diff(shared.original, mine)


async def step_conflict(agent: Agent, out: Out, shared: Shared) -> None:
    c = CHANGES[2]
    answer = await agent.call("write_file", path=FILE, content=c.apply(shared.original))
    out.step(3, f"{agent.name}, from its stale read, {c.what} on the line agent-A changed", answer["status"],
             f" {answer.get('conflict_id')} (nothing written, nothing lost)")
    expect(answer["status"], "conflict", f"{agent.name}'s write of the line agent-A changed")
    cid = shared.conflict_id = answer["conflict_id"]
    listed = (await agent.call("list_conflicts"))["conflicts"]
    mine = [x for x in listed if x["id"] == cid]
    if not mine:
        raise DemoFailure(f"list_conflicts does not list conflict {cid}: {listed}")
    out.line(f"list_conflicts: {len(listed)} open — {mine[0]['path']}, id {cid}, client {mine[0]['client']}")
    detail = await agent.resource(f"devreliab://conflict/{cid}")
    if c.mark not in (detail.get("ours") or "") or CHANGES[0].mark not in (detail.get("theirs") or ""):
        raise DemoFailure(f"conflict {cid} does not hold both texts: {detail}")
    out.line(f"devreliab://conflict/{cid}: theirs (on disk) has agent-A's line, ours keeps agent-C's {c.label}")
    out.line("resolve it with resolve_conflict (ours / theirs / your merge), or in VS Code's diff editor")


async def step_history(agent: Agent, out: Out, shared: Shared) -> None:
    # the agents' writes; the local history may also hold the file's version as it began ("baseline"), depending
    # on whether its watcher walked the tree before the first agent wrote
    versions = [v for v in (await agent.call("file_history", path=FILE))["versions"] if v["action"] != "baseline"]
    out.step(5, f"file_history {FILE}", f"{len(versions)} versions", " (newest first)")
    for v in versions:
        who = shared.versions.get(v["version"], "?")
        out.line(f"{short(v['version'])}  {v['action']:<7} by {who:<8} (client {v['client']})")
    listed = {v["version"] for v in versions}
    missing = [name for version, name in shared.versions.items() if version not in listed]
    if missing:
        raise DemoFailure(f"file_history of {FILE} misses the writes of {missing}")
