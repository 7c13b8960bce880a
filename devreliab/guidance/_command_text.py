"""Shell command text read from the syntax tree: its literal text, its interpolated values, and the two
argument-list form that runs the same command for values that are one word each (a file name, an id);
``_shell_quote`` keeps the shell and quotes the values.

``"tar czf " + name + ".tgz"``, ``f"kill {pid}"`` and constants are read; ``%`` formatting, conversions and format
specs are not. The argument-list form needs literal text without shell syntax that names the program itself;
the quoted form needs literal text around the values and no value that may sit inside quotes.
"""

from __future__ import annotations

import ast
import itertools
import re
import shlex

from ._advice_base import call_of, called_name
from ._percent_text import Part, percent_parts

_SHELL_SYNTAX = re.compile(r"[|&;<>()$`\\*?\[\]#~{}!\n\"']")
_LITERAL_SYNTAX = re.compile(r"[|&;<>()$`\\*?\[\]#~{}!\n]")  # in a constant, quotes are fine: shlex reads them
_SHELL_ONLY = frozenset((  # builtins and keywords: no program of that name runs them
    "cd", "export", "source", ".", "alias", "unalias", "unset", "set", "exit", "exec", "eval", "read", "ulimit",
    "umask", "trap", "wait", "shift", "type", "hash", "if", "then", "else", "elif", "fi", "for", "while", "until",
    "do", "done", "case", "esac", "function", "local", "return", "readonly", "declare", "typeset", "builtin",
    "command", "jobs", "fg", "bg", "times", "getopts", "let", "shopt", "pushd", "popd", "dirs", "history"))
WORD_VALUES = (ast.Name, ast.Attribute, ast.Subscript)


def _fstring_parts(node: ast.JoinedStr) -> list[Part] | None:
    """An f-string's text and values; None if a value has a conversion or format spec (``{x!r}``, ``{n:>4}``)."""
    parts: list[Part] = []
    for value in node.values:
        if isinstance(value, ast.FormattedValue) and (value.format_spec is not None or value.conversion != -1):
            return None
        parts.append(str(value.value) if isinstance(value, ast.Constant) else value)
    return parts


def _binop_parts(node: ast.BinOp) -> list[Part] | None:
    if isinstance(node.op, ast.Mod):
        return percent_parts(node)
    if not isinstance(node.op, ast.Add):
        return [node]  # a value computed some other way
    left, right = command_parts(node.left), command_parts(node.right)
    return None if left is None or right is None else left + right


def command_parts(node: ast.expr) -> list[Part] | None:
    """``"tar czf " + name + ".tgz"``, ``"tar czf %s.tgz" % name`` or an f-string → its literal text and values, in
    order; None if the expression mixes in anything else (a conversion, a format spec, ``%d``)."""
    if isinstance(node, ast.BinOp):
        return _binop_parts(node)
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        return _fstring_parts(node)
    return [node]


def texts_of(parts: list[Part]) -> list[str]:
    return [p for p in parts if isinstance(p, str)]


def values_of(parts: list[Part]) -> list[ast.expr]:
    return [p for p in parts if not isinstance(p, str)]


def is_quote_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and called_name(node) == "quote" and len(node.args) == 1


def as_text(value: ast.expr) -> ast.expr:
    """The expression for what an interpolated value puts in the command text: an f-string's value is str()ed
    (an int is fine there), a value already quoted with shlex.quote is the value itself (one shell word)."""
    if not isinstance(value, ast.FormattedValue):
        return value
    inner = value.value
    return inner if is_quote_call(inner) else call_of(ast.Name("str", ast.Load()), inner)


def _unquoted(value: ast.expr) -> ast.expr:
    value = as_text(value)
    return value.args[0] if isinstance(value, ast.Call) and is_quote_call(value) else value


def is_word_value(value: ast.expr) -> bool:
    inner = value.value if isinstance(value, ast.FormattedValue) else value
    return isinstance(inner, WORD_VALUES) or is_quote_call(inner)


def _words(parts: list[Part]) -> list[list[Part]]:
    """The command's words: literal text split on blanks, values glued to the text around them."""
    words: list[list[Part]] = [[]]
    for part in parts:
        pieces = re.split(r"([ \t]+)", part) if isinstance(part, str) else [part]
        for piece in pieces:
            if isinstance(piece, str) and piece.isspace():
                words.append([])
            elif piece:
                words[-1].append(piece)
    return [w for w in words if w]


def _element(word: list[Part]) -> ast.expr:
    """One word as one list element: a string, the value itself, or an f-string gluing them."""
    if not values_of(word):
        return ast.Constant("".join(texts_of(word)))
    if len(word) == 1:
        return _unquoted(word[0])  # type: ignore[arg-type]
    return ast.JoinedStr(values=[ast.Constant(p) if isinstance(p, str) else
                                 ast.FormattedValue(value=_unquoted(p), conversion=-1, format_spec=None)
                                 for p in word])


def _runs_a_program(first: list[Part]) -> bool:
    """The first word is literal text naming a program (not a shell builtin or a variable assignment)."""
    name = "".join(texts_of(first))
    return not values_of(first) and name not in _SHELL_ONLY and "=" not in name


def _literal_words(text: str) -> list[list[Part]]:
    """A constant command's words, as the shell reads them, when only quotes are special in it."""
    if _LITERAL_SYNTAX.search(text):
        return []
    try:
        return [[w] for w in shlex.split(text)]
    except ValueError:  # an unbalanced quote
        return []


def glued_to_a_word(parts: list[Part]) -> bool:
    """A value right after a letter or digit (``"svn checkout%s" % creds``) usually holds optional extra arguments
    (or nothing), not a suffix of that word: the shell would split it, a rewrite could not."""
    return any(isinstance(before, str) and before[-1:].isalnum() and not isinstance(value, str)
               for before, value in itertools.pairwise(parts))


def _argv_words(parts: list[Part]) -> list[list[Part]]:
    values = values_of(parts)
    if not values:
        return _literal_words("".join(texts_of(parts)))
    if any(_SHELL_SYNTAX.search(t) for t in texts_of(parts)) or not all(map(is_word_value, values)):
        return []
    if glued_to_a_word(parts):
        return []
    return _words(parts)


def argv_from_command(node: ast.expr) -> ast.List | None:
    """The argument list that runs the same program with the same arguments (each value one argument), or
    None when the command needs the shell, its program is not literal, or a value is not a plain word."""
    parts = command_parts(node)
    words = _argv_words(parts) if parts is not None else []
    if not words or not _runs_a_program(words[0]):
        return None
    return ast.List(elts=[_element(w) for w in words], ctx=ast.Load())
