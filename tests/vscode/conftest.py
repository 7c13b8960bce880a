"""The VS Code extension (vscode-extension/) as the tests see it: built and packaged once per session.

The ``vsix`` fixture runs ``npm ci`` and ``npm run package`` in ``vscode-extension/`` and returns the path of
``devreliab-<version>.vsix``. Several pytest processes (xdist workers, or two test runs on one machine) may ask
for it at once, so the work happens under an exclusive ``fcntl`` lock on a file next to the package, and a
package built by this session is reused by every later test.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXTENSION = REPO / "vscode-extension"
LOCK = EXTENSION / ".build.lock"
NPM_TIMEOUT = 900


def npm(*args: str, timeout: float = NPM_TIMEOUT,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``npm ARGS`` in vscode-extension/, output captured; fails the calling test with npm's output on error."""
    exe = shutil.which("npm")
    if exe is None:
        pytest.fail("npm is not installed; the extension's tests need Node 20 with npm")
    proc = subprocess.run([exe, *args], cwd=EXTENSION, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0", **(env or {})})
    if proc.returncode != 0:
        pytest.fail(f"npm {' '.join(args)} exited with {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n"
                    f"{proc.stderr}", pytrace=False)
    return proc


@contextmanager
def build_lock() -> Iterator[None]:
    """An exclusive lock across processes for everything that writes into vscode-extension/."""
    with LOCK.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def extension_version() -> str:
    return str(json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))["version"])


@pytest.fixture(scope="session")
def npm_installed() -> Path:
    """vscode-extension/ with its node_modules installed exactly from package-lock.json (``npm ci``)."""
    with build_lock():
        npm("ci", "--no-audit", "--no-fund")
    return EXTENSION


@pytest.fixture(scope="session")
def vsix(npm_installed: Path) -> Path:
    """Path of the packaged extension ``vscode-extension/devreliab-<version>.vsix``, built by this session."""
    target = EXTENSION / f"devreliab-{extension_version()}.vsix"
    with build_lock():
        target.unlink(missing_ok=True)
        npm("run", "package")
    assert target.is_file(), f"npm run package did not produce {target}"
    return target
