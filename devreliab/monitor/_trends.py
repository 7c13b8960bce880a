"""What is unusual now (anomalies for the worse), anomaly rates, and forecasts of significant trends only."""

from __future__ import annotations

import math
from collections import defaultdict
from operator import attrgetter

from ._forecast import duration_words, regression, size_words
from ._samples import Row
from ._view import (
    WINDOW_S,
    Reason,
    Series,
    Unusual,
    _tool_of,
    _View,
    series_of,
    tail,
)

# -- unusual now ---------------------------------------------------------------------------------------------
_GOOD_WHEN_LOWER = ("_ms", ".error_rate", ".errors", ".crashes", ".rss_bytes", ".open_fds", "_percent",
                    ".evictions", ".misses", "conflicts", ".lag_ms")


def _bad_direction(metric: str, score: float) -> bool:
    """Whether an anomaly is a change for the worse (slower, more errors, more memory), not an improvement."""
    if metric.endswith(_GOOD_WHEN_LOWER):
        return score > 0
    return True


def _unusual(view: _View, recent: int = 3, top: int = 10) -> list[Unusual]:
    """Metrics with an anomaly for the worse among their last ``recent`` samples, most unusual first."""
    found = []
    for (proc, metric), rs in view.series.items():
        one = _unusual_one(view, proc, metric, rs, recent)
        if one is not None:
            found.append(one)
    found.sort(key=lambda u: (-abs(u.score), -u.anomaly_rate))
    return found[:top]


def _worse(metric: str, r: Row) -> bool:
    """Whether the flagged sample moved the metric for the worse."""
    return _bad_direction(metric, r.score or 0.0)


def _run_start(rs: list[Row]) -> int:
    """The index of the first of the series' latest run of anomalies."""
    start = len(rs) - 1
    while start > 0 and rs[start - 1].anomaly:
        start -= 1
    return start


def _unusual_one(view: _View, proc: str, metric: str, rs: list[Row], recent: int) -> Unusual | None:
    """The series as unusual now, or None."""
    flagged = [r for r in rs[-recent:] if r.anomaly and view.recent(r, recent) and _worse(metric, r)]
    if not flagged:
        return None
    start = _run_start(rs)
    worst = max(flagged, key=lambda r: abs(r.score or 0.0))
    window = tail(rs, view.now - WINDOW_S)
    rate = sum(map(_FLAG, window)) / max(len(window), 1)
    return Unusual(metric, proc, worst.value, round(worst.score or 0.0, 2), round(rate, 3),
                   rs[start].time if rs[start].anomaly else flagged[0].time)


_FLAG = attrgetter("anomaly")


def anomaly_rates(view: _View | list[Row]) -> dict[str, float]:
    """Per metric (all processes): the share of its samples of the last 15 minutes flagged as anomalies."""
    if isinstance(view, list):
        grouped = series_of(view)
        now = max((r.time for r in view), default=0.0)
    else:
        grouped, now = view.series, view.now
    n: dict[str, int] = defaultdict(int)
    k: dict[str, int] = defaultdict(int)
    for key, rs in grouped.items():
        def count(rs: list[Row] = rs) -> tuple[int, int]:
            """Rows and flagged rows of the series in the window."""
            window = tail(rs, now - WINDOW_S)
            return len(window), sum(map(_FLAG, window))
        size, flagged = view.remember(("rate", key), count) if isinstance(view, _View) else count()
        n[key[1]] += size
        k[key[1]] += flagged
    return {m: k[m] / n[m] for m in sorted(n) if n[m]}


# -- forecasts -----------------------------------------------------------------------------------------------
MIN_FORECAST_POINTS = 12
FORECAST_POINTS = 90  # the last 90 samples (15 minutes at the default interval)
HORIZON_S = 6 * 3600


Fitted = tuple[float, float, float]
_FORECAST_METRICS = ("cache.bytes_held", "process.rss_bytes", "store.bytes")


def _forecastable(metric: str) -> bool:
    """Whether the metric is one that gets forecasts."""
    return metric in _FORECAST_METRICS or (_tool_of(metric) is not None and metric.endswith(".p95_ms"))


def _wanted(metric: str, rs: list[Row], quiet: set[str | None]) -> bool:
    """Whether to forecast this series: enough points, a metric worth it, no reason saying otherwise."""
    return (len(rs) >= MIN_FORECAST_POINTS and _forecastable(metric) and metric not in quiet
            and _tool_of(metric) not in quiet)


