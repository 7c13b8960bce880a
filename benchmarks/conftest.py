"""The Django corpus for the ``devreliab analyze`` benchmarks, fetched on first use by ``scripts/fetch-corpus``."""

from __future__ import annotations

import compileall
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def django_corpus() -> Path:
    """The unpacked Django 5.2 wheel (885 .py files), in ``$DEVRELIAB_CORPUS`` outside the repository."""
    proc = subprocess.run([str(REPO / "scripts" / "fetch-corpus"), "django"], capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, f"scripts/fetch-corpus failed:\n{proc.stderr}"
    return Path(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def analyze_workspace(django_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the corpus: the analysis cache lives in ROOT/.devreliab, and one benchmark edits a file.

    devreliab's own modules are byte-compiled first, as ``pip install`` does for an installed package, so no
    run pays for compiling them (this environment sets PYTHONDONTWRITEBYTECODE).
    """
    compileall.compile_dir(str(REPO / "devreliab"), quiet=1)
    root = tmp_path_factory.mktemp("analyze-bench") / "django-corpus"
    shutil.copytree(django_corpus, root, ignore=shutil.ignore_patterns(".complete"))
    return root
