"""The anomaly detector, evaluated on labelled synthetic series (the figures in docs/monitoring.md)."""

from __future__ import annotations

import math
import random

from devreliab.monitor import RobustDetector, detect

from .synthetic import background, score, suite

STEADY_RUNS = 10
N = 2880  # two days, a sample a minute


def test_the_detector_finds_injected_spikes_and_level_shifts_with_precision_and_recall_of_at_least_0_9() -> None:
    found = inside = flagged = events = 0
    for series in suite(seed=7, n=N):
        flags = [v.anomaly for v in detect(series.values)]
        f, i, a = score(flags, series.events)
        found, inside, flagged, events = found + f, inside + i, flagged + a, events + len(series.events)
    precision, recall = inside / flagged, found / events
    print(f"\nevents {events}, found {found}, flags {flagged}, inside {inside}: "
          f"precision {precision:.4f}, recall {recall:.4f}")
    assert precision >= 0.9
    assert recall >= 0.9


def test_steady_noise_gives_at_most_1_percent_false_positives() -> None:
    rng = random.Random(3)
    flagged = total = 0
    for _ in range(STEADY_RUNS):
        flags = [v.anomaly for v in detect(background("steady", N, rng))]
        flagged, total = flagged + sum(flags), total + len(flags)
    print(f"\nsteady noise: {flagged} flags in {total} samples ({flagged / total:.4%})")
    assert flagged / total <= 0.01


def test_slow_drift_and_daily_seasonality_are_not_anomalies() -> None:
    rng = random.Random(5)
    for kind in ("drift", "seasonal"):
        flagged = total = 0
        for _ in range(5):
            flags = [v.anomaly for v in detect(background(kind, N, rng))]
            flagged, total = flagged + sum(flags), total + len(flags)
        print(f"\n{kind}: {flagged} flags in {total} samples ({flagged / total:.4%})")
        assert flagged / total <= 0.01


def test_a_metric_with_no_history_is_never_flagged_until_it_has_some() -> None:
    detector = RobustDetector(min_history=12)
    verdicts = [detector.update(v) for v in [1.0] * 11 + [1000.0]]
    assert not any(v.anomaly for v in verdicts)
    assert detector.update(5000.0).anomaly


def test_values_that_are_not_numbers_are_ignored() -> None:
    detector = RobustDetector()
    for i in range(30):
        detector.update(1.0 + 0.05 * (i % 3 - 1))
    assert not detector.update(math.nan).anomaly
    assert not detector.update(math.inf).anomaly
    assert not detector.update(1.05).anomaly


def test_after_a_level_shift_the_new_level_becomes_normal() -> None:
    rng = random.Random(1)
    values = [10 + rng.gauss(0, 0.1) for _ in range(100)] + [20 + rng.gauss(0, 0.1) for _ in range(100)]
    flags = [v.anomaly for v in detect(values)]
    assert flags[100:103] == [True, True, True]
    assert not any(flags[103:])
