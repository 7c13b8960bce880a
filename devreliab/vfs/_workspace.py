"""``Workspace``: the versioned, caching, conflict-safe view of one directory tree.

One ``Workspace`` object is one client: it remembers the version of every file it last read, and a write
without ``expected_version`` is based on that. Everything processes must agree on (versions, journal,
conflicts, locks) lives in the state store under ``.devreliab/``; the content cache is process memory.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import stat
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from cachetools import LRUCache

from .._config import Config, load_config
from .._errors import (
    BinaryFileError,
    ConflictNotFound,
    EditError,
    EncodingError,
    FileNotFound,
    FileTooLarge,
    InvalidPath,
    StateStoreError,
    VersionNotFound,
    VersionRequired,
    WorkspaceError,
)
from .._policy import WorkspacePolicy
from .._store import StateStore
from . import _fileops
from ._cache import CacheStats, ContentCache, Entry, Signature
from ._diff import unified_diff as _diff
from ._edits import Edit, apply_edits, as_edits
from ._fileops import FileOpResult
from ._listing import list_directory
from ._locks import PathLocks
from ._merge import configured_mode, labelled, merge
from ._notices import take_notices
from ._paths import ResolvedPath, Sandbox, atomic_write, ensure_regular_target, read_fd
from ._results import (
    ChangeEvent,
    ConflictDetail,
    ConflictList,
    ConflictSummary,
    EditResult,
    FileInfo,
    History,
    HistoryEntry,
    Listing,
    ReadError,
    ReadResult,
    ResolveResult,
    RestoreResult,
    SearchResult,
    WriteResult,
    WriteStatus,
)
from ._search import search
from ._text import (
    DEFAULT_FORMAT,
    TextFormat,
    WindowTooLarge,
    count_lines,
    decode,
    describe_stream,
    encode,
    is_binary,
    split_lines,
    version_of,
)
from ._versions import ConflictRow, VersionStore

if TYPE_CHECKING:
    from ._history import HistoryKeeper
    from ._watch import Watcher

ABSENT: Final = "absent"
"""``expected_version`` meaning "I expect this file not to exist yet"."""

DEFAULT_VERSIONS_MAX_BYTES: Final = 256 * 1024 * 1024
DEFAULT_RACY_WINDOW_S: Final = 2.0
#: ripgrep streams files, so search looks inside files too big to read whole (a ranged read then shows the lines)
SEARCH_MAX_FILE_BYTES: Final = 2 * 1024 * 1024 * 1024

PathArg = str | os.PathLike[str]
log = logging.getLogger("devreliab.vfs")

def _fsync_and_close(fd: int) -> None:
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class _Disk:
    """What a write found on disk inside the critical section."""

    data: bytes | None
    version: str | None
    st: os.stat_result | None

    def text(self, name: str) -> tuple[str, TextFormat]:
        assert self.data is not None
        return decode(self.data, name)


@dataclass(frozen=True)
class _Plan:
    """What to do: write ``data`` with ``status``, or answer ``result`` without writing."""

    status: WriteStatus | None = None
    data: bytes | None = None
    before_text: str = ""
    after_text: str = ""
    result: WriteResult | None = None


_VERSION = re.compile(r"sha256:[0-9a-f]{64}")


class _NoReadMemory(dict[str, str]):
    """The read memory of a workspace shared by clients without an identity: it keeps nothing, so every
    overwrite must name its base."""

    def __setitem__(self, key: str, value: str) -> None:
        return None


def _checked(version: str, *, absent_ok: bool = True) -> str:
    """``version`` if it is a version (or ABSENT where allowed); a clear error otherwise."""
    if isinstance(version, str) and (_VERSION.fullmatch(version) or (absent_ok and version == ABSENT)):
        return version
    also = f' or "{ABSENT}"' if absent_ok else ""
    raise WorkspaceError(f"{version!r} is not a version: expected 'sha256:' and 64 hex digits{also}, "
                         "as returned by read or write")


def _lines(text: str, start: int | None, end: int | None, name: str) -> str:
    if start is None and end is None:
        return text
    first = 1 if start is None else start
    if first < 1 or (end is not None and end < first):
        raise WorkspaceError(
            f"{name!r}: start_line must be ≥ 1 and end_line ≥ start_line (got {start}, {end})")
    return "".join(split_lines(text)[first - 1: end])


class Workspace:
    """The workspace rooted at ``root`` as seen by one client.

    The client remembers the version it last read of each file and bases writes on it. Threads that share
    one Workspace share that memory, so they should pass ``expected_version`` (or use a Workspace each);
    everything else is thread-safe.
    """

    def __init__(self, root: PathArg, config: Config | None = None, *, client_id: str | None = None,
                 versions_max_bytes: int | None = None, racy_window_s: float | None = None,
                 remember_reads: bool = True) -> None:
        self._sandbox = Sandbox(root)
        self.root = self._sandbox.root
        self.config = config if config is not None else load_config(self.root)
        self.client_id = client_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._store = StateStore(self.root)
        # what is part of the workspace (the excludes), for listing, search and the watcher alike
        self.policy = WorkspacePolicy(self.config.all_excludes)
        versions = self.config.raw.get("versions", {})
        cache = self.config.raw.get("cache", {})
        if versions_max_bytes is None:
            versions_max_bytes = int(versions.get("max_bytes", DEFAULT_VERSIONS_MAX_BYTES))
        if racy_window_s is None:
            racy_window_s = cache.get("racy_window_ms", DEFAULT_RACY_WINDOW_S * 1000) / 1000
        self._versions = VersionStore(self._store, versions_max_bytes)
        self._locks = PathLocks(self._store.dir)
        self._cache = ContentCache(self.config.cache_max_bytes, int(racy_window_s * 1e9))
        self._max_file = self.config.cache_max_file_bytes
        # remember_reads=False: a client without an identity (many share this object), whose base must be given
        self.remember_reads = remember_reads
        self._last_read: dict[str, str] = {} if remember_reads else _NoReadMemory()
        # path -> (version, "lines A-B of N") of reads that answered only part of a file (the MCP read cap, a
        # range): a whole-file write based on such a read would drop what the client never saw
        self.partial_reads: dict[str, tuple[str, str]] = {}
        self._stored: LRUCache[str, bool] = LRUCache(maxsize=20000)  # versions known to be stored
        self._watcher: Watcher | None = None
        self._history: HistoryKeeper | None = None
        self._subscribers: list[Callable[[ChangeEvent], None]] = []

    @property
    def store(self) -> StateStore:
        """The workspace's state store (``.devreliab/state.db``), for components that keep tables of their own
        in it, such as the analysis cache and the monitor's samples."""
        return self._store

    # -- lifecycle ----------------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the watcher and close the store connections of every thread that used this workspace."""
        self.stop_history()
        self.stop_watching()
        self._versions.close()
        self._store.close()

    def retire(self) -> None:
        """Stop the background writer of versions read (storing what it holds) but keep the store open, for an
        owner that drops a workspace a call may still be using; ``close`` is for one nothing uses any more."""
        self._versions.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- loading through the cache ------------------------------------------------------------------------
    def _load(self, given: str) -> Entry:
        try:
            return self._load_file(given)
        except OSError as exc:
            raise WorkspaceError(f"{given!r}: cannot be read: {exc.strerror or exc}") from exc

    def _load_file(self, given: str) -> Entry:
        rp = self._sandbox.resolve(given)
        try:
            fd = self._sandbox.open_file(rp)
        except FileNotFound:
            self._last_read[rp.rel] = ABSENT
            raise
        try:
            for _ in range(5):
                st = os.fstat(fd)
                if st.st_size > self._max_file:
                    raise FileTooLarge(
                        f"{given!r} is {st.st_size} bytes, over the {self._max_file}-byte limit "
                        "(cache.max_file_bytes in devreliab.jsonc)")
                os.lseek(fd, 0, os.SEEK_SET)
                data = read_fd(fd, st.st_size)
                after = os.fstat(fd)
                if Signature.of(st) == Signature.of(after) and len(data) == after.st_size:
                    break
        finally:
            os.close(fd)
        version = version_of(data)
        text: str | None = None
        fmt: TextFormat | None = None
        with contextlib.suppress(WorkspaceError):
            text, fmt = decode(data, given)
        entry = self._cache.make_entry(rp.rel, data, version, after, text, fmt,
                                       count_lines(text) if text is not None else 0)
        self._cache.put(given, entry)
        if text is not None and version not in self._stored:
            try:
                self._versions.remember(version, data)
            except StateStoreError as exc:  # a read still works; a write based on it merges against ""
                log.warning("%r: the version read could not be stored: %s", given, exc)
            else:
                self._stored[version] = True
        return entry

    def _entry(self, path: PathArg) -> tuple[str, Entry]:
        given = os.fspath(path)
        if not isinstance(given, str):
            raise InvalidPath(f"{given!r}: give paths as text, not bytes")
        entry = self._cache.lookup(given, self._sandbox.joined(given)) if "\x00" not in given else None
        return given, entry if entry is not None else self._load(given)

    # -- reading ------------------------------------------------------------------------------------------
    def read(self, path: PathArg, *, start_line: int | None = None, end_line: int | None = None,
             if_version: str | None = None) -> ReadResult:
        """A file's text (or lines ``start_line``..``end_line``, 1-based inclusive) and version.

        With ``if_version`` equal to the current version the answer is ``unchanged=True`` without content.
        A file over the size limit can still be read by range: it is streamed (memory stays bounded, the range
        itself must fit the limit) and not cached.
        """
        try:
            given, entry = self._entry(path)
        except FileTooLarge:
            if start_line is None and end_line is None:
                raise
            return self._read_large(path, start_line, end_line, if_version)
        return self._read_answer(given, entry, start_line, end_line, if_version)

    def _read_large(self, path: PathArg, start_line: int | None, end_line: int | None,
                    if_version: str | None) -> ReadResult:
        given = os.fspath(path)
        first = 1 if start_line is None else start_line
        if first < 1 or (end_line is not None and end_line < first):
            raise WorkspaceError(
                f"{given!r}: start_line must be ≥ 1 and end_line ≥ start_line (got {start_line}, {end_line})")
        rp = self._sandbox.resolve(path)
        fd = self._sandbox.open_file(rp)
        try:
            facts = describe_stream(lambda n: os.read(fd, n), window=(first, end_line),
                                    max_window_chars=self._max_file)
        except WindowTooLarge as exc:
            raise FileTooLarge(f"{given!r}: {exc}; ask for fewer lines") from None
        finally:
            os.close(fd)
        if facts.binary or facts.encoding is None or facts.window is None:
            raise BinaryFileError(f"{given!r} is not text (binary or not decodable); file_info describes it")
        self._last_read[rp.rel] = facts.version
        if if_version is not None and if_version == facts.version:
            return ReadResult(path=rp.rel, version=facts.version, unchanged=True)
        return ReadResult(path=rp.rel, version=facts.version, content=facts.window, encoding=facts.encoding,
                          line_ending=facts.line_ending, total_lines=facts.total_lines)

    def read_cached(self, path: PathArg, *, start_line: int | None = None, end_line: int | None = None,
                    if_version: str | None = None, load_up_to: int = 0) -> ReadResult | None:
        """``read``'s answer when it is cheap enough for an event loop: the cache has the file as it is on disk
        (one ``stat``), or it is a file of at most ``load_up_to`` bytes (read and hashed here; the version store
        is written later, by its own thread). None when a real ``read`` is needed."""
        given = os.fspath(path)
        if not isinstance(given, str) or "\x00" in given:
            return None
        joined = self._sandbox.joined(given)
        entry = self._cache.lookup(given, joined, count_miss=False)
        if entry is not None:
            return self._read_answer(given, entry, start_line, end_line, if_version)
        if load_up_to > 0:
            try:
                st = os.stat(joined)
            except OSError:
                return None
            if stat.S_ISREG(st.st_mode) and st.st_size <= load_up_to:
                return self.read(given, start_line=start_line, end_line=end_line, if_version=if_version)
        return None

    def _read_answer(self, given: str, entry: Entry, start_line: int | None, end_line: int | None,
                     if_version: str | None) -> ReadResult:
        self._last_read[entry.rel] = entry.version
        if if_version is not None and if_version == entry.version:
            return ReadResult(path=entry.rel, version=entry.version, unchanged=True)
        if entry.text is None or entry.fmt is None:
            decode(entry.data, given)  # raises the precise BinaryFileError / EncodingError
            raise EncodingError(f"{given!r} could not be decoded")  # pragma: no cover
        return ReadResult(path=entry.rel, version=entry.version,
                          content=_lines(entry.text, start_line, end_line, given),
                          encoding=entry.fmt.encoding, line_ending=entry.fmt.line_ending,
                          total_lines=entry.total_lines)

    def read_many(self, paths: Iterable[PathArg]) -> list[ReadResult | ReadError]:
        """``read`` each path; a failure is reported in place, the others are still read."""
        out: list[ReadResult | ReadError] = []
        for path in paths:
            try:
                out.append(self.read(path))
            except WorkspaceError as exc:
                out.append(ReadError(path=os.fspath(path), error=type(exc).__name__, message=str(exc)))
        return out

    def file_info(self, path: PathArg) -> FileInfo:
        """Size, version, mtime, encoding, line ending and whether the file is binary.

        Files over the size limit are described too, by streaming them (they are not cached).
        """
        try:
            _, entry = self._entry(path)
        except FileTooLarge:
            return self._large_file_info(path)
        return FileInfo(path=entry.rel, size=len(entry.data), version=entry.version,
                        mtime=entry.sig.mtime_ns / 1e9,
                        encoding=entry.fmt.encoding if entry.fmt else None,
                        line_ending=entry.fmt.line_ending if entry.fmt else None,
                        binary=is_binary(entry.data))

    def _large_file_info(self, path: PathArg) -> FileInfo:
        rp = self._sandbox.resolve(path)
        fd = self._sandbox.open_file(rp)
        try:
            st = os.fstat(fd)
            facts = describe_stream(lambda n: os.read(fd, n))
        finally:
            os.close(fd)
        return FileInfo(path=rp.rel, size=facts.size, version=facts.version, mtime=st.st_mtime_ns / 1e9,
                        encoding=facts.encoding, line_ending=facts.line_ending, binary=facts.binary)

    def relative(self, path: PathArg) -> str:
        """``path`` as the workspace names it ('/'-separated, relative to the root); refuses one outside."""
        return self._sandbox.resolve(path).rel

    def last_read_version(self, path: PathArg) -> str | None:
        """The version of ``path`` this client last read or wrote (``ABSENT`` if it found no file)."""
        return self._last_read.get(self._sandbox.resolve(path).rel)

    # -- the guarded write --------------------------------------------------------------------------------
    def _read_disk(self, rp: ResolvedPath, dir_fd: int) -> _Disk:
        name = rp.parts[-1]
        st = ensure_regular_target(rp, dir_fd, name)
        if st is None:
            return _Disk(None, None, None)
        fd = self._sandbox.open_in(rp, dir_fd, name)
        try:
            st = os.fstat(fd)
            if st.st_size > self._max_file:
                raise FileTooLarge(
                    f"{rp.given!r} is {st.st_size} bytes, over the {self._max_file}-byte limit")
            data = read_fd(fd, st.st_size)
        finally:
            os.close(fd)
        return _Disk(data, version_of(data), st)

    def _guarded(self, rp: ResolvedPath, decide: Callable[[_Disk], _Plan], action: str) -> WriteResult:
        """Inside the per-path critical section: look at the disk, decide, write atomically, record."""
        try:
            return self._guarded_write(rp, decide, action)
        except OSError as exc:
            raise WorkspaceError(f"{rp.given!r}: the write failed: {exc.strerror or exc}") from exc

    def _guarded_write(self, rp: ResolvedPath, decide: Callable[[_Disk], _Plan], action: str) -> WriteResult:
        sync_fd: int | None = None  # the directory to fsync once the lock is released
        try:
            with self._locks.hold(rp.rel), self._sandbox.parent_dir(rp, create=True) as dir_fd:
                disk = self._read_disk(rp, dir_fd)
                plan = decide(disk)
                if plan.result is not None:
                    return plan.result
                assert plan.status is not None and plan.data is not None
                if plan.data == disk.data:
                    new_version = disk.version
                else:
                    if len(plan.data) > self._max_file:
                        raise FileTooLarge(
                            f"{rp.given!r}: the new content is {len(plan.data)} bytes, over the "
                            f"{self._max_file}-byte limit; nothing was written")
                    new_version = version_of(plan.data)
                    # The version and its journal row are recorded once the temp file is complete and before it
                    # replaces the file: a full disk fails the temp file or the store first, and either way
                    # nothing is written and nothing journalled. Only a failing rename takes the row back.
                    rows: list[int] = []
                    version, data, before = new_version, plan.data, disk.version

                    def record() -> None:
                        try:
                            rows.append(self._versions.record_write(rp.rel, before, version, data,
                                                                    self.client_id, action, disk.data))
                        except StateStoreError as exc:
                            raise StateStoreError(f"{rp.given!r}: nothing was written: {exc}") from exc

                    try:
                        atomic_write(dir_fd, rp.parts[-1], plan.data, disk.st.st_mode if disk.st else None,
                                     sync_dir=False, before_rename=record)
                    except BaseException:
                        if rows:
                            with contextlib.suppress(StateStoreError):
                                self._versions.drop_journal(rows[0])
                        raise
                    sync_fd = os.dup(dir_fd)
            # The rename is visible to everyone at once; making it durable need not hold up the next writer
            # (a crash leaves one complete version either way), so the directory is fsynced after the lock is
            # released; this call returns only once it is.
            if sync_fd is not None:
                fd, sync_fd = sync_fd, None
                _fsync_and_close(fd)
            assert new_version is not None
            self._stored[new_version] = True
            self._last_read[rp.rel] = new_version
            # Not cached: a file written this instant is racily clean and would be re-hashed on the next read.
            diff = _diff(plan.before_text, plan.after_text, rp.rel)
        finally:
            if sync_fd is not None:
                _fsync_and_close(sync_fd)
        return WriteResult(status=plan.status, version=new_version, diff=diff)

    def _merge_plan(self, rp: ResolvedPath, disk: _Disk, base: str | None, ours: str) -> _Plan:
        """Plan a text write of ``ours`` based on ``base`` over what ``disk`` holds now."""
        if disk.data is None:
            data = encode(ours, DEFAULT_FORMAT, rp.given)
            return _Plan("created", data, "", ours)
        theirs, fmt = disk.text(rp.given)
        if base is None:
            raise VersionRequired(self._base_needed(rp.given, disk.version or ""), disk.version or "")
        if base == disk.version:
            return _Plan("written", encode(ours, fmt, rp.given), theirs, ours)
        if base == ABSENT:
            base_text = ""
        else:
            base_data = self._versions.get_blob(base)
            base_text = decode(base_data, rp.given)[0] if base_data is not None else ""
        incoming = ours.replace("\r\n", "\n") if fmt.line_ending != "mixed" else ours
        outcome = merge(base_text, theirs, incoming, rp.rel, mode=configured_mode(self.config.raw))
        if outcome.clean:
            return _Plan("merged", encode(outcome.text, fmt, rp.given), theirs, outcome.text)
        ours_data = encode(ours, fmt, rp.given)
        theirs_by = self._writer_of(rp.rel, disk.version)
        text = labelled(outcome.text, theirs_by, self.client_id)
        conflict_id = self._versions.add_conflict(
            rp.rel, None if base == ABSENT else base, disk.version, disk.data, version_of(ours_data),
            ours_data, text, self.client_id)
        hunks = "".join(f"@@ line {c.line}: {c.reason} @@\n{labelled(c.hunk, theirs_by, self.client_id)}"
                        for c in outcome.conflicts)
        return _Plan(result=WriteResult(status="conflict", version=None, conflict_id=conflict_id,
                                        current_version=disk.version, diff=text, hunks=hunks or None))

    def _writer_of(self, rel: str, version: str | None) -> str:
        """Who wrote ``version`` of ``rel``, from the journal (a writer outside devreliab when it says nothing)."""
        for row in self._versions.history(rel, 20):
            if row.after == version:
                return row.client
        return "a writer outside devreliab"

    def _base_needed(self, given: str, current: str) -> str:
        if not self.remember_reads:
            return (f"{given!r} exists (version {current}) and this connection has no session, so devreliab cannot "
                    "know which version you read: pass expected_version=<the version your read answered with> "
                    "(a change made since is then merged, never overwritten)")
        return (f"{given!r} exists (version {current}) and this client has not read it; read it first or pass "
                "expected_version, so a change made meanwhile is not overwritten")

    def write(self, path: PathArg, content: str, *, expected_version: str | None = None) -> WriteResult:
        """Write ``content``; a change made meanwhile is merged, or reported as a conflict — never lost.

        The base is ``expected_version``, else the version this client last read. Overwriting an existing
        file with no base raises VersionRequired (carrying the current version); ``ABSENT`` as the base says
        "I am creating this file", and a file that appeared meanwhile is merged against an empty base.
        """
        if not isinstance(content, str):
            raise WorkspaceError("content must be text (str)")
        rp = self._sandbox.resolve(path, for_write=True)
        base = _checked(expected_version) if expected_version is not None else self._last_read.get(rp.rel)
        return self._guarded(rp, lambda disk: self._merge_plan(rp, disk, base, content), "write")

    def edit(self, path: PathArg, edits: Iterable[Edit | Mapping[str, Any]], *,
             expected_version: str | None = None, dry_run: bool = False) -> EditResult:
        """Apply search-and-replace edits to the file as it is on disk now.

        Each ``old_text`` must match exactly once (or set ``replace_all``); it is its own guard, so edits are
        applied to the current content inside the critical section and a change made meanwhile elsewhere in
        the file is kept (status ``merged`` when the file moved on from ``expected_version``/the last read).
        """
        rp = self._sandbox.resolve(path, for_write=True)
        todo = as_edits(edits)
        base = _checked(expected_version) if expected_version is not None else self._last_read.get(rp.rel)
        if dry_run:
            entry = self._load(rp.given)
            text, _ = decode(entry.data, rp.given)
            new = apply_edits(text, todo, rp.given)
            return EditResult(status="dry_run", version=entry.version, diff=_diff(text, new, rp.rel))

        def decide(disk: _Disk) -> _Plan:
            if disk.data is None:
                raise FileNotFound(f"{rp.given!r} does not exist; use write to create it")
            text, fmt = disk.text(rp.given)
            try:
                new = apply_edits(text, todo, rp.given)
            except EditError as exc:
                return self._edit_on_base(rp, disk, base, todo, exc)
            status: WriteStatus = "merged" if base not in (None, disk.version) else "written"
            return _Plan(status, encode(new, fmt, rp.given), text, new)

        result = self._guarded(rp, decide, "edit")
        diff = (result.hunks or result.diff) if result.status == "conflict" else result.diff  # a conflict: its places
        return EditResult(status=result.status, version=result.version, diff=diff or "",
                          conflict_id=result.conflict_id, current_version=result.current_version)

    def _edit_on_base(self, rp: ResolvedPath, disk: _Disk, base: str | None, todo: list[Edit],
                      failed: EditError) -> _Plan:
        """An edit whose old_text is not in the file because the file moved on since this client's base: the
        edit applied to the base and merged with what changed since (merged, or a conflict record). When it
        does not apply to the base either, the error says who wrote since."""
        if base in (None, ABSENT, disk.version):
            raise failed
        data = self._versions.get_blob(base) if base is not None else None
        try:
            ours = apply_edits(decode(data, rp.given)[0], todo, rp.given) if data is not None else None
        except EditError:
            ours = None
        if ours is None:
            raise EditError(f"{failed}\n{self._moved_on(rp, base)}") from None
        return self._merge_plan(rp, disk, base, ours)

    def _moved_on(self, rp: ResolvedPath, base: str | None) -> str:
        """Who wrote the file since ``base``, newest first (from the journal)."""
        writers: list[str] = []
        for row in self._versions.history(rp.rel, 20):
            if row.after == base:
                break
            if row.client not in writers:
                writers.append(row.client)
        who = ", ".join(writers[:3]) if writers else "a writer outside devreliab"
        return f"The file changed since the version you based this edit on ({base}); written since by {who}."

    # -- conflicts ----------------------------------------------------------------------------------------
    @staticmethod
    def _summary(row: ConflictRow) -> ConflictSummary:
        return ConflictSummary(id=row.id, path=row.path, base_version=row.base, current_version=row.theirs,
                               incoming_version=row.ours, client=row.client, created=row.created,
                               status=row.status, kind=row.kind, proposal_clean=row.clean)

    def list_conflicts(self, *, include_resolved: bool = False) -> ConflictList:
        """Open conflicts of the whole workspace (from every client), oldest first."""
        rows = self._versions.conflicts(include_resolved=include_resolved)
        return ConflictList([self._summary(r) for r in rows])

    def _conflict(self, conflict_id: str) -> ConflictRow:
        row = self._versions.conflict(conflict_id)
        if row is None:
            raise ConflictNotFound(f"no conflict with id {conflict_id!r}; list_conflicts shows the open ones")
        return row

    def _blob_text(self, version: str | None, name: str) -> str | None:
        if version is None:
            return None
        data = self._versions.get_blob(version)
        if data is None:
            raise VersionNotFound(f"{name!r}: version {version} is no longer in the version store")
        return decode(data, name)[0]

    def show_conflict(self, conflict_id: str) -> ConflictDetail:
        """Base, theirs (disk at the time), ours (the incoming text) and the marked-up merge."""
        row = self._conflict(conflict_id)
        ours = self._blob_text(row.ours, row.path)
        assert ours is not None
        return ConflictDetail(conflict=self._summary(row), base=self._blob_text(row.base, row.path),
                              theirs=self._blob_text(row.theirs, row.path), ours=ours, merged=row.merged)

    @staticmethod
    def _clean_proposal(row: ConflictRow) -> str:
        """The merged proposal of an overwritten conflict, when it merged cleanly."""
        if not row.clean:
            raise WorkspaceError(f"conflict {row.id!r}: its proposal did not merge cleanly (it has conflict "
                                 "markers); resolve with 'content' and the merged text, or 'ours'/'theirs'")
        return row.merged

    def _resolution_text(self, row: ConflictRow, resolution: str, content: str | None) -> str:
        if resolution == "ours":
            text = self._blob_text(row.ours, row.path)
            assert text is not None
            return text
        if resolution == "theirs":
            return (self._blob_text(row.theirs, row.path) or "") if row.theirs else ""
        if resolution == "content":
            if content is None:
                raise WorkspaceError("resolution 'content' needs the resolved text in content")
            return content
        if resolution == "merged":
            return self._clean_proposal(row)
        raise WorkspaceError(f"resolution must be 'ours', 'theirs', 'merged' or 'content', not {resolution!r}")

    def resolve_conflict(self, conflict_id: str, resolution: str,
                         content: str | None = None) -> ResolveResult:
        """Resolve with ``ours`` (the incoming text), ``theirs`` (keep the disk), ``merged`` (the stored proposal,
        when it merged cleanly) or ``content``.

        This is a versioned write based on the disk version at the time of the conflict: if the file moved
        on since, the resolution is merged with that change (or conflicts again, with a new id).
        """
        row = self._conflict(conflict_id)
        if row.status != "open":
            raise WorkspaceError(f"conflict {conflict_id!r} is already {row.status}")
        text = self._resolution_text(row, resolution, content)
        rp = self._sandbox.resolve(row.path, for_write=True)
        base = row.theirs or ABSENT
        result = self._guarded(rp, lambda disk: self._merge_plan(rp, disk, base, text), "resolve")
        if result.status == "conflict":
            self._versions.close_conflict(conflict_id, "superseded", None)
        else:
            self._versions.close_conflict(conflict_id, "resolved", result.version)
        return ResolveResult(status=result.status, version=result.version, conflict_id=result.conflict_id)

    # -- history ------------------------------------------------------------------------------------------
    def file_history(self, path: PathArg, limit: int = 20) -> History:
        """The versions written to ``path`` through devreliab, newest first."""
        rp = self._sandbox.resolve(path)
        rows = self._versions.history(rp.rel, max(1, limit))
        return History(path=rp.rel, versions=[
            HistoryEntry(version=r.after, before=r.before, client=r.client, time=r.time, action=r.action)
            for r in rows])

    def restore_version(self, path: PathArg, version: str, *,
                        expected_version: str | None = None) -> RestoreResult:
        """Write back a stored version, byte for byte (a versioned write; without expected_version the
        restore replaces whatever is on disk, as restoring is an explicit decision)."""
        rp = self._sandbox.resolve(path, for_write=True)
        if expected_version is not None:
            _checked(expected_version)
        data = self._versions.get_blob(_checked(version, absent_ok=False))
        if data is None:
            raise VersionNotFound(f"{rp.given!r}: version {version} is not in the version store; "
                                  "file_history lists the versions devreliab kept")

        def decide(disk: _Disk) -> _Plan:
            if expected_version is not None and disk.data is not None and expected_version != disk.version:
                return self._merge_plan(rp, disk, expected_version, decode(data, rp.given)[0])
            before = disk.text(rp.given)[0] if disk.data is not None and not is_binary(disk.data) else ""
            after = decode(data, rp.given)[0] if not is_binary(data) else ""
            return _Plan("created" if disk.data is None else "written", data, before, after)

        result = self._guarded(rp, decide, "restore")
        return RestoreResult(status=result.status, version=result.version, conflict_id=result.conflict_id)

    # -- deleting, moving, directories (see _fileops) -------------------------------------------------------
    def delete(self, path: PathArg, *, expected_version: str | None = None) -> FileOpResult:
        """Delete a file this client read (or whose ``expected_version`` it names); a file changed since is
        not deleted (status ``conflict``). The content stays restorable with restore_version."""
        return _fileops.delete(self, os.fspath(path), _checked(expected_version) if expected_version else None)

    def move(self, source: PathArg, destination: PathArg, *, expected_version: str | None = None) -> FileOpResult:
        """Rename a file (never over an existing one), on the same terms as ``delete``."""
        return _fileops.move(self, os.fspath(source), os.fspath(destination),
                             _checked(expected_version) if expected_version else None)

    def create_directory(self, path: PathArg) -> FileOpResult:
        """Create a directory and its missing parents (status ``exists`` when it was there)."""
        return _fileops.create_directory(self, os.fspath(path))

    # -- listing and searching ----------------------------------------------------------------------------
    def list_directory(self, path: PathArg = ".", *, depth: int = 1, include_hidden: bool = False,
                       max_entries: int = 1000) -> Listing:
        """Entries under ``path`` down to ``depth`` levels, respecting .gitignore and the config excludes."""
        rp = self._sandbox.resolve(path)
        return list_directory(self._sandbox, rp, depth=depth, include_hidden=include_hidden,
                              max_entries=max_entries, policy=self.policy)

    def search(self, pattern: str, *, path: PathArg = ".", glob: str | None = None,
               fixed_strings: bool = False, case_sensitive: bool = True, context_lines: int = 0,
               max_results: int = 100, timeout: float = 10.0) -> SearchResult:
        """Search file contents with ripgrep (respecting .gitignore); stops at ``max_results``/``timeout``."""
        rp = self._sandbox.resolve(path)
        return search(self._sandbox, rp, pattern, glob=glob, fixed_strings=fixed_strings,
                      case_sensitive=case_sensitive, context_lines=context_lines, max_results=max_results,
                      timeout=timeout, policy=self.policy,
                      max_filesize=max(self._max_file, SEARCH_MAX_FILE_BYTES))

    # -- cache and watcher --------------------------------------------------------------------------------
    def cache_stats(self) -> CacheStats:
        """Hits, misses, racy re-hashes, evictions, entries and bytes held by the content cache."""
        return self._cache.stats()

    def prune_versions(self) -> int:
        """Prune the version store to its budget now; returns the number of versions dropped."""
        self._stored.clear()
        return self._versions.prune()

    def subscribe(self, callback: Callable[[ChangeEvent], None]) -> Callable[[], None]:
        """Call ``callback`` for every change the watcher sees; returns a function that unsubscribes."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def _on_change(self, event: ChangeEvent) -> None:
        for rel in (event.path, event.dest_path):
            if rel is not None:
                self._cache.invalidate_rel(rel)
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:  # a subscriber's bug must not stop the watcher
                import logging

                logging.getLogger("devreliab.vfs").exception("change subscriber failed")

    def start_watching(self) -> None:
        """Start a watchdog observer that invalidates the cache early and emits change events."""
        if self._watcher is None:
            from ._watch import Watcher  # watchdog is imported only by workspaces that watch

            self._watcher = Watcher(self.root, self._on_change)
            self._watcher.start()

    def start_history(self) -> HistoryKeeper:
        """Take part in keeping the workspace's local history: this process competes for the lease, and while it
        holds it watches the tree and records every outside change (docs/workspace.md, "Local history")."""
        if self._history is None:
            from ._history import HistoryKeeper

            history = self.config.raw.get("history", {})
            self._history = HistoryKeeper(self, debounce_s=history.get("debounce_ms", 100) / 1000)
            self._history.start()
        return self._history

    def stop_history(self) -> None:
        if self._history is not None:
            self._history.stop()
            self._history = None

    @property
    def history_keeper(self) -> HistoryKeeper | None:
        """The local-history keeper of this process, when ``start_history`` was called."""
        return self._history

    def take_notices(self) -> list[str]:
        """One-line notices for this client (its accepted work was overwritten), each given once."""
        try:
            return take_notices(self._versions, self.client_id)
        except StateStoreError:
            return []

    def stop_watching(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
