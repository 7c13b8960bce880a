"""What a careful reader checks in a merged Python file before calling it clean: it parses (when both sides
did), and it defines no name more often than either side did (a definition or import added twice)."""

from __future__ import annotations

import ast
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Final

from ._merge_names import dangling
from ._merge_region import REDEFINED

NOT_PARSING: Final = "result would not parse"
PYTHON_SUFFIXES: Final = (".py", ".pyi", ".pyw")


@dataclass(frozen=True)
class Problem:
    reason: str
    entity: str | None
    line: int  # 1-based line of the merged text the problem is at


def parse(text: str) -> ast.Module | None:
    """The module, or None when ``text`` is not Python this interpreter parses."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None


def _names(node: ast.stmt, prefix: str) -> list[tuple[str, str]]:
    """(name, source) of what the statement defines; source "" for a definition (every one counts), the module
    for an import (importing one name from one module twice rebinds nothing)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [(node.name, "")]
    if prefix or not isinstance(node, (ast.Import, ast.ImportFrom)):
        return []
    source = "" if isinstance(node, ast.Import) else "." * node.level + (node.module or "") + "."
    return [("import " + (a.asname or a.name), source + a.name) for a in node.names if a.name != "*"]


def _scope_names(body: list[ast.stmt], prefix: str, out: Counter[str], first: dict[str, int]) -> None:
    seen: set[tuple[str, str]] = set()
    for node in body:
        if isinstance(node, ast.ClassDef):
            _scope_names(node.body, f"{prefix}{node.name}.", out, first)
        for name, source in _names(node, prefix):
            if source and (name, source) in seen:
                continue
            seen.add((name, source))
            out[prefix + name] += 1
            if out[prefix + name] > 1:
                first.setdefault(prefix + name, node.lineno)


def definitions(tree: ast.Module) -> tuple[Counter[str], dict[str, int]]:
    """How often each module-level and class-level name is defined or imported, and where it is repeated."""
    counts: Counter[str] = Counter()
    repeated: dict[str, int] = {}
    _scope_names(tree.body, "", counts, repeated)
    return counts, repeated


def _error_line(text: str) -> int:
    try:
        compile(text, "<merge>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return exc.lineno or 1
    except (ValueError, RecursionError, MemoryError):
        pass
    return 1


def python_problem(merged: str, theirs: str, ours: str) -> Problem | None:
    """Why ``merged`` is not a merge a careful person would accept, judged against the two sides."""
    sides = [side for side in (parse(theirs), parse(ours)) if side is not None]
    if len(sides) < 2:
        return None  # a side does not parse either: nothing to judge the merge against
    tree = parse(merged)
    if tree is None:
        return Problem(NOT_PARSING, None, _error_line(merged))
    counts, repeated = definitions(tree)
    most: Counter[str] = Counter()
    for side in sides:
        most |= definitions(side)[0]
    for name, line in repeated.items():
        if counts[name] > most[name]:
            return Problem(REDEFINED + name, name, line)
    found = dangling(tree, sides[0], sides[1])
    return None if found is None else Problem(*found)
