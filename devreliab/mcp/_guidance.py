"""Guidance on write, and the compact views of analysis results the analyze tools return.

After a write or edit of a ``.py`` file the old and the new content are analysed (only that file, with
``analyze_bytes``) and the answer says in a few lines what the write changed in the gate: security findings
it added, functions whose complexity rank got worse or that now break the complexity gate, a file that no
longer parses, a maintainability index that fell through the threshold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from devreliab._config import Config
from devreliab._store import StateStore
from devreliab.guidance import FileAnalysis, GateResult, ProjectAnalysis
from devreliab.guidance._analyze import analyze_bytes, version_of
from devreliab.guidance._cache import AnalysisCache
from devreliab.guidance._thresholds import Thresholds

from ._models import FindingOut, FunctionMetric, GateOut, RecommendationOut

MAX_GUIDANCE_LINES = 8
MAX_GATE_LINES = 20


def analyse(path: str, data: bytes, config: Config, store: StateStore | None = None) -> FileAnalysis:
    """One file's analysis. With ``store``, through the workspace's analysis cache (the one ``devreliab
    analyze`` uses): the content an agent just read or wrote has usually been analysed already, by the last
    guidance on write, analyze_file or a project analysis."""
    if store is None:
        return analyze_bytes(path, data, Thresholds.from_config(config), config.analysis_max_file_bytes)
    cache = AnalysisCache(store.root, config.analysis_hash(), store=store)
    version = version_of(data)
    hit = cache.get_many([version], {version: path}).get(version)
    if hit is not None:
        return hit
    found = analyze_bytes(path, data, Thresholds.from_config(config), config.analysis_max_file_bytes)
    if found.error is None or found.error.kind != "internal":  # the engine's rule: a crash is never cached
        cache.put_many([found])
    return found


def write_guidance(path: str, before: bytes | None, after: bytes, config: Config,
                   store: StateStore | None = None) -> list[str] | None:
    """What writing ``after`` over ``before`` changed in the gate, in a few lines; None when nothing did."""
    if not path.endswith(".py") or len(after) > config.analysis_max_file_bytes:
        return None
    new = analyse(path, after, config, store)
    old = analyse(path, before, config, store) if before is not None else None
    lines: list[str] = []
    if new.error is not None:
        if old is None or old.error is None:
            lines.append(f"{path} can no longer be analysed: {new.error.message}")
        return lines or None
    old_ok = old is not None and old.error is None
    gates = config.gates

    old_findings = Counter((f.test_id, f.qualname) for f in old.findings) if old_ok and old else Counter()
    seen: Counter[tuple[str, str]] = Counter()
    for f in sorted(new.findings, key=lambda x: x.line):
        key = (f.test_id, f.qualname)
        seen[key] += 1
        if seen[key] > old_findings[key]:
            lines.append(f"new security finding {f.test_id} ({f.severity}) line {f.line} in {f.qualname}: "
                         f"{f.message}")

    old_blocks = {b.qualname: b for b in old.functions} if old_ok and old else {}
    for b in new.functions:
        was = old_blocks.get(b.qualname)
        breaks = b.complexity >= gates.complexity_below
        if was is None:
            if breaks:
                lines.append(f"new {b.kind} {b.qualname} (line {b.lineno}) has complexity {b.complexity} "
                             f"(rank {b.rank}); the gate requires below {gates.complexity_below}")
        elif b.rank > was.rank or (breaks and was.complexity < gates.complexity_below):
            lines.append(f"{b.kind} {b.qualname} (line {b.lineno}) got more complex: {was.complexity} → "
                         f"{b.complexity} (rank {was.rank} → {b.rank})"
                         + (f"; the gate requires below {gates.complexity_below}" if breaks else ""))

    mi_gate = gates.maintainability_above
    if new.maintainability is not None and new.maintainability <= mi_gate:
        was_ok = not old_ok or old is None or old.maintainability is None or old.maintainability > mi_gate
        if was_ok:
            lines.append(f"maintainability index fell to {new.maintainability:.1f}; the gate requires above "
                         f"{mi_gate:g}")
    if len(lines) > MAX_GUIDANCE_LINES:
        more = len(lines) - MAX_GUIDANCE_LINES + 1
        lines = [*lines[: MAX_GUIDANCE_LINES - 1], f"… and {more} more (analyze_file shows everything)"]
    return lines or None


def functions(analysis: FileAnalysis) -> list[FunctionMetric]:
    return [FunctionMetric(qualname=b.qualname, kind=b.kind, line=b.lineno, complexity=b.complexity, rank=b.rank)
            for b in analysis.functions]


def findings(files: Iterable[FileAnalysis]) -> list[FindingOut]:
    return [FindingOut(path=a.path, test_id=f.test_id, severity=f.severity, confidence=f.confidence, line=f.line,
                       qualname=f.qualname, message=f.message, cwe=f.cwe)
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
