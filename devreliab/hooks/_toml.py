"""Codex's ``config.toml``: devreliab's ``[mcp_servers.devreliab]`` table, edited as text so that every other
table, comment and blank line stays exactly as it was (Python reads TOML but has no writer that keeps them)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from ._files import Change, SetupError

_TOML_HEADER = re.compile(r"(?m)^\[mcp_servers\.devreliab\]\s*$")
_TOML_NEXT = re.compile(r"(?m)^\[")


def _toml_put(text: str, block: str) -> str:
    """``text`` with the ``[mcp_servers.devreliab]`` table replaced by ``block`` (appended when missing)."""
    found = _TOML_HEADER.search(text)
    if found is None:
        gap = ("\n" if not text.endswith("\n") else "") + "\n" if text else ""
        return text + gap + block
    after = _TOML_NEXT.search(text, found.end())
    end = after.start() if after else len(text)
    return text[:found.start()] + block + ("\n" if after else "") + text[end:]


def toml_change(path: Path, command: list[str]) -> Change:
    """``[mcp_servers.devreliab]`` in Codex's config.toml, edited as text so everything else stays as it is."""
    before = path.read_text(encoding="utf-8") if path.exists() else None
    try:
        data = tomllib.loads(before or "")
    except tomllib.TOMLDecodeError as exc:
        raise SetupError(f"{path} is not valid TOML ({exc}); fix it, then run setup again") from None
    want = {"command": command[0], "args": [*command[1:], "serve"]}
    if data.get("mcp_servers", {}).get("devreliab") == want:
        return Change(path, before, before or "")
    block = (f"[mcp_servers.devreliab]\ncommand = {json.dumps(want['command'])}\n"
             f"args = [{', '.join(json.dumps(a) for a in want['args'])}]\n")
    return Change(path, before, _toml_put(before or "", block))
