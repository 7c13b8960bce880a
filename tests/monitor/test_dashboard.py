"""The live dashboard: ``devreliab dashboard`` as a real process, the page in headless Chromium, real servers.

The browser test drives Chromium through ``dashboard_driver.cjs`` (playwright-core, Debian's chromium; both
installed by ``tests.tools.browser_tools`` on first use). It sets ``monitor.sample_interval_ms`` and
``monitor.dashboard_refresh_ms`` to 300 in the workspace's devreliab.jsonc, so a tool call is in the store
within 0.3 s and on the page within another 0.3 s; the test allows 2 s from the end of an action to the DOM.
"""

from __future__ import annotations

import json
import math
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client, StdioServerParameters

from devreliab.vfs import Workspace
from tests.conftest import REPO, run_cli
from tests.mcp.conftest import WAIT_S, serve_env
from tests.mcp.test_http import HttpServer
from tests.tools import CHROMIUM_FLAGS, browser_tools

DRIVER = Path(__file__).with_name("dashboard_driver.cjs")
UPDATE_DOCS = os.environ.get("DEVRELIAB_UPDATE_DOCS") == "1"  # also copy the screenshot to docs/images/
LIVE_S = 2.0  # from the end of an action to the page showing it
BURST = 25

RISKY = '''\
import hashlib
import subprocess


def archive(name):
    subprocess.call("tar czf backup.tgz " + name, shell=True)
    return hashlib.md5(name.encode()).hexdigest()
'''


