"""The parameterised query that runs the same statement as SQL built from strings (read by ``_sql_pieces``).

Each value is placed by
the text around it: inside a quoted SQL string (the quotes go, the value is passed as the text it put there), after
a comparison, LIMIT or OFFSET (passed as it is), or where a table or column name goes (an identifier: no
parameter can stand there). Anything else — an escaped quote, ``IN (…)``, a conversion or format spec — is not
read, and no rewrite is made.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from ._sql_pieces import Piece, Value, query_pieces

__all__ = ["Rewrite", "parameterise", "query_pieces"]

_VALUE_BEFORE = re.compile(r"(?:[=<>]|\bLIKE|\bLIMIT|\bOFFSET)\s*$", re.I)
_NAME_BEFORE = re.compile(r"(?:\b(?:FROM|JOIN|INTO|UPDATE|TABLE|BY|SELECT|ON|AS)|[.,])\s*\"?$", re.I)
MARK = "\0"  # where a placeholder goes, until the driver's style is known


@dataclass
class Rewrite:
    sql: str = ""
    params: list[ast.expr] = field(default_factory=list)
    identifiers: list[ast.expr] = field(default_factory=list)


def _quoted_param(before: str, value: Value, after: str) -> tuple[str, ast.expr, str] | None:
    """A value inside a quoted SQL string: (text before the string, the parameter, text after it)."""
    start, end = before.rfind("'"), after.find("'")
    if end < 0 or MARK in before[start:]:
        return None  # the string does not end after this value, or holds another value
    prefix, suffix = before[start + 1:], after[:end]
    param: ast.expr = value.text
    if prefix or suffix:
        parts = [ast.Constant(prefix), ast.FormattedValue(value.text, -1, None), ast.Constant(suffix)]
        param = ast.JoinedStr(values=[p for p in parts if not (isinstance(p, ast.Constant) and not p.value)])
    return before[:start], param, after[end + 1:]


def _place(sql: str, value: Value, after: str, out: Rewrite) -> tuple[str, str] | None:
    """Put one value: (the query so far with its placeholder, the text after it), or None if unknown."""
    if sql.count("'") % 2 == 1:
        found = _quoted_param(sql, value, after)
        if found is None:
            return None
        out.params.append(found[1])
        return found[0] + MARK, found[2]
    if _VALUE_BEFORE.search(sql) and not after.startswith((".", "(")):
        out.params.append(value.bare)
        return sql + MARK, after
    if _NAME_BEFORE.search(sql) or after.startswith((".", '"')):
        out.identifiers.append(value.expr)
        return sql + MARK, after
    return None


def _take_text(rest: list[Piece]) -> str:
    """The literal text at the head of ``rest`` (removed from it), or "" when a value comes next."""
    head = rest[0] if rest else ""
    if not isinstance(head, str):
        return ""
    del rest[:1]
    return head


def parameterise(pieces: list[Piece], style: str) -> Rewrite | None:
    """The query with a placeholder per value, or the values that name tables or columns, or None."""
    if any(isinstance(p, str) and "''" in p for p in pieces):
        return None  # an escaped quote: where a string starts is not read here
    out = Rewrite()
    sql, rest = "", list(pieces)
    while rest:
        piece = rest.pop(0)
        if isinstance(piece, str):
            sql += piece
            continue
        after = _take_text(rest)
        placed = _place(sql, piece, after, out)
        if placed is None:
            return None
        sql = placed[0]
        rest.insert(0, placed[1])
    return _finish(out, sql, style)


def _finish(out: Rewrite, sql: str, style: str) -> Rewrite | None:
    if out.identifiers:
        return out
    if "?" in sql and style == "?":
        return None  # a literal '?' would be read as a placeholder
    text = sql.replace("%", "%%") if style == "%s" else sql
    out.sql = text.replace(MARK, style)
    return out
