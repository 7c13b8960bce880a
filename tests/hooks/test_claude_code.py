"""``devreliab hook claude-code`` with Claude Code's documented payloads, through the real command and store."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from devreliab import Workspace
from tests.tools import wait_for

from .conftest import run_hook
from .payloads import claude

ORIGINAL = "alpha\n\none\n\ntwo\n\nthree\n"


def other_client_writes(root: Path, old: str, new: str) -> None:
    """Another agent (through devreliab's workspace, as the MCP tools do) changes one line."""
    with Workspace(root, client_id="mcp-agent") as other:
        other.read("notes.txt")
        other.edit("notes.txt", [{"old_text": old, "new_text": new}])


def spec(answer: dict[str, object]) -> dict[str, object]:
    out = answer.get("hookSpecificOutput")
    assert isinstance(out, dict), answer
    return out


def test_a_write_of_a_file_another_client_changed_since_the_read_is_rewritten_to_the_merge(ws: Path) -> None:
    path = ws / "notes.txt"
    assert run_hook("claude-code", claude("PreToolUse", "Read", ws, file_path=str(path))).answer == {}
    other_client_writes(ws, "one\n", "ONE\n")
    ours = ORIGINAL.replace("three", "THREE")
    answer = spec(run_hook("claude-code", claude("PreToolUse", "Write", ws, file_path=str(path),
                                                 content=ours)).answer)
    assert answer["permissionDecision"] == "allow"
    assert answer["updatedInput"] == {"file_path": str(path), "content": "alpha\n\nONE\n\ntwo\n\nTHREE\n"}
    assert "mcp-agent" in str(answer["additionalContext"])


def test_a_rewritten_write_asks_the_user_when_the_session_does_not_accept_edits_on_its_own(ws: Path) -> None:
    path = ws / "notes.txt"
    run_hook("claude-code", claude("PreToolUse", "Read", ws, file_path=str(path), mode="default"))
    other_client_writes(ws, "one\n", "ONE\n")
    answer = spec(run_hook("claude-code", claude("PreToolUse", "Write", ws, mode="default", file_path=str(path),
                                                 content=ORIGINAL + "four\n")).answer)
    assert answer["permissionDecision"] == "ask"
    assert "ONE" in answer["updatedInput"]["content"] and "four" in answer["updatedInput"]["content"]  # type: ignore[index]


def test_an_overlapping_write_is_denied_and_stored_as_a_conflict_every_client_sees(ws: Path) -> None:
    path = ws / "notes.txt"
    run_hook("claude-code", claude("PreToolUse", "Read", ws, file_path=str(path)))
    other_client_writes(ws, "two\n", "TWO by them\n")
    answer = spec(run_hook("claude-code", claude("PreToolUse", "Write", ws, file_path=str(path),
                                                 content=ORIGINAL.replace("two", "two by us"))).answer)
    assert answer["permissionDecision"] == "deny"
    reason = str(answer["permissionDecisionReason"])
    assert "mcp-agent" in reason and "Read notes.txt again" in reason
    with Workspace(ws, client_id="viewer") as viewer:
        conflicts = viewer.list_conflicts().conflicts
        assert len(conflicts) == 1 and conflicts[0].id in reason
        assert conflicts[0].client.startswith("claude-code:sess-a:")
        assert "two by us" in viewer.show_conflict(conflicts[0].id).ours
    assert "TWO by them" in path.read_text()


def test_an_edit_whose_old_string_another_client_changed_is_merged_not_refused(ws: Path) -> None:
    path = ws / "notes.txt"
    run_hook("claude-code", claude("PreToolUse", "Read", ws, file_path=str(path)))
    other_client_writes(ws, "one\n", "ONE\n")  # a line inside our old_string, not the one we change
    answer = spec(run_hook("claude-code", claude("PreToolUse", "Edit", ws, file_path=str(path),
                                                 old_string="one\n\ntwo\n", new_string="one\n\n2\n")).answer)
    assert answer["permissionDecision"] == "allow"
    updated = answer["updatedInput"]
    assert isinstance(updated, dict)
    on_disk = path.read_text()
    assert updated["old_string"] == on_disk and updated["new_string"] == on_disk.replace("two", "2")
    assert "ONE" in on_disk


def test_an_edit_whose_old_string_is_still_on_disk_runs_unchanged(ws: Path) -> None:
    path = ws / "notes.txt"
    run_hook("claude-code", claude("PreToolUse", "Read", ws, file_path=str(path)))
    other_client_writes(ws, "one\n", "ONE\n")
    run = run_hook("claude-code", claude("PreToolUse", "MultiEdit", ws, file_path=str(path),
                                         edits=[{"old_string": "three", "new_string": "3"}]))
    assert run.answer == {}


def test_overwriting_a_file_changed_since_the_session_started_without_reading_it_is_refused(ws: Path) -> None:
    path = ws / "notes.txt"
    other = ws / "other.txt"
    other.write_text("x\n")
    run_hook("claude-code", claude("PreToolUse", "Read", ws, file_path=str(other)))  # the session starts
    other_client_writes(ws, "one\n", "ONE\n")
    answer = spec(run_hook("claude-code", claude("PreToolUse", "Write", ws, file_path=str(path),
                                                 content="mine\n")).answer)
    assert answer["permissionDecision"] == "deny"
    assert "has not read it" in str(answer["permissionDecisionReason"])


def test_overwriting_a_file_unchanged_since_the_session_started_is_allowed(ws: Path) -> None:
    answer = run_hook("claude-code", claude("PreToolUse", "Write", ws, session="fresh",
                                            file_path=str(ws / "notes.txt"), content="mine\n")).answer
    assert answer == {}


def test_a_write_after_the_tool_is_journalled_under_the_session_so_history_and_restore_cover_it(ws: Path) -> None:
    path = ws / "notes.txt"
    run_hook("claude-code", claude("PreToolUse", "Read", ws, file_path=str(path)))
    path.write_text("rewritten by Claude's Write\n")
    run = run_hook("claude-code", claude("PostToolUse", "Write", ws, file_path=str(path),
                                         content="rewritten by Claude's Write\n"))
    assert run.exit_code == 0 and "decision" not in run.answer
    with Workspace(ws, client_id="viewer") as viewer:
        history = viewer.file_history("notes.txt").versions
        assert history[0].client.startswith("claude-code:sess-a:") and history[0].action == "hook-write"
        restored = viewer.restore_version("notes.txt", history[0].before or "")
        assert restored.status == "written"
    assert path.read_text() == ORIGINAL


def test_a_python_write_that_breaks_the_gate_gets_guidance_as_additional_context(ws: Path) -> None:
    code = ws / "app.py"
    code.write_text("def f(x):\n    return x\n")
    run_hook("claude-code", claude("PreToolUse", "Read", ws, file_path=str(code)))
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(12))
    code.write_text(f"def f(x):\n{body}    return x\n")
    answer = spec(run_hook("claude-code", claude("PostToolUse", "Write", ws, file_path=str(code),
                                                 content=code.read_text())).answer)
    assert "complex" in str(answer["additionalContext"]) and "f" in str(answer["additionalContext"])


