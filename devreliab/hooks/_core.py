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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .._config import Config
from .._errors import EditError, WorkspaceError
from .._store import StateStore
from ..vfs._edits import Edit, apply_edits
from ..vfs._merge import merge_texts
from ..vfs._paths import ResolvedPath, Sandbox
from ..vfs._text import decode, encode, version_of
from ..vfs._versions import VersionStore
from ._events import Event, Outcome
from ._patch import FileOp, apply_update, parse_patch
from ._sessions import Sessions

if TYPE_CHECKING:
    from ..vfs import Workspace

DEFAULT_VERSIONS_MAX_BYTES = 256 * 1024 * 1024


class Rewriter(Protocol):
    def rewrite(self, event: Event, current: str, merged: str) -> dict[str, Any] | None:
        """The tool input that makes the tool leave ``merged`` where the file now holds ``current``; None when
        this agent cannot rewrite this tool's input."""


@dataclass(frozen=True)
class Disk:
    """A file as the hook found it (``data`` None: no such file)."""

    data: bytes | None
    version: str | None
    mtime: float

    def text(self, name: str) -> str:
        assert self.data is not None
        return decode(self.data, name)[0]


@dataclass(frozen=True)
class Planned:
    """The outcome of one file of a write: ``text`` to leave there, or a conflict message."""

    rel: str
    disk: Disk
    text: str | None = None
    conflict: str = ""
    merged_with: str = ""


def _short(version: str | None) -> str:
    return (version or "none").removeprefix("sha256:")[:12]


