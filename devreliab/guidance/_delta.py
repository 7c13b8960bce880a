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
from ._model import Block, FileAnalysis
from ._profile import apply_profile
from ._thresholds import Thresholds

MAX_GUIDANCE_LINES = 8


def analyse(path: str, data: bytes, config: Config, store: StateStore | None = None) -> FileAnalysis:
    """One file's analysis, with the tests profile and security.skip applied. With ``store``, through the
    workspace's analysis cache (the one ``devreliab analyze`` uses): the content an agent just read or wrote has
    usually been analysed already, by the last guidance on write, analyze_file or a project analysis."""
    return apply_profile(_analyse(path, data, config, store), config)


def _analyse(path: str, data: bytes, config: Config, store: StateStore | None = None) -> FileAnalysis:
    if store is None:
        return analyze_bytes(path, data, Thresholds.from_config(config), config.analysis_max_file_bytes)
    cache = AnalysisCache(store.root, config.analysis_hash(), store=store)
    version = version_of(data)
    hit = cache.get_many([version], {version: path}).get(version)
    if hit is not None:
        return hit
    found = analyze_bytes(path, data, Thresholds.from_config(config), config.analysis_max_file_bytes)
    if (found.error is None or found.error.kind != "internal") and not found.notes:  # the engine's rule
        cache.put_many([found])
    return found


def write_guidance(path: str, before: bytes | None, after: bytes, config: Config,
                   store: StateStore | None = None) -> list[str] | None:
    """What writing ``after`` over ``before`` changed in the gate, in a few lines; None when nothing did."""
    if not path.endswith(".py") or len(after) > config.analysis_max_file_bytes:
        return None
    new = analyse(path, after, config, store)
    old = analyse(path, before, config, store) if before is not None else None
    if new.error is not None:  # news only when the file could be analysed before
        fresh = old is None or old.error is None
        return [f"{path} can no longer be analysed: {new.error.message}"] if fresh else None
    was = old if old is not None and old.error is None else None
    gates = config.gates
    return _capped([*_new_findings(new, was), *_more_complex(new, was, gates.complexity_for(path)),
                    *_maintainability(new, was, gates.maintainability_above)])


def _capped(lines: list[str]) -> list[str] | None:
    if len(lines) > MAX_GUIDANCE_LINES:
        more = len(lines) - MAX_GUIDANCE_LINES + 1
        lines = [*lines[: MAX_GUIDANCE_LINES - 1], f"… and {more} more (analyze_file shows everything)"]
    return lines or None


def _new_findings(new: FileAnalysis, old: FileAnalysis | None) -> list[str]:
    """Findings the write added: more of a (rule, function) pair than there were before."""
    before = Counter((f.test_id, f.qualname) for f in old.findings) if old else Counter()
    seen: Counter[tuple[str, str]] = Counter()
    lines = []
    for f in sorted(new.findings, key=lambda x: x.line):
        key = (f.test_id, f.qualname)
        seen[key] += 1
        if seen[key] > before[key]:
            lines.append(f"new security finding {f.test_id} ({f.severity}) line {f.line} in {f.qualname}: "
                         f"{f.message}")
    return lines


def _more_complex(new: FileAnalysis, old: FileAnalysis | None, below: int) -> list[str]:
    """Functions that are new and over the gate, or got more complex and are over it or went up a rank (any
    worsening over the gate is news: 11 → 15 fails further, though the rank stays C)."""
    old_blocks = {b.qualname: b for b in old.functions} if old else {}
    found = (_complexity_line(b, old_blocks.get(b.qualname), below) for b in new.functions if not b.allowed)
    return [line for line in found if line]


def _complexity_line(b: Block, was: Block | None, below: int) -> str | None:
    breaks = b.complexity >= below
    gate = f"; the gate requires below {below}" if breaks else ""
    if was is None:
        return f"new {b.kind} {b.qualname} (line {b.lineno}) has complexity {b.complexity} (rank {b.rank}){gate}" \
            if breaks else None
    if b.complexity <= was.complexity or not (breaks or b.rank > was.rank):
        return None
    return (f"{b.kind} {b.qualname} (line {b.lineno}) got more complex: {was.complexity} → {b.complexity} "
            f"(rank {was.rank} → {b.rank}){gate}")


def _maintainability(new: FileAnalysis, old: FileAnalysis | None, above: float) -> list[str]:
    """The maintainability index falling through the gate (not a file that was already under it)."""
    if new.maintainability is None or new.maintainability > above:
        return []
    if old is not None and old.maintainability is not None and old.maintainability <= above:
        return []
    return [f"maintainability index fell to {new.maintainability:.1f}; the gate requires above {above:g}"]
