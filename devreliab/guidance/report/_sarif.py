"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run, one result per issue of ``_issues.collect``: every gate violation (complexity, maintainability, a
file that could not be analysed), every security finding whether the gate counts it or not, and files that
could not be analysed when ``fail_on_errors`` is off.

Levels: a violation that fails the gate is ``error``; a finding the gate does not count takes its level
from bandit's severity (HIGH ``error``, MEDIUM ``warning``, LOW ``note``); an analysis error the gate does
not count is ``warning``. A violation the baseline accepts is kept, at level ``note`` and with an accepted
external ``suppression``: SARIF viewers that honour suppressions hide it, and GitHub code scanning, which
ignores suppressions, shows it as a note that blocks nothing. Every result carries a ``suppressions`` array
(empty when not suppressed), as SARIF requires once one result has it. ``baselineState`` is not written:
SARIF requires it on every result once it is on one, and findings the gate does not count are never
compared with the baseline.

Identity: the issue's fingerprint (path, qualified name, rule, occurrence; no line numbers, no code) is
written as ``partialFingerprints["devreliab/v1"]`` and, shortened, as ``primaryLocationLineHash`` — the one
key GitHub reads; given it, upload-sarif does not compute its own hash of the line's content — so an alert
keeps its identity when code above it moves or the flagged line is edited.

The best strategy of a matching recommendation goes into the message (text and markdown) and, with all
ranked strategies, into the result's ``properties``; SARIF ``fixes`` need concrete text replacements, which
recommendations do not have.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from ..._version import __version__
from .._model import MODULE, SEVERITY_ORDER, Finding, ProjectAnalysis, Recommendation
from ._issues import ANALYSIS_ERROR, COMPLEXITY, MAINTAINABILITY, Issue, collect, rule_id, sentence

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/devreliab/devreliab"
DOCS_URI = f"{INFORMATION_URI}/blob/main/docs/output-formats.md"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "devreliab/v1"

_LEVEL_OF_SEVERITY = {"HIGH": "error", "MEDIUM": "warning", "LOW": "note"}
# GitHub reads security-severity as a CVSS-like score: 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low
_SECURITY_SEVERITY = {"HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0"}
_PRECISION = {"HIGH": "high", "MEDIUM": "medium", "LOW": "low"}


def _text(text: str) -> dict[str, str]:
    return {"text": text}


def _root_uri(root: str) -> str:
    """The workspace root as a file:// URI ending with '/', as originalUriBaseIds requires."""
    uri = PurePosixPath(root).as_uri() if root.startswith("/") else PureWindowsPath(root).as_uri()
    return uri if uri.endswith("/") else uri + "/"


# ---------------------------------------------------------------------------------------------- rules