class HookCore:
    """One hook event's work on the workspace at ``root``."""

    def __init__(self, root: Path, config: Config, event: Event, rewriter: Rewriter) -> None:
        self.root = root
        self.config = config
        self.event = event
        self.rewriter = rewriter
        self.sandbox = Sandbox(root)
        self.store = StateStore(self.sandbox.root)
        max_bytes = int(config.raw.get("versions", {}).get("max_bytes", DEFAULT_VERSIONS_MAX_BYTES))
        self.versions = VersionStore(self.store, max_bytes)
        self.author = f"{event.client}:{os.getpid()}"
        self.sessions = Sessions(self.store, self.versions, event.client, self.author)
        self._started: float | None = None

    def close(self) -> None:
        self.store.close()

    # -- dispatch -----------------------------------------------------------------------------------------
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
    def _resolve(self, path: str | None) -> ResolvedPath | None:
        """The workspace file ``path`` names, or None when it is not the workspace's business."""
        if not path:
            return None
        full = path if os.path.isabs(path) else os.path.join(self.event.cwd or self.sandbox.root_str, path)
        try:
            return self.sandbox.resolve(full, for_write=True)
        except WorkspaceError:
            return None

    def _disk(self, rp: ResolvedPath) -> Disk:
        try:
            st = os.stat(rp.abs)
            if st.st_size > self.config.cache_max_file_bytes:
                return Disk(None, None, st.st_mtime)
            with open(rp.abs, "rb") as f:
                data = f.read()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return Disk(None, None, 0.0)
        return Disk(data, version_of(data), st.st_mtime)

    def _blob_text(self, version: str | None, name: str) -> str:
        data = self.versions.get_blob(version) if version else None
        return decode(data, name)[0] if data is not None else ""

    def _base(self, rp: ResolvedPath, disk: Disk) -> str | None:
        """The version this session based its change on: the one it last read or wrote; for a file it never
        read, the version on disk when that is unchanged since the session started; else None (stale)."""
        read = self.sessions.base(rp.rel)
        if read is not None:
            return read.version
        if self._started is not None and disk.mtime <= self._started:
            return disk.version
        return None

    def _who(self, rel: str, version: str | None) -> str:
        last = self.sessions.last_writer(rel)
        if last is not None and last.after == version:
            when = time.strftime("%H:%M:%S", time.localtime(last.time))
            return f"{last.client} (at {when})"
        return "a program outside devreliab"

    def _workspace(self) -> Workspace:
        from ..vfs import Workspace

        return Workspace(self.sandbox.root, self.config, client_id=self.author)

    # -- before a read ------------------------------------------------------------------------------------
    def _before_read(self) -> Outcome:
        rp = self._resolve(self.event.path)
        if rp is None:
            return Outcome()
        disk = self._disk(rp)
        if disk.version is not None:
            self.sessions.remember(rp.rel, disk.version, disk.data)
        return Outcome()

    # -- before a write -----------------------------------------------------------------------------------
    def _plan_text(self, rp: ResolvedPath, disk: Disk, base: str | None, ours: str) -> Planned:
        """Merge ``ours`` (based on ``base``) with what is on disk: the text to write, or a conflict."""
        theirs = disk.text(rp.given)
        if base is None:
            who = self._who(rp.rel, disk.version)
            return Planned(rp.rel, disk, conflict=(
                f"{rp.rel} was changed by {who} since this session started, and this session has not read it, so "
                "overwriting it whole would drop that change. Read the file, then make your change on top of it."))
        outcome = merge_texts(self._blob_text(base, rp.given), theirs, ours)
        if outcome.clean:
            return Planned(rp.rel, disk, text=outcome.text, merged_with=self._who(rp.rel, disk.version))
        ours_data = encode(ours, decode(disk.data or b"", rp.given)[1], rp.given)
        conflict_id = self.versions.add_conflict(rp.rel, base, disk.version, disk.data, version_of(ours_data),
                                                 ours_data, outcome.text, self.author)
        return Planned(rp.rel, disk, conflict=self._conflict_text(rp.rel, disk.version, conflict_id,
                                                                  outcome.conflicts))

    def _conflict_text(self, rel: str, version: str | None, conflict_id: str, regions: int) -> str:
        return (f"{rel} changed since this session read it: {self._who(rel, version)} wrote version "
                f"{_short(version)}, and your change overlaps theirs in {regions} place(s), so nothing was "
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
                                                                      result.conflict_id or "", 1))
                assert result.version is not None
                self.sessions.remember(plan.rel, result.version, None)
                done.append(f"{plan.rel} (now version {_short(result.version)})")
        return Outcome("done", reason=(f"{note} devreliab wrote the result itself: {', '.join(done)}. Do not "
                                       "repeat this change; it is on disk."))

    def _before_write(self) -> Outcome:
        rp = self._resolve(self.event.path)
        if rp is None or self.event.content is None:
            return Outcome()
        disk = self._disk(rp)
        if disk.data is None:
            return Outcome()  # a new file (or one too large to merge): nothing to lose here
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

    def _before_patch(self) -> Outcome:
        try:
            ops = parse_patch(self.event.patch or "")
        except EditError:
            return Outcome()  # apply_patch itself explains a malformed patch
        try:
            plans = {op.path: self._plan_op(op) for op in ops}
        except WorkspaceError:
            return Outcome()
        needed = [p for p in plans.values() if p is not None]
        if not needed:
            return Outcome()
        conflicts = [p.conflict for p in needed if p.conflict]
        if conflicts:
            return Outcome("deny", reason=" ".join(conflicts))
        if any(op.kind == "delete" or op.move_to for op in ops):
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
    def _after(self, paths: list[str]) -> Outcome:
        contexts: list[str] = []
        blocks: list[str] = []
        for path in paths:
            rp = self._resolve(path)
            if rp is None:
                continue
            block, context = self._after_one(rp)
            blocks += [block] if block else []
            contexts += [context] if context else []
        if blocks:
            return Outcome("deny", reason=" ".join(blocks), context="\n".join(contexts))
        return Outcome(context="\n".join(contexts))

    def _after_one(self, rp: ResolvedPath) -> tuple[str, str]:
        """Journal what the tool wrote, repair a write that raced another client's; (block reason, context)."""
        disk = self._disk(rp)
        if disk.data is None or disk.version is None:
            return "", ""
        read = self.sessions.base(rp.rel)
        before = read.version if read is not None else None
        ours = (read.intended if read is not None else None) or disk.version
        others = self.sessions.others_since(rp.rel, read.mark) if read is not None else []
        earlier = [r for r in others if r.before != ours]
        theirs = earlier[-1].after if earlier and earlier[-1].after not in (disk.version, ours) else None
        built_on_ours = any(r.before == ours for r in others)
        if before != disk.version and not built_on_ours:
            self.sessions.journal(rp.rel, before, disk.version, disk.data, "hook-write")
        self.sessions.remember(rp.rel, disk.version, disk.data)
        if theirs is not None and before is not None:
            block, note = self._repair(rp, disk, before, theirs)
            if block or note:
                return block, note
        return "", self._guidance(rp.rel, before, disk.data)

    def _repair(self, rp: ResolvedPath, disk: Disk, base: str, theirs: str) -> tuple[str, str]:
        """Another client wrote ``theirs`` between this session's two hooks and the tool replaced it: merge."""
        try:
            ours_text = disk.text(rp.given)
            theirs_text = self._blob_text(theirs, rp.given)
            outcome = merge_texts(self._blob_text(base, rp.given), theirs_text, ours_text)
        except WorkspaceError:
            return "", ""
        if outcome.clean and outcome.text == ours_text:
            return "", ""  # the tool's result already holds their change
        who = self._who(rp.rel, theirs)
        with self._workspace() as ws:
            if outcome.clean:
                result = ws.write(rp.rel, outcome.text, expected_version=disk.version)
                if result.version is not None:
                    self.sessions.remember(rp.rel, result.version, None)
                return "", (f"devreliab: {who} wrote {rp.rel} while your tool ran; both changes were merged "
                            f"(now version {_short(result.version)}). Read it before your next edit of it.")
            result = ws.write(rp.rel, theirs_text, expected_version=disk.version)
        conflict_id = self.versions.add_conflict(rp.rel, base, theirs, self.versions.get_blob(theirs),
                                                 disk.version or "", disk.data or b"", outcome.text, self.author)
        if result.version is not None:
            self.sessions.remember(rp.rel, result.version, None)
        return (f"{rp.rel}: {who} wrote it while your tool ran and the two changes overlap, so devreliab put "
                f"their version back and kept yours in conflict {conflict_id} (list_conflicts / show_conflict). "
                f"Read {rp.rel} again and redo your change on top of theirs."), ""

    def _guidance(self, rel: str, before: str | None, after: bytes) -> str:
        if not rel.endswith(".py") or not self.config.guidance_on_write:
            return ""
        from ..guidance._delta import write_guidance  # lazy: the analysers load only for Python writes

        old = self.versions.get_blob(before) if before else None
        lines = write_guidance(rel, old, after, self.config, self.store)
        return "devreliab guidance for this write:\n" + "\n".join(f"- {line}" for line in lines) if lines else ""
