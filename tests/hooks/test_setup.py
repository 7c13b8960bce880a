"""``devreliab setup AGENT``: merged, idempotent configuration; --dry-run, --check and --all."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .conftest import WAIT_S, hook_env

FILES = {
    "claude-code": (".mcp.json", ".claude/settings.json"),
    "codex": (".codex/config.toml", ".codex/hooks.json"),
    "gemini": (".gemini/settings.json",),
    "copilot": (".vscode/mcp.json", ".github/hooks/devreliab.json"),
    "cursor": (".cursor/mcp.json", ".cursor/hooks.json"),
}


def setup(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "devreliab", "setup", *args, "--root", str(root)],
                          capture_output=True, text=True, timeout=WAIT_S, env=hook_env(), check=False)


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()
            and ".git" not in p.parts}


@pytest.mark.parametrize("agent", sorted(FILES))
def test_setup_writes_the_agents_files_once_and_a_second_run_changes_nothing(ws: Path, agent: str) -> None:
    assert setup(ws, agent, "--check").returncode == 1
    first = setup(ws, agent)
    assert first.returncode == 0, first.stderr
    for rel in FILES[agent]:
        assert "devreliab" in (ws / rel).read_text()
    written = snapshot(ws)
    second = setup(ws, agent)
    assert second.returncode == 0 and "wrote" not in second.stdout and snapshot(ws) == written
    assert setup(ws, agent, "--check").returncode == 0


def test_claude_code_settings_keep_every_other_key_and_hook(ws: Path) -> None:
    settings = ws / ".claude" / "settings.json"
    settings.parent.mkdir()
    theirs = {"matcher": "Bash", "hooks": [{"type": "command", "command": "lint.sh"}]}
    settings.write_text(json.dumps({"model": "opus", "hooks": {"PreToolUse": [theirs]}}))
    assert setup(ws, "claude-code").returncode == 0
    data = json.loads(settings.read_text())
    assert data["model"] == "opus" and data["hooks"]["PreToolUse"][0] == theirs
    ours = data["hooks"]["PreToolUse"][1]
    assert ours["matcher"] == "Read|Write|Edit|MultiEdit"
    command = ours["hooks"][0]["command"]
    assert command.endswith(" hook claude-code") and Path(command.split()[0]).is_absolute()
    mcp = json.loads((ws / ".mcp.json").read_text())["mcpServers"]["devreliab"]
    assert Path(mcp["command"]).is_absolute() and mcp["args"][-1] == "serve"


def test_the_hook_command_setup_writes_runs_from_another_directory(ws: Path, tmp_path: Path) -> None:
    setup(ws, "claude-code")
    command = json.loads((ws / ".claude" / "settings.json").read_text())["hooks"]["PreToolUse"][0]["hooks"][0]
    payload = {"session_id": "s", "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": "Read",
               "tool_input": {"file_path": str(ws / "notes.txt")}}
    run = subprocess.run(command["command"], shell=True, input=json.dumps(payload), capture_output=True,
                         text=True, cwd=tmp_path, timeout=WAIT_S, env=hook_env(), check=False)
    assert run.returncode == 0 and json.loads(run.stdout) == {}, run.stderr


def test_dry_run_prints_the_diff_and_writes_nothing(ws: Path) -> None:
    before = snapshot(ws)
    run = setup(ws, "cursor", "--dry-run")
    assert run.returncode == 0 and "+++ b/.cursor/hooks.json" in run.stdout and '"afterFileEdit"' in run.stdout
    assert snapshot(ws) == before


def test_a_settings_file_with_comments_is_refused_not_rewritten(ws: Path) -> None:
    settings = ws / ".gemini" / "settings.json"
    settings.parent.mkdir()
    text = '{\n  // my theme\n  "theme": "dark"\n}\n'
    settings.write_text(text)
    run = setup(ws, "gemini")
    assert run.returncode == 2 and "has comments" in run.stderr
    assert settings.read_text() == text


def test_codex_config_toml_keeps_its_other_tables_and_gets_the_server_once(ws: Path) -> None:
    config = ws / ".codex" / "config.toml"
    config.parent.mkdir()
    config.write_text('model = "o3"\n\n[mcp_servers.other]\ncommand = "other"\n')
    assert setup(ws, "codex").returncode == 0
    assert setup(ws, "codex").returncode == 0
    data = tomllib.loads(config.read_text())
    assert data["model"] == "o3" and data["mcp_servers"]["other"] == {"command": "other"}
    assert data["mcp_servers"]["devreliab"]["args"][-1] == "serve"
    assert config.read_text().count("[mcp_servers.devreliab]") == 1
    hooks = json.loads((ws / ".codex" / "hooks.json").read_text())
    assert set(hooks) == {"hooks"} and hooks["hooks"]["PreToolUse"][0]["matcher"] == "apply_patch"


def test_setup_all_configures_the_agents_whose_config_directories_are_there(ws: Path) -> None:
    (ws / ".cursor").mkdir()
    (ws / ".gemini").mkdir()
    run = setup(ws, "--all")
    assert run.returncode == 0
    assert (ws / ".cursor" / "hooks.json").is_file() and (ws / ".gemini" / "settings.json").is_file()
