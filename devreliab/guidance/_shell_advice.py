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

from ._advice_base import Site, advises, attr, call_of, called_name, clone, imports_needed, unparse
from ._command_text import WORD_VALUES, argv_from_command, command_parts
from ._model import Finding, Strategy
from ._refactor import strategy
from ._shell_quote import quoted_command

_SUBPROCESS = frozenset({"Popen", "call", "check_call", "check_output", "run"})
_SHELL_CALLS = frozenset({"system", "popen", "popen2", "popen3", "popen4", "getoutput", "getstatusoutput"})
_COMMAND_KEYWORDS = ("args", "cmd", "command")


def _command(call: ast.Call) -> ast.expr | None:
    """The command argument: the first positional one, or the ``args=`` keyword."""
    if call.args:
        return call.args[0]
    keyword = next((k for k in call.keywords if k.arg in _COMMAND_KEYWORDS), None)
    return keyword.value if keyword else None


def _with_command(call: ast.Call, command: ast.expr) -> ast.Call:
    """A copy of ``call`` running ``command`` instead."""
    new = clone(call)
    if new.args:
        new.args = [command, *new.args[1:]]
        return new
    for keyword in new.keywords:
        if keyword.arg in _COMMAND_KEYWORDS:
            keyword.value = command
    return new


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
    new = _with_command(call, argv)
    new.keywords = [k for k in new.keywords if k.arg != "shell"]
    detail = ("Pass the command as an argument list without shell=True: the same program gets the same "
              "arguments, and a value stays one argument even if it holds spaces, ';' or '$(…)' (the shell "
              "would have split it or run it).")
    return strategy("Use the argument-list form", detail, 1.0, 1, {}, unparse(new))


def _quote_strategy(site: Site, call: ast.Call, command: ast.expr, score: float) -> Strategy | None:
    quoted = quoted_command(command)
    if quoted is None or (not _shell_is_true(call) and called_name(call) not in _SHELL_CALLS):
        return None
    new = _with_command(call, quoted)
    detail = ("Keep the shell (the command uses its syntax) and pass every interpolated value through "
              "shlex.quote: a plain word is unchanged, anything else reaches the program as one argument "
              "instead of being run by the shell.")
    return strategy("Keep the shell, quote every value with shlex.quote", detail, score, 1, {},
                    imports_needed(site, "shlex") + unparse(new))


def _constant_strategy(command: ast.expr, f: Finding) -> Strategy | None:
    parts = command_parts(command)
    if parts is None or not all(isinstance(p, str) for p in parts):
        return None
    return strategy("Nothing can be injected into a constant command", "The command is fixed text, so no input "
                    "reaches the shell; if it needs shell syntax, keep it and say why.", 0.8, 1, {},
                    f"# nosec {f.test_id} - constant command, no input reaches the shell")


def _no_code_strategies(command: ast.expr | None) -> list[Strategy]:
    held = ("The command is held in a variable, so its words are unknown here: wrapping it in a list would run "
            "a program named after the whole command line. ") if isinstance(command, WORD_VALUES) else ""
    return [strategy("Build an argument list where the command is assembled", held + _BUILD_IT, 0.9, 2),
            strategy("Keep the shell, quote every value with shlex.quote", _QUOTE_IT, 0.6, 2)]


def _chosen(found: list[Strategy | None], command: ast.expr | None) -> list[Strategy]:
    kept = [s for s in found if s is not None]
    return kept or _no_code_strategies(command)


@advises("B602", "B604")
def _shell_true(f: Finding, site: Site) -> list[Strategy]:
    call = site.call
    command = _command(call) if call is not None else None
    if call is None or command is None:
        return _no_code_strategies(None)
    argv = _argv_strategy(site, call, command) if f.test_id == "B602" else None
    quote = _quote_strategy(site, call, command, 0.6 if argv else 0.9)
    return _chosen([argv, quote, None if argv else _constant_strategy(command, f)], command)


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
    return _chosen([run, quote, None if run else _constant_strategy(command, f)], command)
