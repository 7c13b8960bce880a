"""Holt's linear exponential smoothing: a level and a trend per metric, and sentences about where it is going."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Trend:
    level: float  # the smoothed value now
    slope_per_s: float  # the smoothed change per second

    def at(self, seconds_ahead: float) -> float:
        return self.level + self.slope_per_s * seconds_ahead

    def seconds_until(self, target: float) -> float | None:
        """When the trend reaches ``target`` (None if it is moving away from it or flat)."""
        if self.level >= target:
            return 0.0
        if self.slope_per_s <= 0:
            return None
        return (target - self.level) / self.slope_per_s

    def percent_per_minute(self) -> float | None:
        if self.level == 0:
            return None
        return 100.0 * self.slope_per_s * 60.0 / abs(self.level)


def holt(points: list[tuple[float, float]], *, alpha: float = 0.3, beta: float = 0.1) -> Trend | None:
    """Holt's linear trend over ``(time, value)`` points in time order (uneven spacing allowed).

    None with fewer than 3 usable points. Steps with non-increasing time (a clock jump back) are skipped.
    """
    usable = [(t, v) for t, v in points if math.isfinite(t) and math.isfinite(v)]
    if len(usable) < 3:
        return None
    (t0, v0), (t1, v1) = usable[0], usable[1]
    level = v1
    slope = (v1 - v0) / (t1 - t0) if t1 > t0 else 0.0
    last_t = t1
    for t, v in usable[2:]:
        dt = t - last_t
        if dt <= 0:
            continue
        predicted = level + slope * dt
        new_level = alpha * v + (1 - alpha) * predicted
        slope = beta * (new_level - level) / dt + (1 - beta) * slope
        level = new_level
        last_t = t
    return Trend(level, slope)


def duration_words(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} seconds"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} minutes"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} hours"
    return f"{round(seconds / 86400)} days"


def size_words(n: float) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if abs(n) >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} bytes"
