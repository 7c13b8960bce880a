"""No devreliab entry point imports or runs the workspace's own Python code.

The workspace holds packages named like devreliab's dependencies (``rich``, ``mcp``, ``pydantic``, ``anyio``,
...), devreliab's own name and a standard-library name; each one's ``__init__.py`` writes a marker file and
raises. Every entry point is started with the workspace as its current directory, the way the VS Code
extension, the MCP server definitions and pre-commit start it: it must work, and no marker may appear.
(The pre-commit hook's own run is in tests/test_precommit.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

REPO = Path(__file__).resolve().parent.parent
CONSOLE_SCRIPT = Path(sys.executable).parent / "devreliab"

# Packages devreliab or its server imports (directly or through the MCP SDK) after the command line is read.
DEPENDENCIES = ("rich", "mcp", "mcp_types", "pydantic", "anyio", "starlette", "click", "mcp_server", "radon",
                "bandit", "watchdog", "merge3", "cachetools", "commentjson")
# Names only a safe sys.path can keep out: devreliab itself, and a module of the standard library.
SHADOWS = ("devreliab", "json")

_BOOBY_TRAP = (
    "import pathlib\n"
    "pathlib.Path({marker!r}).write_text('imported')\n"
    "raise RuntimeError('the workspace package {name} was imported by devreliab')\n"
)


def _hostile_workspace(parent: Path, names: tuple[str, ...]) -> Path:
    root = parent / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    for name in names:
        marker = str(parent / f"IMPORTED-{name}")
        if name == "json":
            (root / "json.py").write_text(_BOOBY_TRAP.format(marker=marker, name=name), encoding="utf-8")
        else:
            (root / name).mkdir()
            (root / name / "__init__.py").write_text(_BOOBY_TRAP.format(marker=marker, name=name), encoding="utf-8")
    return root


def _markers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.glob("IMPORTED-*"))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    env["NO_COLOR"] = "1"
    return env


async def _serve_and_use(command: str, args: list[str], root: Path) -> None:
    params = StdioServerParameters(command=command, args=[*args, "serve", "--root", str(root)], cwd=str(root),
                                   env=_env())
    async with Client(params, read_timeout_seconds=60) as client:
        info = await client.call_tool("file_info", {"path": "src/app.py"})
        analysis = await client.call_tool("analyze_file", {"path": "src/app.py"})
    assert not info.is_error and info.structured_content is not None, info.content
    assert info.structured_content["size"] == len("def add(a, b):\n    return a + b\n")
    assert not analysis.is_error, analysis.content


SERVERS = {
    "the console script": (str(CONSOLE_SCRIPT), [], DEPENDENCIES + SHADOWS),
    "python -P -m devreliab (the extension and the MCP server definition)": (sys.executable, ["-P", "-m", "devreliab"],
                                                                            DEPENDENCIES + SHADOWS),
    "python -m devreliab": (sys.executable, ["-m", "devreliab"], DEPENDENCIES),
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
@pytest.mark.parametrize("entry", list(SERVERS))
async def test_the_server_started_in_a_workspace_never_imports_the_workspaces_packages(tmp_path: Path,
                                                                                      entry: str) -> None:
    command, args, names = SERVERS[entry]
    root = _hostile_workspace(tmp_path, names)
    await _serve_and_use(command, args, root)
    assert _markers(tmp_path) == []


ANALYZERS = {
    "the console script": ([str(CONSOLE_SCRIPT)], DEPENDENCIES + SHADOWS),
    "python -P -m devreliab": ([sys.executable, "-P", "-m", "devreliab"], DEPENDENCIES + SHADOWS),
    "python -m devreliab": ([sys.executable, "-m", "devreliab"], DEPENDENCIES),
}


@pytest.mark.parametrize("entry", list(ANALYZERS))
def test_analyze_in_a_workspace_never_imports_the_workspaces_packages(tmp_path: Path, entry: str) -> None:
    command, names = ANALYZERS[entry]
    root = _hostile_workspace(tmp_path, names)
    proc = subprocess.run([*command, "analyze", "--format", "json", "."], cwd=root, env=_env(), capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode in (0, 1), proc.stderr  # 1: the booby traps' own findings may fail the gate
    assert '"src/app.py"' in proc.stdout, proc.stdout[-2000:] + proc.stderr
    assert _markers(tmp_path) == []
