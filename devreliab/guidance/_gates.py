"""Quality gates: thresholds from config, a baseline that accepts known problems, and a ratchet.

A violation is identified by (file, qualified name, rule) — never by line number — so moving code around
does not make a baselined problem "new". Several violations with the same key (two ``B602`` in one function)
are matched by count: the baseline accepts as many as it recorded.

- plain: every violation fails the gate;
- baseline: violations the baseline recorded are accepted, new ones fail;
- ratchet: like baseline, but a recorded violation fails again when it got worse (higher complexity, lower
  maintainability, more findings of that rule in that function).

The complexity threshold is the file's own: the tests profile's (``tests.complexity_below``) for a test file.
A function whose complexity a ``# devreliab: allow complexity <reason>`` comment accepts is no violation.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .._config import GateConfig
from .._errors import BaselineError
from ._model import MODULE, SEVERITY_ORDER, FileAnalysis, GateResult, Violation

BASELINE_FORMAT = "devreliab-baseline"
BASELINE_VERSION = 1


def violations(files: Iterable[FileAnalysis], gates: GateConfig) -> list[Violation]:
    """Every place that breaks a threshold, before any baseline."""
    out: list[Violation] = []
    min_conf = SEVERITY_ORDER[gates.min_confidence.upper()]
    for f in files:
        if gates.fail_on_errors:
            out.extend(_error_violations(f))
        if f.error is not None:
            continue
        out.extend(_complexity_violations(f, gates.complexity_for(f.path)))
        if f.maintainability is not None and f.maintainability <= gates.maintainability_above:
            out.append(Violation(
                f.path, MODULE, "maintainability", 1, f.maintainability, gates.maintainability_above,
                # no radon rank here: rank A means above 19, which reads as praise beside a failing gate
                f"maintainability index {f.maintainability:.1f}; "
                f"the gate requires above {gates.maintainability_above:g}",
            ))
        for finding in f.findings:
            limit = gates.max_findings.get(finding.severity.lower())
            if limit is None or SEVERITY_ORDER[finding.confidence] < min_conf:
                continue
            cwe = f" (CWE-{finding.cwe})" if finding.cwe else ""
            out.append(Violation(
                f.path, finding.qualname, finding.test_id, finding.line, 1, limit,
                f"{finding.test_id} {finding.test_name}: {finding.message}{cwe} "
                f"[severity {finding.severity}, confidence {finding.confidence}]",
            ))
    return out


def _error_violations(f: FileAnalysis) -> list[Violation]:
    """A file that could not be analysed, or each part of it an analyser failed on (its notes)."""
    if f.error is not None:
        return [Violation(f.path, MODULE, "error", f.error.line or 1, 1, 0,
                          f"could not be analysed: {f.error.message}")]
    return [Violation(f.path, MODULE, "error", 1, 1, 0, f"partly analysed: {n}") for n in f.notes]


def _complexity_violations(f: FileAnalysis, below: int) -> list[Violation]:
    """Functions at or over the file's complexity gate, except those a "devreliab: allow" comment accepts."""
    return [Violation(f.path, b.qualname, "complexity", b.lineno, b.complexity, below,
                      f"{b.kind} {b.qualname} has cyclomatic complexity {b.complexity} (rank {b.rank}); "
                      f"the gate requires below {below}")
            for b in f.functions if b.complexity >= below and not b.allowed]


def evaluate(files: Iterable[FileAnalysis], gates: GateConfig, baseline: dict[str, Any] | None = None,
             ratchet: bool = False) -> GateResult:
    files = list(files)
    found = violations(files, gates)
    severity_of = {(f.path, x.test_id, x.qualname, x.line): x.severity.lower() for f in files for x in f.findings}

    thresholds = {
        "complexity_below": gates.complexity_below,
        "maintainability_above": gates.maintainability_above,
        "max_findings": gates.max_findings,
        "min_confidence": gates.min_confidence,
        "fail_on_errors": gates.fail_on_errors,
    }
    mode = "ratchet" if ratchet else ("baseline" if baseline is not None else "plain")
    accepted: list[Violation] = []
    candidates = found
    if baseline is not None:
        candidates, accepted = _match_baseline(candidates, baseline, ratchet)
    failing = [v for v in candidates if not v.rule.startswith("B")]
    new_by_sev: dict[str, list[Violation]] = defaultdict(list)
    for v in candidates:
        if v.rule.startswith("B"):
            new_by_sev[severity_of[(v.path, v.rule, v.qualname, v.line)]].append(v)
    # with a limit of N for a severity, the gate fails only when more than N (new) findings of it remain
    for sev, vs in new_by_sev.items():
        limit = gates.max_findings.get(sev)
        if limit is not None and len(vs) > limit:
            failing.extend(vs)
        else:
            accepted.extend(vs)
    failing.sort(key=lambda v: (v.path, v.line, v.rule))
    accepted.sort(key=lambda v: (v.path, v.line, v.rule))
    return GateResult(passed=not failing, failing=tuple(failing), baselined=tuple(accepted),
                      thresholds=thresholds, mode=mode)  # type: ignore[arg-type]


def _worse(v: Violation, recorded: float) -> bool:
    if v.rule == "maintainability":
        return v.value < recorded - 1e-9
    return v.value > recorded + 1e-9


def _match_baseline(found: list[Violation], baseline: dict[str, Any], ratchet: bool
                    ) -> tuple[list[Violation], list[Violation]]:
    recorded: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for entry in baseline["violations"]:
        recorded[(entry["path"], entry["qualname"], entry["rule"])].append(float(entry["value"]))
    new: list[Violation] = []
    accepted: list[Violation] = []
    for v in sorted(found, key=lambda v: (v.path, v.qualname, v.rule, v.line)):
        values = recorded.get(v.key)
        if not values:
            new.append(v)
            continue
        value = values.pop(0)
        if ratchet and _worse(v, value):
            new.append(Violation(v.path, v.qualname, v.rule, v.line, v.value, value,
                                 f"{v.message} — worse than the baseline's {value:g}", v.severity))
        else:
            accepted.append(v)
    return new, accepted


def baseline_document(files: Iterable[FileAnalysis], gates: GateConfig) -> dict[str, Any]:
    """A baseline recording every current violation (line numbers kept only as a hint for people)."""
    entries = [
        {"path": v.path, "qualname": v.qualname, "rule": v.rule, "value": v.value, "line": v.line}
        for v in sorted(violations(files, gates), key=lambda v: (v.path, v.qualname, v.rule, v.line))
    ]
    return {"format": BASELINE_FORMAT, "version": BASELINE_VERSION, "violations": entries}


def write_baseline(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_baseline(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline not found (create it with --write-baseline {path})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: not a readable devreliab baseline ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT or not isinstance(
            data.get("violations"), list):
        raise BaselineError(f"{path}: not a devreliab baseline (write one with --write-baseline)")
    for index, entry in enumerate(data["violations"]):
        if not isinstance(entry, dict) or not {"path", "qualname", "rule", "value"} <= entry.keys():
            raise BaselineError(f"{path}: entry {index} lacks path, qualname, rule or value")
    return data
