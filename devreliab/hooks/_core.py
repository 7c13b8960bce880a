"""The workspace logic behind every agent's hook: bases, merges, conflicts and the journal.

Each agent session is a client of the workspace, exactly like an MCP connection. Before a read the version on
disk becomes the session's base (a read recorded before it happens can only be older than what the tool sees,
and an older base merges safely). Before a write the file on disk is compared with that base: unchanged → the
tool runs as it is; changed → three-way merge (base, disk, the tool's result): clean → the tool writes the merge
(or devreliab writes it when the agent cannot rewrite a tool's input), overlapping → nothing is written and a
conflict record is stored. After a write the new version is journalled under the session's name, a write that
raced another client's between the two hooks is repaired the same way, and for Python the guidance delta is
returned. Paths outside the workspace are not devreliab's business: the hook stays out of the way.
"""

from __future__ import annotations

import os

from .._errors import EditError, WorkspaceError
from ..vfs._edits import Edit, apply_edits
from ..vfs._workspace import ABSENT
from ._after import AfterWrite
from ._base import Rewriter
from ._events import Outcome
from ._patch import parse_patch
from ._patchflow import PatchFlow

__all__ = ["HookCore", "Rewriter"]


class HookCore(PatchFlow, AfterWrite):
    """One hook event's work on the workspace at ``root``."""

    def handle(self) -> Outcome:
        event = self.event
        self._started = self.sessions.started()
        if event.phase == "post":
            return self._after(self._paths())
        if event.kind == "read":
            return self._before_read()
        if event.kind == "write":
            return self._before_write()
        if event.kind == "edit":
            return self._before_edit()
        if event.kind == "patch":
            return self._before_patch()
        return Outcome()

    def _paths(self) -> list[str]:
        if self.event.kind == "patch" and self.event.patch:
            try:
                ops = parse_patch(self.event.patch)
            except EditError:
                return []
            return [op.move_to or op.path for op in ops if op.kind != "delete"]
        return [self.event.path] if self.event.path else []

    # -- files --------------------------------------------------------------------------------------------
    def _before_read(self) -> Outcome:
        rp = self._resolve(self.event.path)
        if rp is None:
            return Outcome()
        disk = self._disk(rp)
        if disk.version is not None:
            self.sessions.remember(rp.rel, disk.version, disk.data)
        return Outcome()

    # -- before a write -----------------------------------------------------------------------------------
    def _before_write(self) -> Outcome:
        rp = self._resolve(self.event.path)
        if rp is None or self.event.content is None:
            return Outcome()
        disk = self._disk(rp)
        if disk.data is None:
            if not os.path.lexists(rp.abs):  # creating it: a file another client creates meanwhile is merged after
                self.sessions.remember(rp.rel, ABSENT, None)
            return Outcome()  # (a file too large to merge is not the hook's business)
        base = self._base(rp, disk)
        if base is not None and base == disk.version:
            self.sessions.remember(rp.rel, base, disk.data)
            return Outcome()
        try:
            plan = self._plan_text(rp, disk, base, self.event.content)
        except WorkspaceError:  # binary or undecodable: not a text merge's business
            return Outcome()
        return self._finish(rp, plan)

    # -- before a string edit -----------------------------------------------------------------------------
    def _before_edit(self) -> Outcome:
        rp = self._resolve(self.event.path)
        if rp is None or not self.event.changes:
            return Outcome()
        disk = self._disk(rp)
        if disk.data is None:
            return Outcome()
        edits = [Edit(c.old, c.new, c.replace_all) for c in self.event.changes]
        try:
            current = disk.text(rp.given)
            apply_edits(current, edits, rp.given)
            return Outcome()  # every old string is on disk: it is its own guard, the tool keeps other changes
        except WorkspaceError:
            pass
        base = self._base(rp, disk)
        if base is None or base == disk.version:
            return Outcome()  # the edit does not match the file this session saw either: the tool says so
        try:
            ours = apply_edits(self._blob_text(base, rp.given), edits, rp.given)
            plan = self._plan_text(rp, disk, base, ours)
        except WorkspaceError:
            return Outcome()
        return self._finish(rp, plan)

    # -- before apply_patch -------------------------------------------------------------------------------
