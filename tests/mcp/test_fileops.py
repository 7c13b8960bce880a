"""delete_file, move_file and create_directory: versioned and journaled like writes (issue 12.5). A delete or
a move of a file another agent changed since this client read it is a conflict, never a loss."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import connect, ok, refused

pytestmark = pytest.mark.anyio


async def test_a_delete_of_a_read_file_is_journaled_and_can_be_restored(root: Path) -> None:
    async with connect(root) as client:
        read = await ok(client, "read_file", path="README.md")
        gone = await ok(client, "delete_file", path="README.md")
        history = await ok(client, "file_history", path="README.md")
        back = await ok(client, "restore_version", path="README.md", version=read["version"])
    assert gone == {"status": "deleted", "path": "README.md", "version": read["version"]}
    assert history["versions"][0]["action"] == "delete" and history["versions"][0]["version"] == "absent"
    assert back["status"] == "created" and (root / "README.md").read_text() == "# demo\nhello world\n"


async def test_a_delete_or_move_of_a_file_changed_since_it_was_read_is_a_conflict(root: Path) -> None:
    async with connect(root) as stale, connect(root) as other:
        await ok(stale, "read_file", path="src/app.py")
        await ok(other, "read_file", path="src/app.py")
        changed = await ok(other, "edit_file", path="src/app.py", edits=[{"old_text": "a + b", "new_text": "b + a"}])
        deleted = await ok(stale, "delete_file", path="src/app.py")
        moved = await ok(stale, "move_file", path="src/app.py", destination="src/renamed.py")
    for answer in (deleted, moved):
        assert answer["status"] == "conflict" and answer["current_version"] == changed["version"]
        assert "read_file it again" in answer["next_step"]
    assert (root / "src" / "app.py").read_text() == "def add(a, b):\n    return b + a\n"
    assert not (root / "src" / "renamed.py").exists()


async def test_a_blind_delete_is_refused_with_the_current_version(root: Path) -> None:
    async with connect(root) as client:
        text = await refused(client, "delete_file", path="README.md")
    assert "has not read it" in text and "sha256:" in text and (root / "README.md").exists()


async def test_a_move_renames_keeps_the_version_and_never_replaces_a_file(root: Path) -> None:
    async with connect(root) as client:
        read = await ok(client, "read_file", path="src/app.py")
        moved = await ok(client, "move_file", path="src/app.py", destination="lib/deep/app.py")
        onto = await ok(client, "read_file", path="README.md")
        clash = await refused(client, "move_file", path="README.md", destination="lib/deep/app.py",
                              expected_version=onto["version"])
        edited = await ok(client, "edit_file", path="lib/deep/app.py",
                          edits=[{"old_text": "a + b", "new_text": "a - b"}])  # based on the moved version
    assert moved == {"status": "moved", "path": "lib/deep/app.py", "version": read["version"]}
    assert not (root / "src" / "app.py").exists() and "already exists" in clash
    assert edited["status"] == "written"


async def test_create_directory_makes_parents_and_says_when_it_exists(root: Path) -> None:
    async with connect(root) as client:
        made = await ok(client, "create_directory", path="a/b/c")
        again = await ok(client, "create_directory", path="a/b/c")
        on_file = await refused(client, "create_directory", path="README.md")
        outside = await refused(client, "create_directory", path="../escape")
    assert (made["status"], again["status"]) == ("created", "exists") and (root / "a" / "b" / "c").is_dir()
    assert "not a directory" in on_file and "workspace" in outside and not (root.parent / "escape").exists()