def _devreliab_rules(thresholds: dict[str, Any]) -> list[dict[str, Any]]:
    below = thresholds.get("complexity_below", 10)
    above = thresholds.get("maintainability_above", 50)
    fail_on_errors = thresholds.get("fail_on_errors", True)
    return [
        {
            "id": COMPLEXITY,
            "name": "HighCyclomaticComplexity",
            "shortDescription": _text("Function with too many independent paths."),
            "fullDescription": _text(
                "A function or method whose cyclomatic complexity (radon's count of decision points plus "
                f"one) reaches the gate's limit; the gate requires complexity below {below}. Complex "
                "functions are hard to test completely and are where defects concentrate."
            ),
            "helpUri": f"{DOCS_URI}#dr001-highcyclomaticcomplexity",
            "help": {
                "text": (
                    f"Cyclomatic complexity counts the independent paths through a function. The gate "
                    f"requires every function's complexity to stay below {below} "
                    "('gates.complexity_below' in devreliab.jsonc). Reduce it by extracting helper "
                    "functions, returning early instead of nesting, and replacing long if/elif chains "
                    "with a lookup table."
                ),
                "markdown": (
                    "**Cyclomatic complexity** counts the independent paths through a function. The gate "
                    f"requires every function's complexity to stay below **{below}** "
                    "(`gates.complexity_below` in `devreliab.jsonc`).\n\n"
                    "Reduce it by:\n\n"
                    "- extracting helper functions for self-contained steps;\n"
                    "- returning early instead of nesting conditions;\n"
                    "- replacing long `if`/`elif` chains with a lookup table.\n\n"
                    "`devreliab analyze` ranks the strategies for each function."
                ),
            },
            "defaultConfiguration": {"level": "error"},
            "properties": {
                "tags": ["maintainability", "complexity"],
                "precision": "very-high",
                "problem.severity": "error",
            },
        },
        {
            "id": MAINTAINABILITY,
            "name": "LowMaintainabilityIndex",
            "shortDescription": _text("File with a low maintainability index."),
            "fullDescription": _text(
                "A file whose maintainability index (radon's 0-100 score combining Halstead volume, "
                "cyclomatic complexity, lines of code and comments) is at or below the gate's limit; the "
                f"gate requires an index above {above:g}."
            ),
            "helpUri": f"{DOCS_URI}#dr002-lowmaintainabilityindex",
            "help": {
                "text": (
                    "The maintainability index scores a file from 0 to 100 (higher is easier to maintain). "
                    f"The gate requires every file's index to stay above {above:g} "
                    "('gates.maintainability_above' in devreliab.jsonc). Raise it by splitting large "
                    "modules, simplifying the most complex functions, and removing duplicated logic."
                ),
                "markdown": (
                    "The **maintainability index** scores a file from 0 to 100 (higher is easier to "
                    f"maintain). The gate requires every file's index to stay above **{above:g}** "
                    "(`gates.maintainability_above` in `devreliab.jsonc`).\n\n"
                    "Raise it by splitting large modules, simplifying the most complex functions, and "
                    "removing duplicated logic."
                ),
            },
            "defaultConfiguration": {"level": "error"},
            "properties": {
                "tags": ["maintainability"],
                "precision": "high",
                "problem.severity": "error",
            },
        },
        {
            "id": ANALYSIS_ERROR,
            "name": "FileNotAnalysed",
            "shortDescription": _text("Python file that could not be analysed."),
            "fullDescription": _text(
                "A file devreliab could not analyse: a syntax error, bytes that are not text in the "
                "declared encoding, binary content, a file over the size limit, or a file that cannot be "
                "read. Nothing in it was checked."
            ),
            "helpUri": f"{DOCS_URI}#dr003-filenotanalysed",
            "help": {
                "text": (
                    "devreliab could not analyse this file, so none of its metrics or security checks ran. "
                    "Fix the problem the message names (a syntax error, the encoding, the size limit "
                    "'analysis.max_file_bytes'), or exclude the file with 'exclude' in devreliab.jsonc. "
                    "'gates.fail_on_errors' decides whether such files fail the gate."
                ),
                "markdown": (
                    "devreliab could not analyse this file, so none of its metrics or security checks "
                    "ran.\n\nFix the problem the message names (a syntax error, the encoding, the size "
                    "limit `analysis.max_file_bytes`), or exclude the file with `exclude` in "
                    "`devreliab.jsonc`. `gates.fail_on_errors` decides whether such files fail the gate."
                ),
            },
            "defaultConfiguration": {"level": "error" if fail_on_errors else "warning"},
            "properties": {
                "tags": ["reliability", "correctness"],
                "precision": "very-high",
                "problem.severity": "error" if fail_on_errors else "warning",
            },
        },
    ]


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("-", "_").split("_") if part)


