"""``PerformanceMonitor``: one per server process. Records every MCP request through the server's tool-call hook,
samples this process into the state store, and answers "is something wrong?" for the whole workspace.

Nothing here may take the server down: every sampling or store failure is caught, remembered, and reported as
a reason in the health instead.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .._config import MonitorConfig
from .._store import DB_NAME, STATE_DIR, StateStore
from . import _proc, _samples
from ._anomaly import RobustDetector
from ._health import HISTORY_S, LONG_SAMPLES, Health, Reason, assess
from ._histogram import SESSION_BOUNDARIES, SIZE_BOUNDARIES, Histogram, Key, percentile
from ._samples import ConflictInfo, ProcessRow, Window

if TYPE_CHECKING:
    from ..vfs import CacheStats, Workspace
    from ._otlp import OtlpExport
    from ._wire import Middleware

log = logging.getLogger("devreliab.monitor")

_DEFAULTS = MonitorConfig()  # monitor.* in devreliab.jsonc; these are its defaults
DEFAULT_INTERVAL_S = _DEFAULTS.sample_interval_s
RAW_KEEP_S = _DEFAULTS.raw_retention_s  # raw samples for an hour, then one a minute
RETENTION_S = _DEFAULTS.retention_s
MAX_ROWS = _DEFAULTS.max_rows
MAINTAIN_EVERY = 30  # samples between downsampling/pruning passes
MAX_DURATIONS = 4096  # per tool and interval, for its p95
CLOCK_JUMP_S = 30.0
LAG_TICK_S = 0.25
OTHER = "_OTHER"  # the label of every tool (or agent) beyond the bounds below, as the OTel conventions suggest
MAX_TOOL_LABELS = 64  # distinct tool names a process labels metrics with; the rest are _OTHER
MAX_CLIENT_LABELS = 16
REPEAT_MIN = 3  # identical calls within a sample before their count is sampled (client.C.repeats.TOOL)
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


class CallLike(Protocol):
    """What the MCP server's hook reports (``devreliab.mcp.ToolCall``)."""

    @property
    def tool(self) -> str: ...
    @property
    def seconds(self) -> float: ...
    @property
    def outcome(self) -> str: ...
    @property
    def is_error(self) -> bool: ...


def _fact(call: CallLike, name: str) -> str | None:
    value = getattr(call, name, None)  # client, arguments_hash: newer servers report them
    return value if isinstance(value, str) and value else None


class _Sizes:
    """Bytes received and sent for one tool or method within an interval."""

    __slots__ = ("received", "sent")

    def __init__(self) -> None:
        self.received = 0
        self.sent = 0


def _floor(metric: str) -> float:
    """The smallest spread a metric's detector assumes, so that 0 → 1 in a count is not a 'huge' anomaly."""
    for suffix, floor in ((".error_rate", 0.05), ("_ms", 5.0), ("_bytes", float(1 << 20)), ("_percent", 5.0),
                          (".open_fds", 3.0), (".bytes_in", 4096.0), (".bytes_out", 4096.0),
                          ("bytes_held", float(1 << 20))):
        if metric.endswith(suffix):
            return floor
    return 2.0  # counts per interval


class _Interval:
    """What happened since the last sample (reset on every sample)."""

    def __init__(self) -> None:
        self.durations: dict[str, list[float]] = {}
        self.calls: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.crashes: dict[str, int] = {}
        self.sizes: dict[str, _Sizes] = {}  # tool (or "method.M" for other requests)
        self.method_calls: dict[str, int] = {}  # requests other than tools/call, per method
        self.clients: dict[str, list[int]] = {}  # client name → [calls, errors]
        self.same: dict[tuple[str, str, str], int] = {}  # (client, tool, arguments hash) → calls


