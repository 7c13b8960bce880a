"""Shared pieces of the reliability suite: scaled counts, figures, tree hashes, privileged mounts, servers.

Counts are reduced by default (the README's ``pytest`` run); ``DEVRELIAB_HEAVY=1`` scales them up to the
figures in docs/reliability.md (32 agents, 200 000 files, a 1 GB file, …). The tests that scale carry the
``reliability_heavy`` marker, so ``DEVRELIAB_HEAVY=1 pytest -m reliability_heavy tests/reliability`` runs
exactly the heavy variants. Every test records what it held or survived in ``figures``; the numbers are
printed at the end of the run and, with ``DEVRELIAB_FIGURES=path``, written there as JSON.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..mcp.conftest import WAIT_S, StdioServer

HEAVY = os.environ.get("DEVRELIAB_HEAVY", "") not in ("", "0")
NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]

_FIGURES: dict[str, dict[str, Any]] = {}
_FIGURES_LOCK = threading.Lock()


def scale(reduced: int, heavy: int) -> int:
    """``heavy`` with DEVRELIAB_HEAVY=1, else ``reduced``."""
    return heavy if HEAVY else reduced


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> dict[str, Any]:
    """A dict the test fills with its figures; reported under the test's name."""
    data: dict[str, Any] = {"heavy": HEAVY}
    with _FIGURES_LOCK:
        _FIGURES[request.node.nodeid] = data
    return data


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _FIGURES:
        return
    terminalreporter.section("reliability figures")
    for nodeid, data in _FIGURES.items():
        terminalreporter.write_line(f"{nodeid}: {json.dumps(data, sort_keys=True)}")
    target = os.environ.get("DEVRELIAB_FIGURES")
    if target:
        Path(target).write_text(json.dumps(_FIGURES, indent=2, sort_keys=True) + "\n", encoding="utf-8")


# -- trees -------------------------------------------------------------------------------------------------
def tree_hash(top: Path) -> str:
    """A hash of every name, type, mode, size, mtime and content under ``top`` (symlinks not followed)."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            digest.update(f"{os.path.relpath(path, top)}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}\0".encode(
                "utf-8", "surrogateescape"))
            if os.path.islink(path):
                digest.update(os.readlink(path).encode("utf-8", "surrogateescape"))
            elif os.path.isfile(path):
                digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def make_canary(parent: Path) -> Path:
    """A directory beside the workspace that nothing may touch: files, a nested dir, a script."""
    canary = parent / "canary"
    (canary / "nested").mkdir(parents=True)
    (canary / "secret.txt").write_text("the canary's secret\n", encoding="utf-8")
    (canary / "nested" / "deep.py").write_text("print('outside')\n", encoding="utf-8")
    (canary / "project").mkdir()  # same name as the workspace: a prefix/suffix trap
    (canary / "project" / "README.md").write_text("not the workspace\n", encoding="utf-8")
    return canary


def make_workspace(parent: Path, canary: Path | None = None) -> Path:
    """A small workspace with text, Python and binary files and symlinks that point out (to ``canary``)."""
    root = parent / "project"
    (root / "src").mkdir(parents=True)
    (root / "README.md").write_text("# demo\nhello world\n", encoding="utf-8")
    (root / "src" / "app.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    if canary is not None:
        os.symlink(canary, root / "escape")
        os.symlink(canary / "secret.txt", root / "secret_link")
        os.symlink("../canary/nested", root / "src" / "relative_escape")
        os.symlink(canary / "missing.txt", root / "dangling_out")
    os.symlink("src/app.py", root / "inside_link")
    return root


# -- processes ----------------------------------------------------------------------------------------------
def peak_rss_kib(pid: int) -> int:
    """The peak resident set size (VmHWM) of a live process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for pid {pid}")


class NobodyServer(StdioServer):
    """``devreliab serve`` run as the unprivileged user nobody (the tests run as root, who may write anything)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, prefix=tuple(NOBODY))


@contextlib.contextmanager
def server(root: Path) -> Iterator[StdioServer]:
    """An initialised ``devreliab serve`` on ``root``, killed afterwards whatever happens."""
    proc = StdioServer(root)
    try:
        proc.initialize()
        yield proc
    finally:
        proc.kill()


def stop(proc: StdioServer) -> int:
    """Close stdin and wait for a clean exit; the exit code."""
    proc.close_stdin()
    return proc.wait(WAIT_S)


# -- directories the unprivileged server can use ------------------------------------------------------------
@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A temporary directory user nobody can traverse (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="devreliab-rel-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        subprocess.run(["chmod", "-R", "u+rwX", str(path)], check=False, timeout=60)
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def mounted(kind: str, target: Path, size: str) -> Iterator[Path]:
    """Mount a real small filesystem at ``target``: ``tmpfs`` or ``ext4-coarse`` (a loop-mounted ext4 image
    with 128-byte inodes, whose timestamps have one-second granularity). Unmounted afterwards."""
    target.mkdir(parents=True, exist_ok=True)
    image: Path | None = None
    if kind == "tmpfs":
        cmd = ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(target)]
    else:
        image = target.parent / (target.name + ".img")
        subprocess.run(["truncate", "-s", size, str(image)], check=True, timeout=60)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-I", "128", "-O", "^has_journal", str(image)], check=True,
                       timeout=120, capture_output=True)
        cmd = ["mount", "-o", "loop", str(image), str(target)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed (the suite needs root): {proc.stderr}"
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False, timeout=60)
        if image is not None:
            image.unlink(missing_ok=True)
