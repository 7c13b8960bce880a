"""The live dashboard's data: one JSON snapshot of the workspace, built from its state store.

Every server process of the workspace samples into the store, so the snapshot covers all of them: health with
reasons and actions, latency percentiles per tool over time, throughput and errors, bytes in and out, the
content cache against its budget, memory per process, anomalies, forecasts, open conflicts, and the quality &
security summary. The page (``static/``) receives it over a WebSocket every ``monitor.dashboard_refresh_ms``.

Cheap per tick: samples are read incrementally (only rows newer than the last one read), charts are rebuilt only
when new samples arrived, conflicts are one indexed query, and the quality summary is refreshed in the
background from the analysis cache (``_quality``), never on a tick.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .._config import Config, MonitorConfig, load_config
from .._store import DB_NAME, STATE_DIR, StateStore
from . import _samples
from ._health import WINDOW_S, Health, assess
from ._samples import ProcessRow, Row

log = logging.getLogger("devreliab.monitor")

MAX_POINTS = 240  # per series: the window is cut into at most this many time buckets
MAX_CONFLICTS = 20
QUALITY_EVERY_S = 30.0
PERCENTILES = ("p50", "p95", "p99")


Key = tuple[str, str]  # (process, metric)


def _tool_metric(metric: str) -> tuple[str, str] | None:
    """('read_file', 'p95_ms') for 'tool.read_file.p95_ms'."""
    parts = metric.split(".")
    return (parts[1], parts[2]) if parts[0] == "tool" and len(parts) == 3 else None


class DashboardSource:
    """Snapshots of one workspace for the dashboard. Thread-safe; ``snapshot()`` is cheap when nothing changed.

    ``store``: a callable giving the store to read (a server's own workspace store, so the process never opens a
    second ``StateStore`` on its database); None: open the workspace's store once it exists, and own it.
    """

    def __init__(self, root: str | Path, *, store: Callable[[], StateStore | None] | None = None,
                 window_s: float = WINDOW_S, clock: Callable[[], float] = time.time,
                 quality_every_s: float = QUALITY_EVERY_S) -> None:
        self.root = Path(root).resolve()
        self._store_of = store
        self._own: StateStore | None = None
        self.window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._series: dict[Key, deque[Row]] = {}  # each (process, metric) in the order written
        self._steps: dict[str, float] = {}  # per process: the seconds one of its rows covers (its interval)
        self._last_rowid = 0
        self._data: dict[str, Any] | None = None
        self._data_key: tuple[Any, ...] | None = None
        self._health: Health | None = None
        self._quality: dict[str, Any] | None = None
        self._quality_problem: str | None = None
        self.quality_every_s = quality_every_s
        self._quality_thread: threading.Thread | None = None
        self._quality_wake = threading.Event()
        self._closed = threading.Event()
        self.problem: str | None = None
        try:
            self.config: Config | None = load_config(self.root)
            self.settings = self.config.monitor
        except Exception as exc:  # a broken devreliab.jsonc: the dashboard still shows the samples
            self.config, self.settings = None, MonitorConfig()
            self.problem = f"devreliab.jsonc: {exc}"

    @property
    def refresh_s(self) -> float:
        return self.settings.dashboard_refresh_s

    # -- the store ------------------------------------------------------------------------------------------
    def _store(self) -> StateStore | None:
        if self._store_of is not None:
            return self._store_of()
        if self._own is None and (self.root / STATE_DIR / DB_NAME).exists():
            self._own = StateStore(self.root)
        return self._own

    def close(self) -> None:
        self._closed.set()
        self._quality_wake.set()
        thread = self._quality_thread
        if thread is not None:
            thread.join(timeout=5.0)
        own, self._own = self._own, None
        if own is not None:
            own.close()

    def _read_new(self, store: StateStore, now: float) -> bool:
        """Append the samples written since the last call; drop those older than the window. True if any."""
        since = now - self.window_s
        with _samples.connection(store) as conn:
            top = conn.execute("SELECT max(rowid) FROM monitor_samples").fetchone()[0] or 0
            if top < self._last_rowid:  # the store was rebuilt: start over
                self._series.clear()
                self._last_rowid = 0
            rows = conn.execute("SELECT rowid, process, time, metric, value, anomaly, score, res FROM monitor_samples "
                                "WHERE rowid > ? AND time >= ? ORDER BY rowid", (self._last_rowid, since)).fetchall()
        for _rowid, process, t, metric, value, anomaly, score, res in rows:
            series = self._series.get((process, metric))
            if series is None:
                series = self._series[(process, metric)] = deque()
            series.append(Row(process, t, metric, value, bool(anomaly), score))
            if res > 0 and res < self._steps.get(process, math.inf):
                self._steps[process] = res
        if rows:
            self._last_rowid = max(self._last_rowid, rows[-1][0])
        for key in list(self._series):
            series = self._series[key]
            while series and series[0].time < since:
                series.popleft()
            if not series:
                del self._series[key]
        return bool(rows)

    @staticmethod
    def _conflicts(store: StateStore) -> tuple[int, list[dict[str, Any]]]:
        with _samples.connection(store) as conn:
            total = conn.execute("SELECT count(*) FROM vfs_conflicts WHERE status = 'open'").fetchone()[0]
            rows = conn.execute("SELECT id, path, client, created FROM vfs_conflicts WHERE status = 'open' "
                                "ORDER BY created DESC LIMIT ?", (MAX_CONFLICTS,)).fetchall()
        return int(total), [{"id": i, "path": p, "client": c, "created": t} for i, p, c, t in rows]

    # -- the quality summary, in the background ------------------------------------------------------------
    def _start_quality(self) -> None:
        """One background thread (so one store connection) refreshes the summary every ``quality_every_s``."""
        if self.config is None or self._quality_thread is not None or self._closed.is_set():
            return
        self._quality_thread = threading.Thread(target=self._quality_loop, name="devreliab-dashboard-quality",
                                                daemon=True)
        self._quality_thread.start()

    def _quality_loop(self) -> None:
        from ._quality import summarize

        assert self.config is not None
        while not self._closed.is_set():
            store = None
            with self._lock:
                try:
                    store = self._store()
                except Exception as exc:
                    self._quality_problem = f"{type(exc).__name__}: {exc}"
            more = False
            if store is not None:
                try:
                    summary = summarize(self.root, self.config, store)
                    more = summary["state"] == "analysing"  # more files wait: go on at once
                    with self._lock:
                        self._quality, self._quality_problem = summary, None
                except Exception as exc:  # the summary is optional; the charts go on
                    log.warning("dashboard: cannot summarise quality: %s", exc)
                    with self._lock:
                        self._quality_problem = f"{type(exc).__name__}: {exc}"
            if not more:
                self._quality_wake.wait(self.quality_every_s)
                self._quality_wake.clear()

    # -- the snapshot ---------------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The current snapshot (JSON-ready). Never raises: a problem is reported in ``problem``."""
        with self._lock:
            now = self._clock()
            problem = self.problem
            store = None
            try:
                store = self._store()
            except Exception as exc:
                problem = f"the state store cannot be opened: {type(exc).__name__}: {exc}"
            conflicts: tuple[int, list[dict[str, Any]]] = (0, [])
            procs: list[ProcessRow] = []
            changed = False
            if store is not None:
                try:
                    changed = self._read_new(store, now)
                    conflicts = self._conflicts(store)
                    procs = _samples.processes(store)
                    self._start_quality()
                except Exception as exc:
                    problem = f"the state store cannot be read: {type(exc).__name__}: {exc}"
            key = (self._last_rowid, conflicts[0], tuple(c["id"] for c in conflicts[1]),
                   self._quality.get("updated") if self._quality else None, self._quality_problem, problem,
                   tuple((p.process, p.last_seen) for p in procs))
            if self._data is None or key != self._data_key or changed or self._health is None \
                    or now - (self._data.get("built") or 0) >= max(5.0, self.refresh_s):
                self._data = self._build(now, procs, conflicts, problem, store is not None)
                self._data_key = key
            data = dict(self._data)
            data["time"] = now
            return data

    def _build(self, now: float, procs: list[ProcessRow], conflicts: tuple[int, list[dict[str, Any]]],
               problem: str | None, has_store: bool) -> dict[str, Any]:
        series = self._series
        rows = [r for rs in series.values() for r in rs]  # assess groups them by (process, metric) again
        notes = [] if has_store else ["no state store yet: no devreliab server has run on this workspace"]
        if has_store and not rows:
            notes.append("no server process has sampled in the last 15 minutes: start one (devreliab serve) "
                         "or use an agent that has it configured")
        health = assess(rows, procs, now, store_problem=problem, notes=notes)
        self._health = health
        step = max(min(self._steps.values(), default=self.settings.sample_interval_s),
                   self.window_s / MAX_POINTS)
        return {
            "version": 1,
            "built": now,
            "root": str(self.root),
            "refresh_ms": round(self.refresh_s * 1000),
            "window_s": self.window_s,
            "step_s": step,
            "problem": problem,
            "health": _health_json(health),
            "processes": [{"process": p.process, "pid": p.pid, "started": p.started, "last_seen": p.last_seen,
                           "alive": now - p.last_seen <= max(3 * p.interval, 30.0)} for p in procs],
            "tools": _tools(series, step),
            "agents": _agents(series),
            "methods": _methods(series),
            "cache": _cache(series, step),
            "memory": _per_process(series, step, "process.rss_bytes"),
            "cpu": _per_process(series, step, "process.cpu_percent"),
            "conflicts": {"open": conflicts[0], "latest": conflicts[1]},
            "quality": self._quality or {"state": "pending" if self._quality_problem is None else "error",
                                         "problem": self._quality_problem},
        }


