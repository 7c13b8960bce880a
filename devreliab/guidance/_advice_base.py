"""What every security advisor shares: the registry by bandit test id, the flagged site, and safe syntax copies.

An advisor gets the finding and its ``Site`` (the flagged call, its statement, the modules the file imports)
and returns ranked strategies. A strategy carries code (``example``) only when that code keeps the behaviour of
the flagged call for the inputs it was written for; otherwise it says what to do where the value is built.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ._model import Finding, Strategy


@dataclass(frozen=True)
class Site:
    """Where a finding is: the flagged call (if any), its statement, and the file's imported module names."""

    call: ast.Call | None
    stmt: ast.AST | None
    imports: frozenset[str] = frozenset()  # "sqlite3", "os.path", "psycopg2"… as imported


Advisor = Callable[[Finding, Site], list[Strategy]]
ADVISORS: dict[str, Advisor] = {}


def advises(*test_ids: str) -> Callable[[Advisor], Advisor]:
    def register(fn: Advisor) -> Advisor:
        for test_id in test_ids:
            ADVISORS[test_id] = fn
        return fn

    return register


Node = TypeVar("Node", bound=ast.AST)


def clone(node: Node) -> Node:
    """A deep copy of ``node``'s syntax — its fields and positions — and nothing else.

    Not ``copy.deepcopy``: bandit marks every node it visits with ``_bandit_parent``/``_bandit_sibling``, so a
    deepcopy of one call copies the whole tree, and through the context and operator nodes (``Load()``,
    ``Add()``, …), which ``ast.parse`` shares between all the trees of the process, it reaches into trees that
    other threads are scanning (and marking) at that moment.
    """
    new = type(node)()
    for name in node._fields:
        if hasattr(node, name):
            setattr(new, name, _clone_value(getattr(node, name)))
    for name in node._attributes:
        if hasattr(node, name):
            setattr(new, name, getattr(node, name))
    return new


def _clone_value(value: Any) -> Any:
    if isinstance(value, ast.AST):
        return clone(value)
    if isinstance(value, list):
        return [_clone_value(item) for item in value]
    return value


def unparse(node: ast.AST) -> str:
    return ast.unparse(ast.fix_missing_locations(node))


def with_keyword(call: ast.Call, name: str, value: ast.expr, drop: str | None = None) -> ast.Call:
    new = clone(call)
    new.keywords = [k for k in new.keywords if k.arg not in (name, drop)]
    new.keywords.append(ast.keyword(arg=name, value=value))
    return new


def attr(base: str, name: str) -> ast.Attribute:
    """``base.name`` as an expression (``shlex.quote``, ``os.environ``)."""
    return ast.Attribute(value=ast.Name(base, ast.Load()), attr=name, ctx=ast.Load())


def call_of(func: ast.expr, *args: ast.expr) -> ast.Call:
    return ast.Call(func=func, args=list(args), keywords=[])


def imports_needed(site: Site, *modules: str) -> str:
    """``import x`` lines for the modules the rewrite uses and the file does not import yet."""
    return "".join(f"import {m}\n" for m in modules if m not in site.imports)


def called_name(call: ast.Call) -> str:
    """The called function's last name: ``subprocess.run`` → ``run``, ``load`` → ``load``."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def file_imports(tree: ast.AST) -> frozenset[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is None:  # "import os.path" binds os
                    found.update((alias.name, alias.name.split(".")[0]))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module + ".")  # "from os import path": os's names are used bare, not as os.x
    return frozenset(found)


def imported_roots(site: Site) -> set[str]:
    """The top-level packages the file imports in any form (``import psycopg2.extras``, ``from sqlite3 import
    connect``): what tells which database driver a query goes to."""
    return {name.rstrip(".").split(".")[0] for name in site.imports}