def test_a_write_that_raced_another_clients_write_between_the_hooks_is_repaired_after_the_tool(ws: Path) -> None:
    path = ws / "notes.txt"
    run_hook("claude-code", claude("PreToolUse", "Read", ws, file_path=str(path)))
    ours = ORIGINAL.replace("three", "THREE")
    assert run_hook("claude-code", claude("PreToolUse", "Write", ws, file_path=str(path), content=ours)).answer == {}
    other_client_writes(ws, "one\n", "ONE\n")  # lands after the check, before Claude's Write runs
    path.write_text(ours)  # the tool writes what it was given
    answer = spec(run_hook("claude-code", claude("PostToolUse", "Write", ws, file_path=str(path),
                                                 content=ours)).answer)
    assert "merged" in str(answer["additionalContext"])
    assert path.read_text() == "alpha\n\nONE\n\ntwo\n\nTHREE\n"


def test_paths_outside_the_workspace_are_left_alone_and_nothing_is_written_there(ws: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("keep\n")
    for event, tool in (("PreToolUse", "Read"), ("PreToolUse", "Write"), ("PostToolUse", "Write")):
        run = run_hook("claude-code", claude(event, tool, ws, file_path=str(outside), content="x\n"))
        assert run.answer == {} and run.exit_code == 0
    assert outside.read_text() == "keep\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere.txt", "project"]


def test_an_unknown_payload_fails_open_with_a_warning_by_default(ws: Path) -> None:
    run = run_hook("claude-code", {"hook_event_name": "PreToolUse", "tool_name": "Write"})
    assert run.exit_code == 0
    assert "session_id, tool_name and tool_input" in str(run.answer["systemMessage"])
    assert "goes ahead" in run.stderr


