"""What the health rules share: their thresholds, the reason and health records, and the view of the samples
they judge (the samples by process and metric, each series' latest, the time and the intervals)."""

from __future__ import annotations

import time as _time
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from operator import attrgetter
from statistics import median
from typing import Any, Literal

from ._forecast import duration_words
from ._samples import Row

Status = Literal["ok", "degraded", "failing"]
_RANK: dict[Status, int] = {"ok": 0, "degraded": 1, "failing": 2}

WINDOW_S = 15 * 60  # the dashboard's window; and what "recent" means for anomaly rates
HISTORY_S = 60 * 60  # what the health reads: an hour, for the tools' learned baselines
CRASH_WINDOW_S = 5 * 60
LONG_SAMPLES = 30  # the long window of the error budget: 30 samples (5 minutes at the default 10 s)
HOLD_SAMPLES = 3  # a condition holds while it is met over the last 3 samples pooled (no flapping on a quiet one)
ERROR_BUDGET = 0.05  # 95 % of a tool's calls succeed; burn rate = error ratio / budget
FAILING_BURN = 5.0  # ≥ 25 % of the calls fail over both windows: failing (a page, in SRE terms)
MIN_ERRORS = 3
SIGNIFICANCE_Z = 3.1  # one-sided p < 0.001 against the tool's baseline error ratio
BASELINE_SAMPLES = 12  # samples (with calls) before a tool's latency has a baseline
LATENCY_FACTOR = 3.0
LATENCY_MIN_DELTA_MS = 10.0
LATENCY_MIN_CALLS = 3
SLOW_SEARCH_MS = 2000.0
SLOW_TOOL_MS = 10_000.0
SLOW_READ_MS = 1000.0
READ_TOOLS = frozenset({"read_file", "read_many", "file_info", "list_directory"})
LOOP_LAG_DEGRADED_MS = 500.0
LOOP_LAG_FAILING_MS = 5000.0
SLOW_TOOLS_EXEMPT = frozenset({"analyze_project", "analyze_file"})  # analysing a project takes long by nature
CONFLICT_RUN = 3  # conflicts created within the long window
LOOP_REPEATS = 10  # the same call (tool and arguments) this often within one sample: a loop
AGENT_ERROR_FACTOR = 3.0
AGENT_MIN_ERROR_RATIO = 0.2
BYTES_FACTOR = 5.0
BYTES_MIN_PER_CALL = 50_000.0
STALL_INTERVALS = 1.5
CPU_WAIT_FACTOR = 3.0  # a process waits for a CPU 3× as long as it usually does …
CPU_WAIT_MIN_MS = 150.0  # … and at least 150 ms a second: the machine is overloaded


@dataclass(frozen=True)
class Reason:
    status: Status
    reason: str
    action: str
    metric: str | None = None
    since: float | None = None  # when the condition started (wall time)
    subject: str | None = None  # the tool, agent (client name) or process it concerns


@dataclass(frozen=True)
class Unusual:
    metric: str
    process: str
    value: float
    score: float  # robust z-score of the latest flagged sample
    anomaly_rate: float  # share of the metric's recent samples flagged
    since: float  # wall time of the first flagged sample of the current run


@dataclass
class Health:
    status: Status | Literal["unknown"]  # unknown: no samples at all, nothing to judge (``workspace_health``)
    reasons: list[Reason] = field(default_factory=list)
    unusual: list[Unusual] = field(default_factory=list)
    forecasts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    processes: int = 0  # server processes that sampled recently
    anomaly_rates: dict[str, float] = field(default_factory=dict)  # per metric, all processes, the window
    state_store: Literal["ok", "unusable"] = "ok"
    advice: list[Reason] = field(default_factory=list)  # how the agents could use the tools better

    def to_dict(self) -> dict[str, Any]:
        """The health as plain data."""
        return asdict(self)


def clock_words(t: float) -> str:
    """Wall time as HH:MM:SS, local time."""
    return _time.strftime("%H:%M:%S", _time.localtime(t))


Series = dict[tuple[str, str], list[Row]]


def series_of(rows: list[Row]) -> Series:
    """Rows grouped by (process, metric), in the order given."""
    out: Series = defaultdict(list)
    for r in rows:
        out[(r.process, r.metric)].append(r)
    return out


def _tool_of(metric: str) -> str | None:
    """The tool of a 'tool.T.x' metric."""
    parts = metric.split(".")
    return parts[1] if parts[0] == "tool" and len(parts) == 3 else None


@dataclass(frozen=True)
class _View:
    """What the rules look at: the samples by (process, metric), each series' latest sample, the time, the
    sampling interval of each process and the processes that still sample."""

    series: Series
    latest: dict[tuple[str, str], Row]
    now: float
    intervals: dict[str, float]
    alive: frozenset[str]
    memo: dict[Any, Any]  # slow-moving figures (hour baselines), kept by a caller that judges again

    def interval(self, process: str) -> float:
        """The sampling interval of a process (10 s when not known)."""
        return self.intervals.get(process, 10.0)

    def recent(self, row: Row, samples: float) -> bool:
        """Whether the row is among the last ``samples`` of its process."""
        return self.now - row.time <= samples * self.interval(row.process) + 1.0

    def remember(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, recomputed at most once a minute (baselines over the hour move slowly); keys are spread
        over the minute so that no one call recomputes them all."""
        stamp = int((self.now + hash(key) % 60) // 60)
        found = self.memo.get(key)
        if found is None or found[0] != stamp:
            found = self.memo[key] = (stamp, compute())
        return found[1]


def tail(rs: list[Row], since: float) -> list[Row]:
    """The rows of a series (in time order) from ``since`` on."""
    return rs[bisect_left(rs, since, key=lambda r: r.time):]


_VALUE = attrgetter("value")


def _by_time(rows: list[Row]) -> dict[float, float]:
    """Sample time → value."""
    return {r.time: r.value for r in rows}

def _window_words(view: _View, samples: int) -> str:
    """A window of ``samples`` samples, in words (at the processes' median interval)."""
    interval = median(view.intervals.values()) if view.intervals else 10.0
    return duration_words(samples * interval)


