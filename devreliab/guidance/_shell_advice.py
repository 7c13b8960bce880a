"""Advice for commands run through a shell (B602, B604, B605), with code only where it runs the same command.

A command is read as literal text and interpolated values (``"tar czf " + name + ".tgz"``, an f-string, or a
constant). Two rewrites keep what runs, for values that are one word each (a file name, an id):

* the argument-list form without a shell, when the literal text has no shell syntax (no pipe, redirection,
  quote, glob, ``;``, ``&&``, ``$``) and names the program itself (not a shell builtin, not a value);
* keeping the shell and passing every interpolated value through ``shlex.quote``, when the command needs the
  shell (a pipe, a redirection) and no value sits inside quotes.

A command held in a variable (``check_output(cmd, shell=True)``) is a command line whose words are unknown here:
no code, the advice is to build the argument list where the command is assembled.
"""

from __future__ import annotations

import ast
import re
import shlex

from ._advice_base import Site, advises, attr, call_of, called_name, clone, imports_needed, unparse
from ._model import Finding, Strategy
from ._refactor import strategy

Part = str | ast.expr  # literal text, or an interpolated value (an f-string's values stay ast.FormattedValue)

_SHELL_SYNTAX = re.compile(r"[|&;<>()$`\\*?\[\]#~{}!\n\"']")
_LITERAL_SYNTAX = re.compile(r"[|&;<>()$`\\*?\[\]#~{}!\n]")  # in a constant, quotes are fine: shlex reads them
_UNQUOTABLE = re.compile(r"[`\\\"']")  # a value next to these may sit inside quotes: shlex.quote would break it
_SHELL_ONLY = frozenset((  # builtins and keywords: no program of that name runs them
    "cd", "export", "source", ".", "alias", "unalias", "unset", "set", "exit", "exec", "eval", "read", "ulimit",
    "umask", "trap", "wait", "shift", "type", "hash", "if", "then", "else", "elif", "fi", "for", "while", "until",
    "do", "done", "case", "esac", "function", "local", "return", "readonly", "declare", "typeset", "builtin",
    "command", "jobs", "fg", "bg", "times", "getopts", "let", "shopt", "pushd", "popd", "dirs", "history"))
_SUBPROCESS = frozenset({"Popen", "call", "check_call", "check_output", "run"})
_WORD_VALUES = (ast.Name, ast.Attribute, ast.Subscript)


def command_parts(node: ast.expr) -> list[Part] | None:
    """``"tar czf " + name + ".tgz"`` or an f-string → its literal text and values, in order; None if the
    expression mixes in anything else (``%`` formatting, a conversion or a format spec)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = command_parts(node.left), command_parts(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        parts: list[Part] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue) and (value.format_spec is not None or value.conversion != -1):
                return None
            parts.append(value.value if isinstance(value, ast.Constant) else value)
        return parts
    return [node]


def _as_text(value: ast.expr) -> ast.expr:
    """The expression for what an interpolated value puts in the command text: an f-string's value is str()ed
    (an int is fine there), a value already quoted with shlex.quote is the value itself (one shell word)."""
    if isinstance(value, ast.FormattedValue):
        inner = value.value
        return inner if _is_quote_call(inner) else call_of(ast.Name("str", ast.Load()), inner)
    return value


def _is_quote_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and called_name(node) == "quote" and len(node.args) == 1


def _unquoted(value: ast.expr) -> ast.expr:
    value = _as_text(value)
    return value.args[0] if isinstance(value, ast.Call) and _is_quote_call(value) else value


def _is_word_value(value: ast.expr) -> bool:
    inner = value.value if isinstance(value, ast.FormattedValue) else value
    return isinstance(inner, _WORD_VALUES) or _is_quote_call(inner)


def _words(parts: list[Part]) -> list[list[Part]] | None:
    """The command's words: literal text split on whitespace, values glued to the text around them."""
    words: list[list[Part]] = [[]]
    for part in parts:
        if not isinstance(part, str):
            words[-1].append(part)
            continue
        for piece in re.split(r"([ \t]+)", part):
            if piece.isspace():
                words.append([])
            elif piece:
                words[-1].append(piece)
    return [w for w in words if w]


