"""The literal a hard-coded-secret finding (B105, B106) is about, and whether it reads as a secret at all.

A sentinel (``password == "-"``), an empty or masked value (``self.password = ''``, ``password="********"``) or a
template (``"<password>"``, ``"{password}"``) is not a secret: moving it to the environment would change what the
code does, so it gets no rewrite.
"""

from __future__ import annotations

import ast
import re

from ._advice_base import Site
from ._model import Finding

SECRET_WORD = re.compile(r"pas+wo?r?d|pass(phrase)?|pwd|token|secrete?|key", re.I)


def is_text(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def placeholder(value: str) -> bool:
    """A literal that reads as a sentinel, an empty or masked value, or a template — not a secret."""
    v = value.strip()
    return (len(v) < 4 or v.lower() in ("none", "null", "true", "false") or "***" in v or set(v) <= set("*x•#.:-")
            or (v.startswith("<") and v.endswith(">")) or ("{" in v and "}" in v) or "%s" in v)


def _compared(stmt: ast.AST | None, f: Finding) -> ast.Constant | None:
    """The literal a comparison on the finding's line checks a secret-named value against, if that is it."""
    for node in ast.walk(stmt) if stmt is not None else ():
        if isinstance(node, ast.Compare) and node.lineno == f.line:
            for operand in (node.left, *node.comparators):
                if is_text(operand):
                    return operand  # type: ignore[return-value]
    return None


def _keyword_literal(call: ast.Call) -> str | None:
    keyword = next((k for k in call.keywords if k.arg and SECRET_WORD.search(k.arg) and is_text(k.value)), None)
    return None if keyword is None else str(keyword.value.value)  # type: ignore[attr-defined]


def _assigned_literal(stmt: ast.Assign | ast.AnnAssign) -> str | None:
    return str(stmt.value.value) if is_text(stmt.value) else None  # type: ignore[union-attr]


def flagged_literal(f: Finding, site: Site) -> tuple[str | None, bool]:
    """The secret-looking literal of the finding, and whether it is compared (not assigned or passed)."""
    if f.test_id == "B106" and site.call is not None:
        return _keyword_literal(site.call), False
    if isinstance(site.stmt, ast.Assign | ast.AnnAssign):
        return _assigned_literal(site.stmt), False
    compared = _compared(site.stmt, f) if f.test_id == "B105" else None
    return (None, False) if compared is None else (str(compared.value), True)
