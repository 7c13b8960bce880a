"""Advice for SQL built from strings (B608), with a parameterised rewrite only where it runs the same query.

The query is read as literal text and interpolated values (an f-string, ``+``, ``"…%s…" % (…)`` or
``"…{}…".format(…)``). A rewrite needs three things known: the driver's placeholder style (from the file's imports:
sqlite3 ``?``, psycopg/pymysql/MySQLdb ``%s``; another or several drivers → no code), the call that runs it
(``x.execute(query)`` with the query as its only argument), and every value in a *value* position: inside a
quoted SQL string (``name = '{n}'`` → ``name = ?`` with ``str(n)``; ``LIKE '%{q}%'`` → ``LIKE ?`` with
``f'%{q}%'``) or after a comparison, LIMIT or OFFSET. A value where a table or column name goes cannot be a
parameter: the advice is an allow-list, and no placeholder.
"""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass

from ._advice_base import Site, advises, called_name, clone, imported_roots, unparse
from ._model import Finding, Strategy
from ._refactor import strategy
from ._shell_advice import command_parts

_QMARK = frozenset({"sqlite3", "aiosqlite"})
_FORMAT = frozenset({"psycopg", "psycopg2", "pymysql", "MySQLdb", "mysql"})
_VALUE_BEFORE = re.compile(r"(?:[=<>]|\bLIKE|\bLIMIT|\bOFFSET)\s*$", re.I)
_NAME_BEFORE = re.compile(r"(?:\b(?:FROM|JOIN|INTO|UPDATE|TABLE|BY|SELECT|ON|AS)|[.,])\s*\"?$", re.I)
_PERCENT = re.compile(r"%(?:(%)|([sdi]))|%")


@dataclass
class Value:
    expr: ast.expr  # what is interpolated
    text: ast.expr  # the text it puts in the query: str(x), int(x) for %d, or x itself when x is a str (+)
    bare: ast.expr  # what to pass for it outside quotes, where SQL reads the text as a number: x, int(x) for %d


Piece = str | Value


def paramstyle(site: Site) -> str | None:
    roots = imported_roots(site)
    styles = {style for style, drivers in (("?", _QMARK), ("%s", _FORMAT)) if roots & drivers}
    return styles.pop() if len(styles) == 1 else None


def _str_of(expr: ast.expr, name: str = "str") -> ast.expr:
    return ast.Call(func=ast.Name(name, ast.Load()), args=[expr], keywords=[])


def _percent_pieces(fmt: str, operand: ast.expr) -> list[Piece] | None:
    values = operand.elts if isinstance(operand, ast.Tuple) else [operand]
    pieces: list[Piece] = []
    pos, used = 0, 0
    for m in _PERCENT.finditer(fmt):
        pieces.append(fmt[pos:m.start()])
        pos = m.end()
        if m.group(1):
            pieces.append("%")
        elif m.group(2) and used < len(values):
            text = _str_of(values[used], "int" if m.group(2) in "di" else "str")
            pieces.append(Value(values[used], text, text if m.group(2) in "di" else values[used]))
            used += 1
        else:
            return None  # %r, %(name)s, a width or flags: not read here
    pieces.append(fmt[pos:])
    return pieces if used == len(values) else None


def _format_pieces(fmt: str, call: ast.Call) -> list[Piece] | None:
    if call.keywords:
        return None
    pieces: list[Piece] = []
    auto = 0
    for literal, field, spec, conversion in string.Formatter().parse(fmt):
        pieces.append(literal)
        if field is None:
            continue
        if spec or conversion or (field and not field.isdigit()):
            return None
        index = int(field) if field else auto
        auto += 1
        if index >= len(call.args):
            return None
        pieces.append(Value(call.args[index], _str_of(call.args[index]), call.args[index]))
    return pieces