def test_an_unknown_payload_fails_closed_when_configured(ws: Path) -> None:
    (ws / "devreliab.jsonc").write_text('{"hooks": {"on_error": "deny"}}\n')
    run = run_hook("claude-code", b"not json", "--root", str(ws))
    assert spec(run.answer)["permissionDecision"] == "deny"
    assert "blocked" in str(spec(run.answer)["permissionDecisionReason"])


def test_a_state_store_that_cannot_be_opened_fails_open_with_a_warning(ws: Path) -> None:
    (ws / ".devreliab").write_text("not a directory\n")
    run = run_hook("claude-code", claude("PreToolUse", "Write", ws, file_path=str(ws / "notes.txt"),
                                         content="x\n"))
    assert run.exit_code == 0 and "goes ahead" in str(run.answer["systemMessage"])
    assert (ws / "notes.txt").read_text() == ORIGINAL


def test_a_state_store_locked_by_another_process_fails_open_within_the_deadline(ws: Path) -> None:
    import sqlite3

    (ws / "devreliab.jsonc").write_text('{"hooks": {"timeout_ms": 500}}\n')
    with Workspace(ws, client_id="holder"):
        pass  # the store exists
    holder = sqlite3.connect(ws / ".devreliab" / "state.db", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        start = time.monotonic()
        run = run_hook("claude-code", claude("PreToolUse", "Read", ws, file_path=str(ws / "notes.txt")))
        elapsed = time.monotonic() - start
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert run.exit_code == 0 and "goes ahead" in str(run.answer["systemMessage"])
    assert elapsed < 30  # not the store's own 30 s busy wait


def test_two_sessions_creating_the_same_new_file_keep_both_versions(ws: Path) -> None:
    path = ws / "new.txt"
    first = claude("PreToolUse", "Write", ws, session="one", file_path=str(path), content="from one\n")
    second = claude("PreToolUse", "Write", ws, session="two", file_path=str(path), content="from two\n")
    assert run_hook("claude-code", first).answer == {} and run_hook("claude-code", second).answer == {}
    path.write_text("from two\n")  # the second session's Write runs first
    run_hook("claude-code", claude("PostToolUse", "Write", ws, session="two", file_path=str(path),
                                   content="from two\n"))
    path.write_text("from one\n")  # then the first one's replaces it
    answer = run_hook("claude-code", claude("PostToolUse", "Write", ws, session="one", file_path=str(path),
                                            content="from one\n")).answer
    assert answer["decision"] == "block" and "conflict" in str(answer["reason"])
    assert path.read_text() == "from two\n"
    with Workspace(ws, client_id="viewer") as viewer:
        (conflict,) = viewer.list_conflicts().conflicts
        assert viewer.show_conflict(conflict.id).ours == "from one\n"


def test_a_session_whose_write_was_overwritten_outside_hears_it_in_its_next_hook_answer(ws: Path) -> None:
    path = ws / "notes.txt"
    with Workspace(ws, client_id="history") as keeper_ws:
        history = keeper_ws.start_history()
        wait_for(lambda: history.holder and not history.backlog()[0], "the history's first scan", deadline_s=30)
        run_hook("claude-code", claude("PreToolUse", "Read", ws, file_path=str(path)))
        stale = path.read_text()
        path.write_text(stale.replace("one", "ONE (claude)"))  # Claude's own Write tool
        run_hook("claude-code", claude("PostToolUse", "Write", ws, file_path=str(path),
                                       content=stale.replace("one", "ONE (claude)")))
        subprocess.run([sys.executable, "-c", "import sys; open(sys.argv[1], 'w').write(sys.argv[2])", str(path),
                        stale.replace("three", "THREE (script)")], check=True, timeout=60)
        wait_for(lambda: keeper_ws.list_conflicts().conflicts, "an overwritten conflict", deadline_s=30)
        (conflict,) = keeper_ws.list_conflicts().conflicts
        assert conflict.kind == "overwritten" and conflict.client.startswith("claude-code:sess-a:")
    answer = run_hook("claude-code", claude("PreToolUse", "Read", ws, file_path=str(path))).answer
    assert "overwritten by a write outside devreliab" in json.dumps(answer)
    again = run_hook("claude-code", claude("PreToolUse", "Read", ws, file_path=str(path))).answer
    assert "overwritten" not in json.dumps(again)
