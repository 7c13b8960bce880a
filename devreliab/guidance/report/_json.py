"""``--format json``: the whole analysis as one JSON document, described by ``report.schema.json``.

The document carries ``schema_version``; it changes only when a field is removed or changes meaning
(adding fields does not change it).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from ..._version import __version__
from .._model import ProjectAnalysis

SCHEMA_VERSION = 1


def document(result: ProjectAnalysis) -> dict[str, Any]:
    files = []
    for f in result.files:
        entry = f.to_dict()
        for finding, data in zip(f.findings, entry["findings"], strict=True):
            data["cwe_link"] = finding.cwe_link
        files.append(entry)
    gate = result.gate
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "devreliab", "version": __version__},
        "root": result.root,
        "summary": summary(result),
        "gate": {
            "passed": gate.passed,
            "mode": gate.mode,
            "thresholds": gate.thresholds,
            "failing": [asdict(v) for v in gate.failing],
            "baselined": [asdict(v) for v in gate.baselined],
        },
        "hotspots": [asdict(h) for h in result.hotspots],
        "files": files,
    }


def summary(result: ProjectAnalysis) -> dict[str, Any]:
    functions = [b for f in result.files for b in f.functions]
    severities = {"HIGH": 0, "MEDIUM": 0, "LOW": 0}
    for f in result.files:
        for finding in f.findings:
            severities[finding.severity] += 1
    mis = [f.maintainability for f in result.files if f.maintainability is not None]
    return {
        "files": len(result.files),
        "analysed": result.analysed,
        "cached": result.cached,
        "errors": len(result.errors),
        "functions": len(functions),
        "average_complexity": round(sum(b.complexity for b in functions) / len(functions), 2) if functions else 0,
        "max_complexity": max((b.complexity for b in functions), default=0),
        "min_maintainability": round(min(mis), 2) if mis else None,
        "findings": severities,
        "sloc": sum(f.raw.sloc for f in result.files if f.raw),
        "seconds": round(result.seconds, 3),
    }


def render(result: ProjectAnalysis) -> str:
    return json.dumps(document(result), indent=2) + "\n"