class PerformanceMonitor:
    """Per-process performance monitor of one workspace.

    ``on_tool_call`` is the MCP server's hook (cheap: a lock and a few dictionary updates). ``sample()`` takes
    one sample of this process into the state store (the server runs it every ``interval_s`` on a worker
    thread; ``run()`` is that loop, plus the event-loop lag probe). ``health()`` judges the whole workspace.
    """

    def __init__(self, root: str | os.PathLike[str], *, interval_s: float | None = None,
                 raw_keep_s: float | None = None, retention_s: float | None = None, max_rows: int | None = None,
                 clock: Callable[[], float] = time.time, monotonic: Callable[[], float] = time.monotonic,
                 store: StateStore | None = None, otlp: bool = True) -> None:
        """Settings left ``None`` come from the ``monitor.*`` keys of the workspace's devreliab.jsonc when a
        workspace is attached (until then, their defaults). ``otlp``: export over OTLP when configured."""
        self.root = Path(root)
        self._given = {name for name, value in (("interval_s", interval_s), ("raw_keep_s", raw_keep_s),
                                                ("retention_s", retention_s), ("max_rows", max_rows))
                       if value is not None}
        self.interval_s = interval_s if interval_s is not None else DEFAULT_INTERVAL_S
        self.raw_keep_s = raw_keep_s if raw_keep_s is not None else RAW_KEEP_S
        self.retention_s = retention_s if retention_s is not None else RETENTION_S
        self.max_rows = max_rows if max_rows is not None else MAX_ROWS
        self.settings = _DEFAULTS
        self._otlp_wanted = otlp
        self.otlp: OtlpExport | None = None
        self.export_problem: str | None = None  # why metrics cannot be exported (OTLP), for the health
        self._clock = clock
        self._monotonic = monotonic
        self.pid = os.getpid()
        self.started = clock()
        self.process = f"{self.pid}@{self.started:.3f}"
        self._lock = threading.Lock()
        self._sample_lock = threading.Lock()
        self.histograms: dict[Key, Histogram] = {}
        self.request_sizes: dict[Key, Histogram] = {}  # bytes of each request's params (mcp.server.request.size)
        self.response_sizes: dict[Key, Histogram] = {}  # bytes of each result (mcp.server.response.size)
        self._interval = _Interval()
        self.crash_times: list[float] = []
        self._detectors: dict[str, RobustDetector] = {}
        self.workspace: Workspace | None = None
        self._store: StateStore | None = store  # default: the attached workspace's
        self.store_problem: str | None = None
        self._prev: dict[str, float] = {}
        self._prev_wall: float | None = None
        self._prev_mono: float | None = None
        self.samples_taken = 0
        self.notes: list[str] = []
        self.latest: dict[str, tuple[float, bool, float | None]] = {}
        self._lag_max_s = 0.0
        self._health: tuple[float, Health] | None = None
        self.cache_sources: Callable[[], list[Workspace]] | None = None  # every workspace of the process
        self._cache_prev: dict[int, tuple[int, int, int]] = {}
        self._tool_labels: set[str] = set()
        self._client_labels: set[str] = set()
        self._window = Window(HISTORY_S)
        self.enabled = True
        self.protocol_version: str | None = None  # mcp.protocol.version, once a client said it
        self._sessions: dict[str, tuple[float, str | None]] = {}  # session → (monotonic start, protocol version)
        self.session_durations = Histogram(boundaries=SESSION_BOUNDARIES)  # mcp.server.session.duration

    # -- recording --------------------------------------------------------------------------------------
    def on_tool_call(self, call: CallLike) -> None:
        if not self.enabled:
            return
        error = "tool_error" if call.outcome in ("error", "crash") else (
            "protocol_error" if call.outcome == "protocol_error" else None)
        self._note_session(call)
        known = getattr(call, "known", True)  # a tool the server does not have: one label for all of them
        tool = self._label(call.tool, self._tool_labels, MAX_TOOL_LABELS) if known else OTHER
        self.record("tools/call", tool, call.seconds, error, crashed=call.outcome == "crash")
        client = self._label(_UNSAFE.sub("_", _fact(call, "client") or "unknown")[:40], self._client_labels,
                             MAX_CLIENT_LABELS)
        with self._lock:
            counts = self._interval.clients.setdefault(client, [0, 0])
            counts[0] += 1
            counts[1] += error is not None
            digest = _fact(call, "arguments_hash")
            if digest is not None:
                key = (client, tool, digest)
                self._interval.same[key] = self._interval.same.get(key, 0) + 1

    def _note_session(self, call: CallLike) -> None:
        version = _fact(call, "protocol_version")
        if version is not None and self.protocol_version is None:
            self.protocol_version = version
        session = _fact(call, "session") or "process"  # over stdio, the process serves one session
        if session not in self._sessions:
            with self._lock:
                self._sessions.setdefault(session, (self._monotonic(), version))

    def end_session(self, session: str | None = None) -> None:
        """A session ended (``None``: all of them, as the server stops): its duration is recorded."""
        with self._lock:
            ended = list(self._sessions) if session is None else [session]
            for key in ended:
                found = self._sessions.pop(key, None)
                if found is None:
                    continue
                seconds = max(0.0, self._monotonic() - found[0])
                self.session_durations.record(seconds)
                otlp = self.otlp
                if otlp is not None:
                    otlp.record_session(seconds, {"mcp.protocol.version": found[1]} if found[1] else {})

    def _label(self, name: str, seen: set[str], limit: int) -> str:
        """``name``, or ``_OTHER`` once ``limit`` names are in use (bounded labels and metric names)."""
        if name in seen:
            return name
        with self._lock:
            if len(seen) >= limit:
                return OTHER
            seen.add(name)
        return name

    def record(self, method: str, tool: str | None, seconds: float, error_type: str | None = None, *,
               crashed: bool = False) -> None:
        if not self.enabled:
            return
        key: Key = (method, tool, error_type)
        name = tool or f"method.{method}"
        with self._lock:
            hist = self.histograms.get(key)
            if hist is None:
                hist = self.histograms[key] = Histogram()
            hist.record(seconds)
            iv = self._interval
            durations = iv.durations.setdefault(name, [])
            if len(durations) < MAX_DURATIONS:
                durations.append(seconds)
            if tool is None:  # another request (resources/read, tools/list, ...): its count and durations
                iv.method_calls[method] = iv.method_calls.get(method, 0) + 1
            else:
                self._count_call(iv, name, error_type, crashed)
        otlp = self.otlp
        if otlp is not None:
            otlp.record_duration(key, seconds)

    def _count_call(self, iv: _Interval, name: str, error_type: str | None, crashed: bool) -> None:
        """One tool call in the interval's counts (under the lock)."""
        iv.calls[name] = iv.calls.get(name, 0) + 1
        if crashed:
            iv.crashes[name] = iv.crashes.get(name, 0) + 1
            self.crash_times = [*self.crash_times[-19:], self._monotonic()]
        elif error_type is not None:
            iv.errors[name] = iv.errors.get(name, 0) + 1

    def record_sizes(self, method: str, tool: str | None, received: int, sent: int) -> None:
        """Bytes of one request's params and of its result (the JSON-RPC message without its envelope)."""
        if not self.enabled:
            return
        tool = self._known(tool)
        key: Key = (method, tool, None)
        name = tool or f"method.{method}"
        with self._lock:
            for table, size in ((self.request_sizes, received), (self.response_sizes, sent)):
                hist = table.get(key)
                if hist is None:
                    hist = table[key] = Histogram(boundaries=SIZE_BOUNDARIES)
                hist.record(size)
            sizes = self._interval.sizes.get(name)
            if sizes is None:
                sizes = self._interval.sizes[name] = _Sizes()
            sizes.received += received
            sizes.sent += sent
        otlp = self.otlp
        if otlp is not None:
            otlp.record_sizes(key, received, sent)

    def _known(self, tool: str | None) -> str | None:
        """The label a tool's bytes go under: its own once its calls have one, else _OTHER when labels ran out."""
        if tool is None or tool in self._tool_labels or len(self._tool_labels) < MAX_TOOL_LABELS:
            return tool
        return OTHER

    def wire_middleware(self, *, sizes: bool = True) -> Middleware:
        """A server middleware (``MCPServer.middleware``) that measures the bytes of every request and result
        (unless ``sizes`` is false: the stdio transport counts the lines it reads and writes, for free), and
        times the requests other than ``tools/call`` (those are timed by the tool-call hook)."""
        from ._wire import middleware

        return middleware(self, sizes=sizes)

    def attach(self, workspace: Workspace | None) -> None:
        """Sample this workspace (its cache, its store) with the ``monitor.*`` settings of its config; None
        detaches (and stops the OTLP export)."""
        self.workspace = workspace
        if workspace is None:
            self.end_session()
            self.stop_export()
            return
        self.configure(workspace.config.monitor)

    def configure(self, settings: MonitorConfig) -> None:
        """Apply ``monitor.*`` settings (those not given to the constructor) and start the OTLP export if it is
        configured. Never raises: an export that cannot start is reported in the log and the health."""
        self.settings = settings
        self.enabled = settings.enabled
        if not self.enabled:
            self.notes = ["the monitor is off (monitor.enabled: false in devreliab.jsonc): nothing is recorded"]
            return
        if "interval_s" not in self._given:
            self.interval_s = settings.sample_interval_s
        if "raw_keep_s" not in self._given:
            self.raw_keep_s = settings.raw_retention_s
        if "retention_s" not in self._given:
            self.retention_s = settings.retention_s
        if "max_rows" not in self._given:
            self.max_rows = settings.max_rows
        if self._otlp_wanted and self.otlp is None:
            from ._otlp import start

            self.otlp, self.export_problem = start(self, settings)
            if self.export_problem:
                log.warning("monitor: %s", self.export_problem)

    def stop_export(self) -> None:
        otlp, self.otlp = self.otlp, None
        if otlp is not None:
            otlp.shutdown()

    def _cache_workspaces(self) -> list[Workspace]:
        if self.cache_sources is not None:
            try:
                return self.cache_sources()
            except Exception:  # pragma: no cover - a provider's bug must not stop sampling
                log.exception("monitor: cannot list the workspaces")
        return [self.workspace] if self.workspace is not None else []

    def cache_stats(self) -> CacheStats | None:
        """The content-cache counters summed over every workspace of the process (over HTTP each session has
        its own; an in-memory read), or None without a workspace."""
        from ..vfs import CacheStats

        stats = [ws.cache_stats() for ws in self._cache_workspaces()]
        if not stats:
            return None
        return CacheStats(**{name: sum(getattr(s, name) for s in stats) for name in vars(stats[0])})

    def _cache_deltas(self) -> tuple[CacheStats | None, dict[str, float]]:
        """The summed counters now, and hits, misses and evictions since the last sample: per workspace, so that
        a session's workspace that goes away takes nothing back."""
        from ..vfs import CacheStats

        workspaces = self._cache_workspaces()
        if not workspaces:
            return None, {}
        first = self._prev_mono is None  # the first sample has no interval: no deltas, as for every counter
        deltas = {"cache.hits": 0.0, "cache.misses": 0.0, "cache.evictions": 0.0}
        prev, self._cache_prev = self._cache_prev, {}
        stats = []
        for ws in workspaces:
            s = ws.cache_stats()
            stats.append(s)
            now_v = (s.hits, s.misses, s.evictions)
            before = prev.get(id(ws), (0, 0, 0))  # a session's new workspace: all it did is new
            for name, new, old in zip(("hits", "misses", "evictions"), now_v, before, strict=True):
                deltas[f"cache.{name}"] += max(0, new - old)
            self._cache_prev[id(ws)] = now_v
        total = CacheStats(**{name: sum(getattr(s, name) for s in stats) for name in vars(stats[0])})
        return total, ({} if first else deltas)

    def note_loop_lag(self, seconds: float) -> None:
        self._lag_max_s = max(self._lag_max_s, seconds)

    # -- the store --------------------------------------------------------------------------------------
    def _open_store(self) -> StateStore | None:
        """The attached workspace's state store (or one given at construction).

        The monitor never opens a second ``StateStore`` on a database its process already uses: opening checks
        the file's header with a plain ``open``/``close``, and closing any descriptor of a SQLite file drops the
        process's POSIX locks on it, after which another process can checkpoint the WAL away under this one.
        """
        if self._store is not None:
            return self._store
        ws = self.workspace
        return ws._store if ws is not None else None

    def store(self) -> StateStore | None:
        """The store this monitor samples into (the attached workspace's), or None."""
        return self._open_store()

    def close(self) -> None:
        """Forget the store (the workspace owns and closes it)."""
        self._store = None

    # -- sampling ---------------------------------------------------------------------------------------
    def collect(self) -> dict[str, float]:
        """This process's metrics for the interval since the last call (rates per interval, gauges now)."""
        wall, mono = self._clock(), self._monotonic()
        with self._lock:
            iv, self._interval = self._interval, _Interval()
            lag, self._lag_max_s = self._lag_max_s, 0.0
        values: dict[str, float] = {}
        for tool, n in iv.calls.items():
            values[f"tool.{tool}.calls"] = n
            values[f"tool.{tool}.errors"] = iv.errors.get(tool, 0)
            values[f"tool.{tool}.crashes"] = iv.crashes.get(tool, 0)
            values[f"tool.{tool}.error_rate"] = (iv.errors.get(tool, 0) + iv.crashes.get(tool, 0)) / n
            durations = iv.durations.get(tool)
            for q in (50, 95, 99):
                values[f"tool.{tool}.p{q}_ms"] = percentile(durations, q / 100) * 1000 if durations else 0.0
        for method, n in iv.method_calls.items():
            values[f"method.{method}.calls"] = n
            durations = iv.durations.get(f"method.{method}")
            values[f"method.{method}.p95_ms"] = percentile(durations, 0.95) * 1000 if durations else 0.0
        for name, sizes in iv.sizes.items():
            prefix = name if name.startswith("method.") else f"tool.{name}"
            values[f"{prefix}.bytes_in"] = sizes.received
            values[f"{prefix}.bytes_out"] = sizes.sent
        otlp = self.otlp
        if otlp is not None:
            values["otlp.export_failures"] = otlp.take_failures()
        stats = _proc.read()
        elapsed = mono - self._prev_mono if self._prev_mono is not None else None
        if stats.cpu_seconds is not None:
            prev_cpu = self._prev.get("cpu_seconds")
            if prev_cpu is not None and elapsed:
                values["process.cpu_percent"] = 100.0 * (stats.cpu_seconds - prev_cpu) / elapsed
            self._prev["cpu_seconds"] = stats.cpu_seconds
        if stats.rss_bytes is not None:
            values["process.rss_bytes"] = stats.rss_bytes
        if stats.open_fds is not None:
            values["process.open_fds"] = stats.open_fds
        values["loop.lag_ms"] = lag * 1000
        values.update(self._cpu_wait(elapsed))
        cache, deltas = self._cache_deltas()
        values.update(deltas)
        values.update(_agent_values(iv))
        if cache is not None:
            values["cache.bytes_held"] = cache.bytes_held
            values["cache.max_bytes"] = cache.max_bytes
            values["cache.entries"] = cache.entries
        if self._prev_wall is not None and elapsed is not None:
            jump = (wall - self._prev_wall) - elapsed
            if abs(jump) > CLOCK_JUMP_S:
                self.notes = [*self.notes[-4:], f"the wall clock jumped by {jump:+.0f} s before "
                              f"{time.strftime('%H:%M:%S', time.localtime(wall))}; rates use the monotonic clock"]
        self._prev_wall, self._prev_mono = wall, mono
        return values

    def _cpu_wait(self, elapsed: float | None) -> dict[str, float]:
        """``process.cpu_wait_ms``: milliseconds a second the process's threads waited for a CPU (the machine is
        overloaded when this grows)."""
        waited = _proc.cpu_wait_seconds()
        if waited is None:
            return {}
        before, self._prev["cpu_wait"] = self._prev.get("cpu_wait"), waited
        if before is None or not elapsed:
            return {}
        return {"process.cpu_wait_ms": max(0.0, waited - before) * 1000 / elapsed}

    def _workspace_counts(self, store: StateStore, since: float, now: float) -> dict[str, float]:
        with _samples.connection(store) as conn:
            values = self._counts(conn, since, now)
        db = str(store.path) if hasattr(store, "path") else str(self.root / STATE_DIR / DB_NAME)
        values["store.bytes"] = _proc.file_bytes(db, db + "-wal")
        ws = self.workspace
        if ws is not None:
            values["store.budget_bytes"] = float(ws.config.raw.get("versions", {}).get("max_bytes", 0) or 0)
        return values

    @staticmethod
    def _counts(conn: sqlite3.Connection, since: float, now: float) -> dict[str, float]:
        merges = conn.execute("SELECT count(*) FROM vfs_journal WHERE action = 'merged' AND time >= ? AND time < ?",
                              (since, now)).fetchone()[0]
        conflicts = conn.execute("SELECT count(*) FROM vfs_conflicts WHERE created >= ? AND created < ?",
                                 (since, now)).fetchone()[0]
        open_conflicts = conn.execute("SELECT count(*) FROM vfs_conflicts WHERE status = 'open'").fetchone()[0]
        return {"vfs.merges": merges, "vfs.conflicts": conflicts, "vfs.open_conflicts": open_conflicts}

    def sample(self) -> dict[str, float]:
        """Take one sample: collect, flag anomalies, write it to the store (pruning now and then). Never raises."""
        if not self.enabled:
            return {}
        with self._sample_lock:
            since = self._prev_wall
            try:
                values = self.collect()
            except Exception as exc:  # pragma: no cover - collect reads only this process
                log.warning("monitor: sampling failed: %s", exc)
                return {}
            now = self._prev_wall or self._clock()
            store = self._open_store()
            if store is not None:
                try:
                    values.update(self._workspace_counts(store, since if since is not None else now, now))
                except Exception as exc:
                    self.store_problem = f"{type(exc).__name__}: {exc}"
            rows: list[tuple[str, float, bool, float | None]] = []
            for metric, value in sorted(values.items()):
                detector = self._detectors.get(metric)
                if detector is None:
                    detector = self._detectors[metric] = RobustDetector(absolute_floor=_floor(metric),
                                                                        threshold=self.settings.anomaly_threshold)
                verdict = detector.update(float(value))
                rows.append((metric, float(value), verdict.anomaly, round(verdict.score, 3)))
                self.latest[metric] = (float(value), verdict.anomaly, verdict.score)
            self.samples_taken += 1
            if store is not None:
                try:
                    _samples.write(store, ProcessRow(self.process, self.pid, self.started, now, self.interval_s),
                                   now, rows)
                    if self.samples_taken % MAINTAIN_EVERY == 1:
                        _samples.maintain(store, now, raw_keep_s=self.raw_keep_s, retention_s=self.retention_s,
                                          max_rows=self.max_rows)
                    self.store_problem = None
                except Exception as exc:
                    self.store_problem = f"{type(exc).__name__}: {exc}"
                    log.warning("monitor: cannot write samples: %s", self.store_problem)
            self._health = None
            return values

    async def run(self) -> None:
        """Sample every ``interval_s`` on a worker thread and probe the event loop's lag meanwhile (a task of the
        server's lifespan; cancelled when the server stops)."""
        import anyio
        import anyio.to_thread

        async def probe() -> None:
            while True:
                before = time.perf_counter()
                await anyio.sleep(LAG_TICK_S)
                self.note_loop_lag(max(0.0, time.perf_counter() - before - LAG_TICK_S))

        if not self.enabled:
            return
        async with anyio.create_task_group() as tg:
            tg.start_soon(probe)
            while True:
                try:
                    await anyio.to_thread.run_sync(self.sample)
                except Exception:  # a monitor bug must never end the server's task group
                    log.exception("monitor: sampling failed")
                await anyio.sleep(self.interval_s)

    # -- judging ----------------------------------------------------------------------------------------
    def recent_crashes(self, window_s: float = 300.0) -> int:
        now = self._monotonic()
        return sum(1 for t in self.crash_times if now - t < window_s)

    def health(self, *, max_age_s: float | None = None) -> Health:
        """The workspace's health (every process that samples into its store). Cached until the next sample or
        ``max_age_s`` (default: the sampling interval); never raises."""
        now = self._clock()
        cached = self._health
        age = self.interval_s if max_age_s is None else max_age_s
        if cached is not None and 0 <= now - cached[0] < age:
            return cached[1]
        try:
            health = workspace_health(self.root, store=self._open_store(), now=now,
                                      store_problem=self.store_problem, live_crashes=self.recent_crashes(),
                                      notes=self.notes, own_process=self.process, explain_empty=False,
                                      open_store=False, export_problem=self.export_problem, window=self._window)
        except Exception as exc:  # a bug in judging must not fail the health call that asks for it
            log.exception("monitor: cannot judge the health")
            health = Health("degraded", [Reason("degraded", f"the monitor cannot judge the health: "
                                                f"{type(exc).__name__}: {exc}", "report this with the server's log",
                                                "monitor")])
        self._health = (now, health)
        return health

    def anomaly_rates(self) -> dict[str, float]:
        return self.health().anomaly_rates

    def snapshot(self) -> dict[str, Any]:
        """The latest sample of this process: metric → value, anomaly flag, score."""
        return {m: {"value": v, "anomaly": a, "score": None if s is None else round(s, 3)}
                for m, (v, a, s) in sorted(self.latest.items())}