def make_workspace(parent: Path) -> Path:
    root = parent / "project"
    root.mkdir()
    (root / "devreliab.jsonc").write_text(
        '// the dashboard test wants fresh samples\n'
        '{"monitor": {"sample_interval_ms": 300, "dashboard_refresh_ms": 300}}\n', encoding="utf-8")
    (root / "README.md").write_text("# demo\nhello world\n", encoding="utf-8")
    (root / "app.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    (root / "risky.py").write_text(RISKY, encoding="utf-8")
    (root / "notes.txt").write_text("one\ntwo\nthree\n", encoding="utf-8")
    return root


class Lines:
    """Lines of a child's pipe, read by a thread, so that every wait on them is bounded."""

    def __init__(self, stream: Any) -> None:
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []

        def pump() -> None:
            for line in iter(stream.readline, ""):
                self._queue.put(line)
            self._queue.put(None)

        threading.Thread(target=pump, daemon=True).start()

    def next(self, timeout: float) -> str:
        try:
            line = self._queue.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line within {timeout} s; seen: {self.seen}") from None
        if line is None:
            raise AssertionError(f"the stream ended; seen: {self.seen}")
        self.seen.append(line)
        return line


class Dashboard:
    """``devreliab dashboard --port 0`` as a child process; ``url`` is what it printed."""

    def __init__(self, root: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "devreliab", "dashboard", "--root", str(root), "--port", "0", *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=serve_env())
        line = Lines(self.proc.stdout).next(WAIT_S)
        assert line.startswith("devreliab dashboard: http://127.0.0.1:"), line
        self.url = line.split()[2]
        self.base = self.url.rsplit("/dashboard", 1)[0]

    def stop(self) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate(timeout=WAIT_S)
        return self.proc.returncode, err


class Browser:
    """Headless Chromium behind the Node driver: ``do(cmd, **args)`` sends one command and returns its answer."""

    def __init__(self) -> None:
        node, chromium, playwright = browser_tools()
        command = [str(node), str(DRIVER), str(playwright), str(chromium), json.dumps(CHROMIUM_FLAGS)]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self._lines = Lines(self.proc.stdout)

    def do(self, cmd: str, timeout: float = WAIT_S, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.proc.stdin.flush()
        answer: dict[str, Any] = json.loads(self._lines.next(timeout + 10))
        return answer

    def wait(self, js: str, within_s: float) -> dict[str, Any]:
        """Wait until ``js`` is truthy in the page, at most ``within_s``; fails the test otherwise."""
        answer = self.do("wait", js=js, timeout_ms=round(within_s * 1000), timeout=within_s)
        assert answer["ok"], answer.get("error")
        return answer

    def close(self) -> str:
        if self.proc.poll() is None:
            self.do("close")
        try:
            _, err = self.proc.communicate(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate(timeout=WAIT_S)
        return err


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    path = Path(os.environ.get("DEVRELIAB_ARTIFACTS") or tmp_path / "artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser() -> Iterator[Browser]:
    b = Browser()
    try:
        yield b
    finally:
        b.close()


def latency_chart(tool: str, calls: int) -> str:
    """JS: the number of calls the latency chart of ``tool`` shows once it shows at least ``calls`` with a p95
    line drawn, else 0."""
    return (f"(() => {{ const s = document.querySelector('svg[data-chart=\"latency\"][data-tool=\"{tool}\"]');"
            f" if (!s || Number(s.dataset.calls) < {calls}) return 0;"
            f" const p95 = s.querySelector('path[data-series=\"p95\"]');"
            f" return p95 && Number(p95.dataset.count) > 0 && p95.getAttribute('d').startsWith('M')"
            f" ? Number(s.dataset.calls) : 0; }})()")


async def agents_at_work(root: Path, first: Client, seconds: float = 45.0) -> None:
    """Only for the docs' screenshot: two agents (the test's server and a second one) reading, searching and
    failing now and then at a changing pace, with a burst in the middle."""
    src = root / "src"
    src.mkdir()
    for i in range(40):
        (src / f"m{i}.py").write_text("".join(f"def f{i}_{j}(a):\n    return a * {j}\n" for j in range(60)),
                                      encoding="utf-8")
    params = StdioServerParameters(command=sys.executable, args=["-m", "devreliab", "serve", "--root", str(root)],
                                   env=serve_env())
    async with Client(params, read_timeout_seconds=WAIT_S) as second:
        started = time.monotonic()
        i = 0
        while (elapsed := time.monotonic() - started) < seconds:
            i += 1
            await first.call_tool("read_file", {"path": f"src/m{i % 40}.py"})
            await second.call_tool("search", {"pattern": f"f{i % 40}_1", "path": "src"})
            if i % 6 == 0:
                await first.call_tool("read_file", {"path": "missing.py"})  # an error now and then
            if i % 4 == 0:
                await second.call_tool("list_directory", {"path": "src"})
            if abs(elapsed - seconds * 0.6) < 1.5:  # a burst
                for k in range(15):
                    await second.call_tool("file_info", {"path": f"src/m{k}.py"})
            await anyio.sleep(0.04 + 0.04 * (1 + math.sin(elapsed / 6)))


@pytest.mark.anyio
async def test_the_page_shows_a_burst_of_tool_calls_and_a_new_conflict_within_two_seconds(
        tmp_path: Path, browser: Browser, artifacts: Path) -> None:
    root = make_workspace(tmp_path)
    dashboard = Dashboard(root)
    try:
        opened = browser.do("open", url=dashboard.url, timeout_ms=round(WAIT_S * 1000))
        assert opened["ok"], opened.get("error")
        assert opened["transport"] == "websocket"
        assert browser.do("eval", js="document.getElementById('health').dataset.status")["value"] in (
            "ok", "degraded", "failing")

        params = StdioServerParameters(command=sys.executable,
                                       args=["-m", "devreliab", "serve", "--root", str(root)], env=serve_env())
        async with Client(params, read_timeout_seconds=WAIT_S) as client:
            for _ in range(BURST):  # a burst of real tool calls through a real server process
                result = await client.call_tool("file_info", {"path": "README.md"})
                assert not result.is_error
            shown = browser.wait(latency_chart("file_info", BURST), LIVE_S)
            assert shown["value"] == BURST and shown["ms"] <= LIVE_S * 1000
            burst_ms = shown["ms"]
            # the same calls are on the bytes chart, per tool
            sent = browser.do("eval", js="Number(document.querySelector("
                              "'svg[data-chart=\"bytes-per-tool\"] g[data-label=\"file_info\"]')?.dataset.total)")
            assert sent["value"] > 0

            with Workspace(root, client_id="agent-a") as a, Workspace(root, client_id="agent-b") as b:
                base = a.read("notes.txt").version
                assert b.read("notes.txt").version == base
                assert a.write("notes.txt", "one\nTWO (agent a)\nthree\n", expected_version=base).status == "written"
                stale = b.write("notes.txt", "one\nzwei (agent b)\nthree\n", expected_version=base)
                assert stale.status == "conflict" and stale.conflict_id
            row = f"#conflict-list li[data-conflict-id=\"{stale.conflict_id}\"]"
            count = "document.getElementById('conflicts').dataset.open"
            shown = browser.wait(f"document.querySelector('{row}') && {count}", LIVE_S)
            assert shown["value"] == "1"
            print(f"\ndashboard: a burst of {BURST} calls on the latency chart after {burst_ms} ms, "
                  f"a new conflict listed after {shown['ms']} ms")

            quality = browser.wait("document.getElementById('quality').dataset.state === 'ready'"
                                   " && document.getElementById('quality').dataset.findingsHigh", WAIT_S)
            assert int(quality["value"]) >= 2  # shell=True and MD5 in risky.py
            processes = browser.do("eval", js="document.getElementById('processes').textContent")["value"]
            assert processes == "1 server process sampling"
            if UPDATE_DOCS:  # a screenshot worth showing: a minute of two agents at work
                await agents_at_work(root, client)
                browser.wait(latency_chart("search", 20), WAIT_S)
            shot = browser.do("screenshot", path=str(artifacts / "dashboard.png"))
            assert shot["ok"], shot.get("error")
        if UPDATE_DOCS:
            (REPO / "docs" / "images").mkdir(exist_ok=True)
            shutil.copyfile(artifacts / "dashboard.png", REPO / "docs" / "images" / "dashboard.png")
        dark = browser.do("eval", js="getComputedStyle(document.body).backgroundColor")
        assert dark["ok"]
        assert browser.do("errors")["problems"] == []
    finally:
        code, err = dashboard.stop()
    assert code == 0, err
    assert "Traceback" not in err


def test_the_dashboard_refuses_other_hosts_other_origins_and_requests_without_its_token(tmp_path: Path) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect
    from websockets.typing import Origin

    root = make_workspace(tmp_path)
    dashboard = Dashboard(root, "--token", "s3cret")
    try:
        base = dashboard.base
        page = httpx2.get(base + "/dashboard", timeout=WAIT_S)
        assert page.status_code == 200 and "dashboard.js" in page.text  # the page itself holds no data
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert httpx2.get(base + "/dashboard/snapshot.json", timeout=WAIT_S).status_code == 401
        snapshot = httpx2.get(base + "/dashboard/snapshot.json?token=s3cret", timeout=WAIT_S)
        assert snapshot.status_code == 200 and snapshot.json()["health"]["status"] == "ok"
        assert httpx2.get(base + "/dashboard/snapshot.json?token=s3cret", headers={"Host": "evil.example"},
                          timeout=WAIT_S).status_code == 421
        assert httpx2.get(base + "/dashboard/snapshot.json?token=s3cret", headers={"Origin": "http://evil.example"},
                          timeout=WAIT_S).status_code == 403
        assert httpx2.post(base + "/dashboard/snapshot.json?token=s3cret", timeout=WAIT_S).status_code == 405
        ws = base.replace("http://", "ws://") + "/dashboard/ws"
        with pytest.raises(InvalidStatus):  # another site's page must not read the workspace over the socket
            connect(ws + "?token=s3cret", origin=Origin("http://evil.example"), open_timeout=WAIT_S)
        with pytest.raises(InvalidStatus):
            connect(ws, origin=Origin(base), open_timeout=WAIT_S)
        with connect(ws + "?token=s3cret", origin=Origin(base), open_timeout=WAIT_S) as socket:
            first = json.loads(socket.recv(timeout=WAIT_S))
            second = json.loads(socket.recv(timeout=WAIT_S))
        assert first["version"] == 1 and first["refresh_ms"] == 300
        assert second["time"] > first["time"]
    finally:
        code, err = dashboard.stop()
    assert code == 0, err


def test_serve_http_serves_the_dashboard_beside_mcp_and_metrics(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    server = HttpServer(root)
    try:
        base = f"http://127.0.0.1:{server.port}"
        page = httpx2.get(base + "/dashboard", timeout=WAIT_S)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert httpx2.get(base + "/dashboard/dashboard.js", timeout=WAIT_S).status_code == 200
        deadline = time.monotonic() + WAIT_S
        while True:  # bounded: until the server's own first sample is in the store
            snapshot = httpx2.get(base + "/dashboard/snapshot.json", timeout=WAIT_S).json()
            if snapshot["processes"] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert [p["alive"] for p in snapshot["processes"]] == [True]
        assert httpx2.get(base + "/dashboard", headers={"Host": "evil.example"}, timeout=WAIT_S).status_code == 421
    finally:
        assert server.stop() == 0


def test_dashboard_on_a_non_loopback_address_needs_allow_remote_and_a_token(tmp_path: Path) -> None:
    run = run_cli("dashboard", "--root", tmp_path, "--host", "0.0.0.0", "--port", "0", cwd=tmp_path)
    assert run.code == 2 and "--allow-remote" in run.err
    run = run_cli("dashboard", "--root", tmp_path, "--host", "0.0.0.0", "--port", "0", "--allow-remote",
                  cwd=tmp_path, env={"DEVRELIAB_TOKEN": ""})
    assert run.code == 2 and "token" in run.err
