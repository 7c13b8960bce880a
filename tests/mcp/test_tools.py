"""Every tool through the SDK's in-memory client: the normal answers and each error path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devreliab import load_config
from devreliab._store import StateStore
from devreliab.guidance._cache import AnalysisCache
from devreliab.mcp import ToolCall
from devreliab.mcp._listing import NO_OUTPUT_SCHEMA
from tests.tools import read_text

from .conftest import call, connect, ok, refused

pytestmark = pytest.mark.anyio

TOOLS = {"read_file", "read_many", "write_file", "edit_file", "delete_file", "move_file", "create_directory",
         "list_directory", "search", "file_info",
         "list_conflicts", "resolve_conflict", "file_history", "restore_version", "analyze_file",
         "analyze_project", "health", "metrics"}
READ_ONLY = {"read_file", "read_many", "list_directory", "search", "file_info", "list_conflicts", "file_history",
             "analyze_file", "analyze_project", "health", "metrics"}


# -- the tool list -----------------------------------------------------------------------------------------
async def test_the_server_offers_exactly_the_tools_of_the_contract(root: Path) -> None:
    async with connect(root) as client:
        tools = (await client.list_tools()).tools
    assert {t.name for t in tools} == TOOLS


async def test_every_tool_has_a_description_an_output_schema_and_annotations(root: Path) -> None:
    async with connect(root) as client:
        tools = (await client.list_tools()).tools
    for tool in tools:
        assert tool.description and len(tool.description) > 60, tool.name
        if tool.name not in NO_OUTPUT_SCHEMA:  # the report tools' shapes are documented, not sent every turn
            assert tool.output_schema is not None and tool.output_schema.get("type") == "object", tool.name
        assert tool.annotations is not None, tool.name
        # a hint left out means the spec's default (readOnly false, destructive true, idempotent false,
        # openWorld true); destructive/idempotent mean something only for a tool that is not read-only
        assert tool.annotations.read_only_hint is (tool.name in READ_ONLY), tool.name
        assert tool.annotations.open_world_hint is False, tool.name
        if tool.name not in READ_ONLY:
            assert tool.annotations.destructive_hint in (True, None), tool.name


async def test_input_schemas_carry_the_contract_fields_and_their_constraints(root: Path) -> None:
    async with connect(root) as client:
        schemas = {t.name: t.input_schema for t in (await client.list_tools()).tools}
    assert set(schemas["read_file"]["properties"]) == {"path", "start_line", "end_line", "if_version", "line_numbers"}
    assert schemas["read_file"]["properties"]["path"]["maxLength"] == 4096
    assert set(schemas["write_file"]["properties"]) == {"path", "content", "expected_version"}
    assert set(schemas["edit_file"]["properties"]) == {"path", "edits", "expected_version", "dry_run"}
    assert set(schemas["list_directory"]["properties"]) == {"path", "depth", "include_hidden", "max_entries"}
    assert set(schemas["search"]["properties"]) == {"pattern", "path", "glob", "fixed_strings", "case_sensitive",
                                                    "context_lines", "max_results"}
    assert schemas["search"]["properties"]["max_results"]["maximum"] == 1000
    assert set(schemas["resolve_conflict"]["properties"]) == {"conflict_id", "resolution", "content"}
    assert set(schemas["file_history"]["properties"]) == {"path", "limit"}
    assert set(schemas["restore_version"]["properties"]) >= {"path", "version"}
    assert set(schemas["analyze_project"]["properties"]) == {"paths", "changed_since"}
    for name, schema in schemas.items():
        for prop, spec in schema["properties"].items():  # what a path is, the server's instructions say once
            assert spec.get("description") or prop == "path", (name, prop)


# -- reading -------------------------------------------------------------------------------------------------
async def test_read_file_returns_content_version_and_format(root: Path) -> None:
    async with connect(root) as client:
        result = await call(client, "read_file", path="README.md")
    data = result.structured_content
    assert data is not None
    assert data["version"].startswith("sha256:")
    assert (data["encoding"], data["line_ending"], data["total_lines"]) == ("utf-8", "lf", 2)
    assert [c.text for c in result.content] == [  # type: ignore[union-attr]
        f"[README.md | version {data['version']} | 2 lines]\n# demo\nhello world\n"]
    assert data["content"] == "# demo\nhello world\n"  # a client of unknown habits gets it in both channels


async def test_read_file_with_a_line_range_returns_only_those_lines(root: Path) -> None:
    async with connect(root) as client:
        result = await call(client, "read_file", path="README.md", start_line=2, end_line=2)
    assert read_text(result.content[0].text) == "hello world\n"  # type: ignore[union-attr]
    assert result.structured_content is not None and result.structured_content["total_lines"] == 2


async def test_read_file_with_the_current_version_answers_unchanged_without_content(root: Path) -> None:
    async with connect(root) as client:
        first = await ok(client, "read_file", path="README.md")
        again = await ok(client, "read_file", path="README.md", if_version=first["version"])
    assert again == {"path": "README.md", "version": first["version"], "unchanged": True}


async def test_read_file_refuses_a_path_outside_the_workspace_and_says_what_to_do(root: Path) -> None:
    async with connect(root) as client:
        text = await refused(client, "read_file", path="../secret.txt")
        absolute = await refused(client, "read_file", path="/etc/passwd")
    assert "workspace" in text and "relative to" in text
    assert "workspace" in absolute


async def test_read_file_refuses_a_binary_file_and_points_to_file_info(root: Path) -> None:
    async with connect(root) as client:
        text = await refused(client, "read_file", path="logo.png")
    assert "binary" in text and "file_info" in text


async def test_read_file_of_a_missing_file_says_how_to_find_or_create_it(root: Path) -> None:
    async with connect(root) as client:
        text = await refused(client, "read_file", path="nope.txt")
    assert "list_directory" in text and "write_file" in text


async def test_read_file_rejects_arguments_outside_their_constraints(root: Path) -> None:
    async with connect(root) as client:
        zero = await refused(client, "read_file", path="README.md", start_line=0)
        empty = await refused(client, "read_file", path="")
        wrong_type = await refused(client, "read_file", path=["README.md"])
        missing = await refused(client, "read_file")
    assert "start_line" in zero
    assert "path" in empty and "path" in wrong_type and "path" in missing


async def test_read_file_with_an_inverted_range_is_refused(root: Path) -> None:
    async with connect(root) as client:
        text = await refused(client, "read_file", path="README.md", start_line=2, end_line=1)
    assert "end_line" in text


async def test_read_many_reports_each_path_on_its_own(root: Path) -> None:
    async with connect(root) as client:
        data = await ok(client, "read_many", paths=["README.md", "nope.txt", "logo.png", "../x"])
    results = data["results"]
    assert [r["path"] for r in results] == ["README.md", "nope.txt", "logo.png", "../x"]
    assert results[0]["content"] == "# demo\nhello world\n"
    assert results[1]["error"] == "FileNotFound"
    assert results[2]["error"] == "BinaryFileError"
    assert results[3]["error"] == "PathOutsideWorkspace"
    assert all("message" in r for r in results[1:])


async def test_read_many_refuses_an_empty_or_oversized_list(root: Path) -> None:
    async with connect(root) as client:
        assert "paths" in await refused(client, "read_many", paths=[])
        assert "paths" in await refused(client, "read_many", paths=["README.md"] * 51)


# -- writing -------------------------------------------------------------------------------------------------
async def test_write_file_creates_a_new_file(root: Path) -> None:
    async with connect(root) as client:
        data = await ok(client, "write_file", path="docs/new.md", content="new\n")
    assert data["status"] == "created"
    assert data["version"].startswith("sha256:")
    assert "diff" not in data
    assert (root / "docs" / "new.md").read_text() == "new\n"


async def test_write_file_after_a_read_overwrites(root: Path) -> None:
    async with connect(root) as client:
        await ok(client, "read_file", path="README.md")
        data = await ok(client, "write_file", path="README.md", content="# demo\nbye\n")
    assert data["status"] == "written"
    assert (root / "README.md").read_text() == "# demo\nbye\n"


async def test_write_file_over_a_file_never_read_is_refused_with_the_current_version(root: Path) -> None:
    async with connect(root) as client:
        text = await refused(client, "write_file", path="README.md", content="x\n")
    assert "read_file" in text and "sha256:" in text
    assert (root / "README.md").read_text() == "# demo\nhello world\n"


async def test_write_file_merges_a_change_made_meanwhile_elsewhere_in_the_file(root: Path) -> None:
    (root / "notes.txt").write_text("one\ntwo\nthree\nfour\nfive\n")
    async with connect(root) as client:
        await ok(client, "read_file", path="notes.txt")
        (root / "notes.txt").write_text("ONE\ntwo\nthree\nfour\nfive\n")  # another agent, meanwhile
        data = await ok(client, "write_file", path="notes.txt", content="one\ntwo\nthree\nfour\nFIVE\n")
    assert data["status"] == "merged"
    assert "FIVE" in data["diff"]
    assert (root / "notes.txt").read_text() == "ONE\ntwo\nthree\nfour\nFIVE\n"


async def test_write_file_overlapping_a_change_made_meanwhile_answers_a_conflict(root: Path) -> None:
    (root / "notes.txt").write_text("one\ntwo\nthree\n")
    async with connect(root) as client:
        await ok(client, "read_file", path="notes.txt")
        (root / "notes.txt").write_text("one\nTHEIRS\nthree\n")
        result = await call(client, "write_file", path="notes.txt", content="one\nOURS\nthree\n")
        conflicts = await ok(client, "list_conflicts")
    assert not result.is_error  # a conflict is a normal answer
    data = result.structured_content
    assert data is not None
    assert data["status"] == "conflict"
    assert data["conflict_id"] and data["current_version"].startswith("sha256:")
    assert "<<<<<<<" in data["diff"] and "OURS" in data["diff"] and "THEIRS" in data["diff"]
    assert (root / "notes.txt").read_text() == "one\nTHEIRS\nthree\n"
    assert [c["id"] for c in conflicts["conflicts"]] == [data["conflict_id"]]
    assert conflicts["conflicts"][0]["path"] == "notes.txt"


async def test_write_file_with_expected_version_absent_refuses_to_clobber_silently(root: Path) -> None:
    async with connect(root) as client:
        data = await ok(client, "write_file", path="fresh.txt", content="a\n", expected_version="absent")
    assert data["status"] == "created"


async def test_write_file_with_a_malformed_version_is_refused(root: Path) -> None:
    async with connect(root) as client:
        text = await refused(client, "write_file", path="README.md", content="x", expected_version="v1")
    assert "sha256:" in text


async def test_write_file_refuses_a_path_outside_the_workspace(root: Path) -> None:
    async with connect(root) as client:
        text = await refused(client, "write_file", path="../escape.txt", content="x")
    assert "workspace" in text
    assert not (root.parent / "escape.txt").exists()


# -- guidance on write ---------------------------------------------------------------------------------------
RISKY = "import subprocess\n\ndef add(a, b):\n    subprocess.call(a, shell=True)\n    return a + b\n"


async def test_writing_python_reports_a_new_security_finding(root: Path) -> None:
    async with connect(root) as client:
        await ok(client, "read_file", path="src/app.py")
        data = await ok(client, "write_file", path="src/app.py", content=RISKY)
    assert any("B602" in line and "add" in line for line in data["guidance"])


async def test_editing_python_reports_a_function_that_got_more_complex(root: Path) -> None:
    branches = "".join(f"    if a == {i}:\n        return {i}\n" for i in range(12))
    async with connect(root) as client:
        data = await ok(client, "edit_file", path="src/app.py",
                        edits=[{"old_text": "    return a + b\n", "new_text": branches + "    return a + b\n"}])
    assert any("add" in line and "more complex" in line for line in data["guidance"])


async def test_a_write_that_changes_nothing_in_the_gate_carries_no_guidance(root: Path) -> None:
    async with connect(root) as client:
        await ok(client, "read_file", path="src/app.py")
        data = await ok(client, "write_file", path="src/app.py", content="def add(a, b):\n    return b + a\n")
        text = await ok(client, "write_file", path="notes.txt", content="shell=True\n")
    assert "guidance" not in data
    assert "guidance" not in text


async def test_guidance_is_left_out_when_the_config_turns_it_off(root: Path) -> None:
    (root / "devreliab.jsonc").write_text('{"mcp": {"guidance_on_write": false}}', encoding="utf-8")
    async with connect(root) as client:
        await ok(client, "read_file", path="src/app.py")
        data = await ok(client, "write_file", path="src/app.py", content=RISKY)
    assert "guidance" not in data


async def test_guidance_shares_the_analysis_cache_so_the_next_write_analyses_only_its_new_text(root: Path) -> None:
    """The text a write leaves is the next write's "before": guidance stores what it analysed in the
    workspace's analysis cache (the one devreliab analyze and analyze_file use) and finds it there again."""
    async with connect(root) as client:
        await ok(client, "read_file", path="src/app.py")
        first = await ok(client, "write_file", path="src/app.py", content=RISKY)
        again = await ok(client, "analyze_file", path="src/app.py")
    store = StateStore(root)
    try:
        cache = AnalysisCache(root, load_config(root).analysis_hash(), store=store)
        cached = cache.get_many([first["version"]], {first["version"]: "src/app.py"})
    finally:
        store.close()
    assert first["version"] in cached  # the new text, analysed once for the guidance
    assert [f["test_id"] for f in again["findings"]] == [f.test_id for f in cached[first["version"]].findings]