def workspace_health(root: str | os.PathLike[str], *, store: StateStore | None = None, now: float | None = None,
                     store_problem: str | None = None, live_crashes: int = 0,
                     notes: list[str] | None = None, own_process: str | None = None,
                     explain_empty: bool = True, open_store: bool = True,
                     export_problem: str | None = None, window: Window | None = None) -> Health:
    """The health of the workspace at ``root`` from its state store (what ``devreliab health`` prints).
    ``window``: the samples read so far (kept by a caller that asks again: only new rows are read)."""
    now = time.time() if now is None else now
    notes = list(notes or [])
    window = window if window is not None else Window(HISTORY_S)
    procs: list[ProcessRow] = []
    conflicts: ConflictInfo | None = None
    own = store is None
    problem = store_problem
    try:
        if store is None and open_store:
            if not (Path(root) / STATE_DIR / DB_NAME).exists():  # nothing to judge, and nothing to create
                notes.append("no state store yet: no devreliab server has run on this workspace")
                return _unknown(assess([], [], now, notes=notes))
            store = StateStore(Path(root))
        if store is not None:
            window.refresh(store, now)
            procs = _samples.processes(store)
            interval = min((p.interval for p in procs), default=DEFAULT_INTERVAL_S)
            conflicts = _samples.conflicts(store, now - LONG_SAMPLES * interval)
    except Exception as exc:
        problem = f"{type(exc).__name__}: {exc}"
    finally:
        if own and store is not None:
            store.close()
    empty = explain_empty and not window.series and problem is None
    if empty:
        notes.append("no server process has sampled in the last hour: nothing to judge yet")
    health = assess([], procs, now, store_problem=problem, live_crashes=live_crashes, notes=notes,
                    own_process=own_process, export_problem=export_problem, conflicts=conflicts,
                    series=window.series, memo=window.memo)
    return _unknown(health) if empty else health


def _unknown(health: Health) -> Health:
    """No samples: "ok" would claim what nobody measured, so the status is "unknown" (unless a reason says more)."""
    return dataclasses.replace(health, status="unknown") if health.status == "ok" else health


def _agent_values(iv: _Interval) -> dict[str, float]:
    """Per agent (client name): its calls and errors, and the calls it repeated identically (a loop)."""
    values: dict[str, float] = {}
    for client, (calls, errors) in iv.clients.items():
        values[f"client.{client}.calls"] = calls
        values[f"client.{client}.errors"] = errors
    for (client, tool, _), n in iv.same.items():
        key = f"client.{client}.repeats.{tool}"
        if n >= REPEAT_MIN and n > values.get(key, 0):
            values[key] = n
    return values
