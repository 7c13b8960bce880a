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
import subprocess  # nosec B404 - runs git only (resolved with shutil.which), fixed arguments, no shell
import time
import uuid
from typing import TYPE_CHECKING, Final

from .._errors import WorkspaceError
from ._clobber import dropped
from ._merge import merge_texts
from ._notices import notice
from ._recorder import GIT_KEPT, OUTSIDE, OVERWROTE, Outside, Row
from ._text import decode
from ._versions import VersionStore

if TYPE_CHECKING:
    from ._workspace import Workspace

KIND_OVERWRITTEN: Final = "overwritten"
HOOK_WINDOW_S: Final = 60.0  # a hook session that read or wrote a path this recently may be writing it now
HOOK_GRACE_S: Final = 3.0  # how long an outside write of such a path waits for that session's after-hook
log = logging.getLogger("devreliab.vfs")


class OverwriteGuard:
    """Checks outside versions of ``ws`` for dropped work, and records what it finds."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.versions: VersionStore = ws._versions
        self.root = str(ws.root)
        self.flagged = 0  # overwritten conflicts raised by this process
        self._deferred: list[tuple[float, Outside]] = []  # (when, outside write) waiting for a hook's after-step

    def submit(self, item: Outside) -> None:
        """Check ``item`` now, or after ``HOOK_GRACE_S`` when an agent's hooks are at work on that file; one that
        replaced no client write (its action says why: a revert, a plain change) needs no check."""
        if not item.chain:
            return
        if self.hook_active(item.rel):
            self._deferred.append((time.monotonic() + HOOK_GRACE_S, item))
        else:
            self.check(item)

    def deferred_due_s(self) -> float:
        """Seconds until the next deferred check is due (infinity when none waits)."""
        return min((at for at, _ in self._deferred), default=float("inf")) - time.monotonic()

    def check_deferred(self) -> None:
        """Check the outside writes that waited for a hook's after-step, unless a hook claimed them since."""
        now = time.monotonic()
        due = [item for at, item in self._deferred if at <= now]
        self._deferred = [(at, item) for at, item in self._deferred if at > now]
        for item in due:
            if self.still_outside(item):
                self.check(item)

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

    def _dropped_by(self, item: Outside, theirs: str, replaced: str | None) -> list[Row]:
        """The client writes of ``item.chain`` whose change survived into the version the outside write replaced
        (``replaced``; a later client write may have superseded it) and is missing from ``theirs``."""
        out: list[Row] = []
        for row in item.chain:
            base, ours = self._text(row.before, item.rel), self._text(row.after, item.rel)
            if base is None or ours is None or not dropped(base, ours, theirs):
                continue
            if replaced is None or not dropped(base, ours, replaced):
                out.append(row)
        return out

    def hook_active(self, rel: str) -> bool:
        """Has an agent session touched ``rel`` through its hooks lately? Its tool writes the file itself and its
        after-hook journals (and repairs) that write a moment later, so the check waits for it."""
        row = self.ws.store.conn.execute("SELECT 1 FROM hook_session_reads WHERE path = ? AND at > ? LIMIT 1",
                                         (rel, time.time() - HOOK_WINDOW_S)).fetchone()
        return row is not None

    def _mark(self, item: Outside, action: str) -> None:
        """Say in ``item``'s journal row how it was judged (a later outside write's chain stops there)."""
        with self.ws.store.transaction() as conn:
            conn.execute("UPDATE vfs_journal SET action = ? WHERE id = ? AND client = ?", (action, item.row_id,
                                                                                           OUTSIDE))

    def still_outside(self, item: Outside) -> bool:
        """Is ``item``'s journal row still an outside write (no hook claimed it as its session's)?"""
        row = self.ws.store.conn.execute("SELECT client FROM vfs_journal WHERE id = ?", (item.row_id,)).fetchone()
        return row is not None and row[0] == OUTSIDE

    def check(self, item: Outside) -> str | None:
        """Judge ``item``: flag it when it dropped accepted work (the new conflict's id), else say in its journal
        row why not (``outside``: nothing dropped; ``git-kept``)."""
        found = self._judge(item)
        if found is None or isinstance(found, str):
            self._mark(item, found or OUTSIDE)
            return None
        lost, base, ours, merged, clean = found
        return self._flag(item, base, ours, merged, clean, lost)

    def _judge(self, item: Outside) -> tuple[list[Row], str | None, str, str, bool] | str | None:
        """(the client writes it dropped, the proposal's base and ours versions, the proposal, clean?); or the
        action for a write that drops nothing it can tell (None: plain ``outside``; ``git-kept``). Ours is the
        version the outside write replaced (it holds every accepted change that was still there)."""
        try:
            theirs = decode(item.data, item.rel)[0]
        except WorkspaceError:
            return None
        replaced = self._text(item.replaced, item.rel) if item.replaced else None
        lost = self._dropped_by(item, theirs, replaced)
        if not lost:
            return None
        ours_version = item.replaced if item.replaced is not None and replaced is not None else item.chain[0].after
        if git_keeps(self.root, self.versions.get_blob(ours_version)):
            return GIT_KEPT
        oldest = item.chain[-1]
        base, ours = self._text(oldest.before, item.rel), self._text(ours_version, item.rel)
        if base is None or ours is None:
            return None
        outcome = merge_texts(base, theirs, ours)
        return lost, oldest.before, ours_version, outcome.text, outcome.clean

    def _flag(self, item: Outside, base: str | None, ours: str, merged: str, clean: bool, lost: list[Row]) -> str:
        """Store the conflict, its kind and a notice per client, in one transaction."""
        conflict_id = uuid.uuid4().hex[:12]
        clients = list(dict.fromkeys(r.client for r in lost))
        text = notice(item.rel, item.version, conflict_id, clean)
        now = time.time()
        with self.ws.store.transaction() as conn:
            conn.execute("UPDATE vfs_journal SET action = ? WHERE id = ? AND client = ?", (OVERWROTE, item.row_id,
                                                                                           OUTSIDE))
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
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_DIR": os.path.join(root, ".git")},
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0