async def test_writing_python_that_no_longer_parses_says_so(root: Path) -> None:
    async with connect(root) as client:
        await ok(client, "read_file", path="src/app.py")
        data = await ok(client, "write_file", path="src/app.py", content="def add(a, b)\n    return a\n")
    assert any("syntax error" in line for line in data["guidance"])


# -- editing -------------------------------------------------------------------------------------------------
async def test_edit_file_applies_edits_and_returns_the_diff(root: Path) -> None:
    async with connect(root) as client:
        data = await ok(client, "edit_file", path="README.md",
                        edits=[{"old_text": "hello", "new_text": "goodbye"}])
    assert data["status"] == "written"
    assert "-hello world" in data["diff"] and "+goodbye world" in data["diff"]
    assert (root / "README.md").read_text() == "# demo\ngoodbye world\n"


async def test_edit_file_dry_run_shows_the_diff_and_writes_nothing(root: Path) -> None:
    async with connect(root) as client:
        data = await ok(client, "edit_file", path="README.md", dry_run=True,
                        edits=[{"old_text": "hello", "new_text": "goodbye"}])
    assert data["status"] == "dry_run" and "+goodbye world" in data["diff"]
    assert (root / "README.md").read_text() == "# demo\nhello world\n"


async def test_edit_file_with_missing_old_text_tells_the_agent_to_reread(root: Path) -> None:
    async with connect(root) as client:
        text = await refused(client, "edit_file", path="README.md", edits=[{"old_text": "absent", "new_text": "x"}])
    assert "old_text" in text and "Read the file again" in text


