"""Names a merge would leave dangling: a name used that nothing in the file binds any more (one side removed
an import or definition the other side's new code uses), or an import nothing uses any more (the other side
removed its last use). Scope-blind on purpose: a name bound anywhere in the file counts as bound, a name seen
anywhere (also inside a string, as in annotations and ``__all__``) counts as used. Only names that dangle in the
merge but in neither side count."""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field
from typing import Final

UNDEFINED: Final = "result would use an undefined name: "
UNUSED: Final = "result would leave an unused import: "
_MODULE_NAMES: Final = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__", "__loader__",
                                                    "__package__", "__builtins__", "__path__", "__class__",
                                                    "__annotations__", "__dict__", "__qualname__", "__module__"}
_WORD: Final = re.compile(r"[A-Za-z_]\w*")


@dataclass
class Names:
    bound: set[str] = field(default_factory=set)
    loaded: dict[str, int] = field(default_factory=dict)  # name → first line it is used on
    imported: dict[str, int] = field(default_factory=dict)  # name → line of its import
    words: set[str] = field(default_factory=set)  # identifiers inside string constants
    star: bool = False

    def undefined(self) -> dict[str, int]:
        if self.star:
            return {}
        return {n: line for n, line in self.loaded.items() if n not in self.bound and n not in _MODULE_NAMES}

    def unused(self) -> dict[str, int]:
        return {n: line for n, line in self.imported.items() if n not in self.loaded and n not in self.words}


def _imports(node: ast.Import | ast.ImportFrom, names: Names) -> None:
    for a in node.names:
        if a.name == "*":
            names.star = True
            continue
        name = a.asname or a.name.split(".")[0]
        names.bound.add(name)
        if a.asname != a.name:  # "import x as x" is an explicit re-export, used by definition
            names.imported.setdefault(name, node.lineno)


def _name(node: ast.Name, names: Names) -> None:
    if isinstance(node.ctx, ast.Load):
        names.loaded.setdefault(node.id, node.lineno)
    else:
        names.bound.add(node.id)


def _visit(node: ast.AST, names: Names) -> None:
    if isinstance(node, ast.Name):
        _name(node, names)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        _imports(node, names)
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        names.words.update(_WORD.findall(node.value))
    elif isinstance(node, (ast.Global, ast.Nonlocal)):
        names.bound.update(node.names)
    else:
        bound = getattr(node, "name", None) or getattr(node, "arg", None) or getattr(node, "rest", None)
        if isinstance(bound, str):
            names.bound.add(bound)


def names_of(tree: ast.Module) -> Names:
    names = Names()
    for node in ast.walk(tree):
        _visit(node, names)
    return names


def dangling(merged: ast.Module, theirs: ast.Module, ours: ast.Module) -> tuple[str, str, int] | None:
    """(reason, name, line) of the first name that dangles in ``merged`` and in neither side."""
    m, t, o = names_of(merged), names_of(theirs), names_of(ours)
    for reason, now, before in ((UNDEFINED, m.undefined(), (t.undefined(), o.undefined())),
                                (UNUSED, m.unused(), (t.unused(), o.unused()))):
        for name, line in sorted(now.items(), key=lambda item: item[1]):
            if name not in before[0] and name not in before[1]:
                return reason + name, name, line
    return None
