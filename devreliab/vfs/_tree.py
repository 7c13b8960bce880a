"""Which files the local history keeps: the workspace policy (the config excludes) and the ignore files, the same
rules listing and search follow, asked for single paths (watcher events) and for the whole tree (a rescan).

Symlinks are never followed; only regular files are yielded. Ignore-file rules are read once per directory and
forgotten when an ignore file changes.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

from .._policy import WorkspacePolicy
from ._gitignore import IGNORE_FILES, Rule, ignored, read_rules


class Tree:
    """The files of the workspace at ``root`` that history keeps."""

    def __init__(self, root: Path, policy: WorkspacePolicy) -> None:
        self.root = str(root)
        self.policy = policy
        self._rules: dict[str, list[Rule]] = {}
        self._lock = threading.Lock()

    def forget_rules(self, rel: str) -> None:
        """``rel`` changed: if it is an ignore file, read the rules again next time."""
        if os.path.basename(rel) in IGNORE_FILES or rel.endswith("info/exclude"):
            with self._lock:
                self._rules.clear()

    def _dir_rules(self, rel_dir: str) -> list[Rule]:
        with self._lock:
            found = self._rules.get(rel_dir)
        if found is not None:
            return found
        try:
            fd = os.open(os.path.join(self.root, rel_dir), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            rules: list[Rule] = []
        else:
            try:
                rules = read_rules(fd, rel_dir, include_git_exclude=rel_dir == "")
            finally:
                os.close(fd)
        with self._lock:
            self._rules[rel_dir] = rules
        return rules

    def kept(self, rel: str) -> bool:
        """Is the file ``rel`` ("/"-separated) part of the workspace's history (not excluded, not ignored)?"""
        if not rel or self.policy.excluded(rel):
            return False
        parts = rel.split("/")
        rules: list[Rule] = []
        for depth in range(len(parts)):  # each directory on the way down, then the file, against the rules so far
            rules = rules + self._dir_rules("/".join(parts[:depth]))
            if ignored(rules, "/".join(parts[: depth + 1]), depth + 1 < len(parts)):
                return False
        return True

    def _rules_of(self, rel_dir: str) -> list[Rule]:
        """The rules that apply inside ``rel_dir``: those of the root and of every directory down to it."""
        parts = rel_dir.split("/") if rel_dir else []
        rules: list[Rule] = []
        for depth in range(len(parts) + 1):
            rules = rules + self._dir_rules("/".join(parts[:depth]))
        return rules

    def walk(self, top: str = "") -> Iterator[tuple[str, os.stat_result]]:
        """Every kept regular file under ``top`` (relative, "" for the root) with its ``lstat``; a depth-first
        walk that prunes excluded and ignored directories and never follows a symlink."""
        if top and not self.kept(top):
            return
        stack = [(top, self._rules_of(top))]
        while stack:
            rel_dir, dir_rules = stack.pop()
            yield from self._entries(rel_dir, dir_rules, stack)

    def _entries(self, rel_dir: str, rules: list[Rule],
                 stack: list[tuple[str, list[Rule]]]) -> Iterator[tuple[str, os.stat_result]]:
        """The kept files directly in ``rel_dir``; its kept subdirectories go onto ``stack``."""
        try:
            with os.scandir(os.path.join(self.root, rel_dir)) as it:
                items = list(it)
        except OSError:
            return
        for item in items:
            rel = f"{rel_dir}/{item.name}" if rel_dir else item.name
            kind, st = self._kind(item, rel, rules)
            if kind == "dir":
                stack.append((rel, rules + self._dir_rules(rel)))
            elif kind == "file" and st is not None:
                yield rel, st

    def _kind(self, item: os.DirEntry[str], rel: str, rules: list[Rule]) -> tuple[str, os.stat_result | None]:
        """("dir" | "file", its lstat) for a kept directory or regular file; ("", None) for anything left out."""
        if self.policy.entry(item.name, rel):
            return "", None
        try:
            st = item.stat(follow_symlinks=False)
        except OSError:
            return "", None
        if stat.S_ISDIR(st.st_mode):
            return ("", None) if ignored(rules, rel, True) else ("dir", st)
        if stat.S_ISREG(st.st_mode) and not ignored(rules, rel, False):
            return "file", st
        return "", None