async def test_edit_file_with_ambiguous_old_text_needs_replace_all(root: Path) -> None:
    (root / "twice.txt").write_text("x = 1\nx = 1\n")
    async with connect(root) as client:
        text = await refused(client, "edit_file", path="twice.txt", edits=[{"old_text": "x = 1", "new_text": "y"}])
        data = await ok(client, "edit_file", path="twice.txt",
                        edits=[{"old_text": "x = 1", "new_text": "y = 2", "replace_all": True}])
    assert "replace_all" in text
    assert data["status"] == "written"
    assert (root / "twice.txt").read_text() == "y = 2\ny = 2\n"


async def test_edit_file_refuses_bad_edits_lists_binary_and_missing_files(root: Path) -> None:
    async with connect(root) as client:
        assert "edits" in await refused(client, "edit_file", path="README.md", edits=[])
        assert "old_text" in await refused(client, "edit_file", path="README.md", edits=[{"new_text": "x"}])
        assert "binary" in await refused(client, "edit_file", path="logo.png",
                                         edits=[{"old_text": "PNG", "new_text": "x"}])
        assert "write_file" in await refused(client, "edit_file", path="nope.txt",
                                             edits=[{"old_text": "a", "new_text": "b"}])


# -- listing, searching, file facts -------------------------------------------------------------------------
async def test_list_directory_lists_entries_and_respects_gitignore(root: Path) -> None:
    (root / ".gitignore").write_text("build/\n")
    (root / "build").mkdir()
    (root / "build" / "out.txt").write_text("x")
    async with connect(root) as client:
        data = await ok(client, "list_directory", depth=2)
    paths = {e["path"] for e in data["entries"]}
    assert {"README.md", "src", "src/app.py", "logo.png"} <= paths
    assert not any(p.startswith("build") for p in paths)
    assert data["truncated"] is False