def _health_json(health: Health) -> dict[str, Any]:
    return {
        "status": health.status,
        "processes": health.processes,
        "state_store": health.state_store,
        "reasons": [{"status": r.status, "reason": r.reason, "action": r.action, "metric": r.metric}
                    for r in health.reasons],
        "forecasts": health.forecasts,
        "notes": health.notes,
        "unusual": [{"metric": u.metric, "process": u.process.split("@")[0], "value": u.value, "score": u.score,
                     "since": u.since} for u in health.unusual[:5]],
    }


def _bucket(t: float, step: float) -> float:
    return math.floor(t / step) * step


def _series(points: dict[float, float]) -> list[list[float]]:
    return [[round(t, 3), round(v, 3)] for t, v in sorted(points.items())]


def _rows(series: dict[Key, deque[Row]], metric: str) -> Iterable[Row]:
    for (_, m), rs in series.items():
        if m == metric:
            yield from rs


def _tools(series: dict[Key, deque[Row]], step: float) -> dict[str, Any]:
    """Per tool: percentiles (the slowest process per bucket), calls/s, errors/s, bytes/s, totals, anomalies."""
    pct: dict[str, dict[str, dict[float, float]]] = defaultdict(lambda: defaultdict(dict))
    rate: dict[str, dict[str, dict[float, float]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    marks: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (_, metric), rs in series.items():
        found = _tool_metric(metric)
        if found is None:
            continue
        tool, name = found
        if name.endswith("_ms") and name[:-3] in PERCENTILES:
            key = name[:-3]
            points = pct[tool][key]
            for r in rs:
                b = math.floor(r.time / step) * step
                if r.value > points.get(b, -1.0):
                    points[b] = r.value
                if r.anomaly:
                    marks[tool].append({"t": round(r.time, 3), "value": r.value, "series": key, "score": r.score})
        elif name in ("calls", "errors", "crashes", "bytes_in", "bytes_out"):
            kind = "errors" if name == "crashes" else name
            buckets = rate[tool][kind]
            total = 0.0
            for r in rs:
                buckets[math.floor(r.time / step) * step] += r.value / step
                total += r.value
                if r.anomaly and name in ("calls", "errors"):
                    marks[tool].append({"t": round(r.time, 3), "value": r.value, "series": name, "score": r.score})
            totals[tool][kind] += total
    out: dict[str, Any] = {}
    for tool in sorted(set(pct) | set(rate)):
        out[tool] = {
            "latency": {k: _series(pct[tool].get(k, {})) for k in PERCENTILES},
            "rate": {k: _series(rate[tool].get(k, {})) for k in ("calls", "errors", "bytes_in", "bytes_out")},
            "totals": {k: totals[tool].get(k, 0.0) for k in ("calls", "errors", "bytes_in", "bytes_out")},
            "error_rate": round(totals[tool].get("errors", 0.0) / totals[tool]["calls"], 4)
            if totals[tool].get("calls") else 0.0,
            "anomalies": sorted(marks[tool], key=lambda m: m["t"])[-50:],
        }
    return out


def _agents(series: dict[Key, deque[Row]]) -> list[dict[str, Any]]:
    """Per agent (MCP clientInfo.name) over the window: calls, errors, error rate, the most repeats of one call."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (_, metric), rs in series.items():
        parts = metric.split(".")
        if parts[0] != "client" or len(parts) < 3:
            continue
        if parts[2] in ("calls", "errors") and len(parts) == 3:
            totals[parts[1]][parts[2]] += sum(r.value for r in rs)
        elif parts[2] == "repeats":
            totals[parts[1]]["repeats"] = max(totals[parts[1]]["repeats"], max((r.value for r in rs), default=0.0))
    return [{"agent": a, "calls": t["calls"], "errors": t["errors"],
             "error_rate": round(t["errors"] / t["calls"], 4) if t["calls"] else 0.0, "repeats": t["repeats"]}
            for a, t in sorted(totals.items())]


def _methods(series: dict[Key, deque[Row]]) -> dict[str, Any]:
    """Requests other than tools/call (resources/read, tools/list, ...): totals of calls and bytes."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (_, metric), rs in series.items():
        parts = metric.split(".")
        if parts[0] == "method" and len(parts) == 3 and parts[2] in ("calls", "bytes_in", "bytes_out"):
            totals[parts[1]][parts[2]] += sum(r.value for r in rs)
    return {m: {k: totals[m].get(k, 0.0) for k in ("calls", "bytes_in", "bytes_out")} for m in sorted(totals)}


def _cache(series: dict[Key, deque[Row]], step: float) -> dict[str, Any]:
    """Hit ratio per bucket (all processes), bytes held per process against the budget."""
    hits: dict[float, float] = defaultdict(float)
    misses: dict[float, float] = defaultdict(float)
    for r in _rows(series, "cache.hits"):
        hits[_bucket(r.time, step)] += r.value
    for r in _rows(series, "cache.misses"):
        misses[_bucket(r.time, step)] += r.value
    held = _per_process(series, step, "cache.bytes_held")
    latest_held = sum(rs[-1].value for (_, m), rs in series.items() if m == "cache.bytes_held")
    budget = max((r.value for r in _rows(series, "cache.max_bytes")), default=0.0)
    ratio = {b: hits[b] / (hits[b] + misses[b]) for b in set(hits) | set(misses) if hits[b] + misses[b] > 0}
    total_hits, total_misses = sum(hits.values()), sum(misses.values())
    return {
        "hit_ratio": _series(ratio),
        "hit_ratio_window": total_hits / (total_hits + total_misses) if total_hits + total_misses else None,
        "hits": total_hits,
        "misses": total_misses,
        "bytes_held": held["series"],
        "bytes_held_now": latest_held,
        "budget": budget,
        "anomalies": held["anomalies"],
    }


def _per_process(series: dict[Key, deque[Row]], step: float, metric: str) -> dict[str, Any]:
    out: dict[str, dict[float, float]] = defaultdict(dict)
    marks: list[dict[str, Any]] = []
    for (process, m), rs in series.items():
        if m != metric:
            continue
        pid = process.split("@")[0]
        for r in rs:
            out[pid][_bucket(r.time, step)] = r.value
            if r.anomaly:
                marks.append({"t": round(r.time, 3), "value": r.value, "series": pid, "score": r.score})
    marks.sort(key=lambda m: m["t"])
    return {"series": {pid: _series(points) for pid, points in sorted(out.items())}, "anomalies": marks[-50:]}
