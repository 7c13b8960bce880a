"""Holt's linear smoothing, and the sentences the health builds from it."""

from __future__ import annotations

from devreliab.monitor import holt
from devreliab.monitor._health import assess
from devreliab.monitor._samples import ProcessRow, Row

P = "1@0.000"


def rows(metric: str, values: list[float], start: float = 1000.0, step: float = 10.0) -> list[Row]:
    return [Row(P, start + i * step, metric, v, False, 0.0) for i, v in enumerate(values)]


def test_holt_follows_a_linear_trend() -> None:
    trend = holt([(t * 10.0, 5.0 + 2.0 * t) for t in range(30)])
    assert trend is not None
    assert abs(trend.slope_per_s - 0.2) < 1e-6
    assert abs(trend.at(100) - (5.0 + 2.0 * 29 + 20.0)) < 1e-6


def test_holt_needs_three_points_and_skips_steps_back_in_time() -> None:
    assert holt([(0.0, 1.0), (1.0, 2.0)]) is None
    trend = holt([(0.0, 0.0), (10.0, 10.0), (5.0, 999.0), (20.0, 20.0), (30.0, 30.0)])
    assert trend is not None and abs(trend.slope_per_s - 1.0) < 1e-6


def test_a_growing_cache_is_forecast_to_reach_its_budget() -> None:
    budget = 100 * 2**20
    held = [50 * 2**20 + i * 2**20 for i in range(20)]  # +1 MB every 10 s
    data = rows("cache.bytes_held", held) + rows("cache.max_bytes", [budget] * 20)
    health = assess(data, [ProcessRow(P, 1, 0.0, 1190.0, 10.0)], now=1195.0)
    assert any(f.startswith("the content cache of process 1 reaches its budget (100.0 MB) in about 5 minutes")
               for f in health.forecasts), \
        health.forecasts


def test_rising_latency_is_described_in_percent_a_minute() -> None:
    p95 = [100.0 * 1.01 ** i for i in range(30)]  # +1 % every 10 s: about 6 % a minute
    health = assess(rows("tool.search.p95_ms", p95), [], now=1300.0)
    assert any(f.startswith("search p95 is rising") and "% a minute" in f for f in health.forecasts), \
        health.forecasts


def test_a_flat_series_forecasts_nothing() -> None:
    health = assess(rows("tool.search.p95_ms", [100.0] * 30) + rows("process.rss_bytes", [5e7] * 30), [],
                    now=1300.0)
    assert health.forecasts == []