async def test_list_directory_caps_entries_and_says_it_truncated(root: Path) -> None:
    async with connect(root) as client:
        data = await ok(client, "list_directory", max_entries=1)
    assert len(data["entries"]) == 1 and data["truncated"] is True


async def test_list_directory_refuses_outside_paths_and_bad_depths(root: Path) -> None:
    async with connect(root) as client:
        assert "workspace" in await refused(client, "list_directory", path="..")
        assert "depth" in await refused(client, "list_directory", depth=0)
        assert "max_entries" in await refused(client, "list_directory", max_entries=10**6)


async def test_search_finds_matches_with_line_and_column(root: Path) -> None:
    async with connect(root) as client:
        data = await ok(client, "search", pattern="a \\+ b", glob="*.py")
    assert data["matches"] == [{"path": "src/app.py", "line": 2, "column": 12, "text": "    return a + b"}]
    assert data["truncated"] is False


async def test_search_answers_in_ripgreps_format_as_text(root: Path) -> None:
    (root / "many.txt").write_text("".join(f"hit {i}\n" for i in range(20)))
    async with connect(root) as client:
        found = await call(client, "search", pattern="a \\+ b", glob="*.py")
        context = await call(client, "search", pattern="world", context_lines=1)
        capped = await call(client, "search", pattern="hit", fixed_strings=True, max_results=2)
        nothing = await call(client, "search", pattern="no such text anywhere", fixed_strings=True)
    texts = [r.content[0].text for r in (found, context, capped, nothing)]  # type: ignore[union-attr]
    assert texts[0] == "src/app.py:2:12:    return a + b"
    assert texts[1] == "README.md-1-# demo\nREADME.md:2:7:hello world"
    assert texts[2].splitlines()[:2] == ["many.txt:1:1:hit 0", "many.txt:2:1:hit 1"]
    assert "truncated" in texts[2].splitlines()[2]
    assert texts[3] == "no matches"


