"""Directory listing: breadth first, sorted, respecting .gitignore, hidden names and the workspace policy
(the config excludes, decided by ``devreliab._policy`` as for search and analysis).

Directories are opened through the sandbox (``O_NOFOLLOW`` from the root) and symlinks are listed, never
followed, so a listing cannot wander outside the workspace.
"""

from __future__ import annotations

import os
import stat
from collections import deque

from .._policy import WorkspacePolicy
from ._gitignore import Rule, ignored, read_rules
from ._paths import ResolvedPath, Sandbox
from ._results import DirEntry, EntryType, Listing


def _ancestor_rules(sandbox: Sandbox, rp: ResolvedPath) -> list[Rule]:
    """Ignore rules of the root and every directory above ``rp`` (``rp`` itself included)."""
    rules: list[Rule] = []
    for depth in range(len(rp.parts) + 1):
        parts = rp.parts[:depth]
        fd = sandbox.open_dir(rp, parts)
        try:
            rules.extend(read_rules(fd, "/".join(parts), include_git_exclude=depth == 0))
        finally:
            os.close(fd)
    return rules


def _is_text(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _type(mode: int) -> EntryType:
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    return "other"


def list_directory(sandbox: Sandbox, rp: ResolvedPath, *, depth: int, include_hidden: bool, max_entries: int,
                   policy: WorkspacePolicy) -> Listing:
    """Entries under ``rp`` down to ``depth`` levels (1 = direct children)."""
    depth = max(1, depth)
    max_entries = max(0, max_entries)
    base_rules = _ancestor_rules(sandbox, rp)
    entries: list[DirEntry] = []
    queue: deque[tuple[tuple[str, ...], int, list[Rule]]] = deque([(rp.parts, 1, base_rules)])
    while queue:
        parts, level, rules = queue.popleft()
        fd = sandbox.open_dir(rp, parts)
        try:
            if parts != rp.parts:
                rules = rules + read_rules(fd, "/".join(parts))
            with os.scandir(fd) as it:
                items = sorted(it, key=lambda e: e.name)
            for item in items:
                name = item.name
                rel = "/".join((*parts, name))
                if (not include_hidden and name.startswith(".")) or policy.excluded(rel):
                    continue
                if not _is_text(name):  # not UTF-8: cannot be named in an answer (nor resolved)
                    continue
                try:
                    st = item.stat(follow_symlinks=False)
                except OSError:
                    continue
                kind = _type(st.st_mode)
                if ignored(rules, rel, kind == "dir"):
                    continue
                if len(entries) >= max_entries:
                    return Listing(entries, truncated=True)
                entries.append(DirEntry(path=rel, type=kind, size=st.st_size if kind == "file" else None))
                if kind == "dir" and level < depth:
                    queue.append(((*parts, name), level + 1, rules))
        finally:
            os.close(fd)
    return Listing(entries, truncated=False)
