"""The overwrite guard: an outside version that dropped a client's accepted change becomes an ``overwritten``
conflict, with a notice for each client whose change was dropped (docs/workspace.md, "Which outside writes are
flagged").

Each client write the outside version replaced is checked by ``_clobber.dropped``. When one was dropped, and the
newest accepted version is not kept by git, the conflict holds base (the oldest replaced write's base), ours (the
newest accepted version), theirs (the outside version) and the three-way merge of ours into theirs as the
proposal, and says whether that merged cleanly (``resolve_conflict(id, "merged")`` applies it then).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sqlite3
import subprocess  # nosec B404 - runs git only (resolved with shutil.which), fixed arguments, no shell
import time
import uuid
from typing import TYPE_CHECKING, Final

from .._errors import WorkspaceError
from ._clobber import dropped
from ._merge import merge_texts
from ._recorder import Outside, Row
from ._text import decode
from ._versions import VersionStore

if TYPE_CHECKING:
    from ._workspace import Workspace

KIND_OVERWRITTEN: Final = "overwritten"
log = logging.getLogger("devreliab.vfs")


class OverwriteGuard:
    """Checks outside versions of ``ws`` for dropped work, and records what it finds."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.versions: VersionStore = ws._versions
        self.root = str(ws.root)
        self.flagged = 0  # overwritten conflicts raised by this process

    def _text(self, version: str | None, rel: str) -> str | None:
        """The text of ``version`` ("" for no version: a file created); None when it is not stored or not text."""
        if version is None:
            return ""
        data = self.versions.get_blob(version)
        if data is None:
            return None
        try:
            return decode(data, rel)[0]
        except WorkspaceError:
            return None

    def _dropped_by(self, item: Outside, theirs: str) -> list[Row]:
        """The client writes of ``item.chain`` whose change ``theirs`` lacks."""
        out: list[Row] = []
        for row in item.chain:
            base, ours = self._text(row.before, item.rel), self._text(row.after, item.rel)
            if base is not None and ours is not None and dropped(base, ours, theirs):
                out.append(row)
        return out

    def check(self, item: Outside) -> str | None:
        """Flag ``item`` when it dropped accepted work; the new conflict's id."""
        if not item.chain:
            return None
        try:
            theirs = decode(item.data, item.rel)[0]
        except WorkspaceError:
            return None
        lost = self._dropped_by(item, theirs)
        newest, oldest = item.chain[0], item.chain[-1]
        if not lost or git_keeps(self.root, self.versions.get_blob(newest.after)):
            return None
        base, ours = self._text(oldest.before, item.rel), self._text(newest.after, item.rel)
        if base is None or ours is None:
            return None
        outcome = merge_texts(base, theirs, ours)
        return self._flag(item, oldest.before, newest.after, outcome.text, outcome.clean, lost)

    def _flag(self, item: Outside, base: str | None, ours: str, merged: str, clean: bool, lost: list[Row]) -> str:
        """Store the conflict, its kind and a notice per client, in one transaction."""
        conflict_id = uuid.uuid4().hex[:12]
        clients = list(dict.fromkeys(r.client for r in lost))
        text = notice(item.rel, item.version, conflict_id, clean)
        now = time.time()
        with self.ws.store.transaction() as conn:
            VersionStore.insert_conflict(conn, conflict_id, item.rel, base, (item.version, item.data), (ours, None),
                                         merged, clients[0])
            conn.execute("INSERT INTO vfs_conflict_kinds(id, kind, clean, clients) VALUES (?, ?, ?, ?)",
                         (conflict_id, KIND_OVERWRITTEN, int(clean), ", ".join(clients)))
            conn.executemany("INSERT INTO vfs_notices(client, conflict_id, text, created) VALUES (?, ?, ?, ?)",
                             [(c, conflict_id, text, now) for c in clients])
        self.flagged += 1
        log.warning("history: %s overwrote accepted work of %s (conflict %s)", item.rel, ", ".join(clients),
                    conflict_id)
        return conflict_id


def take_notices(versions: VersionStore, client: str) -> list[str]:
    """The undelivered notices for ``client``, marked delivered (oldest first). A read-only look first, so the
    common case (nothing to say) takes no write lock: this runs before every MCP answer."""
    found = versions._run(lambda conn: conn.execute(
        "SELECT 1 FROM vfs_notices WHERE client = ? AND delivered IS NULL LIMIT 1", (client,)).fetchone(), write=False)
    if found is None:
        return []

    def go(conn: sqlite3.Connection) -> list[str]:
        rows = conn.execute("SELECT id, text FROM vfs_notices WHERE client = ? AND delivered IS NULL ORDER BY id",
                            (client,)).fetchall()
        conn.execute("UPDATE vfs_notices SET delivered = ? WHERE client = ? AND delivered IS NULL",
                     (time.time(), client))
        return [str(r[1]) for r in rows]

    return versions._run(go)


def notice(rel: str, version: str, conflict_id: str, clean: bool) -> str:
    """The one line the client whose work was dropped gets with its next answer."""
    short = version.removeprefix("sha256:")[:12]
    proposal = (f"resolve_conflict('{conflict_id}', 'merged') writes the merge of both" if clean else
                f"the two overlap: resolve_conflict('{conflict_id}', 'content', ...) with your merge")
    return (f"devreliab: your change to {rel} was overwritten by a write outside devreliab (now {short}); "
            f"conflict {conflict_id} keeps base, yours and theirs — {proposal}.")


def git_keeps(root: str, data: bytes | None) -> bool:
    """Whether git's object store at ``root`` holds exactly ``data`` (committed, staged or stashed): then the
    client's version is kept by git, and an outside write replacing it (a branch switch, a stash) drops nothing."""
    git = shutil.which("git")
    if data is None or git is None or not os.path.isdir(os.path.join(root, ".git")):
        return False
    sha = hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
    try:
        done = subprocess.run([git, "-C", root, "cat-file", "-e", sha], stdin=subprocess.DEVNULL,  # nosec B603
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10,
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"}, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0
