"""Codex's ``apply_patch`` format: parse a patch into per-file operations and apply an update to a text.

The envelope (as documented in openai/codex ``codex-rs/apply-patch``)::

    *** Begin Patch
    *** Add File: path          (every following line starts with "+")
    *** Delete File: path
    *** Update File: path
    *** Move to: new/path       (optional, right after Update File)
    @@ optional context line
     context line / -removed line / +added line
    *** End of File             (optional)
    *** End Patch
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .._errors import EditError

OpKind = Literal["add", "delete", "update"]


@dataclass
class Hunk:
    anchor: str = ""  # the text after "@@", a line to find before the hunk's lines
    old: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)


@dataclass
class FileOp:
    kind: OpKind
    path: str
    move_to: str | None = None
    content: str = ""  # add: the new file's text
    hunks: list[Hunk] = field(default_factory=list)


_HEADERS = {"*** Add File: ": "add", "*** Delete File: ": "delete", "*** Update File: ": "update"}


def _header(line: str) -> FileOp | None:
    for prefix, kind in _HEADERS.items():
        if line.startswith(prefix):
            return FileOp(kind=kind, path=line[len(prefix):].strip())  # type: ignore[arg-type]
    return None


def _body_line(op: FileOp, line: str) -> None:
    if op.kind == "add":
        if not line.startswith("+"):
            raise EditError(f"apply_patch: a line of Add File {op.path!r} does not start with '+': {line!r}")
        op.content += line[1:] + "\n"
    elif op.kind == "delete":
        raise EditError(f"apply_patch: Delete File {op.path!r} takes no lines, got {line!r}")
    elif line.startswith("*** Move to: "):
        op.move_to = line[len("*** Move to: "):].strip()
    elif line.startswith("@@"):
        op.hunks.append(Hunk(anchor=line[2:].strip()))
    elif line != "*** End of File":
        _hunk_line(op, line)


def _hunk_line(op: FileOp, line: str) -> None:
    if not op.hunks:
        op.hunks.append(Hunk())
    hunk, mark, text = op.hunks[-1], line[:1], line[1:]
    if mark not in (" ", "-", "+", ""):
        raise EditError(f"apply_patch: in Update File {op.path!r}, {line!r} is not a context, '-' or '+' line")
    if mark != "+":
        hunk.old.append(text)
    if mark != "-":
        hunk.new.append(text)


def parse_patch(text: str) -> list[FileOp]:
    """The file operations of an apply_patch text; EditError saying what is malformed."""
    lines = text.strip("\n").split("\n")
    if not lines or lines[0].strip() != "*** Begin Patch":
        raise EditError("apply_patch: the patch does not start with '*** Begin Patch'")
    ops: list[FileOp] = []
    for line in lines[1:]:
        if line.strip() == "*** End Patch":
            return ops
        op = _header(line)
        if op is not None:
            ops.append(op)
        elif ops:
            _body_line(ops[-1], line)
        elif line.strip():
            raise EditError(f"apply_patch: expected a '*** Add/Delete/Update File:' line, got {line!r}")
    raise EditError("apply_patch: the patch does not end with '*** End Patch'")


def _find(lines: list[str], needle: list[str], start: int) -> int:
    """The first index ≥ ``start`` where ``needle`` occurs (exactly, then ignoring trailing blanks); -1 if none."""
    for strip in (False, True):
        def norm(s: str, strip: bool = strip) -> str:
            return s.rstrip() if strip else s
        want = [norm(s) for s in needle]
        for i in range(start, len(lines) - len(needle) + 1):
            if [norm(s) for s in lines[i:i + len(needle)]] == want:
                return i
    return -1


def _apply_hunk(lines: list[str], hunk: Hunk, cursor: int, label: str) -> int:
    """Apply one hunk at or after ``cursor``; the position after it."""
    if hunk.anchor:
        at = _find(lines, [hunk.anchor], cursor)
        if at < 0:
            raise EditError(f"{label}: its '@@ {hunk.anchor}' line is not in the file")
        cursor = at + 1
    at = _find(lines, hunk.old, cursor) if hunk.old else len(lines)
    if at < 0:
        raise EditError(f"{label}: its context and removed lines are not in the file")
    lines[at:at + len(hunk.old)] = hunk.new
    return at + len(hunk.new)


def apply_update(text: str, op: FileOp) -> str:
    """``text`` with the hunks of an Update File applied; EditError when a hunk's lines are not found."""
    final_newline = text.endswith("\n") or text == ""
    lines = text.split("\n")
    if final_newline:
        lines.pop()
    cursor = 0
    for number, hunk in enumerate(op.hunks, 1):
        cursor = _apply_hunk(lines, hunk, cursor, f"{op.path!r} hunk {number}")
    out = "\n".join(lines)
    return out + "\n" if final_newline and lines else out