async def test_search_caps_results_and_gives_context_when_asked(root: Path) -> None:
    (root / "many.txt").write_text("".join(f"hit {i}\n" for i in range(20)))
    async with connect(root) as client:
        capped = await ok(client, "search", pattern="hit", fixed_strings=True, max_results=5)
        context = await ok(client, "search", pattern="world", context_lines=1)
    assert len(capped["matches"]) == 5 and capped["truncated"] is True
    assert context["matches"][0]["before"] == ["# demo"]


async def test_search_with_an_invalid_regex_says_the_search_failed(root: Path) -> None:
    async with connect(root) as client:
        text = await refused(client, "search", pattern="(unclosed")
        outside = await refused(client, "search", pattern="x", path="../")
    assert "search failed" in text
    assert "workspace" in outside


async def test_file_info_describes_text_and_binary_files(root: Path) -> None:
    async with connect(root) as client:
        text = await ok(client, "file_info", path="README.md")
        binary = await ok(client, "file_info", path="logo.png")
        missing = await refused(client, "file_info", path="nope")
    assert text["binary"] is False and text["size"] == 19 and text["line_ending"] == "lf"
    assert binary["binary"] is True and "encoding" not in binary
    assert "list_directory" in missing


# -- conflicts and history -----------------------------------------------------------------------------------
async def _make_conflict(client: Any, root: Path) -> dict[str, Any]:
    (root / "c.txt").write_text("a\nb\nc\n")
    await ok(client, "read_file", path="c.txt")
    (root / "c.txt").write_text("a\nTHEIRS\nc\n")
    return await ok(client, "write_file", path="c.txt", content="a\nOURS\nc\n")


