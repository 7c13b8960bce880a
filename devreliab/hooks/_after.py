"""After a write: journal it under the session's name, repair a write that raced another client's between the
two hooks, and the guidance delta for Python."""

from __future__ import annotations

from .._errors import WorkspaceError
from ..vfs._merge import configured_mode, merge
from ..vfs._paths import ResolvedPath
from ..vfs._workspace import ABSENT
from ._base import Disk, _short
from ._events import Outcome
from ._merging import Merging


class AfterWrite(Merging):
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
        base = read.version if read is not None else None
        before = None if base == ABSENT else base
        theirs = self._record(rp.rel, disk, before)
        block, note = self._repair(rp, disk, base, theirs) if theirs and base else ("", "")
        return (block, note) if block or note else ("", self._guidance(rp.rel, before, disk.data))

    def _record(self, rel: str, disk: Disk, before: str | None) -> str | None:
        """Journal the tool's write (unless another client already wrote on top of it) and make it the session's
        base; the version of another client it replaced, if any."""
        assert disk.version is not None and disk.data is not None
        theirs, built_on_ours = self._raced(rel, disk.version)
        if before != disk.version and not built_on_ours:
            self.sessions.journal(rel, before, disk.version, disk.data, "hook-write")
        self.sessions.remember(rel, disk.version, disk.data)
        return theirs

    def _raced(self, rel: str, on_disk: str) -> tuple[str | None, bool]:
        """(the version of another client the tool replaced, or None; whether another client wrote after the
        tool, on top of its result). Journal rows after the session's mark are writes it never saw."""
        read = self.sessions.base(rel)
        if read is None:
            return None, False
        ours = read.intended or on_disk
        others = self.sessions.others_since(rel, read.mark)
        earlier = [r for r in others if r.before != ours]
        replaced = earlier[-1].after if earlier else None
        theirs = replaced if replaced not in (None, on_disk, ours) else None
        return theirs, any(r.before == ours for r in others)

    def _repair(self, rp: ResolvedPath, disk: Disk, base: str, theirs: str) -> tuple[str, str]:
        """Another client wrote ``theirs`` between this session's two hooks and the tool replaced it: merge."""
        try:
            ours_text = disk.text(rp.given)
            theirs_text = self._blob_text(theirs, rp.given)
            outcome = merge(self._blob_text(base, rp.given), theirs_text, ours_text, rp.rel,
                            mode=configured_mode(self.config.raw))
        except WorkspaceError:
            return "", ""
        if outcome.clean and outcome.text == ours_text:
            return "", ""  # the tool's result already holds their change
        who = self._who(rp.rel, theirs)
        if not outcome.clean:
            return self._put_back(rp, disk, base, theirs, theirs_text, outcome.text, who), ""
        with self._workspace() as ws:
            result = ws.write(rp.rel, outcome.text, expected_version=disk.version)
        if result.version is not None:
            self.sessions.remember(rp.rel, result.version, None)
        return "", (f"devreliab: {who} wrote {rp.rel} while your tool ran; both changes were merged "
                    f"(now version {_short(result.version)}). Read it before your next edit of it.")

    def _put_back(self, rp: ResolvedPath, disk: Disk, base: str, theirs: str, theirs_text: str, merged: str,
                  who: str) -> str:
        """Overlapping: their version goes back on disk, the tool's result into a conflict record."""
        with self._workspace() as ws:
            result = ws.write(rp.rel, theirs_text, expected_version=disk.version)
        conflict_id = self.versions.add_conflict(rp.rel, None if base == ABSENT else base, theirs,
                                                 self.versions.get_blob(theirs), disk.version or "", disk.data or b"",
                                                 merged, self.author)
        if result.version is not None:
            self.sessions.remember(rp.rel, result.version, None)
        return (f"{rp.rel}: {who} wrote it while your tool ran and the two changes overlap, so devreliab put "
                f"their version back and kept yours in conflict {conflict_id} (list_conflicts / show_conflict). "
                f"Read {rp.rel} again and redo your change on top of theirs.")

    def _guidance(self, rel: str, before: str | None, after: bytes) -> str:
        """What this write made worse in the gate, for a Python file (``mcp.guidance_on_write``): the same lines
        the MCP tools answer with, computed through the workspace's analysis cache."""
        if not rel.endswith(".py") or not self.config.guidance_on_write:
            return ""
        from ..guidance._delta import write_guidance  # lazy: the analysers load only for Python writes

        old = self.versions.get_blob(before) if before else None
        lines = write_guidance(rel, old, after, self.config, self.store)
        return "devreliab guidance for this write:\n" + "\n".join(f"- {line}" for line in lines) if lines else ""
