"""Trends of a metric: least squares with a confidence interval on the slope (what the health reports, and only
when the trend is significant against the noise), Holt's linear exponential smoothing, and words for sizes and
durations."""

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


T_95 = 2.0  # two-sided 95 % for the slope (a t quantile; with n ≥ 12 points it is between 2.23 and 1.96)
SIGNIFICANT_T = 4.0  # the slope must be this many standard errors from zero: residuals of samples are correlated


@dataclass(frozen=True)
class Fit:
    """An ordinary least-squares line through ``(time, value)`` points."""

    slope: float  # per second
    intercept: float  # the value at time 0 (times are relative to ``t0``)
    t0: float
    stderr: float  # the slope's standard error
    n: int

    def at(self, t: float) -> float:
        return self.intercept + self.slope * (t - self.t0)

    def half_width(self) -> float:
        """Half the slope's 95 % confidence interval."""
        return T_95 * self.stderr

    def significant(self) -> bool:
        return self.slope != 0 and abs(self.slope) >= SIGNIFICANT_T * self.stderr


def _covariance(ts: list[float], vs: list[float], mt: float, mv: float) -> float:
    return sum((t - mt) * (v - mv) for t, v in zip(ts, vs, strict=True))


def regression(points: list[tuple[float, float]]) -> Fit | None:
    """Least squares over the finite points; None with fewer than 3 or no spread in time."""
    usable = [(t, v) for t, v in points if math.isfinite(t) and math.isfinite(v)]
    n = len(usable)
    if n < 3:
        return None
    t0 = usable[0][0]
    ts = [t - t0 for t, _ in usable]
    vs = [v for _, v in usable]
    mt, mv = sum(ts) / n, sum(vs) / n
    sxx = sum((t - mt) ** 2 for t in ts)
    if sxx <= 0:
        return None
    slope = _covariance(ts, vs, mt, mv) / sxx
    intercept = mv - slope * mt
    sse = sum((v - intercept - slope * t) ** 2 for t, v in zip(ts, vs, strict=True))
    stderr = math.sqrt(sse / (n - 2) / sxx)
    return Fit(slope, intercept, t0, stderr, n)


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
