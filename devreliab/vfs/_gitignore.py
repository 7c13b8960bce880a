"""gitignore rules, translated to regular expressions (the same files ripgrep honours).

Supported: comments, escaped ``#``/``!``/trailing spaces, ``!`` negation, directory-only patterns (``dir/``),
anchoring by a leading or inner slash, ``*``, ``?``, ``[...]`` classes and the three ``**`` forms. Rules come
from ``.gitignore``, ``.ignore`` and ``.rgignore`` in every directory (later files and deeper directories win)
and from ``.git/info/exclude`` at the root. The walk prunes ignored directories, so "a parent directory is
excluded" needs no extra rule.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Final

IGNORE_FILES: Final = (".gitignore", ".ignore", ".rgignore")


@dataclass(frozen=True, slots=True)
class Rule:
    base: str  # directory of the ignore file, relative to the root ("" for the root)
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def _strip_trailing_spaces(line: str) -> str:
    while line.endswith(" ") and not line.endswith("\\ "):
        line = line[:-1]
    return line


def _translate(body: str) -> str:
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if body.startswith("**", i):
            before_ok = i == 0 or body[i - 1] == "/"
            after = body[i + 2: i + 3]
            if before_ok and after == "/":  # "**/": zero or more directories
                out.append("(?:.*/)?")
                i += 3
                continue
            if before_ok and i + 2 == n:  # trailing "/**": everything inside
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = body.find("]", i + 2 if body[i + 1: i + 2] in ("!", "^", "]") else i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                inner = body[i + 1: j]
                if inner[:1] in ("!", "^"):
                    inner = "^" + inner[1:]
                out.append("[" + inner.replace("\\", "\\\\") + "]")
                i = j + 1
                continue
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(body[i + 1]))
            i += 2
            continue
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def parse(text: str, base: str) -> list[Rule]:
    """The rules of one ignore file living in directory ``base``."""
    rules: list[Rule] = []
    for raw in text.splitlines():
        line = _strip_trailing_spaces(raw)
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate or line.startswith(("\\!", "\\#")):
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        body = _translate(line)
        if not anchored:
            body = "(?:.*/)?" + body
        try:
            rules.append(Rule(base, re.compile(f"^{body}$", re.DOTALL), negate, dir_only))
        except re.error:
            continue
    return rules


def read_rules(dir_fd: int, base: str, *, include_git_exclude: bool = False) -> list[Rule]:
    """Rules of the ignore files in the directory open as ``dir_fd`` (symlinked ignore files are skipped)."""
    names = list(IGNORE_FILES)
    if include_git_exclude:
        names.insert(0, ".git/info/exclude")
    rules: list[Rule] = []
    for name in names:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=dir_fd)
        except OSError:
            continue
        try:
            with os.fdopen(fd, "rb") as fh:
                text = fh.read(1 << 20).decode("utf-8", "replace")
        except OSError:
            continue
        rules.extend(parse(text, base))
    return rules


def ignored(rules: list[Rule], rel: str, is_dir: bool) -> bool:
    """Whether ``rel`` (relative to the root, "/"-separated) is ignored: the last matching rule decides."""
    for rule in reversed(rules):
        if rule.dir_only and not is_dir:
            continue
        if rule.base:
            if not rel.startswith(rule.base + "/"):
                continue
            sub = rel[len(rule.base) + 1:]
        else:
            sub = rel
        if rule.regex.match(sub):
            return not rule.negate
    return False
