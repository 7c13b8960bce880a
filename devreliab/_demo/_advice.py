"""Steps 4 and 5 through devreliab: guidance on a risky write, and the file's history with who wrote what."""

from __future__ import annotations

from ._agents import Agent
from ._edits import FILE, Shared
from ._out import DemoFailure, Out, expect, short

RISKY_FILE = "shop/alerts.py"
RISKY_TEXT = ('"""Alerts for the operations team."""\n\nimport subprocess\n\n\n'
              "def page_oncall(cmd):\n    return subprocess.call(cmd, shell=True)\n")


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
    listed = {v["version"] for v in versions}
    missing = [name for version, name in shared.versions.items() if version not in listed]
    if missing:
        raise DemoFailure(f"file_history of {FILE} misses the writes of {missing}")
