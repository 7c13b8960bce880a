"""The sandbox refuses every way out of the workspace (the reference filesystem server's attack cases)."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devreliab._errors import (
    FileNotFound,
    InvalidPath,
    PathOutsideWorkspace,
    WorkspaceError,
)
from devreliab.vfs import Workspace
from devreliab.vfs._paths import Sandbox


@pytest.fixture
def outside(root: Path) -> Path:
    """A sibling directory whose name shares the workspace's prefix (project → project2)."""
    path = root.parent / (root.name + "2")
    path.mkdir()
    (path / "secret.txt").write_text("secret\n")
    return path


DOTDOT_FORMS = [
    "..",
    "../",
    "../secret.txt",
    "../../etc/passwd",
    "a/../../x",
    "./../x",
    "a/b/../../../x",
    "..//x",
    ".././../x",
    "a/./../../x",
    "/etc/passwd",
    "//etc/passwd",
]


@pytest.mark.parametrize("path", DOTDOT_FORMS)
def test_every_dotdot_form_and_foreign_absolute_path_is_refused(ws: Workspace, path: str) -> None:
    with pytest.raises(PathOutsideWorkspace, match="workspace"):
        ws.read(path)
    with pytest.raises(PathOutsideWorkspace):
        ws.write(path, "x")


def test_prefix_collision_sibling_directory_is_refused(ws: Workspace, root: Path, outside: Path) -> None:
    for path in (str(outside / "secret.txt"), f"../{outside.name}/secret.txt",
                 str(root) + "2/secret.txt"):
        with pytest.raises(PathOutsideWorkspace):
            ws.read(path)
        with pytest.raises(PathOutsideWorkspace):
            ws.write(path, "pwned")
    assert (outside / "secret.txt").read_text() == "secret\n"


