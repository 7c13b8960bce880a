"""``devreliab history PATH`` and ``devreliab restore PATH VERSION``, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from devreliab.vfs import Workspace
from tests.conftest import run_cli


def test_history_lists_the_versions_newest_first_and_restore_brings_one_back_by_prefix(root: Path) -> None:
    with Workspace(root, client_id="agent-a") as ws:
        first = ws.write("notes.txt", "one\n")
        second = ws.write("notes.txt", "two\n")
    assert first.version and second.version
    shown = run_cli("history", "notes.txt", "--root", root, cwd=root)
    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    assert [line.split()[2] for line in lines] == [second.version[7:19], first.version[7:19]]
    assert all("agent-a" in line for line in lines)
    as_json = json.loads(run_cli("history", "notes.txt", "--format", "json", "--root", root, cwd=root).out)
    assert [v["version"] for v in as_json["versions"]] == [second.version, first.version]
    restored = run_cli("restore", "notes.txt", first.version[7:15], cwd=root / ".")
    assert restored.code == 0, restored.err
    assert (root / "notes.txt").read_text() == "one\n"
    again = run_cli("history", str(root / "notes.txt"), cwd=root.parent)
    assert again.out.splitlines()[0].split()[3] == "restore"


def test_restore_of_an_unknown_version_is_a_clear_error_and_changes_nothing(root: Path) -> None:
    with Workspace(root) as ws:
        ws.write("notes.txt", "one\n")
    failed = run_cli("restore", "notes.txt", "00000000", "--root", root, cwd=root)
    assert failed.code == 2 and "no version of its history" in failed.err
    assert (root / "notes.txt").read_text() == "one\n"
    empty = run_cli("history", "other.txt", "--root", root, cwd=root)
    assert empty.code == 0 and "no versions kept yet" in empty.out
