"""OpenTelemetry OTLP export (HTTP/protobuf) of a server process's metrics: off unless configured.

On when ``monitor.otlp_endpoint`` is set in devreliab.jsonc (a base URL; ``/v1/metrics`` is added) or, when it
is not, by the standard environment variables ``OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`` (the full URL) and
``OTEL_EXPORTER_OTLP_ENDPOINT`` (a base URL); ``OTEL_SDK_DISABLED=true`` turns it off. Needs the ``otlp`` extra
(opentelemetry-sdk and opentelemetry-exporter-otlp-proto-http).

The SDK's own ``MeterProvider`` (never the global one: the process may embed devreliab) exports from its own
thread every ``monitor.otlp_interval_ms``; a tool call only records into an instrument. An endpoint that is
malformed, unreachable or refuses the data is reported in the log (when the problem appears or changes) and in
the health; the server never waits for the export and never stops because of it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .._config import MonitorConfig
from ._histogram import (
    BOUNDARIES,
    METRIC_NAME,
    REQUEST_SIZE_NAME,
    RESPONSE_SIZE_NAME,
    SESSION_BOUNDARIES,
    SESSION_NAME,
    SIZE_BOUNDARIES,
    Key,
    attributes,
)

if TYPE_CHECKING:
    from ._monitor import PerformanceMonitor

log = logging.getLogger("devreliab.monitor")

ENV_ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"
ENV_METRICS_ENDPOINT = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"
EXPORT_TIMEOUT_S = 5.0
SHUTDOWN_WAIT_S = 3.0  # the final export on shutdown; a dead endpoint must not hold the server's exit
_STATUS = {"ok": 0, "degraded": 1, "failing": 2}


def resolve_endpoint(settings: MonitorConfig, environ: dict[str, str] | None = None) -> tuple[str | None, str]:
    """(the URL metrics are POSTed to, or None when export is off; where that came from)."""
    env = os.environ if environ is None else environ
    if settings.otlp_endpoint:
        return _metrics_url(settings.otlp_endpoint), "monitor.otlp_endpoint"
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None, "OTEL_SDK_DISABLED"
    if env.get(ENV_METRICS_ENDPOINT, "").strip():
        return env[ENV_METRICS_ENDPOINT].strip(), ENV_METRICS_ENDPOINT
    if env.get(ENV_ENDPOINT, "").strip():
        return _metrics_url(env[ENV_ENDPOINT].strip()), ENV_ENDPOINT
    return None, ""


def _metrics_url(base: str) -> str:
    base = base.strip()
    return base if base.rstrip("/").endswith("/v1/metrics") else base.rstrip("/") + "/v1/metrics"


def check_url(url: str, where: str) -> str | None:
    """Why ``url`` cannot be an OTLP/HTTP endpoint, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"{where} {url!r} is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{where} {url!r} is not an http(s) URL (expected e.g. http://127.0.0.1:4318)"
    return None


def start(monitor: PerformanceMonitor, settings: MonitorConfig) -> tuple[OtlpExport | None, str | None]:
    """The running export (or None) and the problem that keeps it from running (or None). Never raises."""
    url, where = resolve_endpoint(settings)
    if url is None:
        return None, None
    problem = check_url(url, where)
    if problem is not None:
        return None, problem
    try:
        return OtlpExport(monitor, url, settings.otlp_interval_s), None
    except ImportError as exc:
        return None, (f"{where} is set ({url}) but OpenTelemetry is not installed ({exc.name}): "
                      "pip install 'devreliab[otlp]'")
    except Exception as exc:  # the SDK refused its settings: report, keep serving
        return None, f"cannot start the OTLP export to {url}: {type(exc).__name__}: {exc}"


_SDK_EXPORT_LOGGER = "opentelemetry.sdk.metrics._internal.export"


