"""Merging devreliab's entries into an agent's JSON or TOML settings file, leaving everything else as it was."""

from __future__ import annotations

import difflib
import json
import os
import re
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
    """The file's text (None when it does not exist) and its object.

    A file that is not strict JSON is refused: with comments (JSONC, as VS Code and Gemini CLI allow) because
    writing it back would drop them, otherwise because there is nothing safe to merge into.
    """
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
    """The change ``edit`` makes to the JSON file at ``path``; no change when the content stays the same, whatever
    the file's formatting (so a second run of setup never rewrites a file)."""
    before, data = _load_json(path)
    original = json.loads(json.dumps(data))
    edit(data)
    if data == original and before is not None:
        return Change(path, before, before)
    return Change(path, before, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def section(data: dict[str, Any], key: str) -> dict[str, Any]:
    """``data[key]`` as an object, created when missing; a clear error when it is something else."""
    value = data.get(key)
    if value is None:
        value = data[key] = {}
    if not isinstance(value, dict):
        raise SetupError(f"'{key}' must be an object to add devreliab to it (it is {type(value).__name__})")
    return value
