"""The rescan a new holder of the history lease makes: which files changed while nobody watched.

``vfs_watch_files`` holds each file's stat signature as the watcher last saw it; every kept file whose signature
differs now (or that it never saw) is stale and gets queued. Files it saw that are gone are forgotten. A file it
never saw whose mtime is older than the moment the workspace's history began (``vfs_watch_meta.started``, set in
the same transaction as the first lease ever taken) is *baseline*: its version is kept, nothing is journalled.
Anything newer is a change made while nobody watched, and is journalled like any other.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ._recorder import signature

if TYPE_CHECKING:
    from ._tree import Tree
    from ._workspace import Workspace


def started(ws: Workspace) -> float:
    """When the workspace's history began: the first lease ever taken records it (``Lease.acquire``)."""
    row = ws.store.conn.execute("SELECT value FROM vfs_watch_meta WHERE key = 'started'").fetchone()
    return float(row[0]) if row is not None else time.time()


def stale(ws: Workspace, tree: Tree) -> list[tuple[str, bool]]:
    """The kept files whose stat differs from what the watcher last saw, each with whether it is baseline."""
    since = started(ws)
    rows = ws.store.conn.execute("SELECT path, size, mtime_ns, ctime_ns, ino FROM vfs_watch_files").fetchall()
    seen = {r[0]: tuple(r[1:]) for r in rows}
    present: set[str] = set()
    changed: list[tuple[str, bool]] = []
    for rel, st in tree.walk():
        present.add(rel)
        if seen.get(rel) != signature(st):
            changed.append((rel, rel not in seen and st.st_mtime < since))
    gone = [(rel,) for rel in seen if rel not in present]
    if gone:
        with ws.store.transaction() as conn:
            conn.executemany("DELETE FROM vfs_watch_files WHERE path = ?", gone)
    return changed
