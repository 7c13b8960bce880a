"""The guidance engine: radon metrics, bandit findings, recommendations, gates and hotspots."""

from __future__ import annotations

from ._engine import analyze_path
from ._model import (
    Block,
    FileAnalysis,
    FileError,
    Finding,
    GateResult,
    Halstead,
    Hotspot,
    ProjectAnalysis,
    Raw,
    Recommendation,
    Strategy,
    Violation,
)

__all__ = [
    "Block",
    "FileAnalysis",
    "FileError",
    "Finding",
    "GateResult",
    "Halstead",
    "Hotspot",
    "ProjectAnalysis",
    "Raw",
    "Recommendation",
    "Strategy",
    "Violation",
    "analyze_path",
]
