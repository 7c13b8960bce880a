"""SIGKILL of a server in the middle of writes and merges, again and again: never a torn file, never a lost
accepted write (a write is accepted when its response arrived)."""

from __future__ import annotations

import json
import random
import re
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.tools import read_text

from ..mcp.conftest import StdioServer
from .conftest import scale, stop

LINE = re.compile(r"(victim|survivor) (\d+) (\d+)")


def append_once(proc: StdioServer, name: str, line: str) -> dict[str, Any]:
    current = read_text(proc.call_tool("read_file", path=name)["content"][0]["text"])  # after its header line
    answer = proc.call_tool("write_file", path=name, content=current + line)
    assert not answer.get("isError"), answer
    result: dict[str, Any] = answer["structuredContent"]
    return result


def check_complete(text: str) -> list[tuple[str, int, int]]:
    """Every line of the file is one whole line some writer wrote; the parsed lines."""
    assert text == "" or text.endswith("\n"), f"torn file: ends with {text[-40:]!r}"
    parsed = []
    for raw in text.splitlines():
        match = LINE.fullmatch(raw)
        assert match, f"torn or foreign line {raw!r}"
        parsed.append((match[1], int(match[2]), int(match[3])))
    return parsed


@pytest.mark.reliability_heavy
def test_sigkill_in_the_middle_of_writes_and_merges_never_tears_a_file_or_loses_an_accepted_write(
        tmp_path: Path, figures: dict[str, Any]) -> None:
    rounds = scale(12, 50)
    rng = random.Random(7)
    root = tmp_path / "ws"
    root.mkdir()
    # the agents re-read the whole log and write it back: no answer cap (the log outgrows 2,000 lines)
    (root / "devreliab.jsonc").write_text('{"mcp": {"read_max_lines": 10000000, "read_max_chars": 1000000000}}')
    name = "log.txt"
    (root / name).write_text("", encoding="utf-8")
    accepted: dict[str, list[str]] = {"victim": [], "survivor": []}
    versions: list[str] = []
    stop_survivor = threading.Event()
    survivor_errors: list[BaseException] = []
    survivor = StdioServer(root)
    survivor.initialize()

    def survive() -> None:  # a second agent appending all the time: the victim's writes become merges
        n = 0
        try:
            while not stop_survivor.is_set():
                n += 1
                line = f"survivor 0 {n}\n"
                result = append_once(survivor, name, line)
                if result["status"] != "conflict":
                    accepted["survivor"].append(line)
                    versions.append(result["version"])
        except BaseException as exc:  # reported by the main thread
            survivor_errors.append(exc)

    helper = threading.Thread(target=survive, daemon=True)
    helper.start()
    killed_in_flight = landed_anyway = 0
    try:
        for r in range(rounds):
            victim = StdioServer(root)
            victim.initialize()
            for n in range(rng.randint(1, 4)):  # some writes that complete
                line = f"victim {r} {n}\n"
                result = append_once(victim, name, line)
                if result["status"] != "conflict":
                    accepted["victim"].append(line)
                    versions.append(result["version"])
            # one write in flight when the process dies: its answer may or may not have arrived
            current = read_text(victim.call_tool("read_file", path=name)["content"][0]["text"])
            line = f"victim {r} 99\n"
            rid = victim.request("tools/call", {"name": "write_file",
                                                "arguments": {"path": name, "content": current + line}})
            time.sleep(rng.random() * 0.03)
            victim.proc.send_signal(signal.SIGKILL)
            victim.proc.wait(timeout=30)
            answered = False
            while not victim._lines.empty():
                message = json.loads(victim._lines.get_nowait())
                if message.get("id") == rid and "result" in message:
                    answered = message["result"]["structuredContent"]["status"] != "conflict"
            victim.kill()
            killed_in_flight += 1
            if answered:
                accepted["victim"].append(line)
            text = (root / name).read_text(encoding="utf-8")
            check_complete(text)
            landed_anyway += (not answered) and line in text
            temps = [p for p in root.iterdir() if p.name.startswith(".devreliab-")]
            assert len(temps) <= 1, temps
    finally:
        stop_survivor.set()
        helper.join(timeout=60)
    assert not survivor_errors, survivor_errors
    assert stop(survivor) == 0
    text = (root / name).read_text(encoding="utf-8")
    lines = check_complete(text)
    present = set(text.splitlines(keepends=True))
    for writer, written in accepted.items():
        missing = [line for line in written if line not in present]
        assert not missing, f"{writer}: accepted writes lost: {missing[:5]}"
        order = [line for line in text.splitlines(keepends=True) if line in set(written)]
        assert order == written, f"{writer}: accepted lines out of order"
    conn = sqlite3.connect(root / ".devreliab" / "state.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        journalled = {row[0] for row in conn.execute("SELECT after FROM vfs_journal WHERE path = ?", (name,))}
    finally:
        conn.close()
    missing_versions = [v for v in versions if v not in journalled]
    assert not missing_versions, f"accepted versions without a journal row: {missing_versions[:3]}"
    figures.update(sigkills=killed_in_flight, accepted_writes=sum(map(len, accepted.values())),
                   in_flight_writes_that_landed=landed_anyway, lines_in_file=len(lines), writes_lost=0,
                   torn_files=0)
