"""Unsupervised anomaly detection per metric, from the metric's own recent past.

Each sample is compared with a robust linear fit of the previous ``window`` samples: the slope is the difference
of the medians of the window's two halves, the level the median of the detrended window, the spread the median
absolute deviation (MAD) of the residuals. A sample further than ``threshold`` robust standard deviations
(1.4826 × MAD) from the fit's prediction is an anomaly. Medians make the fit indifferent to the anomalies
themselves; the linear term follows slow drift and daily seasonality, so neither is flagged.

Anomalies are kept out of the window, except for a level shift: after ``shift_run`` consecutive anomalies on the
same side, the detector accepts the new level (shifts its window by the jump and goes on), so a shift is flagged
for ``shift_run`` samples and then becomes the new normal.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from statistics import median
from typing import Final

MAD_TO_SIGMA: Final = 1.4826


@dataclass(frozen=True)
class Verdict:
    anomaly: bool
    score: float  # signed robust z-score of the sample against the prediction (0 while learning)
    expected: float | None  # the prediction the sample was compared with


class RobustDetector:
    """Streaming detector for one metric: ``update(value)`` returns whether that sample is an anomaly."""

    def __init__(self, *, window: int = 60, min_history: int = 12, threshold: float = 6.0, shift_run: int = 3,
                 relative_floor: float = 0.01, absolute_floor: float = 1e-9) -> None:
        self.window = window
        self.min_history = min_history
        self.threshold = threshold
        self.shift_run = shift_run
        self.relative_floor = relative_floor  # the spread never counts as less than this share of the level
        self.absolute_floor = absolute_floor
        self._history: deque[float] = deque(maxlen=window)
        self._pending: list[tuple[float, float]] = []  # (value, prediction) of consecutive anomalies

    def _fit(self) -> tuple[float, float, float]:
        """(prediction for the next sample, scale, level) from the window."""
        h = list(self._history)
        n = len(h)
        half = n // 2
        first, second = h[:half], h[n - half:]
        slope = (median(second) - median(first)) / (n - half) if half else 0.0
        detrended = [v - slope * (i - (n - 1)) for i, v in enumerate(h)]
        level = median(detrended)
        mad = median(abs(v - level) for v in detrended)
        scale = max(MAD_TO_SIGMA * mad, self.relative_floor * abs(level), self.absolute_floor)
        return level + slope, scale, level

    def update(self, value: float) -> Verdict:
        if not math.isfinite(value):
            return Verdict(False, 0.0, None)
        if len(self._history) < self.min_history:
            self._history.append(value)
            return Verdict(False, 0.0, None)
        predicted, scale, _ = self._fit()
        score = (value - predicted) / scale
        if abs(score) <= self.threshold:
            self._pending.clear()
            self._history.append(value)
            return Verdict(False, score, predicted)
        if self._pending and (self._pending[-1][0] - self._pending[-1][1] > 0) != (value - predicted > 0):
            self._pending.clear()
        self._pending.append((value, predicted))
        if len(self._pending) >= self.shift_run:  # a level shift: the new level is the new normal
            jump = median(v - p for v, p in self._pending)
            shifted = [v + jump for v in self._history]
            self._history.clear()
            self._history.extend(shifted[len(self._pending):])
            self._history.extend(v for v, _ in self._pending)
            self._pending.clear()
        return Verdict(True, score, predicted)


def detect(values: list[float], **options: float) -> list[Verdict]:
    """Run a fresh detector over a whole series (tests, and series read back from the store)."""
    detector = RobustDetector(**options)  # type: ignore[arg-type]
    return [detector.update(v) for v in values]
