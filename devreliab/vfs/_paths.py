"""The sandbox: every path is resolved against the workspace root and opened without following symlinks.

Validation happens twice. ``Sandbox.resolve`` checks the path as written (null bytes, ``..`` that climbs out,
absolute paths elsewhere, prefix collisions such as ``/w/project2`` next to ``/w/project``) and then the
physical path after ``realpath`` (symlinks whose target is outside). Opening then walks the *resolved*
path one directory at a time from a descriptor of the root with ``O_NOFOLLOW``: the resolved path holds no
symlinks, so meeting one during the walk means a link was swapped in after validation: the open is refused.
Writes happen inside the parent directory's descriptor (``dir_fd``), so a parent swapped for a symlink cannot
redirect them either.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .._errors import FileNotFound, InvalidPath, PathOutsideWorkspace, WorkspaceError
from .._store import STATE_DIR

_DIR_FLAGS: Final = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS: Final = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
TEMP_PREFIX: Final = ".devreliab-"
TEMP_SUFFIX: Final = ".tmp"


@dataclass(frozen=True, slots=True)
class ResolvedPath:
    """A validated path: ``rel`` is relative to the root with symlinks resolved ("." for the root)."""

    given: str
    rel: str
    abs: str

    @property
    def parts(self) -> tuple[str, ...]:
        return () if self.rel == "." else tuple(self.rel.split(os.sep))


def _os_error(rp: ResolvedPath, exc: OSError) -> WorkspaceError:
    """An operating-system error as a WorkspaceError that names the path."""
    return WorkspaceError(f"{rp.given!r}: {exc.strerror or exc} (errno {exc.errno})")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _check_text(given: str, name: str) -> None:
    """Refuse a name that is not UTF-8 text (a lone surrogate, or bytes decoded with surrogate escapes):
    it could not be recorded in the journal nor named in an answer."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidPath(f"{given!r}: the name is not valid UTF-8; devreliab works with file names that are "
                          "text. Rename the file") from None


