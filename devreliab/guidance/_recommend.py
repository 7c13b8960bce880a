"""Recommendations: every gate problem in a file, with ranked, scored strategies to fix it.

Priority ranks problems across a file or project (what to fix first): high-severity, high-confidence findings
first, then the functions furthest over the complexity gate, then maintainability. Strategies within a
problem are ranked by score = expected effect (0..1, the share of the problem removed) / effort (1..5).
"""

from __future__ import annotations

import ast

from ._model import SEVERITY_ORDER, Block, Finding, Recommendation
from ._radon import complexity_of
from ._refactor import FunctionNode, complexity_strategies, function_nodes, iter_over, maintainability_strategies
from ._security_advice import LineIndex, security_strategies
from ._thresholds import Thresholds

_SEVERITY_PRIORITY = {"HIGH": 90.0, "MEDIUM": 60.0, "LOW": 20.0}
_CONFIDENCE_FACTOR = {"HIGH": 1.0, "MEDIUM": 0.85, "LOW": 0.6}


def complexity_priority(excess: int) -> float:
    """30-odd just over the gate, rising with every point over it towards 85 (below a high-severity finding)
    without reaching it: far-over functions keep their order instead of tying at a cap."""
    return round(85.0 - 55.0 * 0.95 ** excess, 3)


def recommend(tree: ast.Module, lines: list[str], blocks: tuple[Block, ...], findings: tuple[Finding, ...],
              mi: float | None, thresholds: Thresholds, halstead: object = None, raw: object = None
              ) -> tuple[Recommendation, ...]:
    out: list[Recommendation] = []
    index = LineIndex(tree) if findings else None
    for f in findings:
        assert index is not None
        priority = _SEVERITY_PRIORITY[f.severity] * _CONFIDENCE_FACTOR[f.confidence]
        cwe = f" (CWE-{f.cwe})" if f.cwe else ""
        out.append(Recommendation(
            rule=f.test_id, qualname=f.qualname, line=f.line,
            problem=f"{f.test_id} {f.test_name}: {f.message}{cwe}",
            priority=round(priority, 2), strategies=tuple(security_strategies(index, f)),
        ))

    target = thresholds.complexity_below
    over = [b for b in iter_over(blocks, target) if not b.allowed]  # an allowance accepts its complexity
    nodes = function_nodes(tree) if over else {}
    for block in over:
        excess = block.complexity - (target - 1)
        out.append(Recommendation(
            rule="complexity", qualname=block.qualname, line=block.lineno,
            problem=(f"{block.kind} {block.qualname} has cyclomatic complexity {block.complexity} "
                     f"(rank {block.rank}); the gate requires below {target}"),
            priority=complexity_priority(excess),
            strategies=tuple(complexity_strategies(nodes.get((block.lineno, block.col_offset)), block, target)),
        ))

    if mi is not None and mi <= thresholds.maintainability_above:
        out.extend(_maintainability(tree, lines, nodes, blocks, mi, thresholds, halstead, raw))
    out.sort(key=lambda r: (-r.priority, r.line, -SEVERITY_ORDER.get(r.rule, 0)))
    return tuple(out)


def _maintainability(tree: ast.Module, lines: list[str], nodes: dict[tuple[int, int], FunctionNode],
                     blocks: tuple[Block, ...], mi: float, thresholds: Thresholds, halstead: object, raw: object
                     ) -> list[Recommendation]:
    from ._model import Halstead, Raw

    if not (isinstance(halstead, Halstead) and isinstance(raw, Raw)):
        return []
    strategies = maintainability_strategies(tree, lines, nodes or function_nodes(tree), blocks, halstead, raw, mi,
                                            thresholds.maintainability_above, complexity_of(tree) + 1)
    if not strategies:
        return []
    return [Recommendation(
        rule="maintainability", qualname="<module>", line=1,
        problem=(f"maintainability index {mi:.1f}; the gate requires above {thresholds.maintainability_above:g}"),
        priority=round(min(80.0, 40.0 + (thresholds.maintainability_above - mi)), 2),
        strategies=tuple(strategies),
    )]
