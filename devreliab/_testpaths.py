"""Which files are tests: the one matcher of ``tests.paths`` (the tests profile, see docs/configuration.md)."""

from __future__ import annotations

from fnmatch import fnmatchcase


def is_test_path(path: str, patterns: tuple[str, ...]) -> bool:
    """Whether ``path`` (relative, '/'-separated) is a test file: a pattern with a '/' matches the whole path
    (``tests/**`` everything under tests/), one without matches the file name (``test_*.py``)."""
    name = path.rsplit("/", 1)[-1]
    return any(fnmatchcase(path if "/" in p else name, p) for p in patterns)
