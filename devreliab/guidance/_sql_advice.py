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

from ._advice_base import Site, advises, called_name, clone, imported_roots, unparse
from ._model import Finding, Strategy
from ._refactor import strategy
from ._sql_text import Rewrite, parameterise, query_pieces

_QMARK = frozenset({"sqlite3", "aiosqlite"})
_FORMAT = frozenset({"psycopg", "psycopg2", "pymysql", "MySQLdb", "mysql"})


def paramstyle(site: Site) -> str | None:
    """The placeholder of the one database driver family the file imports, or None (none or several)."""
    roots = imported_roots(site)
    styles = {style for style, drivers in (("?", _QMARK), ("%s", _FORMAT)) if roots & drivers}
    return styles.pop() if len(styles) == 1 else None


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


def _rewrite(call: ast.Call | None, style: str | None) -> Rewrite | None:
    pieces = query_pieces(call.args[0]) if call is not None else None
    return parameterise(pieces, style or "?") if pieces is not None else None


def _general(style: str | None) -> list[Strategy]:
    which = style or "sqlite3 '?', psycopg and pymysql '%s', named styles ':name' or '%(name)s'"
    return [strategy("Use a parameterised query", _PARAMS.format(style=which), 1.0, 2), _ORM]


@advises("B608")
def _sql(f: Finding, site: Site) -> list[Strategy]:
    style = paramstyle(site)
    call = _execute_call(site, f)
    found = _rewrite(call, style)
    if found is not None and found.identifiers:
        return _allow_list(found.identifiers)
    if call is None or style is None or found is None or not found.params:
        return _general(style)
    new = clone(call)
    new.args = [ast.Constant(found.sql), ast.Tuple(elts=found.params, ctx=ast.Load())]
    detail = _PARAMS.format(style=style) + " A value that was inside quotes is passed as text, as before."
    return [strategy("Use a parameterised query", detail, 1.0, 1, {}, unparse(new)), _ORM]
