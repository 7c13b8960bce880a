"""The public surface of devreliab.vfs and the fields its results carry (the MCP tools' contract)."""

from __future__ import annotations

from pathlib import Path

import devreliab.vfs as vfs
from devreliab.vfs import Workspace


def test_exported_members_are_pinned() -> None:
    assert sorted(vfs.__all__) == [
        "ABSENT", "CacheStats", "ChangeEvent", "ConflictDetail", "ConflictList", "ConflictSummary", "DirEntry",
        "Edit", "EditResult", "FileInfo", "FileOpResult", "History", "HistoryEntry", "Listing", "ReadError",
        "ReadResult", "ResolveResult", "RestoreResult", "SearchMatch", "SearchResult", "Workspace", "WriteResult",
    ]
    for name in vfs.__all__:
        assert getattr(vfs, name) is not None


def test_results_carry_the_fields_of_the_architecture_table(ws: Workspace, root: Path) -> None:
    assert set(ws.write("a.txt", "hit\n").to_dict()) == {
        "status", "version", "conflict_id", "current_version", "diff"}
    assert set(ws.read("a.txt").to_dict()) == {
        "path", "content", "version", "encoding", "line_ending", "total_lines"}
    assert set(ws.edit("a.txt", [{"old_text": "hit", "new_text": "hit!"}]).to_dict()) == {
        "status", "version", "diff"}
    listing = ws.list_directory().to_dict()
    assert set(listing) == {"entries", "truncated"} and set(listing["entries"][0]) == {"path", "type", "size"}
    found = ws.search("hit").to_dict()
    assert set(found) == {"matches", "truncated"}
    assert {"path", "line", "column", "text"} <= set(found["matches"][0])
    assert set(ws.file_info("a.txt").to_dict()) == {
        "path", "size", "version", "mtime", "encoding", "line_ending", "binary"}
    assert set(ws.list_conflicts().to_dict()) == {"conflicts"}
    history = ws.file_history("a.txt").to_dict()
    assert set(history) == {"path", "versions"} and {"version", "client", "time"} <= set(history["versions"][0])
    assert {"status", "version"} <= set(ws.restore_version("a.txt", history["versions"][-1]["version"]).to_dict())
    assert set(ws.cache_stats().to_dict()) >= {"hits", "misses", "evictions", "bytes_held"}