def _bandit_rule(test_id: str, findings: list[Finding]) -> dict[str, Any]:
    first = findings[0]
    worst = max(findings, key=lambda f: SEVERITY_ORDER[f.severity]).severity
    # precision is how often the rule is right: the least confident finding speaks for the rule
    least_sure = min(findings, key=lambda f: SEVERITY_ORDER[f.confidence]).confidence
    cwes = sorted({f.cwe for f in findings if f.cwe})
    human = first.test_name.replace("_", " ")
    cwe_text = ", ".join(f"CWE-{c}" for c in cwes)
    cwe_sentence = f" It is classified as {cwe_text}." if cwes else ""
    tags = ["security"]
    for c in cwes:
        tags += [f"CWE-{c}", f"external/cwe/cwe-{c}"]
    cwe_links = "".join(
        f"\n- [CWE-{c}](https://cwe.mitre.org/data/definitions/{c}.html)" for c in cwes
    )
    return {
        "id": test_id,
        "name": _pascal(first.test_name),
        "shortDescription": _text(sentence(f"Bandit {test_id}: {human}")),
        "fullDescription": _text(
            f"Bandit's {test_id} check ({first.test_name}) flags code that may be a security weakness."
            f"{cwe_sentence} See bandit's documentation for what it detects and how to fix it."
        ),
        "helpUri": first.more_info,
        "help": {
            "text": (
                f"Bandit's {test_id} check ({first.test_name}) flags code that may be a security weakness."
                f"{cwe_sentence} See {first.more_info} for what it detects and how to fix it. If the code "
                f"is safe, say why in a '# nosec {test_id}' comment on the line."
            ),
            "markdown": (
                f"Bandit's **{test_id}** check (`{first.test_name}`) flags code that may be a security "
                f"weakness.{cwe_sentence}\n\n"
                f"- [bandit documentation for {test_id}]({first.more_info}){cwe_links}\n\n"
                f"If the code is safe, say why in a `# nosec {test_id}` comment on the line."
            ),
        },
        "defaultConfiguration": {"level": _LEVEL_OF_SEVERITY[worst]},
        "properties": {
            "tags": tags,
            "precision": _PRECISION[least_sure],
            "security-severity": _SECURITY_SEVERITY[worst],
        },
    }


# -------------------------------------------------------------------------------------------- results


def _advice(rec: Recommendation | None) -> tuple[str, str, dict[str, Any]]:
    """The recommendation as a sentence for message.text, a markdown section, and result properties."""
    if rec is None or not rec.strategies:
        return "", "", {}
    best = rec.strategies[0]
    text = " " + sentence(f"Suggested fix: {best.title}")
    markdown = f"\n\n**Suggested fix:** {best.title}"
    if best.detail:
        markdown += f"\n\n{best.detail}"
    if best.example:
        markdown += "\n\n```python\n" + best.example.rstrip("\n") + "\n```"
    others = rec.strategies[1:3]
    if others:
        markdown += "\n\nAlso possible: " + "; ".join(s.title for s in others) + "."
    properties = {
        "recommendation": {
            "problem": rec.problem,
            "priority": rec.priority,
            "strategies": [asdict(s) for s in rec.strategies],
        }
    }
    return text, markdown, properties