@pytest.mark.parametrize(("resolution", "expected"), [("ours", "a\nOURS\nc\n"), ("theirs", "a\nTHEIRS\nc\n")])
async def test_resolve_conflict_with_ours_or_theirs_writes_that_side(root: Path, resolution: str,
                                                                     expected: str) -> None:
    async with connect(root) as client:
        conflict = await _make_conflict(client, root)
        data = await ok(client, "resolve_conflict", conflict_id=conflict["conflict_id"], resolution=resolution)
        left = await ok(client, "list_conflicts")
    assert data["status"] in ("written", "merged")
    assert (root / "c.txt").read_text() == expected
    assert left["conflicts"] == []


async def test_resolve_conflict_with_content_writes_the_given_text(root: Path) -> None:
    async with connect(root) as client:
        conflict = await _make_conflict(client, root)
        data = await ok(client, "resolve_conflict", conflict_id=conflict["conflict_id"], resolution="content",
                        content="a\nBOTH\nc\n")
        everything = await ok(client, "list_conflicts", include_resolved=True)
    assert data["status"] == "written"
    assert (root / "c.txt").read_text() == "a\nBOTH\nc\n"
    assert everything["conflicts"][0]["status"] == "resolved"


async def test_resolve_conflict_error_paths_say_what_to_do(root: Path) -> None:
    async with connect(root) as client:
        conflict = await _make_conflict(client, root)
        unknown = await refused(client, "resolve_conflict", conflict_id="nope", resolution="ours")
        no_content = await refused(client, "resolve_conflict", conflict_id=conflict["conflict_id"],
                                   resolution="content")
        bad_choice = await refused(client, "resolve_conflict", conflict_id=conflict["conflict_id"],
                                   resolution="mine")
        await ok(client, "resolve_conflict", conflict_id=conflict["conflict_id"], resolution="theirs")
        twice = await refused(client, "resolve_conflict", conflict_id=conflict["conflict_id"], resolution="ours")
    assert "list_conflicts" in unknown
    assert "content" in no_content
    assert "resolution" in bad_choice
    assert "already resolved" in twice


async def test_file_history_lists_versions_newest_first_and_restore_brings_one_back(root: Path) -> None:
    async with connect(root) as client:
        first = await ok(client, "write_file", path="h.txt", content="v1\n")
        second = await ok(client, "write_file", path="h.txt", content="v2\n")
        history = await ok(client, "file_history", path="h.txt")
        limited = await ok(client, "file_history", path="h.txt", limit=1)
        restored = await ok(client, "restore_version", path="h.txt", version=first["version"])
    assert [v["version"] for v in history["versions"]] == [second["version"], first["version"]]
    assert [v["action"] for v in history["versions"]] == ["write", "write"]
    assert len(limited["versions"]) == 1
    assert restored["status"] == "written" and restored["version"] == first["version"]
    assert (root / "h.txt").read_text() == "v1\n"


async def test_history_and_restore_error_paths_say_what_to_do(root: Path) -> None:
    async with connect(root) as client:
        unknown = await refused(client, "restore_version", path="README.md", version="sha256:" + "0" * 64)
        malformed = await refused(client, "restore_version", path="README.md", version="yesterday")
        outside = await refused(client, "file_history", path="../x")
        bad_limit = await refused(client, "file_history", path="README.md", limit=0)
    assert "file_history" in unknown
    assert "sha256:" in malformed
    assert "workspace" in outside
    assert "limit" in bad_limit


# -- analysis ------------------------------------------------------------------------------------------------
async def test_analyze_file_lists_the_functions_that_fail_the_gate_or_are_close_to_it(root: Path) -> None:
    branches = "".join(f"    if x == {n}:\n        return {n}\n" for n in range(8))
    (root / "src" / "mixed.py").write_text(f"def near(x):\n{branches}    return -1\n\n\ndef simple():\n    return 1\n")
    async with connect(root) as client:
        data = await ok(client, "analyze_file", path="src/mixed.py")
    assert [(f["qualname"], f["complexity"]) for f in data["functions"]] == [("near", 9)]
    assert data["functions_omitted"] == 1


