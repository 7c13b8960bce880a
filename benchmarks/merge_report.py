"""The replay's counts per merger and the table docs/performance.md publishes."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Tally:
    clean: int = 0
    identical: int = 0
    different: int = 0
    times: list[float] = field(default_factory=list)
    resolved_git_conflicts: int = 0
    different_where_git_conflicted: int = 0
    examples: list[str] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)  # of the clean-but-different: how they differ


def difference(merged: str, answer: str) -> str:
    """How a clean merge differs from the committed one: only blank lines, only the order of lines, or more."""
    a, b = merged.splitlines(), answer.splitlines()
    if [x for x in a if x.strip()] == [x for x in b if x.strip()]:
        return "blank lines"
    if sorted(a) == sorted(b):
        return "order"
    return "content"


def count(tally: Tally, clean: bool, same: bool, git_clean: bool, where: str) -> None:
    if not clean:
        return
    tally.clean += 1
    tally.identical += same
    tally.different += not same
    if not git_clean:
        tally.resolved_git_conflicts += 1
        tally.different_where_git_conflicted += not same
    if not same and len(tally.examples) < 20:
        tally.examples.append(where)


def table(total: int, tallies: dict[str, Tally]) -> str:
    git_conflicts = total - tallies["git merge-file"].clean
    rows = [f"{total} scenarios; git merge-file conflicts in {git_conflicts}", "",
            "| merger | clean | identical to the committed merge | clean but different | git conflicts resolved "
            "(of which different) | ms per merge (median / p95) |", "|---|---|---|---|---|---|"]
    for name, t in tallies.items():
        times = sorted(t.times) or [0.0]
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        rows.append(f"| {name} | {t.clean} | {t.identical} | {t.different} | {t.resolved_git_conflicts} "
                    f"({t.different_where_git_conflicted}) | {statistics.median(times) * 1e3:.1f} / {p95 * 1e3:.1f} |")
    return "\n".join(rows)
