"""Hypothesis strategies shared by the fuzz tests: hostile paths, JSON values, tool arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import strategies as st

SEGMENTS = st.sampled_from([
    "..", ".", "", "...", "....", "escape", "secret_link", "src", "relative_escape", "dangling_out", "inside_link",
    "canary", "project", "secret.txt", "nested", "deep.py", "README.md", "app.py", "new.txt", ".devreliab",
    "state.db", "locks", "%2e%2e", "%2e%2e%2f", "..%2f", "..\\", "..\\..\\canary", "\uff0e\uff0e", "\u2025",
    "\u2024\u2024", ".\u200b.", "\u202e..", "e\u0301", "\u00e9", "~", "$HOME", "*", "?", "\\", "\t", " ",
    "..\n", "\udc80\udcff", "\ud800", "con", "nul", "x" * 255, "y" * 300, "\x00", "a\x00b", "/etc/passwd",
])
SEPARATORS = st.sampled_from(["/", "//", "/./", "\\", "/../"])


def hostile_paths(root: Path, canary: Path) -> st.SearchStrategy[str]:
    """Paths built from traversal, symlink and encoding tricks, relative and absolute (inside, next to and
    outside the root, including prefix collisions)."""
    prefixes = st.sampled_from(["", "", "", "/", f"{root}/", str(root), f"{root}2/", f"{canary}/",
                                f"{root}/../canary/", f"{root}/./", "file://", "./", "~/", f"{root.parent}/"])
    body = st.lists(SEGMENTS, min_size=0, max_size=6)

    @st.composite
    def build(draw: st.DrawFn) -> str:
        parts = draw(body)
        text = draw(prefixes)
        for i, part in enumerate(parts):
            text += (draw(SEPARATORS) if i else "") + part
        return text

    return st.one_of(build(), st.text(max_size=40))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63) |
    st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)

TOOLS = ["read_file", "read_many", "write_file", "edit_file", "list_directory", "search", "file_info",
         "list_conflicts", "resolve_conflict", "file_history", "restore_version", "analyze_file",
         "analyze_project", "health", "metrics"]

VERSIONS = st.one_of(st.just("absent"), st.just("sha256:" + "0" * 64), st.text(max_size=70),
                     st.from_regex(r"sha256:[0-9a-f]{64}", fullmatch=True))


def tool_arguments(paths: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Arguments for any tool: plausible fields with hostile values, or arbitrary JSON objects."""
    text = st.text(max_size=200)
    small_int = st.one_of(st.integers(min_value=-5, max_value=30), st.integers(), JSON)
    fields: dict[str, st.SearchStrategy[Any]] = {
        "path": st.one_of(paths, JSON), "content": st.one_of(text, JSON), "expected_version": VERSIONS,
        "start_line": small_int, "end_line": small_int, "if_version": VERSIONS,
        "paths": st.lists(paths, max_size=5), "edits": st.lists(st.fixed_dictionaries(
            {"old_text": text, "new_text": text}, optional={"replace_all": st.booleans()}), max_size=3),
        "dry_run": st.booleans(), "depth": small_int, "include_hidden": st.booleans(), "max_entries": small_int,
        "pattern": st.one_of(text, st.sampled_from(["(", "[", "a{999999}", "\\", "(?P<x>", ".*" * 50])),
        "glob": st.one_of(paths, text), "fixed_strings": st.booleans(), "case_sensitive": st.booleans(),
        "context_lines": small_int, "max_results": small_int, "include_resolved": st.booleans(),
        "conflict_id": st.text(max_size=20), "resolution": st.sampled_from(["ours", "theirs", "content", "x"]),
        "limit": small_int, "version": VERSIONS, "changed_since": st.sampled_from(["HEAD", "--help", "-x", "a..b"]),
    }
    chosen = st.lists(st.sampled_from(sorted(fields)), max_size=5, unique=True)
    plausible = chosen.flatmap(lambda keys: st.fixed_dictionaries({k: fields[k] for k in keys}))
    return st.one_of(plausible, st.dictionaries(st.text(max_size=12), JSON, max_size=4))
