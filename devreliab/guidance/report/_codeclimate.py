"""``--format codeclimate``: GitLab's Code Quality report (a subset of the Code Climate issue format).

A JSON array with one issue per problem — the same problems the SARIF report holds: gate violations, every
security finding, and files that could not be analysed. GitLab requires ``description``, ``check_name``,
``fingerprint``, ``severity``, ``location.path`` and ``location.lines.begin``; the Code Climate fields
``type``, ``categories``, ``engine_name`` and ``content.body`` (the recommended fix, in Markdown) are added
for other Code Climate consumers and ignored by GitLab.

``fingerprint`` is a hash of (path, qualified name, rule, occurrence) without line numbers, so GitLab's merge
request widget, which compares the fingerprints of the source and target branches, does not report a problem
as fixed and new again when code above it moves.

Severity: a problem the baseline accepts is ``info``; a security finding takes bandit's severity (HIGH
``critical``, MEDIUM ``major``, LOW ``minor``); complexity and maintainability violations are ``major``
(``critical`` when complexity is twice the limit or more); a file that could not be analysed is ``major``
when it fails the gate and ``minor`` otherwise. A finding that fails the gate is at least ``major``.
"""

from __future__ import annotations

import json
from typing import Any

from .._model import ProjectAnalysis, Recommendation
from ._issues import Issue, collect, rule_id

ENGINE_NAME = "devreliab"
SEVERITIES = ("info", "minor", "major", "critical", "blocker")

_FINDING_SEVERITY = {"HIGH": "critical", "MEDIUM": "major", "LOW": "minor"}
_CATEGORIES = {
    "complexity": ["Complexity"],
    "maintainability": ["Complexity", "Clarity"],
    "error": ["Bug Risk"],
}


def severity(issue: Issue) -> str:
    if issue.gate == "baselined":
        return "info"
    if issue.finding is not None:
        sev = _FINDING_SEVERITY[issue.finding.severity]
        if issue.gate == "failing" and SEVERITIES.index(sev) < SEVERITIES.index("major"):
            sev = "major"
        return sev
    if issue.rule == "complexity" and issue.violation is not None:
        return "critical" if issue.violation.value >= 2 * issue.violation.threshold else "major"
    if issue.rule == "error":
        return "major" if issue.gate == "failing" else "minor"
    return "major"


def _body(rec: Recommendation | None) -> str | None:
    if rec is None or not rec.strategies:
        return None
    parts = [f"**{rec.problem}**" if rec.problem else ""]
    for n, strategy in enumerate(rec.strategies[:3], 1):
        line = f"{n}. **{strategy.title}**"
        if strategy.detail:
            line += f": {strategy.detail}"
        parts.append(line)
        if n == 1 and strategy.example:
            parts.append("```python\n" + strategy.example.rstrip("\n") + "\n```")
    return "\n\n".join(p for p in parts if p)


def _lines(issue: Issue) -> dict[str, int]:
    if issue.finding is not None and issue.finding.line_range:
        return {"begin": issue.line, "end": max(issue.line, *issue.finding.line_range)}
    if issue.block is not None and issue.block.endline >= issue.line:
        return {"begin": issue.line, "end": issue.block.endline}
    return {"begin": issue.line, "end": issue.line}


def _issue(issue: Issue) -> dict[str, Any]:
    description = issue.message
    if issue.gate == "baselined":
        description += " Accepted by the baseline."
    entry: dict[str, Any] = {
        "type": "issue",
        "check_name": rule_id(issue.rule),
        "description": description,
        "categories": ["Security"] if issue.finding is not None else _CATEGORIES[issue.rule],
        "severity": severity(issue),
        "fingerprint": issue.fingerprint[:32],
        "location": {"path": issue.path, "lines": _lines(issue)},
        "engine_name": ENGINE_NAME,
    }
    body = _body(issue.recommendation)
    if body:
        entry["content"] = {"body": body}
    return entry


def document(result: ProjectAnalysis) -> list[dict[str, Any]]:
    return [_issue(issue) for issue in collect(result)]


def render(result: ProjectAnalysis) -> str:
    return json.dumps(document(result), indent=2) + "\n"
