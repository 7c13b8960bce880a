"""What the demo prints: rich on a terminal, plain text otherwise; and the one error it raises."""

from __future__ import annotations

import difflib

from rich.console import Console
from rich.markup import escape

STATUS_COLOURS = {"written": "green", "created": "green", "merged": "green", "conflict": "yellow"}


class DemoFailure(Exception):
    """The demo saw something it did not expect: a real problem to report, not a usage error."""


def expect(status: str, wanted: str, step: str) -> None:
    if status != wanted:
        raise DemoFailure(f"{step}: expected status {wanted!r}, got {status!r}. That is a bug in devreliab: "
                          "please report it with this output.")


def short(version: str | None) -> str:
    """A version as a person reads it: the first 10 hex digits."""
    return (version or "?").removeprefix("sha256:")[:10]


def diff_lines(before: str, after: str) -> list[str]:
    """The removed and added lines between two texts (no headers, no context)."""
    return [line.rstrip("\n") for line in difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


class Out:
    """The demo's output. Lines are never wrapped by rich (soft wrap), so what is printed can be copied."""

    def __init__(self) -> None:
        self.console = Console(highlight=False, soft_wrap=True)

    def title(self, text: str) -> None:
        self.console.print()
        self.console.print(f"[bold]{escape(text)}[/bold]")

    def step(self, n: int, text: str, status: str, extra: str = "") -> None:
        colour = STATUS_COLOURS.get(status, "red")
        self.console.print(f"{n}. {escape(text)}: [bold {colour}]{escape(status)}[/]{escape(extra)}")

    def line(self, text: str, style: str = "") -> None:
        self.console.print(f"   [{style}]{escape(text)}[/]" if style else f"   {escape(text)}")

    def diff(self, before: str, after: str) -> None:
        for line in diff_lines(before, after):
            self.line(line, "red" if line.startswith("-") else "green")
