"""External tools the tests run for real (Node packages from the npm registry), installed on first use.

Everything lands in ``$DEVRELIAB_TOOLS`` (default ``~/.cache/devreliab-tools``), outside the repository, so a
second run on the same machine reuses it and a fresh machine needs nothing prepared by hand. An install
failure fails the test that needed the tool, with npm's own message; nothing is skipped.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

TOOLS = Path(os.environ.get("DEVRELIAB_TOOLS", Path.home() / ".cache" / "devreliab-tools"))


def npm_tool(name: str, spec: str, binary: str) -> Path:
    """Path of ``binary`` from npm package ``spec``, installed into its own prefix ``TOOLS/name`` if missing."""
    prefix = TOOLS / name
    exe = prefix / "node_modules" / ".bin" / binary
    if exe.exists():
        return exe
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed; the README's test command needs Node 20 with npm")
    prefix.mkdir(parents=True, exist_ok=True)
    with open(prefix / ".install.lock", "w") as lock:  # parallel test processes install once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not exe.exists():
            proc = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--prefix", str(prefix), spec],
                capture_output=True, text=True, timeout=900,
            )
            if proc.returncode != 0 or not exe.exists():
                raise RuntimeError(f"npm install {spec} failed:\n{proc.stdout}\n{proc.stderr}")
    return exe


def debian_package(binary: str, package: str) -> Path:
    """Path of ``binary``, installing Debian's ``package`` with apt-get if it is missing (the machine is root)."""
    found = shutil.which(binary)
    if found:
        return Path(found)
    TOOLS.mkdir(parents=True, exist_ok=True)
    with open(TOOLS / ".apt.lock", "w") as lock:  # one apt-get at a time across test processes
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = shutil.which(binary)
        if found:
            return Path(found)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", package]
        for cmd in (["apt-get", "update", "-q"], install):
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1200, env=env)
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed (the tests need root and Debian's mirrors):\n"
                                   f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    found = shutil.which(binary)
    if not found:
        raise RuntimeError(f"apt-get installed {package} but {binary} is not on PATH")
    return Path(found)


#: Flags that make Debian's Chromium run headless on these machines (../shared/recipes/vscode-e2e.md).
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

PLAYWRIGHT_CORE = "playwright-core@1.65.1"


def browser_tools() -> tuple[Path, Path, Path]:
    """(node, chromium, playwright-core package dir): everything a Node browser script needs, installed if missing.

    Drive Chromium from a Node script with ``require(<package dir>)`` and
    ``chromium.launch({executablePath: <chromium>, args: CHROMIUM_FLAGS})``; never ``npx playwright install``.
    """
    chromium = debian_package("chromium", "chromium")
    cli = npm_tool("playwright-core", PLAYWRIGHT_CORE, "playwright-core")
    node = Path(shutil.which("node") or "node")
    return node, chromium, cli.parent.parent / "playwright-core"


READ_HEADER = re.compile(r"^\[(?P<path>[^|\]]+) \| version (?P<version>sha256:[0-9a-f]{64}) \| (?P<where>[^\]]+)\]$")


def read_text(text: str) -> str:
    """The file text of a read_file answer's text channel: what follows its header line
    ``[path | version sha256:… | lines]`` (which must be there)."""
    head, _, body = text.partition("\n")
    assert READ_HEADER.match(head), f"no read header in {head!r}"
    return body


DEADLINE_S = 20.0


def wait_for(condition: Callable[[], Any], what: str, deadline_s: float = DEADLINE_S) -> Any:
    """Poll ``condition`` until it returns something true (returned); fail saying ``what`` did not happen."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        found = condition()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"{what} did not happen within {deadline_s} s")


async def await_for(condition: Callable[[], Awaitable[Any]], what: str, deadline_s: float = DEADLINE_S) -> Any:
    """``wait_for`` for an async condition, without blocking the event loop."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        found = await condition()
        if found:
            return found
        await anyio.sleep(0.02)
    raise AssertionError(f"{what} did not happen within {deadline_s} s")
