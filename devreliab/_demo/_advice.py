"""Step 4 through devreliab: a risky write, answered with guidance (the finding) and analyze_file's fix."""

from __future__ import annotations

from ._agents import Agent
from ._out import DemoFailure, Out, expect

RISKY_FILE = "shop/alerts.py"
RISKY_TEXT = ('"""Alerts for the operations team."""\n\nimport subprocess\n\n\n'
              "def page_oncall(cmd):\n    return subprocess.call(cmd, shell=True)\n")


def as_text(item: object) -> str:
    """A line of an answer's list as text, whether the list holds strings or objects (``{message: ...}``)."""
    if isinstance(item, dict):
        return str(item.get("message") or " ".join(str(v) for v in item.values()))
    return str(item)


async def step_guidance(agent: Agent, out: Out) -> None:
    answer = await agent.call("write_file", path=RISKY_FILE, content=RISKY_TEXT)
    out.step(4, f"{agent.name} writes {RISKY_FILE} with subprocess.call(cmd, shell=True)", answer["status"],
             " — the answer carries guidance:")
    expect(answer["status"], "created", f"{agent.name}'s new file")
    guidance = [as_text(g) for g in answer.get("guidance") or []]
    if not any("B602" in g for g in guidance):
        raise DemoFailure(f"the write of {RISKY_FILE} came without guidance on shell=True: {guidance}")
    for g in guidance:
        out.line(f"! {g}", "yellow")
    title, _, detail = (await best_fix(agent, "B602")).partition(": ")
    out.line(f"fix (analyze_file): {title} — {detail.split(':')[0].split('. ')[0]}", "green")


async def best_fix(agent: Agent, rule: str) -> str:
    """The best-ranked fix ``analyze_file`` offers for ``rule`` in RISKY_FILE."""
    recs = (await agent.call("analyze_file", path=RISKY_FILE))["recommendations"]
    fixes = [r["fix"] for r in recs if r["rule"] == rule and r["fix"]]
    if not fixes:
        raise DemoFailure(f"analyze_file offers no fix for {rule} in {RISKY_FILE}")
    return str(fixes[0])