def test_absolute_path_inside_the_root_is_accepted(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("hello\n")
    assert ws.read(str(root / "a.txt")).content == "hello\n"
    assert ws.read(str(root / "a.txt")).path == "a.txt"


@pytest.mark.parametrize("path", ["%2e%2e/x.txt", "..%2fx.txt", "..\\x.txt", "．．/x.txt", "...", "..a",
                                  "a..", "%2e%2e%2fx.txt"])
def test_encoded_looking_dotdot_names_are_literal_names_inside(ws: Workspace, root: Path, path: str) -> None:
    result = ws.write(path, "inside\n")
    assert result.status == "created"
    real = Path(os.path.realpath(root / path))
    assert real.is_relative_to(root)
    assert real.read_text() == "inside\n"
    assert not (root.parent / "x.txt").exists()


def test_null_byte_is_refused_with_a_clear_message(ws: Workspace) -> None:
    with pytest.raises(InvalidPath, match="null byte"):
        ws.read("a\x00.txt")
    with pytest.raises(InvalidPath, match="null byte"):
        ws.write("a.txt\x00../../etc/passwd", "x")


def test_bytes_paths_are_refused(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError):
        ws.read(b"a.txt")  # type: ignore[arg-type]


def test_symlink_to_an_outside_file_is_refused(ws: Workspace, root: Path, outside: Path) -> None:
    (root / "link.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(PathOutsideWorkspace, match="symlink"):
        ws.read("link.txt")
    with pytest.raises(PathOutsideWorkspace, match="symlink"):
        ws.write("link.txt", "pwned")
    assert (outside / "secret.txt").read_text() == "secret\n"


def test_symlinked_directory_pointing_outside_is_refused(ws: Workspace, root: Path, outside: Path) -> None:
    (root / "linkdir").symlink_to(outside)
    with pytest.raises(PathOutsideWorkspace):
        ws.read("linkdir/secret.txt")
    with pytest.raises(PathOutsideWorkspace):
        ws.list_directory("linkdir")
    with pytest.raises(PathOutsideWorkspace):
        ws.search("secret", path="linkdir")


def test_symlinked_parent_of_a_new_file_is_refused(ws: Workspace, root: Path, outside: Path) -> None:
    (root / "linkdir").symlink_to(outside)
    with pytest.raises(PathOutsideWorkspace):
        ws.write("linkdir/new.txt", "pwned")
    with pytest.raises(PathOutsideWorkspace):
        ws.write("linkdir/deeper/new.txt", "pwned")
    assert not (outside / "new.txt").exists()
    assert not (outside / "deeper").exists()


def test_dangling_symlink_to_outside_is_refused(ws: Workspace, root: Path, outside: Path) -> None:
    (root / "dangling.txt").symlink_to(outside / "does-not-exist.txt")
    with pytest.raises(PathOutsideWorkspace):
        ws.write("dangling.txt", "pwned")
    assert not (outside / "does-not-exist.txt").exists()


def test_symlink_inside_the_workspace_is_followed(ws: Workspace, root: Path) -> None:
    (root / "real").mkdir()
    (root / "real" / "a.txt").write_text("one\n")
    (root / "alias").symlink_to(root / "real")
    result = ws.read("alias/a.txt")
    assert result.path == "real/a.txt"
    assert ws.write("alias/a.txt", "two\n").status == "written"
    assert (root / "real" / "a.txt").read_text() == "two\n"


def test_parent_swapped_for_a_symlink_after_validation_is_refused(root: Path, outside: Path) -> None:
    (root / "sub").mkdir()
    (root / "sub" / "secret.txt").write_text("inside\n")
    sandbox = Sandbox(root)
    checked = sandbox.resolve("sub/secret.txt")
    (root / "sub").rename(root / "sub.old")
    (root / "sub").symlink_to(outside)
    with pytest.raises(PathOutsideWorkspace, match="symlink appeared"):
        sandbox.open_file(checked)
    with pytest.raises(PathOutsideWorkspace, match="symlink appeared"):
        sandbox.open_dir(checked, checked.parts[:-1], create=True)


def test_file_swapped_for_a_symlink_after_validation_is_refused(root: Path, outside: Path) -> None:
    (root / "a.txt").write_text("inside\n")
    sandbox = Sandbox(root)
    checked = sandbox.resolve("a.txt")
    (root / "a.txt").unlink()
    (root / "a.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(PathOutsideWorkspace, match="symlink appeared"):
        sandbox.open_file(checked)


def test_write_racing_a_symlink_swapper_never_touches_the_outside(ws: Workspace, root: Path,
                                                                   outside: Path) -> None:
    import threading

    (root / "sub").mkdir()
    stop = threading.Event()

    def swap() -> None:
        while not stop.is_set():
            for target in ("sub", "sub.link"):
                try:
                    if target == "sub":
                        (root / "sub").rename(root / "sub.real")
                        (root / "sub").symlink_to(outside)
                    else:
                        (root / "sub").unlink()
                        (root / "sub.real").rename(root / "sub")
                except OSError:
                    pass

    thread = threading.Thread(target=swap)
    thread.start()
    try:
        for n in range(300):
            with contextlib.suppress(WorkspaceError):
                ws.write(f"sub/new{n}.txt", "x\n", expected_version="absent")
    finally:
        stop.set()
        thread.join(timeout=10)
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_unicode_names_are_allowed(ws: Workspace, root: Path) -> None:
    for name in ("ünïcødé.txt", "文件/名字.txt", "emoji-😀.md", "café/ﬁle.txt"):
        assert ws.write(name, f"{name}\n").status == "created"
        assert ws.read(name).content == f"{name}\n"
        assert (root / name).read_text() == f"{name}\n"


def test_fifo_is_refused_without_blocking(ws: Workspace, root: Path) -> None:
    os.mkfifo(root / "pipe")
    with pytest.raises(InvalidPath, match="FIFO"):
        ws.read("pipe")
    with pytest.raises(InvalidPath, match="FIFO"):
        ws.write("pipe", "x", expected_version="absent")


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a device node needs root")
def test_device_file_is_refused(ws: Workspace, root: Path) -> None:
    os.mknod(root / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    with pytest.raises(InvalidPath, match="device"):
        ws.read("null")


def test_directory_is_not_a_file(ws: Workspace, root: Path) -> None:
    (root / "d").mkdir()
    with pytest.raises(InvalidPath, match="directory"):
        ws.read("d")
    with pytest.raises(InvalidPath, match="root"):
        ws.read(".")
    with pytest.raises(InvalidPath, match="root"):
        ws.write(".", "x")


def test_state_directory_cannot_be_written(ws: Workspace) -> None:
    with pytest.raises(InvalidPath, match="state directory"):
        ws.write(".devreliab/state.db", "x")


def test_missing_file_and_missing_directory_are_file_not_found(ws: Workspace) -> None:
    with pytest.raises(FileNotFound, match="does not exist"):
        ws.read("nope.txt")
    with pytest.raises(FileNotFound):
        ws.read("nodir/nope.txt")


def test_file_used_as_a_directory_is_invalid(ws: Workspace, root: Path) -> None:
    (root / "f").write_text("x")
    with pytest.raises(InvalidPath, match="not a directory"):
        ws.read("f/x.txt")
    with pytest.raises(InvalidPath, match="not a directory"):
        ws.write("f/x.txt", "y\n")


def test_operating_system_errors_become_workspace_errors_naming_the_path(ws: Workspace) -> None:
    name = "n" * 300
    with pytest.raises(WorkspaceError, match="too long"):
        ws.read(name)
    with pytest.raises(WorkspaceError, match="the write failed: File name too long"):
        ws.write(name, "x\n")


SEGMENTS = st.sampled_from(["..", ".", "a", "b", "out", "in", "", "ü", "%2e%2e", "a b"])


@pytest.fixture
def maze(root: Path, outside: Path) -> Path:
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "f.txt").write_text("f\n")
    (root / "a" / "out").symlink_to(outside)
    (root / "in").symlink_to(root / "a")
    return root


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segments=st.lists(SEGMENTS, min_size=1, max_size=7), absolute=st.booleans())
def test_generated_paths_either_resolve_inside_or_are_refused(maze: Path, segments: list[str],
                                                              absolute: bool) -> None:
    sandbox = Sandbox(maze)
    path = "/".join(segments)
    if absolute:
        path = str(maze) + "/" + path
    real = os.path.realpath(os.path.join(maze, path))
    lexical = os.path.normpath(os.path.join(maze, path))
    escapes = not (real == str(maze) or real.startswith(str(maze) + "/")) or not (
        lexical == str(maze) or lexical.startswith(str(maze) + "/"))
    try:
        resolved = sandbox.resolve(path)
    except PathOutsideWorkspace:
        assert escapes
        return
    assert not escapes
    assert Path(resolved.abs).resolve().is_relative_to(maze)
    try:
        fd = sandbox.open_file(resolved)
    except WorkspaceError:
        return
    os.close(fd)
    assert os.path.realpath(resolved.abs).startswith(str(maze) + "/")


def test_socket_file_is_refused(ws: Workspace, root: Path) -> None:
    import socket

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(root / "sock"))
        with pytest.raises(InvalidPath):
            ws.read("sock")
    finally:
        server.close()


def test_write_target_swapped_for_a_symlink_is_refused(root: Path, outside: Path) -> None:
    from devreliab.vfs._paths import ensure_regular_target

    sandbox = Sandbox(root)
    checked = sandbox.resolve("a.txt")
    (root / "a.txt").symlink_to(outside / "secret.txt")
    with sandbox.parent_dir(checked) as dir_fd, pytest.raises(PathOutsideWorkspace, match="symlink appeared"):
        ensure_regular_target(checked, dir_fd, "a.txt")
