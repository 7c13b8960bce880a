"""A command or query written with ``%`` formatting, read as literal text and values.

Only ``%s`` (which takes ``str()`` of its value) and ``%%`` are read; anything else (``%d``, ``%r``, widths,
``%(name)s``) is not, and no rewrite is made. The right operand is a tuple of values, or one value — how such a
string is written (a variable holding a one-element tuple would be read wrongly, and is rare).
"""

from __future__ import annotations

import ast
import re

Part = str | ast.expr  # literal text, or an interpolated value (an f-string's values stay ast.FormattedValue)

_PERCENT = re.compile(r"%([%s])|%")


def percent_values(node: ast.BinOp) -> list[ast.expr]:
    """The values of ``"…%s…" % (a, b)`` (or ``% a``: one value, which is how such a command is written)."""
    return list(node.right.elts) if isinstance(node.right, ast.Tuple) else [node.right]


def percent_parts(node: ast.BinOp) -> list[Part] | None:
    """``"git clone %s %s" % (url, path)``: ``%s`` takes str() of its value, ``%%`` is a '%'; nothing else."""
    fmt = node.left.value if isinstance(node.left, ast.Constant) else None
    if not isinstance(fmt, str):
        return None
    values = percent_values(node)
    parts: list[Part] = []
    pos = 0
    for m in _PERCENT.finditer(fmt):
        parts.append(fmt[pos:m.start()])
        pos = m.end()
        if m.group(1) == "%":
            parts.append("%")
        elif m.group(1) != "s" or not values:
            return None
        else:
            parts.append(ast.FormattedValue(value=values.pop(0), conversion=-1, format_spec=None))
    parts.append(fmt[pos:])
    return None if values else parts
