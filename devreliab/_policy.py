"""What is part of the workspace: one policy that listing, search, analysis (and the watcher) all ask.

Today it decides the config's ``exclude`` patterns plus the built-in ones (``Config.all_excludes``). A pattern
is matched against workspace-relative paths with ``/`` separators:

- a trailing ``/`` is dropped (``gen/`` is ``gen``), a leading one anchors to the root (``/build``);
- a pattern without ``/`` (``node_modules``, ``*.egg-info``, ``*_pb2.py``) matches any single path component,
  so it excludes a file or directory of that name at any depth, and everything below it;
- a pattern with ``/`` (``src/legacy/*``) matches the whole relative path or a directory above it.

Containment (paths leaving the root) is the sandbox's job and ``.gitignore`` is honoured by listing and
search only (as ripgrep does); neither is decided here.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence


class WorkspacePolicy:
    """The exclude patterns, compiled once; ``excluded`` is the one answer to "is this path left out?"."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)
        cleaned = [p.rstrip("/") for p in patterns if p.strip("/")]
        self.name_patterns = tuple(p for p in cleaned if "/" not in p)
        path_patterns = [p.lstrip("/") for p in cleaned if "/" in p]
        self._name = _compile(self.name_patterns)
        self._path = _compile(path_patterns)

    def name(self, name: str) -> bool:
        """Does one path component match a pattern without ``/``?"""
        return bool(self._name and self._name.match(name))

    def path(self, rel: str) -> bool:
        """Does the relative path, or a directory above it, match a pattern with ``/``?"""
        if self._path is None:
            return False
        parts = rel.split("/")
        return any(self._path.match("/".join(parts[:i])) for i in range(1, len(parts) + 1))

    def entry(self, name: str, rel: str) -> bool:
        """For a walk that prunes: is the entry ``name`` at ``rel`` excluded, given its parent was not?"""
        return self.name(name) or bool(self._path and self._path.match(rel))

    def excluded(self, rel: str) -> bool:
        """Is the workspace-relative path ``rel`` (a file or a directory) left out of the workspace?"""
        return any(self.name(part) for part in rel.split("/")) or self.path(rel)


def _compile(patterns: Sequence[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(fnmatch.translate(p) for p in patterns)) if patterns else None