def query_pieces(node: ast.expr) -> list[Piece] | None:
    """The query's literal text and values in order, each value with the text it puts into the query."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) \
            and isinstance(node.left.value, str):
        return _percent_pieces(node.left.value, node.right)
    if isinstance(node, ast.Call) and called_name(node) == "format" and isinstance(node.func, ast.Attribute) \
            and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str):
        return _format_pieces(node.func.value.value, node)
    parts = command_parts(node)
    if parts is None:
        return None
    return [p if isinstance(p, str) else Value(p.value, _str_of(p.value), p.value)
            if isinstance(p, ast.FormattedValue) else Value(p, p, p) for p in parts]


@dataclass
class Rewrite:
    sql: str = ""
    params: list[ast.expr] | None = None
    identifiers: list[ast.expr] | None = None


def _quoted_param(before: str, value: Value, after: str) -> tuple[str, ast.expr, str] | None:
    """A value inside a quoted SQL string: (text before the string, the parameter, text after it)."""
    start, end = before.rfind("'"), after.find("'")
    if end < 0 or "\0" in before[start:]:
        return None  # the string does not end after this value, or holds another value
    prefix, suffix = before[start + 1:], after[:end]
    if not prefix and not suffix:
        return before[:start], value.text, after[end + 1:]
    joined = ast.JoinedStr(values=[ast.Constant(prefix), ast.FormattedValue(value.text, -1, None),
                                   ast.Constant(suffix)])
    joined.values = [v for v in joined.values if not (isinstance(v, ast.Constant) and not v.value)]
    return before[:start], joined, after[end + 1:]


def _in_quote(text: str) -> bool:
    return text.count("'") % 2 == 1


def _place(sql: str, value: Value, after: str, out: Rewrite) -> tuple[str, str] | None:
    """Put one value: (the query so far with its placeholder, the text after it), or None if unknown."""
    assert out.params is not None and out.identifiers is not None
    if _in_quote(sql):
        found = _quoted_param(sql, value, after)
        if found is None:
            return None
        out.params.append(found[1])
        return found[0] + "\0", found[2]
    if _VALUE_BEFORE.search(sql) and not after.startswith((".", "(")):
        out.params.append(value.bare)
        return sql + "\0", after
    if _NAME_BEFORE.search(sql) or after.startswith((".", '"')):
        out.identifiers.append(value.expr)
        return sql + "\0", after
    return None


def parameterise(pieces: list[Piece], style: str) -> Rewrite | None:
    """The query with a placeholder per value, or the values that name tables or columns, or None."""
    if any(isinstance(p, str) and "''" in p for p in pieces):
        return None  # an escaped quote: where a string starts is not read here
    out = Rewrite(params=[], identifiers=[])
    sql, rest = "", list(pieces)
    while rest:
        piece = rest.pop(0)
        if isinstance(piece, str):
            sql += piece
            continue
        after = rest.pop(0) if rest and isinstance(rest[0], str) else ""
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
    out.sql = text.replace("\0", style)
    return out


def _execute_call(site: Site, f: Finding) -> ast.Call | None:
    call = site.call
    if call is None or called_name(call) != "execute" or len(call.args) != 1 or call.keywords:
        return None
    arg = call.args[0]
    return call if (arg.lineno, arg.col_offset) == (f.line, f.col_offset) else None


_PARAMS = ("Let the driver pass values separately from the SQL text, so a value can never change the statement: "
           "write the driver's placeholder ({style}) where each value goes and pass the values as the second "
           "argument of execute.")
_ORM = strategy("Use the ORM or a query builder", "They parameterise values for you.", 1.0, 3)


def _allow_list(names: list[ast.expr]) -> list[Strategy]:
    shown = ", ".join(f"`{unparse(n)}`" for n in names)
    first = unparse(names[0])
    example = (f"if {first} not in ALLOWED:  # the names this query may use\n"
               f"    raise ValueError(f'unexpected name {{{first}!r}}')")
    return [strategy("Check table and column names against an allow-list",
                     f"{shown} names a table or column, which no driver can pass as a parameter: check it against "
                     "the fixed set of names the query may use before building the SQL; pass the values in it as "
                     "parameters.", 1.0, 2, {}, example), _ORM]


@advises("B608")
def _sql(f: Finding, site: Site) -> list[Strategy]:
    style = paramstyle(site)
    call = _execute_call(site, f)
    pieces = query_pieces(call.args[0]) if call is not None else None
    found = parameterise(pieces, style or "?") if pieces is not None else None
    if found is not None and found.identifiers:
        return _allow_list(found.identifiers)
    if call is None or style is None or found is None or not found.params:
        which = style or "sqlite3 '?', psycopg and pymysql '%s', named styles ':name' or '%(name)s'"
        return [strategy("Use a parameterised query", _PARAMS.format(style=which), 1.0, 2), _ORM]
    new = clone(call)
    new.args = [ast.Constant(found.sql), ast.Tuple(elts=found.params, ctx=ast.Load())]
    detail = _PARAMS.format(style=style) + " A value that was inside quotes is passed as text, as before."
    return [strategy("Use a parameterised query", detail, 1.0, 1, {}, unparse(new)), _ORM]
