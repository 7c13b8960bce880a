"""Listing (depth, hidden, .gitignore, caps) and search through ripgrep (options, caps, timeouts)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from devreliab._errors import WorkspaceError
from devreliab.vfs import Workspace
from devreliab.vfs._search import rg_binary


def make_tree(root: Path) -> None:
    files = {
        "README.md": "hello world\n",
        "src/app.py": "import os\nprint('hello')\n",
        "src/app.log": "hello log\n",
        "src/keep.log": "kept\n",
        "src/deep/nested/x.py": "x = 'hello'\n",
        "src/generated/out.py": "hello\n",
        "build/out.txt": "hello\n",
        "docs/a.md": "Hello Docs\n",
        "docs/tmp/scratch.md": "hello\n",
        "logs/today.txt": "hello\n",
        ".hidden/secret.txt": "hello\n",
        ".env": "HELLO=1\n",
        "data/sub/only.csv": "a,b\n",
        "data/sub/ignored.bin": "x\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / ".gitignore").write_text("*.log\n!keep.log\n/logs/\ndocs/tmp/\nsrc/**/generated\n\\#notacomment\n"
                                     "*.bin  \n")
    (root / "src" / ".gitignore").write_text("nested/\n")


def rg_files(root: Path, *extra: str) -> set[str]:
    out = subprocess.run([rg_binary(), "--files", "--no-require-git", "--no-config", *extra], cwd=root,
                         capture_output=True, text=True, check=False).stdout
    return {line for line in out.splitlines() if line}


def test_listing_respects_gitignore_like_ripgrep(ws: Workspace, root: Path) -> None:
    make_tree(root)
    listed = ws.list_directory(".", depth=10)
    files = {e.path for e in listed.entries if e.type == "file"}
    expected = {f for f in rg_files(root, "--glob", "!build") if not f.startswith(".devreliab")}
    assert files == expected
    assert "src/keep.log" in files and "src/app.log" not in files
    assert not listed.truncated


def test_depth_one_lists_direct_children_with_types_and_sizes(ws: Workspace, root: Path) -> None:
    make_tree(root)
    entries = {e.path: e for e in ws.list_directory().entries}
    assert set(entries) == {"README.md", "src", "docs", "data"}  # build excluded by config, logs ignored
    assert entries["src"].type == "dir" and entries["src"].size is None
    assert entries["README.md"].type == "file" and entries["README.md"].size == 12


def test_hidden_entries_only_when_asked(ws: Workspace, root: Path) -> None:
    make_tree(root)
    shown = {e.path for e in ws.list_directory(include_hidden=True).entries}
    assert {".env", ".hidden", ".gitignore"} <= shown
    assert ".devreliab" not in shown


def test_listing_a_subdirectory_applies_the_parent_gitignore(ws: Workspace, root: Path) -> None:
    make_tree(root)
    paths = {e.path for e in ws.list_directory("src", depth=5).entries}
    assert paths == {"src/app.py", "src/keep.log", "src/deep"}


def test_listing_is_capped_and_says_truncated(ws: Workspace, root: Path) -> None:
    for n in range(30):
        (root / f"f{n:02}.txt").write_text("x")
    listing = ws.list_directory(max_entries=10)
    assert listing.truncated and len(listing.entries) == 10
    assert listing.entries[0].path == "f00.txt"


def test_symlinks_are_listed_not_followed(ws: Workspace, root: Path) -> None:
    (root / "d").mkdir()
    (root / "d" / "f.txt").write_text("x")
    (root / "loop").symlink_to(root)
    entries = {e.path: e.type for e in ws.list_directory(depth=3).entries}
    assert entries == {"d": "dir", "d/f.txt": "file", "loop": "symlink"}


def test_listing_a_file_or_missing_directory_fails(ws: Workspace, root: Path) -> None:
    (root / "f.txt").write_text("x")
    with pytest.raises(WorkspaceError):
        ws.list_directory("f.txt")
    with pytest.raises(WorkspaceError):
        ws.list_directory("nope")


def test_search_finds_matches_with_path_line_column_text(ws: Workspace, root: Path) -> None:
    make_tree(root)
    result = ws.search("hello")
    paths = {m.path for m in result.matches}
    assert paths == {"README.md", "src/app.py"}
    match = next(m for m in result.matches if m.path == "src/app.py")
    assert (match.line, match.column, match.text) == (2, 8, "print('hello')")
    assert set(match.to_dict()) >= {"path", "line", "column", "text"}


def test_search_options(ws: Workspace, root: Path) -> None:
    make_tree(root)
    assert {m.path for m in ws.search("hello", case_sensitive=False).matches} == {
        "README.md", "src/app.py", "docs/a.md"}
    assert [m.path for m in ws.search("hello", path="src").matches] == ["src/app.py"]
    assert [m.path for m in ws.search("hello", glob="*.md").matches] == ["README.md"]
    assert ws.search("print(", fixed_strings=True).matches[0].path == "src/app.py"
    with pytest.raises(WorkspaceError, match="search failed"):
        ws.search("print(")


def test_search_column_counts_characters_not_bytes(ws: Workspace, root: Path) -> None:
    (root / "u.txt").write_text("héé target\n")
    assert ws.search("target").matches[0].column == 5


def test_search_context_lines(ws: Workspace, root: Path) -> None:
    (root / "c.txt").write_text("1\n2\nHIT\n4\n5\n")
    match = ws.search("HIT", context_lines=1).matches[0]
    assert (match.before, match.text, match.after) == (["2"], "HIT", ["4"])


def test_search_stops_at_max_results(ws: Workspace, root: Path) -> None:
    (root / "many.txt").write_text("hit\n" * 500)
    result = ws.search("hit", max_results=7)
    assert len(result.matches) == 7 and result.truncated
    assert not ws.search("hit", max_results=500).truncated


def test_search_timeout_truncates(ws: Workspace, root: Path) -> None:
    for n in range(50):
        (root / f"f{n}.txt").write_text("line\n" * 2000)
    result = ws.search("(a|b|c|d|e|l)+i?n?e", timeout=0.001, max_results=10**6)
    assert result.truncated


def test_search_refuses_paths_outside_and_null_patterns(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError):
        ws.search("x", path="..")
    with pytest.raises(WorkspaceError, match="null byte"):
        ws.search("a\x00b")


def test_search_context_lines_that_look_like_line_numbers_are_kept_verbatim(ws: Workspace,
                                                                          root: Path) -> None:
    (root / "c.txt").write_text("12:34:before\nHIT\n5-6:after\n")
    (root / "name:7:odd-8-.txt").write_text("HIT\n")
    matches = {m.path: m for m in ws.search("HIT", context_lines=1).matches}
    assert (matches["c.txt"].before, matches["c.txt"].after) == (["12:34:before"], ["5-6:after"])
    assert matches["name:7:odd-8-.txt"].line == 1


def test_search_output_of_a_huge_line_is_bounded(ws: Workspace, root: Path) -> None:
    (root / "min.js").write_text("x" * (3 << 20) + "NEEDLE\nNEEDLE second\n")
    result = ws.search("NEEDLE")
    assert [m.line for m in result.matches] == [1, 2]
    assert len(result.matches[0].text) == 2000 and result.matches[1].text == "NEEDLE second"


def test_search_reports_undecodable_bytes_as_replacement_characters(ws: Workspace, root: Path) -> None:
    (root / "l.txt").write_bytes(b"caf\xe9 NEEDLE\n")
    match = ws.search("NEEDLE").matches[0]
    assert match.text == "caf\ufffd NEEDLE" and match.column == 6


def test_config_excludes_match_names_and_paths(root: Path) -> None:
    from devreliab._config import load_config

    (root / "devreliab.jsonc").write_text('{"exclude": ["docs/generated", "*.tmp"]}')
    for name in ("docs/generated/x.md", "docs/keep.md", "a.tmp", "src/b.tmp", "src/c.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("hit\n")
    with Workspace(root, load_config(root)) as ws:
        listed = {e.path for e in ws.list_directory(depth=5).entries if e.type == "file"}
        searched = {m.path for m in ws.search("hit").matches}
    assert listed - {"devreliab.jsonc"} == searched == {"docs/keep.md", "src/c.py"}


def test_search_without_ripgrep_says_how_to_install_it(tmp_path: Path) -> None:
    import sys

    base_python = Path(sys.base_prefix) / "bin" / Path(sys.executable).name
    if not base_python.exists() or (base_python.parent / "rg").exists():
        pytest.skip("no interpreter without rg beside it")
    site = [p for p in sys.path if p.endswith("site-packages")]
    env = {"PATH": str(tmp_path), "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), *site])}
    code = ("from devreliab.vfs._search import rg_binary\n"
            "try:\n    rg_binary()\nexcept Exception as exc:\n    print(type(exc).__name__, exc)\n")
    out = subprocess.run([str(base_python), "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.startswith("WorkspaceError ripgrep (rg) is not installed"), out.stderr
