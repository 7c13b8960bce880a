"""The problems an analysis found, as one flat list the machine-readable reports (SARIF, Code Quality) share.

An issue is one of:

- a gate violation for complexity, maintainability or a file that could not be analysed;
- a security finding, whether the gate counts it or not;
- a file that could not be analysed when ``fail_on_errors`` is off (so it is no violation).

Each carries its place in the gate (``failing``, ``baselined`` or ``not-gated``), the recommendation for it
if there is one, and a fingerprint: a hash of (path, qualified name, rule, occurrence) — no line numbers and
no code — so an issue keeps its identity when code above it moves, and two findings of one rule in one
function stay distinct (first, second, … in source order).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .._model import (
    MODULE,
    Block,
    FileAnalysis,
    FileError,
    Finding,
    ProjectAnalysis,
    Recommendation,
    Violation,
)

GateState = Literal["failing", "baselined", "not-gated"]
GATE_RULES = ("complexity", "maintainability", "error")

# The ids reports give devreliab's own rules, numbered like bandit's B602 (which keep their own ids); a "/"
# in an id would make it read as a hierarchical SARIF rule id.
COMPLEXITY = "DR001"
MAINTAINABILITY = "DR002"
ANALYSIS_ERROR = "DR003"
RULE_IDS = {"complexity": COMPLEXITY, "maintainability": MAINTAINABILITY, "error": ANALYSIS_ERROR}


def rule_id(rule: str) -> str:
    """The report id of a devreliab rule name ("complexity") or bandit test id ("B602", unchanged)."""
    return RULE_IDS.get(rule, rule)


@dataclass(frozen=True)
class Issue:
    path: str
    qualname: str
    rule: str  # "complexity", "maintainability", "error", or a bandit test id
    line: int  # where a person should look first (1-based)
    gate: GateState
    message: str  # one or more sentences, ending with a full stop
    fingerprint: str  # 64 hex digits, stable across line shifts, unique in one report
    violation: Violation | None = None
    finding: Finding | None = None
    error: FileError | None = None
    block: Block | None = None  # the function a complexity violation is about
    recommendation: Recommendation | None = None


def sentence(text: str) -> str:
    """``text`` as a sentence: whitespace collapsed, capitalised, ending with a full stop."""
    text = " ".join(text.split())
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def fingerprint(path: str, qualname: str, rule: str, occurrence: int) -> str:
    key = "\0".join((path, qualname, rule, str(occurrence)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class _GateIndex:
    """Which findings the gate failed or accepted, matched by (path, rule, qualname, line) and by count."""

    def __init__(self, failing: Iterable[Violation], baselined: Iterable[Violation]) -> None:
        self.failing = Counter(
            (v.path, v.rule, v.qualname, v.line) for v in failing if v.rule not in GATE_RULES
        )
        self.baselined = Counter(
            (v.path, v.rule, v.qualname, v.line) for v in baselined if v.rule not in GATE_RULES
        )

    def take(self, path: str, finding: Finding) -> GateState:
        key = (path, finding.test_id, finding.qualname, finding.line)
        if self.failing[key] > 0:
            self.failing[key] -= 1
            return "failing"
        if self.baselined[key] > 0:
            self.baselined[key] -= 1
            return "baselined"
        return "not-gated"


class _Recommendations:
    def __init__(self, files: Iterable[FileAnalysis]) -> None:
        self._by_key: dict[tuple[str, str, str], list[Recommendation]] = defaultdict(list)
        for f in files:
            for rec in f.recommendations:
                self._by_key[(f.path, rec.rule, rec.qualname)].append(rec)

    def find(self, path: str, rule: str, qualname: str, line: int) -> Recommendation | None:
        recs = self._by_key.get((path, rule, qualname))
        if not recs:
            return None
        return min(recs, key=lambda r: (r.line != line, abs(r.line - line), -r.priority))


def _finding_message(finding: Finding) -> str:
    cwe = f", CWE-{finding.cwe}" if finding.cwe else ""
    detail = (f"Bandit {finding.test_id} ({finding.test_name}): severity {finding.severity.lower()}, "
              f"confidence {finding.confidence.lower()}{cwe}")
    return f"{sentence(finding.message)} {sentence(detail)}"


def collect(result: ProjectAnalysis) -> list[Issue]:
    """Every issue of the analysis, ordered by path, line and rule, each with its fingerprint."""
    gate = result.gate
    recs = _Recommendations(result.files)
    index = _GateIndex(gate.failing, gate.baselined)
    blocks = {(f.path, b.qualname): b for f in result.files for b in f.functions}
    errors = {f.path: f.error for f in result.files if f.error is not None}
    draft: list[Issue] = []
    errors_in_gate: set[str] = set()
    for state, violations in (("failing", gate.failing), ("baselined", gate.baselined)):
        for v in violations:
            if v.rule not in GATE_RULES:
                continue
            if v.rule == "error":
                errors_in_gate.add(v.path)
            draft.append(Issue(
                path=v.path, qualname=v.qualname, rule=v.rule, line=max(v.line, 1),
                gate=state,  # type: ignore[arg-type]
                message=sentence(v.message), fingerprint="", violation=v, error=errors.get(v.path),
                block=blocks.get((v.path, v.qualname)) if v.rule == "complexity" else None,
                recommendation=recs.find(v.path, v.rule, v.qualname, v.line),
            ))
    for f in result.files:
        if f.error is not None and f.path not in errors_in_gate:
            draft.append(Issue(
                path=f.path, qualname=MODULE, rule="error", line=max(f.error.line or 1, 1), gate="not-gated",
                message=sentence(f"Could not be analysed: {f.error.message}"), fingerprint="", error=f.error,
            ))
        for finding in f.findings:
            draft.append(Issue(
                path=f.path, qualname=finding.qualname, rule=finding.test_id, line=max(finding.line, 1),
                gate=index.take(f.path, finding), message=_finding_message(finding), fingerprint="",
                finding=finding,
                recommendation=recs.find(f.path, finding.test_id, finding.qualname, finding.line),
            ))

    def order(i: Issue) -> tuple[str, int, int, str, str]:
        column = i.finding.col_offset if i.finding else (i.block.col_offset if i.block else 0)
        return (i.path, i.line, column, i.rule, i.qualname)

    draft.sort(key=order)
    occurrences: Counter[tuple[str, str, str]] = Counter()
    issues = []
    for i in draft:
        key = (i.path, i.qualname, i.rule)
        issues.append(_with_fingerprint(i, fingerprint(i.path, i.qualname, i.rule, occurrences[key])))
        occurrences[key] += 1
    return issues


def _with_fingerprint(issue: Issue, value: str) -> Issue:
    from dataclasses import replace

    return replace(issue, fingerprint=value)