async def test_analyze_file_reports_metrics_findings_recommendations_and_the_gate(root: Path) -> None:
    (root / "src" / "risky.py").write_text(RISKY)
    async with connect(root) as client:
        data = await ok(client, "analyze_file", path="src/risky.py")
        every = await ok(client, "analyze_file", path="src/risky.py", all_functions=True)
    assert data["path"] == "src/risky.py" and data["version"].startswith("sha256:")
    assert data["functions"] == [] and data["functions_omitted"] == 1  # a simple function costs no tokens
    assert [f["qualname"] for f in every["functions"]] == ["add"] and "functions_omitted" not in every
    assert {f["test_id"] for f in data["findings"]} >= {"B602"}
    assert data["recommendations"] and data["recommendations"][0]["fix"]
    assert data["gate"]["passed"] is False and data["gate"]["failing_count"] >= 1


async def test_analyze_file_with_content_analyses_the_given_text_not_the_disk_and_caches_nothing(root: Path) -> None:
    disk = "def add(a, b):\n    return a + b\n"
    (root / "src" / "buffer.py").write_text(disk)
    async with connect(root) as client:
        data = await ok(client, "analyze_file", path="src/buffer.py", content=RISKY, all_functions=True)
        saved = await ok(client, "analyze_file", path="src/buffer.py")
    assert data["path"] == "src/buffer.py"
    assert "B602" in [f["test_id"] for f in data["findings"]] and data["gate"]["passed"] is False
    assert saved.get("findings", []) == [] and saved["version"] != data["version"]
    assert (root / "src" / "buffer.py").read_text() == disk
    config = load_config(root)
    store = StateStore(root)
    try:
        cache = AnalysisCache(root, config.analysis_hash(), store=store)
        assert cache.get_many([data["version"]], {data["version"]: "src/buffer.py"}) == {}
    finally:
        store.close()


async def test_analyze_file_with_content_names_a_file_that_need_not_exist_but_must_be_python_inside(
        root: Path) -> None:
    async with connect(root) as client:
        data = await ok(client, "analyze_file", path="src/new_module.py", content="x = eval(input())\n")
        assert "Python" in await refused(client, "analyze_file", path="notes.txt", content="x = 1\n")
        assert "workspace" in await refused(client, "analyze_file", path="../x.py", content="x = 1\n")
    assert not (root / "src" / "new_module.py").exists()
    assert [f["test_id"] for f in data["findings"]] == ["B307"]


async def test_analyze_file_findings_carry_their_columns_and_the_rule_page(root: Path) -> None:
    async with connect(root) as client:
        data = await ok(client, "analyze_file", path="src/cols.py", content=RISKY)
    finding = next(f for f in data["findings"] if f["test_id"] == "B602")
    assert finding["col_offset"] == 4 and finding["end_col_offset"] == len("    subprocess.call(a, shell=True)")
    assert finding["more_info"].startswith("https://bandit.readthedocs.io/") and "b602" in finding["more_info"]


async def test_analyze_file_of_a_file_with_a_syntax_error_reports_it(root: Path) -> None:
    (root / "broken.py").write_text("def f(:\n")
    async with connect(root) as client:
        data = await ok(client, "analyze_file", path="broken.py")
    assert "syntax error" in data["error"]
    assert data["gate"]["passed"] is False


async def test_analyze_file_refuses_non_python_binary_and_outside_files(root: Path) -> None:
    async with connect(root) as client:
        assert "Python" in await refused(client, "analyze_file", path="README.md")
        assert "Python" in await refused(client, "analyze_file", path="logo.png")
        assert "workspace" in await refused(client, "analyze_file", path="../x.py")


async def test_analyze_project_summarises_the_workspace(root: Path) -> None:
    (root / "src" / "risky.py").write_text(RISKY)
    async with connect(root) as client:
        data = await ok(client, "analyze_project")
        scoped = await ok(client, "analyze_project", paths=["src/app.py"])
    assert data["summary"]["files"] == 2 and data["summary"]["findings"] >= 1
    assert data["gate"]["passed"] is False
    assert any(f["test_id"] == "B602" for f in data["findings"])
    assert data["truncated"] is False
    assert scoped["summary"]["files"] == 1 and scoped["gate"]["passed"] is True


