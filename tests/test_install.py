"""The install instructions of docs/install.md work: a wheel built from this tree, and ``pip install`` of the
clone itself, each into a fresh virtual environment.

Nothing is downloaded: the wheel is built with this environment's hatchling (``--no-build-isolation``), the
fresh environment gets devreliab with ``--no-deps --no-index``, and finds devreliab's dependencies through a
``.pth`` line naming this environment's site-packages (after its own, so its own devreliab is the one found).
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from devreliab import __version__

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 300


def _run(*cmd: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
                          check=False)
    assert proc.returncode in (0, 1), f"{cmd} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _pip(*args: str | Path, cwd: Path) -> None:
    proc = _run(sys.executable, "-m", "pip", "--disable-pip-version-check", *args, cwd=cwd)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _pip("wheel", "--no-deps", "--no-index", "--no-build-isolation", "-w", out, REPO, cwd=out)
    (built,) = out.glob("devreliab-*.whl")
    return built


def _fresh_venv(parent: Path) -> Path:
    venv = parent / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=parent)
    python = venv / "bin" / "python"
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=parent).stdout.strip()
    (Path(purelib) / "devreliab-test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return venv


def _check_installed(venv: Path, parent: Path) -> None:
    version = _run(venv / "bin" / "devreliab", "--version", cwd=parent)
    assert version.returncode == 0 and version.stdout.strip() == f"devreliab {__version__}", version
    where = _run(venv / "bin" / "python", "-c", "import devreliab; print(devreliab.__file__)", cwd=parent).stdout
    assert Path(where.strip()).is_relative_to(venv), where
    project = parent / "project"
    project.mkdir()
    (project / "app.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    report = _run(venv / "bin" / "devreliab", "analyze", ".", cwd=project)
    assert report.returncode == 0, report.stdout + report.stderr
    assert "1 files" in report.stdout and "Gate passed" in report.stdout, report.stdout


def test_the_wheel_installs_exactly_one_top_level_package_devreliab(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        top = {name.split("/")[0] for name in archive.namelist()}
    assert top == {"devreliab", f"devreliab-{__version__}.dist-info"}
    assert wheel.name == f"devreliab-{__version__}-py3-none-any.whl"


def test_a_built_wheel_installs_into_a_fresh_venv_and_runs(wheel: Path, tmp_path: Path) -> None:
    venv = _fresh_venv(tmp_path)
    _pip("--python", venv / "bin" / "python", "install", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    _check_installed(venv, tmp_path)


def test_pip_install_of_the_clone_installs_into_a_fresh_venv_and_runs(tmp_path: Path) -> None:
    venv = _fresh_venv(tmp_path)
    _pip("--python", venv / "bin" / "python", "install", "--no-deps", "--no-index", "--no-build-isolation", REPO,
         cwd=tmp_path)
    _check_installed(venv, tmp_path)
