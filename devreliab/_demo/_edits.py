"""The three agents' edits of one file of the example, and what they do as plain file writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.markup import escape

from ._out import DemoFailure, Out

FILE = "shop/pricing.py"
RATES = '    rates = {"WELCOME10": 0.10, "VIP20": 0.20}\n'
SUM = "    return sum(line.unit_price * line.quantity for line in lines)\n"


@dataclass(frozen=True)
class Change:
    """One agent's edit of FILE: it replaces the line ``old`` with ``new``."""

    agent: str
    what: str
    label: str  # the change in a few characters, for the summary
    old: str
    new: str

    @property
    def mark(self) -> str:
        """What shows the change is in a text."""
        return self.new.strip()

    def apply(self, text: str) -> str:
        if self.old not in text:
            raise DemoFailure(f"{self.agent}'s edit: {self.old.strip()!r} is not in {FILE} (the example changed?)")
        return text.replace(self.old, self.new, 1)


CHANGES = (
    Change("agent-A", "adds a discount code", '"SPRING15": 0.15', RATES,
           '    rates = {"WELCOME10": 0.10, "VIP20": 0.20, "SPRING15": 0.15}\n'),
    Change("agent-B", "rounds the subtotal to cents", "round(sum(…), 2)", SUM,
           "    return round(sum(line.unit_price * line.quantity for line in lines), 2)\n"),
    Change("agent-C", "raises the VIP discount", '"VIP20": 0.25', RATES,
           '    rates = {"WELCOME10": 0.10, "VIP20": 0.25}\n'),
)
AGENTS = tuple(c.agent for c in CHANGES)


@dataclass
class Shared:
    """What the steps found out, for the later ones and the summary."""

    original: str = ""
    versions: dict[str, str] = field(default_factory=dict)  # version written -> agent
    conflict_id: str = ""
    on_disk: list[str] = field(default_factory=list)


def present(text: str) -> list[str]:
    """The agents whose change is in ``text``."""
    return [c.agent for c in CHANGES if c.mark in text]


def plain_writes(root: Path, out: Out) -> list[str]:
    """Each agent reads the whole file, changes its copy and writes the whole file back, as agents' built-in
    tools do, in the same order and from the same reads as through devreliab: the agents whose change is lost."""
    path = root / FILE
    original = path.read_text(encoding="utf-8")
    for c in CHANGES:
        path.write_text(c.apply(original), encoding="utf-8")
    lost = [a for a in AGENTS if a not in present(path.read_text(encoding="utf-8"))]
    out.line("a second copy, the same three edits as plain file writes (read the whole file, change it, write "
             "it back: what agents' built-in tools do), in the same order, from the same reads:")
    for c in CHANGES:
        state = "[bold red]lost[/]" if c.agent in lost else "[green]on disk[/]"
        out.console.print(f"   {escape(c.agent)} {escape(c.what)} ({escape(c.label)}): {state}")
    out.line("each write replaced the whole file with the writer's stale copy: the last writer won")
    return lost
