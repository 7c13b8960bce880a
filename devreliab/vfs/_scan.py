"""The rescan a new holder of the history lease makes: which files changed while nobody watched.

``vfs_watch_files`` holds each file's stat signature as the watcher last saw it; every kept file whose signature
differs now (or that it never saw) is stale and gets queued. Files it saw that are gone are forgotten. A file it
never saw whose mtime is older than the moment the workspace's history began (``vfs_watch_meta.started``, set in
the same transaction as the first lease ever taken) is *baseline*: journalled as such (action ``baseline``), not
as a change. Anything newer is a change made while nobody watched, and is journalled like any other.

``gaps`` finds the other kind of change the watcher did not see first: an outside write a devreliab writer found
on disk inside its critical section and journalled itself, before its own write (``VersionStore.record_write``).
"""

from __future__ import annotations

import sqlite3
import time
from typing import TYPE_CHECKING

from ._recorder import OUTSIDE, UNCHECKED, Outside, chain_of, signature

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


def gaps(conn: sqlite3.Connection, after_id: int, own: set[int], now: float) -> list[Outside]:
    """Outside writes waiting to be judged that this keeper did not record itself (``own``), after journal id
    ``after_id``: those a devreliab write found on disk and journalled (it came before the watcher did: see
    ``VersionStore.record_write``), and any a previous holder left unjudged. Each comes with its chain; one with
    nothing to check is marked at once (``revert``, ``outside``)."""
    found: list[Outside] = []
    rows = conn.execute("SELECT id, path, after, before FROM vfs_journal WHERE id > ? AND client = ? AND action = ? "
                        "ORDER BY id", (after_id, OUTSIDE, UNCHECKED)).fetchall()
    for row_id, rel, version, replaced in rows:
        blob = conn.execute("SELECT data FROM vfs_blobs WHERE version = ?", (version,)).fetchone()
        if row_id in own:
            continue
        chain, action = chain_of(conn, rel, version, now, below=row_id)
        if not chain or blob is None:
            conn.execute("UPDATE vfs_journal SET action = ? WHERE id = ?", (action, row_id))
            continue
        found.append(Outside(rel, version, bytes(blob[0]), chain, row_id, replaced))
    return found
