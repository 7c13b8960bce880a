"""Merging one file's change with what another client wrote since the session's base, and answering with it:
a rewritten tool input when the agent takes one, devreliab's own versioned write when it does not, or a conflict
record with a message that says who changed what and what to do."""

from __future__ import annotations

from ..vfs._merge import MergeConflict, configured_mode, merge
from ..vfs._paths import ResolvedPath
from ..vfs._text import decode, encode, version_of
from ._base import CoreBase, Disk, Planned, _short
from ._events import Outcome


class Merging(CoreBase):
    def _plan_text(self, rp: ResolvedPath, disk: Disk, base: str | None, ours: str) -> Planned:
        """Merge ``ours`` (based on ``base``) with what is on disk: the text to write, or a conflict."""
        theirs = disk.text(rp.given)
        if base is None:
            who = self._who(rp.rel, disk.version)
            return Planned(rp.rel, disk, conflict=(
                f"{rp.rel} was changed by {who} since this session started, and this session has not read it, so "
                "overwriting it whole would drop that change. Read the file, then make your change on top of it."))
        outcome = merge(self._blob_text(base, rp.given), theirs, ours, rp.rel, mode=configured_mode(self.config.raw))
        if outcome.clean:
            return Planned(rp.rel, disk, text=outcome.text, merged_with=self._who(rp.rel, disk.version))
        ours_data = encode(ours, decode(disk.data or b"", rp.given)[1], rp.given)
        conflict_id = self.versions.add_conflict(rp.rel, base, disk.version, disk.data, version_of(ours_data),
                                                 ours_data, outcome.text, self.author)
        return Planned(rp.rel, disk, conflict=self._conflict_text(rp.rel, disk.version, conflict_id,
                                                                  outcome.conflicts))

    def _conflict_text(self, rel: str, version: str | None, conflict_id: str,
                       conflicts: tuple[MergeConflict, ...] = ()) -> str:
        why = "; ".join(dict.fromkeys(f"{c.reason}" + (f" ({c.entity})" if c.entity and c.entity not in c.reason
                                                         else "") + f" at line {c.line}" for c in conflicts))
        return (f"{rel} changed since this session read it: {self._who(rel, version)} wrote version "
                f"{_short(version)}, and your change overlaps theirs in {max(1, len(conflicts))} place(s)"
                f"{f' ({why})' if why else ''}, so nothing was "
                f"written. Conflict {conflict_id} holds both sides (devreliab list_conflicts / show_conflict, "
                f"or the devreliab view in VS Code). Read {rel} again and redo your change on top of theirs, or "
                f"resolve the conflict with resolve_conflict.")

    def _finish(self, rp: ResolvedPath, plan: Planned) -> Outcome:
        """Turn one file's plan into the answer: rewrite the tool's input, or write it here and say so."""
        if plan.conflict:
            return Outcome("deny", reason=plan.conflict)
        assert plan.text is not None and plan.disk.version is not None
        note = (f"devreliab: {plan.rel} had changed since this session read it ({plan.merged_with} wrote it); "
                "your change was merged with theirs. Read the file before your next edit of it.")
        current = plan.disk.text(rp.given)
        updated = self.rewriter.rewrite(self.event, current, plan.text)
        if updated is not None:
            intended = version_of(encode(plan.text, decode(plan.disk.data or b"", rp.given)[1], rp.given))
            self.sessions.remember(rp.rel, plan.disk.version, None, intended=intended)
            return Outcome("rewrite", reason=note, context=note, updated_input=updated)
        return self._write_here([plan], note)

    def _write_here(self, plans: list[Planned], note: str) -> Outcome:
        """Write merged results through the workspace (versioned, journalled) when the tool cannot be rewritten."""
        done: list[str] = []
        with self._workspace() as ws:
            for plan in plans:
                assert plan.text is not None
                result = ws.write(plan.rel, plan.text, expected_version=plan.disk.version)
                if result.status == "conflict":
                    return Outcome("deny", reason=self._conflict_text(plan.rel, result.current_version,
                                                                      result.conflict_id or ""))
                assert result.version is not None
                self.sessions.remember(plan.rel, result.version, None)
                done.append(f"{plan.rel} (now version {_short(result.version)})")
        return Outcome("done", reason=(f"{note} devreliab wrote the result itself: {', '.join(done)}. Do not "
                                       "repeat this change; it is on disk."))
