"""Merging devreliab's entries into an agent's JSON or TOML settings file, leaving everything else as it was."""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import DevreliabError


class SetupError(DevreliabError):
    """A configuration file setup cannot merge into safely (the message says what to do)."""


@dataclass(frozen=True)
class Change:
    path: Path
    before: str | None  # None: the file does not exist
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self, root: Path) -> str:
        rel = os.path.relpath(self.path, root)
        return "".join(difflib.unified_diff((self.before or "").splitlines(keepends=True),
                                            self.after.splitlines(keepends=True),
                                            f"a/{rel}" if self.before is not None else "/dev/null", f"b/{rel}"))


def _is_ours(entry: object, agent: str) -> bool:
    """Whether a hook entry (any nesting) runs ``devreliab … hook AGENT``."""
    if isinstance(entry, str):
        return "devreliab" in entry and f" hook {agent}" in entry
    if isinstance(entry, dict):
        return any(_is_ours(v, agent) for v in entry.values())
    if isinstance(entry, list):
        return any(_is_ours(v, agent) for v in entry)
    return False


def put_hooks(hooks: dict[str, Any], event: str, entry: dict[str, Any], agent: str) -> None:
    """Put ``entry`` in the list of ``event``: in place of devreliab's own earlier entry, else at the end."""
    current = hooks.get(event)
    entries = list(current) if isinstance(current, list) else []
    mine = [i for i, e in enumerate(entries) if _is_ours(e, agent)]
    if mine:
        entries[mine[0]] = entry
        entries = [e for i, e in enumerate(entries) if i not in mine[1:]]
    else:
        entries.append(entry)
    hooks[event] = entries


def _load_json(path: Path) -> tuple[str | None, dict[str, Any]]:
    if not path.exists():
        return None, {}
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        return text, {}
    try:
        data = json.loads(text)
    except ValueError:
        if re.search(r"(^|\s)(//|/\*)", text):
            raise SetupError(f"{path} has comments, and rewriting it would drop them; add devreliab's entries by "
                             "hand (devreliab setup --dry-run on a copy without comments shows them)") from None
        raise SetupError(f"{path} is not valid JSON; fix it or move it away, then run setup again") from None
    if not isinstance(data, dict):
        raise SetupError(f"{path}: the top level must be an object")
    return text, data


def json_change(path: Path, edit: Callable[[dict[str, Any]], None]) -> Change:
    before, data = _load_json(path)
    original = json.loads(json.dumps(data))
    edit(data)
    if data == original and before is not None:
        return Change(path, before, before)
    return Change(path, before, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def section(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        value = data[key] = {}
    if not isinstance(value, dict):
        raise SetupError(f"'{key}' must be an object to add devreliab to it (it is {type(value).__name__})")
    return value


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
