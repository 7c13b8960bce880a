"""The thresholds analysis and recommendations need, as one small picklable value."""

from __future__ import annotations

from dataclasses import dataclass

from .._config import Config


@dataclass(frozen=True)
class Thresholds:
    complexity_below: int = 10
    maintainability_above: float = 50.0

    @classmethod
    def from_config(cls, config: Config) -> Thresholds:
        return cls(config.gates.complexity_below, float(config.gates.maintainability_above))
