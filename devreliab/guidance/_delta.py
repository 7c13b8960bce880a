"""What a write changed in the quality gate, in a few lines: the guidance on write of the MCP tools and the
agents' hooks (``devreliab hook``). Light to import (no MCP SDK, no pydantic): a hook process pays only for the
analysers of the file it analyses.
"""

from __future__ import annotations

from collections import Counter

from .._config import Config
from .._store import StateStore
from ._analyze import analyze_bytes, version_of
from ._cache import AnalysisCache
from ._model import FileAnalysis
from ._thresholds import Thresholds

MAX_GUIDANCE_LINES = 8


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