class _Problems(logging.Filter):
    """Catches what the OTLP exporter logs during one of *our* exports (each retry, then the give-up) and keeps
    it off stderr, so that the health and one line of devreliab's log say why an export failed instead of a line
    per retry. Records logged outside our exports (another OTLP pipeline of the process) pass untouched."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []
        self._inside = threading.local()

    @contextlib.contextmanager
    def exporting(self) -> Iterator[None]:
        self.messages.clear()
        self._inside.active = True
        try:
            yield
        finally:
            self._inside.active = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(self._inside, "active", False):
            return True
        try:
            text = record.getMessage()
        except Exception:  # a malformed log call of the SDK's
            text = str(record.msg)
        if len(self.messages) < 20:
            self.messages.append(text)
        return False

    def why(self) -> str | None:
        """The most telling message: the first with a cause (the transient error), else the last."""
        for text in self.messages:
            if "Transient error" in text or "code:" in text or "Failed to encode" in text:
                return text.split(" encountered while exporting")[0].removeprefix("Transient error ")
        return self.messages[-1] if self.messages else None


class OtlpExport:
    """One process's OTLP metrics pipeline: instruments fed by the monitor, exported from the SDK's thread."""

    def __init__(self, monitor: PerformanceMonitor, url: str, interval_s: float) -> None:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.metrics import CallbackOptions, Observation
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult, PeriodicExportingMetricReader
        from opentelemetry.sdk.resources import Resource

        from .._version import __version__

        self.url = url
        self._monitor = monitor
        self._lock = threading.Lock()
        self._failures = 0
        self.exports = 0
        self.failed_exports = 0
        self._problems = _Problems()
        self.interval_s = interval_s
        # (left installed after shutdown: it only acts inside our exports, and a late retry message may come)
        for name in (OTLPMetricExporter.__module__, _SDK_EXPORT_LOGGER):
            logging.getLogger(name).addFilter(self._problems)
        inner = OTLPMetricExporter(endpoint=url, timeout=EXPORT_TIMEOUT_S)
        export = self

        class Reporting(MetricExporter):
            """The OTLP exporter, telling the monitor how each export went."""

            def __init__(self) -> None:
                super().__init__(preferred_temporality=inner._preferred_temporality,
                                 preferred_aggregation=inner._preferred_aggregation)

            def export(self, metrics_data: Any, timeout_millis: float = 10_000, **kwargs: Any) -> Any:
                try:
                    with export._problems.exporting():
                        result = inner.export(metrics_data, timeout_millis=timeout_millis)
                except Exception as exc:
                    export._done(False, f"{type(exc).__name__}: {exc}")
                    return MetricExportResult.FAILURE
                export._done(result == MetricExportResult.SUCCESS, export._problems.why())
                return result

            def force_flush(self, timeout_millis: float = 10_000) -> bool:
                return True

            def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
                inner.shutdown(timeout_millis=timeout_millis)

        def gauge(metric: str, scale: float = 1.0) -> Any:
            def observe(options: CallbackOptions) -> Iterable[Observation]:
                found = monitor.latest.get(metric)
                return [Observation(found[0] * scale)] if found is not None else []
            return observe

        def cache(field: str) -> Any:
            def observe(options: CallbackOptions) -> Iterable[Observation]:
                stats = monitor.cache_stats()
                return [Observation(getattr(stats, field))] if stats is not None else []
            return observe

        def health(options: CallbackOptions) -> Iterable[Observation]:
            return [Observation(_STATUS[monitor.health().status])]

        resource = Resource.create({"service.name": "devreliab", "service.version": __version__,
                                    "service.instance.id": monitor.process, "process.pid": monitor.pid})
        self._reader = PeriodicExportingMetricReader(Reporting(), export_interval_millis=interval_s * 1000,
                                                     export_timeout_millis=EXPORT_TIMEOUT_S * 1000 + 1000)
        self._provider = MeterProvider(resource=resource, metric_readers=[self._reader])
        meter = self._provider.get_meter("devreliab.monitor", __version__)
        self._duration = meter.create_histogram(
            METRIC_NAME, unit="s", description="Duration of MCP requests handled by this server.",
            explicit_bucket_boundaries_advisory=list(BOUNDARIES))
        self._request_size = meter.create_histogram(
            REQUEST_SIZE_NAME, unit="By", description="Bytes of each MCP request's params (JSON).",
            explicit_bucket_boundaries_advisory=list(SIZE_BOUNDARIES))
        self._response_size = meter.create_histogram(
            RESPONSE_SIZE_NAME, unit="By", description="Bytes of each MCP result (JSON).",
            explicit_bucket_boundaries_advisory=list(SIZE_BOUNDARIES))
        meter.create_observable_gauge("process.memory.usage", [gauge("process.rss_bytes")], unit="By",
                                      description="Resident memory of the server process.")
        meter.create_observable_gauge("process.open_file_descriptor.count", [gauge("process.open_fds")],
                                      unit="{file_descriptor}", description="Open file descriptors.")
        meter.create_observable_gauge("devreliab.event_loop.lag", [gauge("loop.lag_ms", 0.001)], unit="s",
                                      description="Largest event-loop lag in the last sampling interval.")
        meter.create_observable_gauge("devreliab.cache.size", [cache("bytes_held")], unit="By",
                                      description="Bytes held by the content cache.")
        meter.create_observable_gauge("devreliab.cache.limit", [cache("max_bytes")], unit="By",
                                      description="The content cache's budget.")
        meter.create_observable_counter("devreliab.cache.hits", [cache("hits")], unit="{hit}",
                                        description="Content-cache hits.")
        meter.create_observable_counter("devreliab.cache.misses", [cache("misses")], unit="{miss}",
                                        description="Content-cache misses.")
        meter.create_observable_gauge("devreliab.conflicts.open", [gauge("vfs.open_conflicts")],
                                      unit="{conflict}", description="Open write conflicts of the workspace.")
        meter.create_observable_gauge("devreliab.health.status", [health], unit="1",
                                      description="Workspace health: 0 ok, 1 degraded, 2 failing.")
        self._session = meter.create_histogram(
            SESSION_NAME, unit="s", description="Duration of the MCP sessions this server served.",
            explicit_bucket_boundaries_advisory=list(SESSION_BOUNDARIES))
        self._attrs: dict[tuple[Key, str | None], dict[str, str]] = {}

    def _attributes(self, key: Key) -> dict[str, str]:
        version = self._monitor.protocol_version
        found = self._attrs.get((key, version))
        if found is None:
            found = self._attrs[(key, version)] = attributes(key, version)
        return found

    def record_duration(self, key: Key, seconds: float) -> None:
        self._duration.record(seconds, self._attributes(key))

    def record_session(self, seconds: float, attrs: dict[str, str]) -> None:
        self._session.record(seconds, attrs)

    def record_sizes(self, key: Key, received: int, sent: int) -> None:
        attrs = self._attributes(key)
        self._request_size.record(received, attrs)
        self._response_size.record(sent, attrs)

    def _done(self, ok: bool, why: str | None) -> None:
        with self._lock:
            self.exports += 1
            if not ok:
                self.failed_exports += 1
                self._failures += 1
        before = self._monitor.export_problem
        if ok:
            self._monitor.export_problem = None
            if before:
                log.warning("monitor: OTLP export to %s works again", self.url)
            return
        problem = f"export to {self.url} failed: {why or 'no details'}"
        self._monitor.export_problem = problem
        if before is None:  # once when it starts failing (and again after it worked in between)
            log.warning("monitor: %s; the server keeps serving and retries every %g s", problem, self.interval_s)

    def take_failures(self) -> int:
        """Failed exports since the last call (a sample's ``otlp.export_failures``)."""
        with self._lock:
            n, self._failures = self._failures, 0
            return n

    def flush(self, timeout_s: float = EXPORT_TIMEOUT_S) -> bool:
        """Export now (tests, shutdown); True when the export went through."""
        failed = self.failed_exports
        ok = bool(self._provider.force_flush(timeout_millis=timeout_s * 1000))
        return ok and self.failed_exports == failed

    def shutdown(self) -> None:
        """Stop the export thread after one last export, waiting at most ``SHUTDOWN_WAIT_S``."""
        done = threading.Thread(target=self._shutdown, name="devreliab-otlp-shutdown", daemon=True)
        done.start()
        done.join(SHUTDOWN_WAIT_S)

    def _shutdown(self) -> None:
        try:
            self._provider.shutdown(timeout_millis=SHUTDOWN_WAIT_S * 1000)
        except Exception as exc:  # the SDK's own shutdown errors are not the server's
            log.warning("monitor: OTLP export did not shut down cleanly: %s", exc)