class Sandbox:
    """Resolves and opens paths inside one root directory."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(os.path.realpath(root))
        self.root_str = str(self.root)
        if not self.root.is_dir():
            raise FileNotFound(f"workspace root {self.root_str} is not a directory")

    # -- validation ---------------------------------------------------------------------------------------
    def joined(self, given: str) -> str:
        """The path as written, made absolute against the root (no resolution)."""
        return given if os.path.isabs(given) else os.path.join(self.root_str, given)

    def _inside(self, path: str) -> bool:
        return path == self.root_str or path.startswith(self.root_str + os.sep)

    def resolve(self, path: str | os.PathLike[str], *, for_write: bool = False) -> ResolvedPath:
        """Validate ``path`` and return its resolved form; raise a WorkspaceError saying what is wrong."""
        if isinstance(path, bytes):
            raise InvalidPath(f"{path!r}: give paths as text, not bytes")
        given = os.fspath(path)
        if "\x00" in given:
            raise InvalidPath(f"{given!r}: the path contains a null byte; remove it")
        if given == "":
            given = "."
        _check_text(given, given)
        joined = self.joined(given)
        lexical = os.path.normpath(joined)
        if not self._inside(lexical):
            where = "is an absolute path outside" if os.path.isabs(given) else "climbs out of"
            raise PathOutsideWorkspace(
                f"{given!r} {where} the workspace {self.root_str}; use a path relative to the workspace root"
            )
        try:
            real = os.path.realpath(joined)
        except OSError as exc:  # a component vanished or changed while being resolved
            raise WorkspaceError(f"{given!r} changed while being resolved ({exc.strerror}); retry") from None
        if not self._inside(real):
            raise PathOutsideWorkspace(
                f"{given!r} resolves through a symlink to {real}, outside the workspace {self.root_str}; "
                "symlinks may only point inside the workspace"
            )
        rel = os.path.relpath(real, self.root_str)
        _check_text(given, rel)
        if for_write:
            if rel == ".":
                raise InvalidPath(f"{given!r} is the workspace root itself, not a file")
            if rel == STATE_DIR or rel.startswith(STATE_DIR + os.sep):
                raise InvalidPath(f"{given!r} is inside devreliab's own state directory {STATE_DIR}/")
        return ResolvedPath(given=given, rel=rel, abs=real)

    # -- opening ------------------------------------------------------------------------------------------
    def _swapped(self, rp: ResolvedPath) -> PathOutsideWorkspace:
        return PathOutsideWorkspace(
            f"{rp.given!r}: a symlink appeared in the path while it was being opened; refusing to follow it. "
            "Retry if the change was intended"
        )

    def open_dir(self, rp: ResolvedPath, parts: tuple[str, ...], *, create: bool = False) -> int:
        """A descriptor of the directory ``parts`` under the root, walked without following symlinks."""
        fd = os.open(self.root_str, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for part in parts:
                try:
                    nfd = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        raise FileNotFound(f"{rp.given!r}: directory {part!r} does not exist") from None
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(part, 0o777, dir_fd=fd)
                    nfd = self._open_component(rp, part, fd)
                except OSError as exc:
                    if exc.errno in (errno.ENOTDIR, errno.ELOOP):
                        nfd = self._open_component(rp, part, fd)
                    else:
                        raise _os_error(rp, exc) from None
                os.close(fd)
                fd = nfd
            return fd
        except BaseException:
            os.close(fd)
            raise

    def _open_component(self, rp: ResolvedPath, part: str, dir_fd: int) -> int:
        try:
            return os.open(part, _DIR_FLAGS, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno not in (errno.ENOTDIR, errno.ELOOP):
                raise _os_error(rp, exc) from None
            try:
                st = os.stat(part, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                raise FileNotFound(f"{rp.given!r}: directory {part!r} vanished while being opened") from None
            if stat.S_ISLNK(st.st_mode):
                raise self._swapped(rp) from None
            raise InvalidPath(f"{rp.given!r}: {part!r} is {_kind(st.st_mode)}, not a directory") from None

    def open_file(self, rp: ResolvedPath) -> int:
        """Open a regular file for reading; refuse directories, FIFOs, devices and swapped-in symlinks."""
        if rp.rel == ".":
            raise InvalidPath(f"{rp.given!r} is the workspace root, a directory; give a file path")
        dir_fd = self.open_dir(rp, rp.parts[:-1])
        try:
            return self.open_in(rp, dir_fd, rp.parts[-1])
        finally:
            os.close(dir_fd)

    def open_in(self, rp: ResolvedPath, dir_fd: int, name: str) -> int:
        """Open ``name`` in ``dir_fd`` for reading (regular files only)."""
        try:
            fd = os.open(name, _READ_FLAGS, dir_fd=dir_fd)
        except FileNotFoundError:
            raise FileNotFound(f"{rp.given!r} does not exist in the workspace") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise self._swapped(rp) from None
            if exc.errno in (errno.ENXIO, errno.ENODEV):
                raise InvalidPath(f"{rp.given!r} cannot be opened ({exc.strerror})") from None
            raise _os_error(rp, exc) from None
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            raise InvalidPath(f"{rp.given!r} is {_kind(mode)}; only regular files can be read or written")
        return fd

    @contextlib.contextmanager
    def parent_dir(self, rp: ResolvedPath, *, create: bool = False) -> Iterator[int]:
        """The parent directory of ``rp`` as a descriptor (created if asked), closed afterwards."""
        fd = self.open_dir(rp, rp.parts[:-1], create=create)
        try:
            yield fd
        finally:
            os.close(fd)


def read_fd(fd: int, size_hint: int) -> bytes:
    """Read a descriptor to its end."""
    chunks: list[bytes] = []
    want = max(size_hint, 0) + 1
    while True:
        chunk = os.read(fd, max(want, 65536))
        if not chunk:
            break
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def temp_name(name: str) -> str:
    """The temp file used to write ``name``: fixed per target, so a writer that died leaves at most one."""
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return f"{TEMP_PREFIX}{digest}{TEMP_SUFFIX}"


def atomic_write(dir_fd: int, name: str, data: bytes, mode: int | None, *, sync_dir: bool = True,
                 before_rename: Callable[[], None] | None = None) -> None:
    """Write ``data`` as ``name`` in ``dir_fd`` atomically and durably; keep ``mode`` when given.

    ``before_rename`` runs once the temp file is complete and fsynced, just before it replaces the target; if it
    raises, the temp file is removed and the target is untouched.

    A temp file in the same directory is written and fsynced, renamed over the target and the directory
    fsynced (here, or by the caller with ``sync_dir=False``), so a crash at any point leaves either the old or
    the new complete file. The caller holds the
    target's lock, so a temp file already there was left by a writer that died and is replaced.
    """
    tmp = temp_name(name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(tmp, flags, 0o666, dir_fd=dir_fd)
    except FileExistsError:
        os.unlink(tmp, dir_fd=dir_fd)
        fd = os.open(tmp, flags, 0o666, dir_fd=dir_fd)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            if mode is not None:
                os.fchmod(fd, stat.S_IMODE(mode))
            os.fsync(fd)
        finally:
            os.close(fd)
        if before_rename is not None:
            before_rename()
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise
    if sync_dir:
        os.fsync(dir_fd)


def ensure_regular_target(rp: ResolvedPath, dir_fd: int, name: str) -> os.stat_result | None:
    """The stat of an existing write target (None if absent); refuse anything that is not a regular file."""
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        raise PathOutsideWorkspace(
            f"{rp.given!r}: a symlink appeared at the target while writing; refusing to replace it. Retry"
        )
    if not stat.S_ISREG(st.st_mode):
        raise InvalidPath(f"{rp.given!r} is {_kind(st.st_mode)}; only regular files can be written")
    return st