def _element(word: list[Part]) -> ast.expr:
    if all(isinstance(p, str) for p in word):
        return ast.Constant("".join(p for p in word if isinstance(p, str)))
    if len(word) == 1 and not isinstance(word[0], str):
        return _unquoted(word[0])
    return ast.JoinedStr(values=[ast.Constant(p) if isinstance(p, str) else
                                 ast.FormattedValue(value=_unquoted(p), conversion=-1, format_spec=None)
                                 for p in word])


def _runs_a_program(first: list[Part]) -> bool:
    """The first word is literal text naming a program (not a shell builtin or a variable assignment)."""
    if not all(isinstance(p, str) for p in first):
        return False
    name = "".join(p for p in first if isinstance(p, str))
    return name not in _SHELL_ONLY and "=" not in name


def _literal_words(text: str) -> list[str]:
    """A constant command's words, as the shell reads them, when only quotes are special in it."""
    if _LITERAL_SYNTAX.search(text):
        return []
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote
        return []


def argv_from_command(node: ast.expr) -> ast.List | None:
    """The argument list that runs the same program with the same arguments (each value one argument), or
    None when the command needs the shell, its program is not literal, or a value is not a plain word."""
    parts = command_parts(node)
    if parts is None:
        return None
    values = [p for p in parts if not isinstance(p, str)]
    texts = [p for p in parts if isinstance(p, str)]
    if not values:
        words: list[list[Part]] = [[w] for w in _literal_words("".join(texts))]
    else:
        if any(_SHELL_SYNTAX.search(t) for t in texts) or not all(_is_word_value(v) for v in values):
            return None
        words = _words(parts) or []
    if not words or not _runs_a_program(words[0]):
        return None
    return ast.List(elts=[_element(w) for w in words], ctx=ast.Load())


def quoted_command(node: ast.expr) -> ast.expr | None:
    """The same command with every interpolated value passed through shlex.quote, or None when there is no
    literal text or no value, a value is not a plain word, or a value may sit inside quotes (where quoting would
    change it)."""
    parts = command_parts(node)
    if parts is None:
        return None
    values = [p for p in parts if not isinstance(p, str)]
    if not any(isinstance(p, str) and p.strip() for p in parts):
        return None  # the whole command line is a value: quoting it would make it one program name
    if not values or all(_is_quote_call(_as_text(v)) for v in values):
        return None
    if any(_UNQUOTABLE.search(p) for p in parts if isinstance(p, str)) or not all(_is_word_value(v) for v in values):
        return None
    return _quote_values(clone(node))


def _quote_values(node: ast.expr) -> ast.expr:
    if isinstance(node, ast.BinOp):
        node.left, node.right = _quote_values(node.left), _quote_values(node.right)
        return node
    if isinstance(node, ast.JoinedStr):
        for value in node.values:
            if isinstance(value, ast.FormattedValue) and not _is_quote_call(value.value):
                value.value = call_of(attr("shlex", "quote"), _as_text(value))
        return node
    if isinstance(node, ast.Constant) or _is_quote_call(node):
        return node
    return call_of(attr("shlex", "quote"), node)


def _command(call: ast.Call) -> tuple[ast.expr | None, ast.Call]:
    """The command argument, and a copy of the call in which ``with_command`` can replace it."""
    if call.args:
        return call.args[0], clone(call)
    keyword = next((k for k in call.keywords if k.arg in ("args", "cmd", "command")), None)
    return (keyword.value if keyword else None), clone(call)


def _with_command(call: ast.Call, command: ast.expr) -> ast.Call:
    if call.args:
        call.args = [command, *call.args[1:]]
    else:
        for keyword in call.keywords:
            if keyword.arg in ("args", "cmd", "command"):
                keyword.value = command
    return call


def _shell_is_true(call: ast.Call) -> bool:
    return any(k.arg == "shell" and isinstance(k.value, ast.Constant) and k.value.value is True
               for k in call.keywords)


_BUILD_IT = ("Build the argument list where the command is assembled — one list element per argument, each "
             "value its own element — and drop shell=True; then no shell parses it, and a value containing "
             "spaces, ';' or '$(…)' stays one argument. shlex.split(cmd) gives the same list only for a fixed, "
             "trusted command line without shell syntax.")
_QUOTE_IT = ("If shell features (pipes, redirections) are really needed, pass every interpolated value through "
             "shlex.quote() where the command string is built — the command is still parsed by a shell.")


