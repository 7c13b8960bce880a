"""The key that matches one statement across the three versions, and the name a conflict calls it by:
definitions by name, imports by module, assignments by target, the docstring, else the first line."""

from __future__ import annotations

import ast

DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _assigned(node: ast.stmt) -> str | None:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return None


def _import_key(node: ast.stmt) -> tuple[str, str] | None:
    if isinstance(node, ast.Import):
        names = ",".join(a.name for a in node.names)
        return f"import:{names}", f"import {names}"
    if isinstance(node, ast.ImportFrom):
        module = "." * node.level + (node.module or "")
        return f"from:{module}", f"from {module} import"
    return None


def key_of(node: ast.stmt, prefix: str, head: str) -> tuple[str, str]:
    """(matching key, the name a conflict message uses); ``head``: the statement's first line, stripped."""
    if isinstance(node, DEFS):
        return f"def:{node.name}", prefix + node.name
    imported = _import_key(node)
    if imported is not None:
        return imported
    var = _assigned(node)
    if var is not None:
        return f"var:{var}", prefix + var
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
        return "doc", prefix + "docstring"
    return f"stmt:{head}", f"{prefix}statement {head[:40]!r}"