def _forecasts(view: _View, series: Series, cache_max_bytes: int | None, reasons: list[Reason]) -> list[str]:
    """Trends that are significant against the noise (least squares, the slope's 95 % interval away from zero),
    with their horizon and bounds; none that contradicts a current reason."""
    out: list[str] = []
    quiet = {r.subject for r in reasons if (r.metric or "").endswith(("p50_ms", "p95_ms"))}  # slow tools
    if any(r.metric == "cache.evictions" for r in reasons):
        quiet.add("cache.bytes_held")  # full and evicting: it will not "reach" its budget
    for (proc, metric), rs in sorted(series.items()):
        rs = rs[-FORECAST_POINTS:]
        if not _wanted(metric, rs, quiet):
            continue
        fit = view.remember(("fit", proc, metric), lambda rs=rs: _fit(rs))  # type: ignore[misc]
        said = _sentence(series, proc, metric, rs, fit, cache_max_bytes) if fit is not None else []
        if said and metric == "store.bytes":  # every process samples the same store: say it once
            quiet.add(metric)
        out += said
    return out


def _sentence(series: Series, proc: str, metric: str, rs: list[Row], fit: Fitted,
              cache_max_bytes: int | None) -> list[str]:
    """The forecast sentence of one series from its significant fit."""
    if metric == "cache.bytes_held":
        return _cache_forecast(series, proc, rs, cache_max_bytes, fit)
    if metric == "process.rss_bytes":
        return _memory_forecast(proc, rs, fit)
    if metric == "store.bytes":
        return _store_forecast(series, proc, fit)
    return _latency_forecast(_tool_of(metric) or "", fit)


def _fit(rs: list[Row]) -> tuple[float, float, float] | None:
    """(slope per second, its 95 % half-width, the fitted value now) of a significant trend, or None."""
    fit = regression([(r.time, r.value) for r in rs])
    if fit is None or not fit.significant():
        return None
    return fit.slope, fit.half_width(), fit.at(rs[-1].time)



def _reach(level: float, target: float, slope: float, half: float) -> tuple[float, float, float] | None:
    """Seconds until ``target`` at the slope (and at its bounds), when that is within the horizon."""
    if slope <= 0 or level >= target:
        return None
    eta = (target - level) / slope
    fast = (target - level) / (slope + half)
    slow = (target - level) / (slope - half) if slope > half else math.inf
    return (eta, fast, slow) if eta <= HORIZON_S else None


def _range_words(fast: float, slow: float) -> str:
    """The 95 % range of a time to reach, in words."""
    return f"{duration_words(fast)} to {duration_words(slow) if math.isfinite(slow) else 'never'}"


def _cache_forecast(series: Series, proc: str, rs: list[Row], cache_max_bytes: int | None,
                    fit: Fitted) -> list[str]:
    """When the content cache reaches its budget, if within the horizon."""
    budget_rows = series.get((proc, "cache.max_bytes"))
    budget = budget_rows[-1].value if budget_rows else cache_max_bytes
    if not budget or rs[-1].value >= 0.95 * budget:
        return []
    reach = _reach(fit[2], budget, fit[0], fit[1])
    if reach is None:
        return []
    return [f"the content cache of process {proc.split('@')[0]} reaches its budget ({size_words(budget)}) in about "
            f"{duration_words(reach[0])} at this rate (95 %: {_range_words(reach[1], reach[2])})"]


def _memory_forecast(proc: str, rs: list[Row], fit: Fitted) -> list[str]:
    """A process's memory growth, when it is material."""
    if fit[0] * 60 < 1 << 20 or fit[0] * 60 < 0.01 * abs(fit[2]):
        return []
    return [f"the memory of process {proc.split('@')[0]} grows {size_words(fit[0] * 60)} a minute "
            f"(± {size_words(fit[1] * 60)}; now {size_words(rs[-1].value)})"]


def _store_forecast(series: Series, proc: str, fit: Fitted) -> list[str]:
    """When the state store reaches versions.max_bytes, if within the horizon."""
    budget_rows = series.get((proc, "store.budget_bytes"))
    rs = series[(proc, "store.bytes")]
    if not budget_rows or fit[0] <= 0:
        return []
    budget = budget_rows[-1].value
    reach = _reach(fit[2], budget, fit[0], fit[1])
    if reach is None:
        return []
    return [f"the state store (.devreliab/state.db, {size_words(rs[-1].value)}) grows "
            f"{size_words(fit[0] * 3600)} an hour and reaches its budget ({size_words(budget)}: versions.max_bytes) "
            f"in about {duration_words(reach[0])} (95 %: {_range_words(reach[1], reach[2])})"]


def _latency_forecast(tool: str, fit: Fitted) -> list[str]:
    """A tool's p95 rising, in percent a minute (falling latency is not forecast)."""
    if fit[2] < 1.0:
        return []
    pct = 100.0 * fit[0] * 60 / fit[2]
    if pct < 5:  # falling latency is good news, not a forecast to act on
        return []
    return [f"{tool} p95 is rising {pct:.0f}% a minute (± {100.0 * fit[1] * 60 / fit[2]:.0f}%; now {fit[2]:.0f} ms)"]

