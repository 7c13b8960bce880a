"""OpenTelemetry OTLP export: off by default, on when configured, into a real OTLP/HTTP receiver on loopback.

The receiver is a plain ``http.server`` that decodes each POST to /v1/metrics with opentelemetry-proto's
``ExportMetricsServiceRequest``; the exporter is the real opentelemetry-exporter-otlp-proto-http in a real
``devreliab serve`` process.
"""

from __future__ import annotations

import gzip
import http.server
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)

from devreliab._config import MonitorConfig
from devreliab.monitor import PerformanceMonitor
from devreliab.monitor._otlp import resolve_endpoint
from tests.mcp.conftest import WAIT_S, StdioServer, serve_env
from tests.mcp.test_http import free_port

Point = dict[str, Any]


class Receiver:
    """An OTLP/HTTP metrics receiver on 127.0.0.1: every request it got, decoded."""

    def __init__(self) -> None:
        self.requests: list[ExportMetricsServiceRequest] = []
        self.paths: list[str] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                request = ExportMetricsServiceRequest.FromString(body)
                reply = ExportMetricsServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
                with receiver._changed:
                    receiver.paths.append(self.path)
                    receiver.requests.append(request)
                    receiver._changed.notify_all()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def points(self, metric: str) -> list[Point]:
        """Every data point of ``metric`` received so far, with its attributes and resource attributes."""
        out = []
        with self._changed:
            requests = list(self.requests)
        for request in requests:
            for rm in request.resource_metrics:
                resource = {a.key: _value(a.value) for a in rm.resource.attributes}
                for sm in rm.scope_metrics:
                    for m in sm.metrics:
                        if m.name != metric:
                            continue
                        kind = m.WhichOneof("data")
                        for dp in getattr(m, kind).data_points:
                            point = {"unit": m.unit, "kind": kind, "resource": resource,
                                     "attributes": {a.key: _value(a.value) for a in dp.attributes}}
                            if kind == "histogram":
                                point.update(count=dp.count, sum=dp.sum, bounds=list(dp.explicit_bounds))
                            else:
                                point["value"] = dp.as_double if dp.HasField("as_double") else dp.as_int
                            out.append(point)
        return out

    def wait_for(self, found: Callable[[], Any], timeout: float = WAIT_S) -> Any:
        """Wait (bounded) until ``found()`` is truthy after a request arrived; its value."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = found()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"not received within {timeout} s ({len(self.requests)} requests)")
                self._changed.wait(left)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _value(v: Any) -> Any:
    return getattr(v, v.WhichOneof("value"))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    try:
        yield r
    finally:
        r.close()


def _workspace(parent: Path, monitor: str) -> Path:
    root = parent / "project"
    root.mkdir()
    (root / "README.md").write_text("# demo\nhello world\n", encoding="utf-8")
    (root / "devreliab.jsonc").write_text('{"monitor": {' + monitor + "}}\n", encoding="utf-8")
    return root


def _tool_points(receiver: Receiver, tool: str, **attrs: str) -> list[Point]:
    return [p for p in receiver.points("mcp.server.operation.duration")
            if p["attributes"].get("gen_ai.tool.name") == tool
            and all(p["attributes"].get(k) == v for k, v in attrs.items())]


def test_a_server_exports_the_duration_histogram_with_its_attributes_to_an_otlp_receiver(
        tmp_path: Path, receiver: Receiver) -> None:
    root = _workspace(tmp_path, f'"otlp_endpoint": "http://127.0.0.1:{receiver.port}", "otlp_interval_ms": 200')
    server = StdioServer(root)
    try:
        server.initialize()
        for _ in range(5):
            assert not server.call_tool("file_info", path="README.md").get("isError")
        assert server.call_tool("read_file", path="missing.md").get("isError")
        # cumulative temporality: some export holds all five calls
        ok = receiver.wait_for(lambda: [p for p in _tool_points(receiver, "file_info") if p["count"] >= 5])
        failed = receiver.wait_for(lambda: _tool_points(receiver, "read_file", **{"error.type": "tool_error"}))
        sizes = receiver.wait_for(lambda: [p for p in receiver.points("mcp.server.response.size")
                                           if p["attributes"].get("gen_ai.tool.name") == "file_info"])
        memory = receiver.wait_for(lambda: receiver.points("process.memory.usage"))
        server.terminate()
        assert server.wait() == 0, server.stderr
    finally:
        server.kill()
    point = ok[-1]
    assert point["kind"] == "histogram" and point["unit"] == "s"
    assert point["attributes"] == {"mcp.method.name": "tools/call", "gen_ai.tool.name": "file_info",
                                   "mcp.protocol.version": point["attributes"]["mcp.protocol.version"]}
    assert point["attributes"]["mcp.protocol.version"][:2] == "20"  # e.g. 2025-11-25
    bounds = point["bounds"]
    assert bounds[0] == 0.0001 and bounds[bounds.index(0.01):][:3] == [0.01, 0.02, 0.05] and point["sum"] > 0
    assert point["resource"]["service.name"] == "devreliab" and point["resource"]["process.pid"] == server.proc.pid
    assert failed[-1]["count"] >= 1
    assert sizes[-1]["unit"] == "By" and sizes[-1]["sum"] > 5 * 19  # each answer carries the file's size and more
    assert memory[-1]["value"] > 1 << 20
    assert set(receiver.paths) == {"/v1/metrics"}
    assert "Traceback" not in server.stderr


def test_an_unreachable_endpoint_degrades_the_health_and_the_server_keeps_serving(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()  # nothing listens there
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{port}")  # the standard variable
    root = _workspace(tmp_path, '"otlp_interval_ms": 200, "sample_interval_ms": 300')
    server = StdioServer(root)
    try:
        server.initialize()
        deadline = time.monotonic() + WAIT_S
        while True:  # bounded: until an export failed and the health says so
            assert not server.call_tool("file_info", path="README.md").get("isError")  # serving all along
            health = server.call_tool("health")["structuredContent"]
            if any("OTLP" in r for r in health["reasons"]) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert health["status"] == "degraded"
        [reason] = [d for d in health["details"] if "OTLP" in d["reason"]]
        assert f"http://127.0.0.1:{port}/v1/metrics" in reason["reason"] and "Connection refused" in reason["reason"]
        assert "otlp_endpoint" in reason["action"]
        deadline = time.monotonic() + WAIT_S
        while True:  # bounded: the failures are in the store, so `devreliab health` sees them too
            cli = subprocess.run([sys.executable, "-m", "devreliab", "health", "--root", str(root)],
                                 capture_output=True, text=True, env=serve_env(), timeout=WAIT_S)
            if "cannot export metrics over OTLP" in cli.stdout or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert cli.returncode == 1 and "cannot export metrics over OTLP" in cli.stdout, cli.stdout + cli.stderr
        started = time.monotonic()
        server.terminate()
        assert server.wait() == 0, server.stderr
        assert time.monotonic() - started < 10  # the last export to a dead endpoint does not hold the exit
    finally:
        server.kill()
    assert f"monitor: export to http://127.0.0.1:{port}/v1/metrics failed: " in server.stderr
    assert "Connection refused" in server.stderr  # the cause, in the log and in the health
    assert server.stderr.count("devreliab: ") == 1, server.stderr  # one line, not one per attempt and retry


def test_a_malformed_endpoint_is_reported_and_nothing_is_exported(root: Path) -> None:
    monitor = PerformanceMonitor(root)
    monitor.configure(MonitorConfig(otlp_endpoint="localhost:4318"))
    assert monitor.otlp is None
    assert monitor.export_problem == ("monitor.otlp_endpoint 'localhost:4318/v1/metrics' is not an http(s) URL "
                                      "(expected e.g. http://127.0.0.1:4318)")
    health = monitor.health()
    assert health.status == "degraded" and "is not an http(s) URL" in health.reasons[0].reason


def test_export_is_off_by_default_and_the_standard_variables_turn_it_on() -> None:
    off = MonitorConfig()
    assert resolve_endpoint(off, {}) == (None, "")
    assert resolve_endpoint(off, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}) == (
        "http://collector:4318/v1/metrics", "OTEL_EXPORTER_OTLP_ENDPOINT")
    assert resolve_endpoint(off, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318",
                                  "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://m:9/custom"}) == (
        "http://m:9/custom", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
    assert resolve_endpoint(off, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"})[0] \
        is None
    configured = MonitorConfig(otlp_endpoint="http://127.0.0.1:4318/")
    assert resolve_endpoint(configured, {"OTEL_SDK_DISABLED": "true"}) == (
        "http://127.0.0.1:4318/v1/metrics", "monitor.otlp_endpoint")
