"""The tests profile and ``security.skip``, applied to a file's analysis after the cache.

An analysis depends on the file's bytes only (so one cached result serves the same content at any path); what a
path changes is applied here: in a test file (``tests.paths``) the bandit tests of ``tests.skip`` are not reported
(B101 by default: ``assert`` is how pytest tests check) and ``tests.complexity_below`` may set its own complexity
gate; ``security.skip`` drops bandit tests everywhere. Dropped findings take their recommendations with them, and
so do complexity recommendations for functions under the file's own gate.
"""

from __future__ import annotations

import dataclasses

from .._config import Config
from .._testpaths import is_test_path
from ._model import FileAnalysis, Recommendation


def _kept(r: Recommendation, skips: frozenset[str], under: set[str]) -> bool:
    if r.rule == "complexity":
        return r.qualname not in under
    return r.rule not in skips


def skips_for(path: str, config: Config) -> frozenset[str]:
    """The bandit test ids not reported for ``path``: security.skip, and tests.skip in a test file."""
    if is_test_path(path, config.gates.test_paths):
        return frozenset(config.security_skips + config.test_skips)
    return frozenset(config.security_skips)


def apply_profile(analysis: FileAnalysis, config: Config) -> FileAnalysis:
    """``analysis`` as its path's profile reports it (the same object when nothing applies)."""
    skips = skips_for(analysis.path, config)
    below = config.gates.complexity_for(analysis.path)
    if not skips and below <= config.gates.complexity_below:
        return analysis
    return _filtered(analysis, skips, {b.qualname for b in analysis.functions if b.complexity < below})


def _filtered(analysis: FileAnalysis, skips: frozenset[str], under: set[str]) -> FileAnalysis:
    findings = tuple(f for f in analysis.findings if f.test_id not in skips)
    recommendations = tuple(r for r in analysis.recommendations if _kept(r, skips, under))
    if len(findings) == len(analysis.findings) and len(recommendations) == len(analysis.recommendations):
        return analysis
    return dataclasses.replace(analysis, findings=findings, recommendations=recommendations)
