"""A small, fast run of the fault-injection benchmark (benchmarks/faults.py): real servers under scripted agents,
three faults with quiet periods between them, scored as the full benchmark scores its schedules.

No timing assertion: each fault must be detected within its window (its duration plus three sampling
intervals), which bounds the wait; on a loaded machine the delays grow but stay inside the windows."""

from __future__ import annotations

import asyncio
from itertools import pairwise
from pathlib import Path

from benchmarks.faults import Event, _score, run, schedule, table


def test_the_schedules_differ_and_every_kind_of_fault_is_in_each() -> None:
    _, tuning = schedule("tuning", 2.0)
    _, heldout = schedule("heldout", 2.0)
    assert {e.kind for e in tuning} == {e.kind for e in heldout} and len(tuning) == 9
    assert [e.kind for e in tuning] != [e.kind for e in heldout]
    assert all(later.start >= earlier.start + earlier.duration for earlier, later in pairwise(heldout))


def test_scoring_counts_detections_delays_and_false_alarm_episodes() -> None:
    events = [Event("error_burst", 10.0, 5.0, 0.3), Event("surge", 40.0, 5.0, 5, expect_health=False)]
    flags = [(float(t), 12 <= t <= 16 or 70 <= t <= 72) for t in range(0, 100)]
    score = _score(flags, events, grace=2.0, seconds=100.0, attr="health")
    assert score["recall"] == 1.0 and score["precision"] == 0.5 and score["false_alarms"] == 1
    assert events[0].detected and events[0].delay == 2.0 and not events[1].detected


def test_a_short_fault_schedule_is_detected_by_the_health_verdict(tmp_path: Path) -> None:
    score = asyncio.run(run("small", 1.0, kinds=("error_burst", "stall", "open_conflicts"), root=tmp_path))
    print("\n" + table(score))
    faults = [e for e in score.events if e.expect_health]
    assert all(e.detected for e in faults), table(score)
    assert score.calls > 300
