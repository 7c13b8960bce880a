"""The dashboard's quality & security summary, from the analysis cache in the state store.

What ``devreliab analyze`` would report about the workspace's Python files (gate, findings by severity, the
most complex functions, maintainability), without re-analysing unchanged files: each refresh stats the files,
takes the analysis of every unchanged one from the shared analysis cache (the one the CLI, the pre-commit hook
and the MCP tools fill), and analyses at most ``MAX_FRESH`` new or changed files in this thread (writing them to
the cache for everyone). Hotspots (git history) are left out: they are the expensive part and not live data.

It uses the store it is given, never a second ``StateStore`` of its own (see ``PerformanceMonitor._open_store``).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from .._config import Config
from .._store import StateStore

MAX_FRESH = 50  # files analysed per refresh at most; the rest wait for the next one
TOP = 5


def summarize(root: Path, config: Config, store: StateStore, *, max_fresh: int = MAX_FRESH) -> dict[str, Any]:
    """The summary as the dashboard shows it (JSON-ready)."""
    from ..guidance._analyze import analyze_bytes, version_of
    from ..guidance._cache import AnalysisCache
    from ..guidance._discover import discover
    from ..guidance._engine import _read, _signature
    from ..guidance._gates import evaluate, read_baseline
    from ..guidance._model import FileAnalysis, FileError
    from ..guidance._profile import apply_profile
    from ..guidance._thresholds import Thresholds

    started = time.perf_counter()
    names = discover(root, [root], config.all_excludes)
    cache = AnalysisCache(root, config.analysis_hash(), store=store)
    signatures = {n: sig for n in names if (sig := _signature(root / n)) is not None}
    versions = cache.known_versions(signatures)
    contents: dict[str, bytes] = {}
    errors: dict[str, FileError] = {}
    for name in names:
        if name in versions:
            continue
        data = _read(root, name)
        if isinstance(data, FileError):
            errors[name] = data
            continue
        contents[name] = data
        versions[name] = version_of(data)
    cache.remember({n: (signatures[n], versions[n]) for n in contents if n in signatures})
    path_of = {v: n for n, v in versions.items()}
    cached = cache.get_many(versions.values(), path_of)
    thresholds = Thresholds.from_config(config)
    files: dict[str, FileAnalysis] = {}
    fresh: list[FileAnalysis] = []
    waiting = 0
    for name in names:
        if name in errors:
            files[name] = FileAnalysis(path=name, version="", error=errors[name])
            continue
        hit = cached.get(versions[name])
        if hit is not None:
            files[name] = hit if hit.path == name else dataclasses.replace(hit, path=name)
        elif len(fresh) < max_fresh:
            data = contents[name] if name in contents else _read(root, name)
            if isinstance(data, FileError):
                files[name] = FileAnalysis(path=name, version="", error=data)
                continue
            analysis = analyze_bytes(name, data, thresholds, config.analysis_max_file_bytes)
            fresh.append(analysis)
            files[name] = analysis
        else:
            waiting += 1
    cache.put_many(a for a in fresh if (a.error is None or a.error.kind != "internal") and not a.notes)
    analysed = [apply_profile(files[n], config) for n in names if n in files]  # the tests profile, by path
    baseline = None
    if config.baseline is not None and config.baseline.is_file():
        baseline = read_baseline(config.baseline)
    gate = evaluate(analysed, config.gates, baseline)
    findings = [(f, fd) for f in analysed for fd in f.findings]
    by_severity = {s: sum(1 for _, fd in findings if fd.severity.lower() == s) for s in ("high", "medium", "low")}
    blocks = sorted(((f, b) for f in analysed for b in f.functions), key=lambda fb: -fb[1].complexity)
    mis = [f.maintainability for f in analysed if f.maintainability is not None]
    mi_limit = config.gates.maintainability_above
    rank = {"high": 0, "medium": 1, "low": 2}
    return {
        "state": "ready" if not waiting else "analysing",
        "files": len(names),
        "analysed": len(analysed),
        "waiting": waiting,
        "fresh": len(fresh),
        "errors": sum(1 for f in analysed if f.error is not None),
        "gate": {"passed": gate.passed, "failing": len(gate.failing), "baselined": len(gate.baselined),
                 "complexity_below": config.gates.complexity_below, "maintainability_above": mi_limit},
        "findings": by_severity,
        "top_findings": [{"path": f.path, "line": fd.line, "test_id": fd.test_id, "severity": fd.severity.lower(),
                          "cwe": fd.cwe, "message": fd.message}
                         for f, fd in sorted(findings, key=lambda p: (rank.get(p[1].severity.lower(), 3), p[0].path,
                                                                      p[1].line))[:TOP]],
        "complexity": [{"path": f.path, "qualname": b.qualname, "line": b.lineno, "complexity": b.complexity,
                        "rank": b.rank} for f, b in blocks[:TOP]],
        "complex_functions": sum(1 for _, b in blocks if b.complexity >= config.gates.complexity_below),
        "maintainability": {"mean": round(sum(mis) / len(mis), 1) if mis else None,
                            "below": sum(1 for m in mis if m <= mi_limit)},
        "seconds": round(time.perf_counter() - started, 3),
        "updated": time.time(),
    }
