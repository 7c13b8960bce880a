"""Answers that guide the second agent (issue 12.3): an edit whose old_text is gone because the file moved on
is applied to the client's base and merged (or recorded as a conflict); errors say what happened once, in
words, and who wrote since."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client
from mcp_types import Implementation

from devreliab.mcp import create_server

from .conftest import ok, refused

pytestmark = pytest.mark.anyio
LINES = ["x = 1", "", "", "def f():", "    return 0", "", "y = 2"]
TEXT = "\n".join(LINES) + "\n"


async def both_read_then_alice_edits(root: Path, alice: Client, bob: Client, new_x: str) -> None:
    """alice and bob read m.py; then alice changes its first line, so bob's read is stale."""
    (root / "m.py").write_text(TEXT)
    await ok(alice, "read_file", path="m.py")
    await ok(bob, "read_file", path="m.py")
    await ok(alice, "edit_file", path="m.py", edits=[{"old_text": "x = 1", "new_text": new_x}])


def agent(root: Path, name: str) -> Client:
    return Client(create_server(root, monitor=False), client_info=Implementation(name=name, version="1"))


async def test_an_edit_from_a_stale_read_is_applied_to_its_base_and_merged(root: Path) -> None:
    async with agent(root, "alice") as alice, agent(root, "bob") as bob:
        await both_read_then_alice_edits(root, alice, bob, "x = 10")
        # bob copies a block that spans alice's line as context, and changes only its last line
        block = TEXT.rstrip("\n")
        merged = await ok(bob, "edit_file", path="m.py",
                          edits=[{"old_text": block, "new_text": block.replace("y = 2", "y = 20")}])
    assert merged["status"] == "merged" and "base of your next write" in merged["next_step"]
    assert (root / "m.py").read_text() == TEXT.replace("x = 1", "x = 10").replace("y = 2", "y = 20")


async def test_an_edit_from_a_stale_read_that_overlaps_the_newer_change_is_a_conflict_record(root: Path) -> None:
    async with agent(root, "alice") as alice, agent(root, "bob") as bob:
        await both_read_then_alice_edits(root, alice, bob, "x = 5")
        clash = await ok(bob, "edit_file", path="m.py", edits=[{"old_text": "x = 1", "new_text": "x = 2"}])
        listed = await ok(bob, "list_conflicts")
    assert clash["status"] == "conflict" and clash["conflict_id"] and clash["current_version"]
    assert "resolve_conflict" in clash["next_step"]
    assert [c["id"] for c in listed["conflicts"]] == [clash["conflict_id"]]
    assert (root / "m.py").read_text() == TEXT.replace("x = 1", "x = 5")


async def test_an_edit_that_fits_neither_the_file_nor_its_base_says_who_wrote_since(root: Path) -> None:
    async with agent(root, "alice") as alice, agent(root, "bob") as bob:
        await both_read_then_alice_edits(root, alice, bob, "x = 10")
        text = await refused(bob, "edit_file", path="m.py", edits=[{"old_text": "z = 3", "new_text": "z = 4"}])
    assert "changed since the version you based this edit on" in text and "alice (pid" in text
    assert text.count("Read the file again") == 1


async def test_errors_are_said_once_in_a_models_words(root: Path) -> None:
    async with agent(root, "carol") as carol:
        blind = await refused(carol, "write_file", path="README.md", content="gone\n")
        bad_type = await refused(carol, "read_file", path="README.md", start_line="x")
        bad_range = await refused(carol, "list_directory", depth=0)
        past_end = await refused(carol, "read_file", path="README.md", start_line=9)
        await ok(carol, "read_file", path="README.md")
        same = await ok(carol, "edit_file", path="README.md", edits=[{"old_text": "hello", "new_text": "hello"}])
    assert "invalid arguments: start_line: Input should be a valid integer" in bad_type and "(got 'x')" in bad_type
    for text in (bad_type, bad_range):
        assert "pydantic" not in text and "validation error for" not in text and "[type=" not in text
    assert "depth: Input should be greater than or equal to 1 (got 0)" in bad_range
    assert "start_line 9 is past the end: the file has 2 line(s)" in past_end
    assert blind.count("expected_version") == 1 and blind.count("read_file it first") == 1
    assert same["next_step"].startswith("Nothing changed")


async def test_a_conflict_answer_carries_only_the_conflicting_place_with_the_agents_named(root: Path) -> None:
    body = "".join(f"line {n} of a long module\n" for n in range(1, 1001))  # about 25 KB
    (root / "big.txt").write_text(body)
    async with agent(root, "alice") as alice, agent(root, "bob") as bob:
        await ok(alice, "read_file", path="big.txt")
        await ok(bob, "read_file", path="big.txt")
        await ok(alice, "write_file", path="big.txt", content=body.replace("line 500 of", "line 500 (alice) of"))
        clash = await ok(bob, "write_file", path="big.txt",
                         content=body.replace("line 500 of", "line 500 (bob) of"))
        whole = await bob.read_resource(clash["merge_uri"])
    assert clash["status"] == "conflict" and len(clash["diff"]) < 1000, len(clash["diff"])
    assert "@@ line 500: same lines changed @@" in clash["diff"]
    assert "<<<<<<< theirs (on disk, by alice (pid" in clash["diff"]
    assert ">>>>>>> ours (this write, by bob (pid" in clash["diff"]
    assert "line 1 of" not in clash["diff"] and "line 1000 of" not in clash["diff"]
    assert "line 1000 of" in whole.contents[0].text  # type: ignore[union-attr]  # the whole merge is one call away
    assert "'ours' (this write) | 'theirs' (on disk)" in clash["next_step"]




async def test_a_whole_file_write_after_a_partial_read_is_refused_unless_the_base_is_named(root: Path) -> None:
    body = "".join(f"entry {n}\n" for n in range(1, 3001))
    (root / "big.lock").write_text(body)
    async with agent(root, "dave") as dave:
        capped = await ok(dave, "read_file", path="big.lock")  # the first 2000 lines: the answer cap
        await ok(dave, "read_file", path="big.lock", if_version=capped["version"])  # 'unchanged': still partial
        refusal = await refused(dave, "write_file", path="big.lock", content=capped["content"] + "entry new\n")
        ranged = await ok(dave, "read_file", path="big.lock", start_line=10, end_line=20)
        again = await refused(dave, "write_file", path="big.lock", content="entry 10\n")
        explicit = await ok(dave, "write_file", path="big.lock", content="replaced\n",
                            expected_version=ranged["version"])
    assert "you read only lines 1-2000 of 3000" in refusal and "edit_file" in refusal
    assert "you read only lines 10-20 of 3000" in again
    assert explicit["status"] == "written" and (root / "big.lock").read_text() == "replaced\n"
