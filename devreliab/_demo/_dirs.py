"""Where the demo works: a fresh copy of the bundled example, in a temporary directory or the one --keep names."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .._errors import DevreliabError
from ._out import DemoFailure

WITH, PLAIN = "with-devreliab", "plain-writes"  # the copy the agents edit through devreliab, and the other one


def example_dir() -> Path:
    """The bundled example: inside the package when installed from a wheel, else the checkout's fixtures/."""
    package = Path(__file__).resolve().parents[1]
    candidates = (package / "_example", package.parent / "fixtures" / "example")
    for candidate in candidates:
        if (candidate / "devreliab.jsonc").is_file():
            return candidate
    raise DemoFailure(f"the bundled example is missing (looked in {' and '.join(map(str, candidates))}); "
                      "reinstall devreliab")


def copy_example(dest: Path) -> Path:
    """A fresh copy of the example (the example itself is never modified, nor any state left in it)."""
    shutil.copytree(example_dir(), dest, ignore=shutil.ignore_patterns(".devreliab", "__pycache__"))
    return dest


@contextmanager
def workdir(keep: Path | None) -> Iterator[Path]:
    """``keep`` (created; it must be new or empty), or a temporary directory removed afterwards."""
    if keep is None:
        base = Path(tempfile.mkdtemp(prefix="devreliab-demo-"))
        try:
            yield base
        finally:
            shutil.rmtree(base, ignore_errors=True)
        return
    if keep.exists() and (not keep.is_dir() or any(keep.iterdir())):
        raise DevreliabError(f"--keep {keep}: must be a new or empty directory")
    keep.mkdir(parents=True, exist_ok=True)
    yield keep.resolve()
