"""Codex, Gemini CLI, Copilot and Cursor adapters with their documented payloads, through the real command."""

from __future__ import annotations

from pathlib import Path

from devreliab import Workspace

from .conftest import run_hook
from .payloads import codex, copilot, cursor, gemini

ORIGINAL = "alpha\n\none\n\ntwo\n\nthree\n"


def other_client_writes(root: Path, old: str, new: str) -> None:
    with Workspace(root, client_id="mcp-agent") as other:
        other.read("notes.txt")
        other.edit("notes.txt", [{"old_text": old, "new_text": new}])


def patch(old: str, new: str, path: str = "notes.txt") -> str:
    return f"*** Begin Patch\n*** Update File: {path}\n@@\n-{old}\n+{new}\n*** End Patch\n"


def test_codex_apply_patch_that_still_applies_runs_unchanged_and_is_journalled_after(ws: Path) -> None:
    assert run_hook("codex", codex("PreToolUse", ws, patch("two", "2"))).answer == {}
    (ws / "notes.txt").write_text(ORIGINAL.replace("two", "2"))
    assert run_hook("codex", codex("PostToolUse", ws, patch("two", "2"))).answer == {}
    with Workspace(ws, client_id="viewer") as viewer:
        assert viewer.file_history("notes.txt").versions[0].client.startswith("codex:thread-1:")


def test_codex_apply_patch_whose_context_another_client_changed_is_merged_and_written_by_devreliab(ws: Path) -> None:
    run_hook("codex", codex("PreToolUse", ws, patch("two", "2")))
    (ws / "notes.txt").write_text(ORIGINAL.replace("two", "2"))
    run_hook("codex", codex("PostToolUse", ws, patch("two", "2")))  # the session's base is its own write
    other_client_writes(ws, "2\n", "II\n")  # a context line of the next patch
    pending = "*** Begin Patch\n*** Update File: notes.txt\n@@\n 2\n \n-three\n+3\n*** End Patch\n"
    answer = run_hook("codex", codex("PreToolUse", ws, pending)).answer["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny" and "wrote the result itself" in answer["permissionDecisionReason"]
    assert (ws / "notes.txt").read_text() == "alpha\n\none\n\nII\n\n3\n"


def test_codex_overlapping_patch_is_denied_with_a_conflict_record(ws: Path) -> None:
    run_hook("codex", codex("PreToolUse", ws, patch("two", "2")))
    (ws / "notes.txt").write_text(ORIGINAL.replace("two", "2"))
    run_hook("codex", codex("PostToolUse", ws, patch("two", "2")))
    other_client_writes(ws, "2\n", "deux\n")
    answer = run_hook("codex", codex("PreToolUse", ws, patch("2", "two again"))).answer["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny" and "Conflict" in answer["permissionDecisionReason"]
    assert "in 1 place(s) (same lines changed at line " in answer["permissionDecisionReason"]  # it says why
    with Workspace(ws, client_id="viewer") as viewer:
        assert len(viewer.list_conflicts().conflicts) == 1


def test_gemini_write_file_after_another_clients_change_is_merged_and_the_tool_call_denied_as_done(ws: Path) -> None:
    path = str(ws / "notes.txt")
    assert run_hook("gemini", gemini("BeforeTool", "read_file", ws, file_path=path)).answer == {}
    other_client_writes(ws, "one\n", "ONE\n")
    answer = run_hook("gemini", gemini("BeforeTool", "write_file", ws, file_path=path,
                                       content=ORIGINAL + "four\n")).answer
    assert answer["decision"] == "deny" and "wrote the result itself" in answer["reason"]
    assert (ws / "notes.txt").read_text() == ORIGINAL.replace("one", "ONE") + "four\n"


def test_gemini_replace_whose_old_string_changed_overlapping_is_a_conflict(ws: Path) -> None:
    path = str(ws / "notes.txt")
    run_hook("gemini", gemini("BeforeTool", "read_file", ws, file_path=path))
    other_client_writes(ws, "two\n", "TWO\n")
    answer = run_hook("gemini", gemini("BeforeTool", "replace", ws, file_path=path, old_string="two",
                                       new_string="deux")).answer
    assert answer["decision"] == "deny" and "Conflict" in answer["reason"]


def test_copilot_create_over_a_changed_file_is_rewritten_through_modified_args(ws: Path) -> None:
    path = str(ws / "notes.txt")
    assert run_hook("copilot", copilot("view", ws, path=path)).answer == {}
    other_client_writes(ws, "one\n", "ONE\n")
    answer = run_hook("copilot", copilot("create", ws, path=path, file_text=ORIGINAL + "four\n")).answer
    assert answer["modifiedArgs"] == {"path": path, "file_text": ORIGINAL.replace("one", "ONE") + "four\n"}


def test_copilot_post_tool_use_journals_the_edit(ws: Path) -> None:
    path = str(ws / "notes.txt")
    run_hook("copilot", copilot("view", ws, path=path))
    (ws / "notes.txt").write_text(ORIGINAL.replace("two", "2"))
    run_hook("copilot", copilot("edit", ws, post=True, path=path, old_str="two", new_str="2"))
    with Workspace(ws, client_id="viewer") as viewer:
        assert viewer.file_history("notes.txt").versions[0].client.startswith("copilot:")


def test_cursor_before_read_file_is_allowed_and_sets_the_base(ws: Path) -> None:
    path = ws / "notes.txt"
    assert run_hook("cursor", cursor("beforeReadFile", ws, path, content=ORIGINAL)).answer == {"permission": "allow"}


def test_cursor_after_file_edit_that_dropped_another_clients_change_puts_it_back_merged(ws: Path) -> None:
    path = ws / "notes.txt"
    run_hook("cursor", cursor("beforeReadFile", ws, path, content=ORIGINAL))
    other_client_writes(ws, "one\n", "ONE\n")
    path.write_text(ORIGINAL.replace("three", "3"))  # Cursor wrote its whole stale copy
    run = run_hook("cursor", cursor("afterFileEdit", ws, path, edits=[{"old_string": "three", "new_string": "3"}]))
    assert run.exit_code == 0 and "merged" in run.stderr
    assert path.read_text() == ORIGINAL.replace("one", "ONE").replace("three", "3")


def test_cursor_events_devreliab_does_not_use_are_answered_without_a_check(ws: Path) -> None:
    run = run_hook("cursor", {"conversation_id": "c", "hook_event_name": "beforeShellExecution", "command": "ls",
                              "workspace_roots": [str(ws)]})
    assert run.answer == {"permission": "allow"} and run.exit_code == 0
