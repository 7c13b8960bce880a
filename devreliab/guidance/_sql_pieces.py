"""SQL built from strings, read from the syntax tree: its literal text and its values, in order.

A query is an f-string, a ``+`` concatenation, ``"…%s…" % (…)`` or ``"…{}…".format(…)``; each value carries the
text it puts into the query (``str(x)``, ``int(x)`` for ``%d``, ``x`` itself when concatenated, so already a str)
and what to pass for it outside quotes. A conversion, a format spec, ``%r`` or named fields are not read.
"""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass

from ._command_text import command_parts

_PERCENT = re.compile(r"%(?:(%)|([sdi]))|%")


@dataclass
class Value:
    expr: ast.expr  # what is interpolated
    text: ast.expr  # the text it puts in the query: str(x), int(x) for %d, or x itself when x is a str (+)
    bare: ast.expr  # what to pass for it outside quotes, where SQL reads the text as a number: x, int(x) for %d


Piece = str | Value


def _call(name: str, expr: ast.expr) -> ast.expr:
    return ast.Call(func=ast.Name(name, ast.Load()), args=[expr], keywords=[])


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _percent_value(conversion: str, value: ast.expr) -> Value:
    if conversion in "di":
        number = _call("int", value)
        return Value(value, number, number)
    return Value(value, _call("str", value), value)


def _percent_pieces(fmt: str, operand: ast.expr) -> list[Piece] | None:
    values = list(operand.elts) if isinstance(operand, ast.Tuple) else [operand]
    pieces: list[Piece] = []
    pos = 0
    for m in _PERCENT.finditer(fmt):
        pieces.append(fmt[pos:m.start()])
        pos = m.end()
        if m.group(1):
            pieces.append("%")
        elif not m.group(2) or not values:
            return None  # %r, %(name)s, a width or flags, or more placeholders than values: not read here
        else:
            pieces.append(_percent_value(m.group(2), values.pop(0)))
    pieces.append(fmt[pos:])
    return None if values else pieces


def _field_index(name: str, spec: str | None, conversion: str | None, auto: int) -> int | None:
    if spec or conversion or (name and not name.isdigit()):
        return None
    return int(name) if name else auto


def _format_pieces(fmt: str, call: ast.Call) -> list[Piece] | None:
    pieces: list[Piece] = []
    for auto, (literal, name, spec, conversion) in enumerate(string.Formatter().parse(fmt)):
        pieces.append(literal)
        if name is None:
            continue
        index = _field_index(name, spec, conversion, auto)
        if index is None or index >= len(call.args) or call.keywords:
            return None
        arg = call.args[index]
        pieces.append(Value(arg, _call("str", arg), arg))
    return pieces


def _piece(part: str | ast.expr) -> Piece:
    if isinstance(part, str):
        return part
    if isinstance(part, ast.FormattedValue):
        return Value(part.value, _call("str", part.value), part.value)
    return Value(part, part, part)  # concatenated: already a str


def _formatted(node: ast.expr) -> list[Piece] | None:
    """``"…%s…" % (…)`` or ``"…{}…".format(…)`` read, [] for neither, None for one not read here."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        fmt = _literal(node.left)
        return _percent_pieces(fmt, node.right) if fmt is not None else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        fmt = _literal(node.func.value)
        return _format_pieces(fmt, node) if fmt is not None else None
    return []


def query_pieces(node: ast.expr) -> list[Piece] | None:
    """The query's literal text and values in order, each value with the text it puts into the query."""
    formatted = _formatted(node)
    if formatted != []:
        return formatted
    parts = command_parts(node)
    return None if parts is None else [_piece(p) for p in parts]
