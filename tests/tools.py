"""External tools the tests run for real (Node packages from the npm registry), installed on first use.

Everything lands in ``$DEVRELIAB_TOOLS`` (default ``~/.cache/devreliab-tools``), outside the repository, so a
second run on the same machine reuses it and a fresh machine needs nothing prepared by hand. An install
failure fails the test that needed the tool, with npm's own message; nothing is skipped.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

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
