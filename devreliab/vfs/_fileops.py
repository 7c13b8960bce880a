"""Deleting, moving and creating directories, versioned and journaled like writes.

A delete or a move is based on the version this client read (or ``expected_version``): when the file changed
since, nothing happens and the answer is ``conflict`` with the current version — another agent's change is
never deleted unseen. The deleted (or moved) content is kept in the version store and journaled (action
``delete`` / ``move``; the row's version after is ``absent``), so ``restore_version`` brings a deleted file back.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .._errors import FileNotFound, VersionRequired, WorkspaceError
from ._paths import ResolvedPath

if TYPE_CHECKING:
    from ._workspace import Workspace

ABSENT = "absent"
FileOpStatus = Literal["deleted", "moved", "created", "exists", "conflict"]


@dataclass(frozen=True)
class FileOpResult:
    """The outcome of a delete, a move or a directory creation."""

    status: FileOpStatus
    path: str
    version: str | None = None  # the file's version (a move: the version now at the new path)
    current_version: str | None = None  # conflict: the version on disk now
    message: str | None = None  # conflict: what happened and what to do

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in vars(self).items() if v is not None}


def _base(ws: Workspace, rp: ResolvedPath, expected_version: str | None) -> str | None:
    return expected_version if expected_version is not None else ws.last_read_version(rp.given)


def _changed_since(rp: ResolvedPath, base: str | None, current: str, verb: str) -> FileOpResult | None:
    """None when the client may go ahead; else why not (a refusal or a conflict answer)."""
    if base is None:
        raise VersionRequired(f"{rp.given!r} exists (version {current}) and this client has not read it; read it "
                              f"first or pass expected_version, so a change made meanwhile is not {verb}", current)
    if base == current:
        return None
    return FileOpResult("conflict", rp.rel, current_version=current, message=(
        f"{rp.given!r} changed since the version you based this on ({base}); nothing was {verb}. read_file it "
        "again, and if you still mean it, do it again with the version you read."))


@contextlib.contextmanager
def _held(ws: Workspace, *rels: str) -> Iterator[None]:
    """The per-path locks of ``rels``, taken in one order so two moves cannot deadlock."""
    with contextlib.ExitStack() as stack:
        for rel in sorted(set(rels)):
            stack.enter_context(ws._locks.hold(rel))
        yield


def delete(ws: Workspace, path: str, expected_version: str | None) -> FileOpResult:
    rp = ws._sandbox.resolve(path, for_write=True)
    base = _base(ws, rp, expected_version)
    with _held(ws, rp.rel), ws._sandbox.parent_dir(rp) as dir_fd:
        disk = ws._read_disk(rp, dir_fd)
        if disk.data is None or disk.version is None:
            raise FileNotFound(f"{rp.given!r} does not exist; list_directory shows what does")
        refused = _changed_since(rp, base, disk.version, "deleted")
        if refused is not None:
            return refused
        ws._versions.put_blobs({disk.version: disk.data})  # the deleted text can be restored
        row = ws._versions.record_event(rp.rel, disk.version, ABSENT, ws.client_id, "delete")
        try:
            os.unlink(rp.parts[-1], dir_fd=dir_fd)
        except OSError as exc:
            ws._versions.drop_journal(row)
            raise WorkspaceError(f"{rp.given!r}: the delete failed: {exc.strerror or exc}") from exc
    ws._last_read[rp.rel] = ABSENT
    return FileOpResult("deleted", rp.rel, version=disk.version)


def move(ws: Workspace, source: str, destination: str, expected_version: str | None) -> FileOpResult:
    src = ws._sandbox.resolve(source, for_write=True)
    dst = ws._sandbox.resolve(destination, for_write=True)
    if src.rel == dst.rel:
        raise WorkspaceError(f"{source!r} and {destination!r} are the same path")
    base = _base(ws, src, expected_version)
    with _held(ws, src.rel, dst.rel), ws._sandbox.parent_dir(src) as src_fd, \
            ws._sandbox.parent_dir(dst, create=True) as dst_fd:
        disk = ws._read_disk(src, src_fd)
        if disk.data is None or disk.version is None:
            raise FileNotFound(f"{src.given!r} does not exist; list_directory shows what does")
        if ws._read_disk(dst, dst_fd).data is not None:
            raise WorkspaceError(f"{dst.given!r} already exists; move_file never replaces a file (delete it "
                                 "first if you mean to)")
        refused = _changed_since(src, base, disk.version, "moved")
        if refused is not None:
            return refused
        version = disk.version
        rows = [ws._versions.record_event(src.rel, version, ABSENT, ws.client_id, "move"),
                ws._versions.record_write(dst.rel, None, version, disk.data, ws.client_id, "move")]
        try:
            os.rename(src.parts[-1], dst.parts[-1], src_dir_fd=src_fd, dst_dir_fd=dst_fd)
        except OSError as exc:
            for row in rows:
                ws._versions.drop_journal(row)
            raise WorkspaceError(f"{src.given!r}: the move failed: {exc.strerror or exc}") from exc
    ws._last_read[src.rel] = ABSENT
    ws._last_read[dst.rel] = version
    return FileOpResult("moved", dst.rel, version=version)


def create_directory(ws: Workspace, path: str) -> FileOpResult:
    rp = ws._sandbox.resolve(path, for_write=True)
    with ws._sandbox.parent_dir(rp, create=True) as dir_fd:
        try:
            os.mkdir(rp.parts[-1], 0o777, dir_fd=dir_fd)
        except FileExistsError:
            if not _is_dir(dir_fd, rp.parts[-1]):
                raise WorkspaceError(f"{rp.given!r} exists and is not a directory") from None
            return FileOpResult("exists", rp.rel)
    return FileOpResult("created", rp.rel)


def _is_dir(dir_fd: int, name: str) -> bool:
    import stat

    return stat.S_ISDIR(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