def _columns(finding: Finding) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The finding's region and a context region of whole lines around it.

    bandit's ``line_range`` is the flagged node's first to last line, ``col_offset`` its start on the first
    line and ``end_col_offset`` its end on the last (``line`` may point inside, at a keyword argument), all
    as ast gives them: 0-based UTF-8 byte offsets. SARIF columns here are 1-based and count code points.
    ``code`` holds up to three source lines from the first line of the range.
    """
    first = min(finding.line_range) if finding.line_range else finding.line
    last = max(finding.line_range) if finding.line_range else finding.line
    code_lines = finding.code.split("\n") if finding.code else []

    def text_of(line: int) -> str | None:
        index = line - first
        return code_lines[index] if 0 <= index < len(code_lines) else None

    def column(line: int, byte_offset: int) -> int:
        text = text_of(line)
        if text is None:
            return byte_offset + 1
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1

    region: dict[str, Any] = {"startLine": first}
    if finding.col_offset >= 0:
        region["startColumn"] = column(first, finding.col_offset)
    region["endLine"] = last
    if finding.col_offset >= 0 and finding.end_col_offset > 0 and (
            last > first or finding.end_col_offset > finding.col_offset):
        region["endColumn"] = column(last, finding.end_col_offset)
        if text_of(last) is not None:
            lines = code_lines[: last - first + 1]
            lines[-1] = lines[-1][: region["endColumn"] - 1]
            lines[0] = lines[0][region["startColumn"] - 1 :]
            region["snippet"] = _text("\n".join(lines))

    context = None
    if code_lines and first + len(code_lines) - 1 >= last:
        context = {"startLine": first, "endLine": first + len(code_lines) - 1,
                   "snippet": _text("\n".join(code_lines) + "\n")}
    return region, context


def _level(issue: Issue) -> str:
    if issue.gate == "baselined":
        return "note"
    if issue.finding is not None and issue.gate == "not-gated":
        return _LEVEL_OF_SEVERITY[issue.finding.severity]
    if issue.violation is not None:
        return "error" if issue.violation.severity == "error" else "warning"
    return "error" if issue.gate == "failing" else "warning"


def _result(issue: Issue, rule_index: dict[str, int], justification: str) -> dict[str, Any]:
    rid = rule_id(issue.rule)
    context = None
    properties: dict[str, Any] = {"gate": issue.gate, "qualname": issue.qualname}
    if issue.finding is not None:
        region, context = _columns(issue.finding)
        properties.update(severity=issue.finding.severity, confidence=issue.finding.confidence)
        if issue.finding.cwe:
            properties["cwe"] = f"CWE-{issue.finding.cwe}"
    elif issue.block is not None:
        region = {"startLine": issue.line, "startColumn": issue.block.col_offset + 1}
    else:
        region = {"startLine": issue.line}
    if issue.violation is not None:
        properties.update(value=issue.violation.value, threshold=issue.violation.threshold)
    if issue.error is not None:
        properties["errorKind"] = issue.error.kind
    advice_text, advice_markdown, advice_properties = _advice(issue.recommendation)
    properties.update(advice_properties)
    where = f" Found in `{issue.qualname}`." if issue.finding is not None and issue.qualname != MODULE else ""
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": quote(issue.path, safe="/"), "uriBaseId": SRCROOT},
        "region": region,
    }
    if context is not None:
        physical["contextRegion"] = context
    return {
        "ruleId": rid,
        "ruleIndex": rule_index[rid],
        "level": _level(issue),
        "message": {"text": issue.message + advice_text, "markdown": issue.message + where + advice_markdown},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {
            "primaryLocationLineHash": f"{issue.fingerprint[:16]}:1",
            FINGERPRINT_KEY: issue.fingerprint,
        },
        "suppressions": (
            [{"kind": "external", "status": "accepted", "justification": justification}]
            if issue.gate == "baselined" else []
        ),
        "properties": properties,
    }


def document(result: ProjectAnalysis) -> dict[str, Any]:
    issues = collect(result)
    rules = _devreliab_rules(result.gate.thresholds)
    by_test: dict[str, list[Finding]] = defaultdict(list)
    for f in result.files:
        for finding in f.findings:
            by_test[finding.test_id].append(finding)
    rules += [_bandit_rule(test_id, by_test[test_id]) for test_id in sorted(by_test)]
    rule_index = {rule["id"]: i for i, rule in enumerate(rules)}
    justification = (
        "Recorded in the devreliab baseline: an existing problem accepted until it is fixed"
        + (" (ratchet mode: it fails again if it gets worse)." if result.gate.mode == "ratchet" else ".")
    )
    results = [_result(issue, rule_index, justification) for issue in issues]

    gate = result.gate
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "devreliab",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "properties": {"gatePassed": gate.passed, "gateMode": gate.mode},
                    }
                ],
                "originalUriBaseIds": {
                    SRCROOT: {
                        "uri": _root_uri(result.root),
                        "description": _text("The workspace root that result paths are relative to."),
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {"thresholds": gate.thresholds},
            }
        ],
    }


def render(result: ProjectAnalysis) -> str:
    return json.dumps(document(result), indent=2) + "\n"