async def test_analyze_project_error_paths_say_what_to_do(root: Path) -> None:
    async with connect(root) as client:
        outside = await refused(client, "analyze_project", paths=["../elsewhere"])
        missing = await refused(client, "analyze_project", paths=["nope/"])
        not_git = await refused(client, "analyze_project", changed_since="main")
        option = await refused(client, "analyze_project", changed_since="--output=/tmp/x")
    assert "workspace" in outside
    assert "list_directory" in missing
    assert "git" in not_git.lower()
    assert "changed_since" in option


# -- health, metrics, the hook, resources --------------------------------------------------------------------
async def test_health_is_ok_for_a_usable_workspace(root: Path) -> None:
    async with connect(root) as client:
        data = await ok(client, "health")
    assert data == {"status": "ok", "reasons": [], "open_conflicts": 0, "state_store": "ok"}


async def test_health_is_degraded_when_the_state_store_is_unusable(root: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from devreliab import StateStoreError
    from devreliab.vfs import Workspace

    def broken(self: Workspace, **_: Any) -> Any:
        raise StateStoreError("database disk image is malformed")

    async with connect(root) as client:
        monkeypatch.setattr(Workspace, "list_conflicts", broken)
        data = await ok(client, "health")
    assert data["status"] == "degraded" and data["state_store"] == "unusable"
    assert "malformed" in data["reasons"][0]


async def test_metrics_count_calls_and_errors_per_tool_and_the_cache(root: Path) -> None:
    async with connect(root) as client:
        await ok(client, "read_file", path="README.md")
        await ok(client, "read_file", path="README.md")
        await refused(client, "read_file", path="nope")
        data = await ok(client, "metrics")
    assert data["tools"]["read_file"]["calls"] == 3
    assert data["tools"]["read_file"]["errors"] == 1
    assert "crashes" not in data["tools"]["read_file"]  # a zero is left out
    assert data["cache"]["hits"] + data["cache"]["misses"] >= 2
    assert data["open_conflicts"] == 0 and data["pid"] > 0


async def test_every_tool_call_is_reported_to_the_hook_with_duration_and_outcome(root: Path) -> None:
    seen: list[ToolCall] = []
    async with connect(root, hooks=(seen.append,)) as client:
        await ok(client, "read_file", path="README.md")
        await refused(client, "read_file", path="nope")
        await refused(client, "no_such_tool")
    assert [(c.tool, c.outcome, c.is_error) for c in seen] == [
        ("read_file", "ok", False), ("read_file", "error", True), ("no_such_tool", "error", True)]
    assert all(c.seconds >= 0 for c in seen)


async def test_a_failing_hook_does_not_fail_the_call(root: Path) -> None:
    def broken(_: ToolCall) -> None:
        raise RuntimeError("monitor bug")

    async with connect(root, hooks=(broken,)) as client:
        await ok(client, "read_file", path="README.md")


async def test_the_health_and_conflicts_resources_are_readable(root: Path) -> None:
    async with connect(root) as client:
        listed = {str(r.uri) for r in (await client.list_resources()).resources}
        health = await client.read_resource("devreliab://health")
        await _make_conflict(client, root)
        conflicts = await client.read_resource("devreliab://conflicts")
    assert {"devreliab://health", "devreliab://conflicts"} <= listed
    assert '"status":"ok"' in health.contents[0].text  # type: ignore[union-attr]
    assert '"path": "c.txt"' in conflicts.contents[0].text  # type: ignore[union-attr]


async def test_analyze_project_findings_leave_the_editor_details_out(root: Path) -> None:
    (root / "src" / "risky.py").write_text(RISKY)
    async with connect(root) as client:
        data = await ok(client, "analyze_project")
    finding = next(f for f in data["findings"] if f["test_id"] == "B602")
    assert not {"col_offset", "end_col_offset", "more_info"} & set(finding)  # tokens an agent does not need
