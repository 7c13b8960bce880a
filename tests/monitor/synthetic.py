"""Labelled synthetic series for the anomaly detector: backgrounds that are normal, and injected anomalies."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

SIGMA = 1.0
PERIOD = 1440  # one sample a minute: a day


@dataclass
class Series:
    name: str
    values: list[float]
    events: list[tuple[int, int]] = field(default_factory=list)  # labelled anomalies: [start, end] inclusive


def background(kind: str, n: int, rng: random.Random) -> list[float]:
    base = 100.0
    out = []
    for i in range(n):
        if kind == "steady":
            trend = 0.0
        elif kind == "drift":  # +0.02 σ a sample: +29 σ over a day, never a jump
            trend = 0.02 * i
        elif kind == "seasonal":  # daily cycle, 20 σ peak to peak
            trend = 10.0 * math.sin(2 * math.pi * i / PERIOD)
        else:
            raise ValueError(kind)
        out.append(base + trend + rng.gauss(0.0, SIGMA))
    return out


def with_spikes(values: list[float], rng: random.Random, count: int, shift_run: int = 3) -> list[tuple[int, int]]:
    """Single-sample spikes of 8–20 σ, either way, at least 40 samples apart."""
    events = []
    slots = sorted(rng.sample(range(2, len(values) // 40 - 1), count))
    for slot in slots:
        i = slot * 40 + rng.randrange(0, 20)
        values[i] += rng.choice((-1, 1)) * rng.uniform(8.0, 20.0) * SIGMA
        events.append((i, i))
    return events


def with_level_shifts(values: list[float], rng: random.Random, count: int, shift_run: int = 3
                      ) -> list[tuple[int, int]]:
    """Lasting jumps of 10–25 σ; the label covers the samples until the detector has learnt the new level."""
    events = []
    step = len(values) // (count + 1)
    for k in range(1, count + 1):
        i = k * step + rng.randrange(-10, 10)
        jump = rng.choice((-1, 1)) * rng.uniform(10.0, 25.0) * SIGMA
        for j in range(i, len(values)):
            values[j] += jump
        events.append((i, i + shift_run - 1))
    return events


def suite(seed: int = 7, n: int = 2880) -> list[Series]:
    """Two days a minute apart per series: each background with spikes, level shifts, and both."""
    rng = random.Random(seed)
    series = []
    for kind in ("steady", "drift", "seasonal"):
        v = background(kind, n, rng)
        series.append(Series(f"{kind}+spikes", v, with_spikes(v, rng, 30)))
        v = background(kind, n, rng)
        series.append(Series(f"{kind}+shifts", v, with_level_shifts(v, rng, 6)))
        v = background(kind, n, rng)
        ev = with_level_shifts(v, rng, 4)
        taken = {j for s, e in ev for j in range(s - 45, e + 45)}
        spikes = [e for e in with_spikes_avoiding(v, rng, 20, taken)]
        series.append(Series(f"{kind}+spikes+shifts", v, sorted(ev + spikes)))
    return series


def with_spikes_avoiding(values: list[float], rng: random.Random, count: int, taken: set[int]
                         ) -> list[tuple[int, int]]:
    events: list[tuple[int, int]] = []
    candidates = [i for i in range(60, len(values), 40) if i not in taken]
    for i in sorted(rng.sample(candidates, count)):
        values[i] += rng.choice((-1, 1)) * rng.uniform(8.0, 20.0) * SIGMA
        events.append((i, i))
    return events


def score(flags: list[bool], events: list[tuple[int, int]]) -> tuple[int, int, int]:
    """(events found, flags inside an event, flags in all) — recall is found/len(events), precision inside/all."""
    inside = set()
    for s, e in events:
        inside.update(range(s, e + 1))
    found = sum(any(flags[j] for j in range(s, e + 1)) for s, e in events)
    flagged = [i for i, f in enumerate(flags) if f]
    return found, sum(i in inside for i in flagged), len(flagged)
