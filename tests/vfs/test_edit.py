"""Edits: unique matches, replace_all, helpful errors, CRLF kept, dry runs and the guarded write."""

from __future__ import annotations

from pathlib import Path

import pytest

from devreliab._errors import EditError, FileNotFound
from devreliab.vfs import Edit, Workspace


def test_edit_replaces_a_unique_match(ws: Workspace, root: Path) -> None:
    (root / "a.py").write_text("def f():\n    return 1\n")
    result = ws.edit("a.py", [{"old_text": "return 1", "new_text": "return 2"}])
    assert result.status == "written"
    assert (root / "a.py").read_text() == "def f():\n    return 2\n"
    assert "-    return 1\n+    return 2\n" in result.diff
    assert set(result.to_dict()) == {"status", "version", "diff"}


def test_ambiguous_match_needs_replace_all(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("x\nx\n")
    with pytest.raises(EditError, match="matches 2 times"):
        ws.edit("a.txt", [Edit("x", "y")])
    ws.edit("a.txt", [Edit("x", "y", replace_all=True)])
    assert (root / "a.txt").read_text() == "y\ny\n"


def test_missing_old_text_shows_the_closest_lines(ws: Workspace, root: Path) -> None:
    (root / "a.py").write_text("def compute_total(items):\n    return sum(items)\n")
    with pytest.raises(EditError, match=r"not found[\s\S]*line 1: def compute_total\(items\):"):
        ws.edit("a.py", [{"old_text": "def compute_totals(items):", "new_text": "x"}])
    assert (root / "a.py").read_text().startswith("def compute_total(items)")


@pytest.mark.parametrize("edits", [
    [], [{"old_text": "a"}], [{"old_text": 1, "new_text": "b"}], [{"old_text": "", "new_text": "b"}],
    [{"old_text": "a", "new_text": "b", "replace_all": "yes"}],
])
def test_malformed_edits_are_refused(ws: Workspace, root: Path, edits: list[dict[str, object]]) -> None:
    (root / "a.txt").write_text("a\n")
    with pytest.raises(EditError):
        ws.edit("a.txt", edits)


def test_edits_apply_in_order_and_fail_as_a_whole(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("one two\n")
    with pytest.raises(EditError, match="edit 2"):
        ws.edit("a.txt", [Edit("one", "1"), Edit("three", "3")])
    assert (root / "a.txt").read_text() == "one two\n"
    ws.edit("a.txt", [Edit("one", "1"), Edit("1 two", "1 2")])
    assert (root / "a.txt").read_text() == "1 2\n"


def test_crlf_is_preserved_by_edits(ws: Workspace, root: Path) -> None:
    (root / "w.txt").write_bytes(b"a\r\nb\r\nc\r\n")
    ws.edit("w.txt", [Edit("a\nb\n", "A\nB\nB2\n")])
    assert (root / "w.txt").read_bytes() == b"A\r\nB\r\nB2\r\nc\r\n"
    ws.edit("w.txt", [Edit("B2\r\n", "")])
    assert (root / "w.txt").read_bytes() == b"A\r\nB\r\nc\r\n"


def test_dry_run_returns_the_diff_and_writes_nothing(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("a\n")
    result = ws.edit("a.txt", [Edit("a", "b")], dry_run=True)
    assert result.status == "dry_run"
    assert "-a\n+b\n" in result.diff
    assert (root / "a.txt").read_text() == "a\n"
    assert result.version == ws.read("a.txt").version


def test_edit_of_a_file_changed_since_the_read_keeps_both_changes(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("top\nmiddle\nbottom\n")
    ws.read("a.txt")
    Workspace(root).edit("a.txt", [Edit("bottom", "BOTTOM")])
    result = ws.edit("a.txt", [Edit("top", "TOP")])
    assert result.status == "merged"
    assert (root / "a.txt").read_text() == "TOP\nmiddle\nBOTTOM\n"


def test_edit_of_a_missing_file_is_file_not_found(ws: Workspace) -> None:
    with pytest.raises(FileNotFound):
        ws.edit("nope.txt", [Edit("a", "b")])


def test_missing_old_text_without_similar_lines_says_so(ws: Workspace, root: Path) -> None:
    (root / "a.txt").write_text("alpha\n")
    with pytest.raises(EditError, match="no similar lines"):
        ws.edit("a.txt", [Edit("zzzz qqqq", "x")])


def test_dry_run_of_a_missing_file_is_file_not_found(ws: Workspace) -> None:
    with pytest.raises(FileNotFound):
        ws.edit("nope.txt", [Edit("a", "b")], dry_run=True)
