"""What every command shares: exit codes, argument types, the workspace root, colour."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from .._errors import DevreliabError

EXIT_OK, EXIT_GATE_FAILED, EXIT_USAGE = 0, 1, 2

if TYPE_CHECKING:
    #: the object ``add_subparsers`` returns (argparse gives it no public name)
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0..65535, got {value}")
    return value


def root_option(given: str | None, anchor: Path | None = None) -> Path:
    """The workspace root: ``--root`` if given (it must be a directory), else the nearest ancestor of
    ``anchor`` (default: the current directory) holding devreliab.jsonc or .git."""
    from .._config import find_root

    if given:
        root = Path(given).resolve()
        if not root.is_dir():
            raise DevreliabError(f"--root {given}: not a directory")
        return root
    anchor = (anchor or Path.cwd()).resolve()
    return find_root(anchor if anchor.is_dir() else anchor.parent)


def use_color(choice: str, stream: object) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())
