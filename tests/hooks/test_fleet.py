"""The simulated fleet (fleet.py): hook sessions and MCP sessions on shared files lose nothing."""

from __future__ import annotations

from pathlib import Path

from .fleet import Fleet

ROUNDS, FILES = 5, 2


def test_a_fleet_of_claude_code_hook_sessions_and_mcp_sessions_loses_no_update(ws: Path) -> None:
    fleet = Fleet(ws, FILES, hooks=True)
    try:
        result = fleet.run(ROUNDS)
    finally:
        fleet.close()
    assert result.checked > 0 and result.lost == 0
    assert result.conflicts_expected == 6  # one header round: 3 late writers on each of the 2 files
    assert result.conflicts_recorded == result.conflicts_expected


def test_the_same_fleet_without_hooks_loses_updates(ws: Path) -> None:
    fleet = Fleet(ws, FILES, hooks=False)
    try:
        result = fleet.run(ROUNDS)
    finally:
        fleet.close()
    assert result.lost > 0