def _argv_strategy(site: Site, call: ast.Call, command: ast.expr) -> Strategy | None:
    argv = argv_from_command(command)
    if argv is None or called_name(call) not in _SUBPROCESS or not _shell_is_true(call) or any(
            k.arg == "executable" for k in call.keywords):
        return None
    new = _with_command(_command(call)[1], argv)
    new.keywords = [k for k in new.keywords if k.arg != "shell"]
    detail = ("Pass the command as an argument list without shell=True: the same program gets the same "
              "arguments, and a value stays one argument even if it holds spaces, ';' or '$(…)' (the shell "
              "would have split it or run it).")
    return strategy("Use the argument-list form", detail, 1.0, 1, {}, unparse(new))


def _quote_strategy(site: Site, call: ast.Call, command: ast.expr, score: float) -> Strategy | None:
    quoted = quoted_command(command)
    if quoted is None or (not _shell_is_true(call) and called_name(call) not in _SHELL_CALLS):
        return None
    new = _with_command(_command(call)[1], quoted)
    detail = ("Keep the shell (the command uses its syntax) and pass every interpolated value through "
              "shlex.quote: a plain word is unchanged, anything else reaches the program as one argument "
              "instead of being run by the shell.")
    return strategy("Keep the shell, quote every value with shlex.quote", detail, score, 1, {},
                    imports_needed(site, "shlex") + unparse(new))


_SHELL_CALLS = frozenset({"system", "popen", "popen2", "popen3", "popen4", "getoutput", "getstatusoutput"})


def _constant_strategy(command: ast.expr, f: Finding) -> Strategy | None:
    parts = command_parts(command)
    if parts is None or not all(isinstance(p, str) for p in parts):
        return None
    return strategy("Nothing can be injected into a constant command", "The command is fixed text, so no input "
                    "reaches the shell; if it needs shell syntax, keep it and say why.", 0.8, 1, {},
                    f"# nosec {f.test_id} - constant command, no input reaches the shell")


def _no_code_strategies(command: ast.expr | None) -> list[Strategy]:
    held = ("The command is held in a variable, so its words are unknown here: wrapping it in a list would run "
            "a program named after the whole command line. ") if isinstance(command, _WORD_VALUES) else ""
    return [strategy("Build an argument list where the command is assembled", held + _BUILD_IT, 0.9, 2),
            strategy("Keep the shell, quote every value with shlex.quote", _QUOTE_IT, 0.6, 2)]


@advises("B602", "B604")
def _shell_true(f: Finding, site: Site) -> list[Strategy]:
    call = site.call
    command = _command(call)[0] if call is not None else None
    if call is None or command is None:
        return _no_code_strategies(None)
    argv = _argv_strategy(site, call, command) if f.test_id == "B602" else None
    quote = _quote_strategy(site, call, command, 0.6 if argv else 0.9)
    constant = None if argv else _constant_strategy(command, f)
    found = [s for s in (argv, quote, constant) if s is not None]
    return found or _no_code_strategies(command)


def _run_strategy(site: Site, call: ast.Call, command: ast.expr) -> Strategy | None:
    """os.system(cmd) whose exit status is not used → subprocess.run(argv): same program, same arguments,
    output to the same place, failure ignored as before."""
    argv = argv_from_command(command)
    stmt = site.stmt
    if argv is None or called_name(call) != "system" or not (isinstance(stmt, ast.Expr) and stmt.value is call):
        return None
    new = call_of(attr("subprocess", "run"), argv)
    return strategy("Replace os.system with subprocess.run and an argument list",
                    "os.system always runs a shell; subprocess.run with a list runs the program directly. Like "
                    "os.system it ignores a failure; add check=True if a failure should raise.", 1.0, 1, {},
                    imports_needed(site, "subprocess") + unparse(new))


@advises("B605")
def _os_system(f: Finding, site: Site) -> list[Strategy]:
    call = site.call
    command = call.args[0] if call is not None and call.args else None
    if call is None or command is None:
        return _no_code_strategies(None)
    run = _run_strategy(site, call, command)
    quote = _quote_strategy(site, call, command, 0.6 if run else 0.9)
    constant = None if run else _constant_strategy(command, f)
    found = [s for s in (run, quote, constant) if s is not None]
    return found or _no_code_strategies(command)
