"""Codex's ``apply_patch`` before it runs: hunks that still apply run as they are; hunks whose context another
client changed are applied to the session's base and merged, and devreliab writes the result itself."""

from __future__ import annotations

from .._errors import EditError, WorkspaceError
from ._base import Planned
from ._events import Outcome
from ._merging import Merging
from ._patch import FileOp, apply_update, parse_patch


class PatchFlow(Merging):
    def _plan_op(self, op: FileOp) -> Planned | None:
        """None when this operation applies to the file as it is (or is not the workspace's business)."""
        rp = self._resolve(op.path)
        if rp is None or op.kind == "delete":
            return None
        disk = self._disk(rp)
        if disk.data is None:
            return None
        base = self._base(rp, disk)
        if op.kind == "add":
            return None if base == disk.version else self._plan_text(rp, disk, base, op.content)
        try:
            apply_update(disk.text(rp.given), op)
            return None
        except EditError:
            pass
        if base is None or base == disk.version:
            return None  # the patch does not match what this session saw either: apply_patch reports it
        return self._plan_text(rp, disk, base, apply_update(self._blob_text(base, rp.given), op))

    def _plans(self) -> tuple[list[FileOp], dict[str, Planned | None]] | None:
        """The patch's operations and each one's plan; None when the hook should stay out of the way."""
        try:
            ops = parse_patch(self.event.patch or "")
            return ops, {op.path: self._plan_op(op) for op in ops}
        except WorkspaceError:  # a malformed patch (apply_patch explains it), a binary file
            return None

    def _before_patch(self) -> Outcome:
        planned = self._plans()
        if planned is None:
            return Outcome()
        ops, plans = planned
        needed = _needed(plans)
        conflicts = " ".join(p.conflict for p in needed)
        if not needed or conflicts.strip():
            return Outcome("deny", reason=conflicts.strip()) if conflicts.strip() else Outcome()
        if _moves_or_deletes(ops):
            return Outcome("deny", reason="devreliab: files of this patch changed since this session saw them ("
                           + ", ".join(p.rel for p in needed) + "); read them again and send the patch again.")
        return self._write_here(self._all_ops(ops, plans), "devreliab: files of this patch had changed since "
                                "this session saw them; the patch was merged with those changes.")

    def _all_ops(self, ops: list[FileOp], plans: dict[str, Planned | None]) -> list[Planned]:
        out: list[Planned] = []
        for op in ops:
            plan = plans.get(op.path)
            if plan is None:
                rp = self._resolve(op.path)
                if rp is None:
                    continue
                disk = self._disk(rp)
                text = op.content if op.kind == "add" else apply_update(disk.text(rp.given), op)
                plan = Planned(rp.rel, disk, text=text)
            out.append(plan)
        return out

    # -- after a write ------------------------------------------------------------------------------------


def _needed(plans: dict[str, Planned | None]) -> list[Planned]:
    return [p for p in plans.values() if p is not None]


def _moves_or_deletes(ops: list[FileOp]) -> bool:
    return any(op.kind == "delete" or op.move_to for op in ops)
