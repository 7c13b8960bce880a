"""The same shell command with every interpolated value passed through ``shlex.quote``.

For values that are one word each (a file name, an id) the command runs as before: ``shlex.quote`` leaves a plain
word unchanged; anything else reaches the program as one argument instead of being run by the shell. It needs
literal text around the values (a command wholly held in a variable is a command line, not a word) and no value
that may sit inside quotes, backticks or after a backslash (where quoting would change it).
"""

from __future__ import annotations

import ast
import re

from ._advice_base import attr, call_of, clone
from ._command_text import as_text, command_parts, glued_to_a_word, is_quote_call, is_word_value, texts_of, values_of
from ._percent_text import Part, percent_values

_UNQUOTABLE = re.compile(r"[`\\\"']")  # a value next to these may sit inside quotes: shlex.quote would break it


def _quotable(parts: list[Part]) -> bool:
    texts, values = texts_of(parts), values_of(parts)
    if not "".join(texts).strip():
        return False  # the whole command line is a value: quoting it would make it one program name
    if all(is_quote_call(as_text(v)) for v in values):
        return False  # nothing left to quote (or no value at all)
    return not any(_UNQUOTABLE.search(t) for t in texts) and all(map(is_word_value, values)) and \
        not glued_to_a_word(parts)


def quoted_command(node: ast.expr) -> ast.expr | None:
    """The same command with every interpolated value passed through shlex.quote, or None when there is no
    literal text or no value, a value is not a plain word, or a value may sit inside quotes (where quoting would
    change it)."""
    parts = command_parts(node)
    if parts is None or not _quotable(parts):
        return None
    return _quote_values(clone(node))


def _quote_percent(node: ast.BinOp) -> ast.BinOp:
    """``"cat %s | wc -l" % p`` → ``"cat %s | wc -l" % shlex.quote(str(p))`` (each value of a tuple alike)."""
    quoted = [v if is_quote_call(v) else call_of(attr("shlex", "quote"), call_of(ast.Name("str", ast.Load()), v))
              for v in percent_values(node)]
    node.right = ast.Tuple(elts=quoted, ctx=ast.Load()) if isinstance(node.right, ast.Tuple) else quoted[0]
    return node


def _quote_binop(node: ast.BinOp) -> ast.BinOp:
    if isinstance(node.op, ast.Mod):
        return _quote_percent(node)
    node.left, node.right = _quote_values(node.left), _quote_values(node.right)
    return node


def _quote_values(node: ast.expr) -> ast.expr:
    """``node`` (a copy: changed in place) with each value wrapped in shlex.quote, literal text left as it is."""
    if isinstance(node, ast.BinOp):
        return _quote_binop(node)
    if isinstance(node, ast.JoinedStr):
        for value in node.values:
            if isinstance(value, ast.FormattedValue) and not is_quote_call(value.value):
                value.value = call_of(attr("shlex", "quote"), as_text(value))
        return node
    if isinstance(node, ast.Constant) or is_quote_call(node):
        return node
    return call_of(attr("shlex", "quote"), node)
