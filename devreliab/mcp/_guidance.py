"""Guidance on write, and the compact views of analysis results the analyze tools return.

After a write or edit of a ``.py`` file the old and the new content are analysed (only that file, with
``analyze_bytes``) and the answer says in a few lines what the write changed in the gate: security findings
it added, functions whose complexity rank got worse or that now break the complexity gate, a file that no
longer parses, a maintainability index that fell through the threshold.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from devreliab.guidance import FileAnalysis, Finding, GateResult, ProjectAnalysis
from devreliab.guidance._delta import MAX_GUIDANCE_LINES, analyse, write_guidance

from ._models import FindingOut, FunctionMetric, GateOut, RecommendationOut

# guidance on write moved to devreliab.guidance._delta (the hooks use it too); the tools still find it here
__all__ = ["MAX_GUIDANCE_LINES", "analyse", "write_guidance"]

MAX_GATE_LINES = 20


def functions(analysis: FileAnalysis) -> list[FunctionMetric]:
    return [FunctionMetric(qualname=b.qualname, kind=b.kind, line=b.lineno, complexity=b.complexity, rank=b.rank)
            for b in analysis.functions]


NEAR_THE_GATE = 3  # a function this close below the complexity gate is listed: the next change may fail it


def near_the_gate(functions: list[FunctionMetric], complexity_below: int) -> list[FunctionMetric]:
    """The functions that fail the complexity gate or are within NEAR_THE_GATE of it."""
    return [f for f in functions if f.complexity >= complexity_below - NEAR_THE_GATE]


def _where(f: Finding) -> dict[str, Any]:
    """A finding's columns and bandit's page on its rule: what an editor needs to underline and link it."""
    return {"col_offset": f.col_offset, "end_col_offset": f.end_col_offset if f.end_col_offset >= 0 else None,
            "more_info": f.more_info or None}


def findings(files: Iterable[FileAnalysis], *, detail: bool = False) -> list[FindingOut]:
    """The findings of ``files``; with ``detail`` (one file, for an editor) also their columns and rule page."""
    return [FindingOut(path=a.path, test_id=f.test_id, severity=f.severity, confidence=f.confidence, line=f.line,
                       qualname=f.qualname, message=f.message, cwe=f.cwe, **(_where(f) if detail else {}))
            for a in files for f in a.findings]


def recommendations(files: Iterable[FileAnalysis]) -> list[RecommendationOut]:
    recs = sorted(((a.path, r) for a in files for r in a.recommendations), key=lambda pr: -pr[1].priority)
    out = []
    for path, r in recs:
        best = r.strategies[0] if r.strategies else None
        fix = f"{best.title}: {best.detail}" if best else ""
        out.append(RecommendationOut(path=path, rule=r.rule, qualname=r.qualname, line=r.line, problem=r.problem,
                                     fix=fix))
    return out


def gate(result: GateResult) -> GateOut:
    return GateOut(passed=result.passed, failing_count=len(result.failing),
                   failing=[f"{v.path}:{v.line}: {v.message}" for v in result.failing[:MAX_GATE_LINES]])


def project_findings_count(result: ProjectAnalysis) -> int:
    return sum(len(f.findings) for f in result.files)
