"""Security advice per bandit test id: what to write instead, made concrete from the flagged code itself.

Where the flagged call can be rewritten mechanically (``shell=True`` with a concatenated command,
``hashlib.md5(data)``, ``yaml.load(fh)``, a request without a timeout…) the example is the rewritten call,
produced from the file's own syntax tree with ``ast.unparse``. Every finding also gets the "accept it
explicitly" alternative (``# nosec BXXX`` with a reason), scored low because it removes no risk.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any, TypeVar

from ._model import Finding, Strategy
from ._refactor import strategy

Advisor = Callable[[Finding, ast.Call | None, ast.AST | None], list[Strategy]]
ADVISORS: dict[str, Advisor] = {}


def advises(*test_ids: str) -> Callable[[Advisor], Advisor]:
    def register(fn: Advisor) -> Advisor:
        for test_id in test_ids:
            ADVISORS[test_id] = fn
        return fn

    return register


Node = TypeVar("Node", bound=ast.AST)


def _clone(node: Node) -> Node:
    """A deep copy of ``node``'s syntax — its fields and positions — and nothing else.

    Not ``copy.deepcopy``: bandit marks every node it visits with ``_bandit_parent``/``_bandit_sibling``, so a
    deepcopy of one call copies the whole tree, and through the context and operator nodes (``Load()``,
    ``Add()``, …), which ``ast.parse`` shares between all the trees of the process, it reaches into trees that
    other threads are scanning (and marking) at that moment.
    """
    new = type(node)()
    for name in node._fields:
        if hasattr(node, name):
            setattr(new, name, _clone_value(getattr(node, name)))
    for name in node._attributes:
        if hasattr(node, name):
            setattr(new, name, getattr(node, name))
    return new


def _clone_value(value: Any) -> Any:
    if isinstance(value, ast.AST):
        return _clone(value)
    if isinstance(value, list):
        return [_clone_value(item) for item in value]
    return value


def _unparse(node: ast.AST) -> str:
    return ast.unparse(ast.fix_missing_locations(node))


def _with_keyword(call: ast.Call, name: str, value: ast.expr, drop: str | None = None) -> ast.Call:
    new = _clone(call)
    new.keywords = [k for k in new.keywords if k.arg not in (name, drop)]
    new.keywords.append(ast.keyword(arg=name, value=value))
    return new


def _concat_parts(node: ast.expr) -> list[ast.expr] | None:
    """``"tar czf " + name + ".tgz"`` or an f-string → its literal and non-literal pieces, in order."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _concat_parts(node.left), _concat_parts(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.JoinedStr):
        parts: list[ast.expr] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                if value.format_spec is not None or value.conversion != -1:
                    return None
                parts.append(value.value)
            else:
                parts.append(value)
        return parts
    return [node]


def argv_from_command(node: ast.expr) -> ast.List | None:
    """The argument list equivalent to a shell command built from literals and values, if it is plain enough.

    Literal text is split on whitespace; a value glued to literal text stays one argument. Commands with
    shell syntax (pipes, redirections, globbing, quotes, ``;``, ``&&``, ``$``) are not rewritten.
    """
    parts = _concat_parts(node)
    if parts is None:
        return None
    args: list[list[ast.expr]] = [[]]
    for part in parts:
        if isinstance(part, ast.Constant):
            if not isinstance(part.value, str) or re.search(r"[|&;<>*?$`'\"\\(){}\[\]~]", part.value):
                return None
            pieces = re.split(r"(\s+)", part.value)
            for piece in pieces:
                if not piece:
                    continue
                if piece.isspace():
                    if args[-1]:
                        args.append([])
                else:
                    args[-1].append(ast.Constant(piece))
        else:
            args[-1].append(part)
    elems: list[ast.expr] = []
    for arg in args:
        if not arg:
            continue
        expr = arg[0]
        for nxt in arg[1:]:
            expr = ast.BinOp(left=expr, op=ast.Add(), right=nxt)
        if len(arg) > 1 and not all(isinstance(a, ast.Constant) for a in arg):
            expr = ast.JoinedStr(values=[a if isinstance(a, ast.Constant) else
                                         ast.FormattedValue(value=a, conversion=-1, format_spec=None) for a in arg])
        elif all(isinstance(a, ast.Constant) for a in arg):
            expr = ast.Constant("".join(str(a.value) for a in arg if isinstance(a, ast.Constant)))
        elems.append(expr)
    return ast.List(elts=elems, ctx=ast.Load()) if elems else None


@advises("B602", "B604")
def _shell_true(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    out = []
    command = call.args[0] if call is not None and call.args else None
    argv = argv_from_command(command) if command is not None else None
    if call is not None and command is not None:
        new = _clone(call)
        new.keywords = [k for k in new.keywords if k.arg != "shell"]
        if argv is not None:
            new.args = [argv, *new.args[1:]]
            example = _unparse(new)
            detail = ("Pass the command as an argument list without shell=True: no shell parses it, so a value "
                      "containing spaces, ';' or '$(…)' stays one argument instead of becoming a command.")
            out.append(strategy("Use the argument-list form", detail, 1.0, 1, {}, example))
        else:
            split = ast.Call(func=ast.Attribute(value=ast.Name("shlex", ast.Load()), attr="split", ctx=ast.Load()),
                             args=[command], keywords=[])
            new.args = [split, *new.args[1:]]
            example = "import shlex\n" + _unparse(new)
            detail = ("Build the argument list where the command is assembled (each value its own element) and "
                      "drop shell=True; shlex.split is right only for a fixed, trusted command string.")
            out.append(strategy("Use the argument-list form", detail, 0.9, 2, {}, example))
    quoted = ("If shell features (pipes, globbing) are really needed, pass every interpolated value through "
              "shlex.quote() — safer, but the command is still parsed by a shell.")
    out.append(strategy("Keep the shell, quote every value with shlex.quote", quoted, 0.6, 2))
    return out


@advises("B605")
def _os_system(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    command = call.args[0] if call is not None and call.args else None
    argv = argv_from_command(command) if command is not None else None
    arg_text = _unparse(argv) if argv is not None else "[...]  # one element per argument"
    example = f"subprocess.run({arg_text}, check=True)"
    return [
        strategy("Replace os.system/os.popen with subprocess.run and an argument list",
                 "os.system always runs a shell; subprocess.run with a list runs the program directly and "
                 "raises on failure with check=True.", 1.0, 1, {}, example),
        strategy("Quote every interpolated value with shlex.quote", "Keeps the shell, removes the injection of "
                 "values that were quoted.", 0.6, 2),
    ]


_WEAK_HASH = re.compile(r"\b(md4|md5|sha1?|sha)\b", re.I)


@advises("B324", "B303")
def _weak_hash(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    out = []
    if call is not None:
        if isinstance(call.func, ast.Attribute) and call.func.attr.lower() in ("md4", "md5", "sha1", "sha"):
            strong = _clone(call)
            assert isinstance(strong.func, ast.Attribute)
            strong.func.attr = "sha256"
            strong.keywords = [k for k in strong.keywords if k.arg != "usedforsecurity"]
            sha = _unparse(strong)
        elif isinstance(call.func, ast.Attribute) and call.func.attr == "new" and call.args:
            strong = _clone(call)
            strong.args = [ast.Constant("sha256"), *strong.args[1:]]
            sha = _unparse(strong)
        else:
            sha = "hashlib.sha256(data)"
        relaxed = _unparse(_with_keyword(call, "usedforsecurity", ast.Constant(False)))
    else:
        sha, relaxed = "hashlib.sha256(data)", "hashlib.md5(data, usedforsecurity=False)"
    out.append(strategy("Use SHA-256", "A hash used for security (signatures, passwords, integrity against an "
                        "attacker) must not be MD5/SHA-1. Stored digests change, so migrate them.", 1.0, 1, {}, sha))
    out.append(strategy("Declare it is not for security: usedforsecurity=False",
                        "For cache keys, checksums and ids the weak hash is fine; saying so documents it, "
                        "keeps digests stable and silences the finding.", 1.0, 1, {}, relaxed))
    return out


@advises("B506")
def _yaml_load(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    example = "yaml.safe_load(stream)"
    if call is not None and isinstance(call.func, ast.Attribute):
        new = _clone(call)
        assert isinstance(new.func, ast.Attribute)
        new.func.attr = "safe_load"
        new.keywords = [k for k in new.keywords if k.arg != "Loader"]
        example = _unparse(new)
    return [strategy("Use yaml.safe_load", "yaml.load with the default/full loader can build arbitrary Python "
                     "objects from the document; safe_load builds only plain data.", 1.0, 1, {}, example)]


def _secret_name(node: ast.AST | None, call: ast.Call | None) -> str:
    """The variable, keyword or parameter the hard-coded secret is bound to (never the secret itself)."""
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name):
                return target.id
            if isinstance(target, ast.Attribute):
                return target.attr
    if call is not None:
        for keyword in call.keywords:
            if keyword.arg and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                return keyword.arg
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return next((a.arg for a in node.args.args if "pass" in a.arg.lower() or "secret" in a.arg.lower()),
                    "password")
    return "password"


@advises("B105", "B106", "B107")
def _password(f: Finding, call: ast.Call | None, node: ast.AST | None) -> list[Strategy]:
    name = _secret_name(node, call)
    var = re.sub(r"\W", "_", name).upper()
    target = f"{name} = " if isinstance(node, ast.Assign | ast.AnnAssign) else f"{name}="
    return [
        strategy("Read the secret from the environment", "A secret in source ends up in every clone, backup and "
                 "log of the repository; rotate it and read it at run time.", 1.0, 1, {},
                 f'{target}os.environ["{var}"]'),
        strategy("Use a secret store", "keyring, your cloud's secret manager or a mounted secret file keep it "
                 "out of the environment too.", 1.0, 3),
    ]


@advises("B113")
def _timeout(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    example = _unparse(_with_keyword(call, "timeout", ast.Constant(10))) if call is not None else "timeout=10"
    return [strategy("Add a timeout", "Without one, a server that never answers hangs this call forever.", 1.0,
                     1, {}, example)]


@advises("B501")
def _verify(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    example = (_unparse(_with_keyword(call, "verify", ast.Constant(True))) if call is not None else "verify=True")
    return [strategy("Verify certificates", "verify=False accepts any certificate, so anyone on the path can "
                     "read and change the traffic; point verify at a CA bundle if the server's CA is private.",
                     1.0, 1, {}, example)]


@advises("B307")
def _eval(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    example = "ast.literal_eval(text)"
    if call is not None:
        new = _clone(call)
        new.func = ast.Attribute(value=ast.Name("ast", ast.Load()), attr="literal_eval", ctx=ast.Load())
        example = "import ast\n" + _unparse(new)
    return [strategy("Use ast.literal_eval", "It evaluates literals (numbers, strings, lists, dicts) and nothing "
                     "else; eval runs any code in the string.", 1.0, 1, {}, example),
            strategy("Parse a real format (json.loads)", "If the text is data, give it a data format.", 1.0, 2)]


@advises("B608")
def _sql(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    return [strategy("Use a parameterised query", "Let the driver pass values separately from the SQL text, so a "
                     "value can never change the statement.", 1.0, 2, {},
                     'cursor.execute("SELECT * FROM users WHERE name = %s", (name,))'),
            strategy("Use the ORM or a query builder", "They parameterise for you.", 1.0, 3)]


@advises("B301", "B403")
def _pickle(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    return [strategy("Use a data format (json)", "Unpickling untrusted bytes runs arbitrary code; json only "
                     "builds data.", 1.0, 2, {}, "json.loads(payload)"),
            strategy("Sign what you pickle (hmac) and check before loading", "Keeps pickle for trusted, "
                     "self-produced data only.", 0.7, 3)]


@advises("B311")
def _random(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    return [strategy("Use the secrets module for tokens and keys", "random is predictable; secrets draws from the "
                     "OS's cryptographic source.", 1.0, 1, {}, "secrets.token_urlsafe(32)"),
            strategy("Keep random, if this is not security-relevant, and say so",
                     "Simulations, sampling and tests are fine with random.", 1.0, 1, {}, "# nosec B311 - not used "
                     "for security")]


@advises("B108")
def _tmp(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    return [strategy("Use the tempfile module", "A fixed path in /tmp can be pre-created or linked by another "
                     "user; tempfile creates unique files safely.", 1.0, 1, {},
                     "with tempfile.TemporaryDirectory() as tmp:\n    path = os.path.join(tmp, 'out.txt')")]


@advises("B110", "B112")
def _swallow(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    return [strategy("Catch the specific exception and log it", "A bare except-pass hides every failure, including "
                     "the ones that matter.", 1.0, 1, {}, "except FileNotFoundError:\n    log.debug('no cache "
                     "file', exc_info=True)"),
            strategy("Use contextlib.suppress(SpecificError)", "States which failure is expected.", 1.0, 1, {},
                     "with contextlib.suppress(FileNotFoundError):\n    ...")]


@advises("B101")
def _assert(f: Finding, call: ast.Call | None, node: ast.AST | None) -> list[Strategy]:
    example = "if not condition:\n    raise ValueError('…')"
    if isinstance(node, ast.Assert):
        example = f"if not ({ast.unparse(node.test)}):\n    raise ValueError('…')"
    return [strategy("Raise an exception instead of assert", "python -O strips assert statements, so a check "
                     "that guards real input disappears in optimised runs.", 1.0, 1, {}, example)]


@advises("B104")
def _bind_all(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    return [strategy("Bind to loopback by default", "0.0.0.0 exposes the service on every network interface; "
                     "make a wider bind an explicit setting.", 1.0, 1, {}, "host = os.environ.get('HOST', "
                     "'127.0.0.1')")]


@advises("B202")
def _tar(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    example = (_unparse(_with_keyword(call, "filter", ast.Constant("data"))) if call is not None
               else "tar.extractall(path, filter='data')")
    return [strategy("Extract with filter='data'", "Blocks absolute paths, '..' and links out of the target "
                     "directory (Python 3.12+, backported to 3.8+ security releases).", 1.0, 1, {}, example)]


@advises("B701")
def _jinja(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    return [strategy("Turn on autoescaping", "Without it, any value rendered into HTML can inject script.", 1.0, 1,
                     {}, "Environment(loader=loader, autoescape=select_autoescape())")]


@advises("B603", "B607", "B404")
def _subprocess_input(f: Finding, call: ast.Call | None, _: ast.AST | None) -> list[Strategy]:
    return [strategy("Run a full path and validate the arguments", "Without a shell the risk left is a program "
                     "resolved through PATH and arguments an attacker controls: resolve the executable with "
                     "shutil.which once and check inputs against what you expect.", 0.8, 2, {},
                     'exe = shutil.which("git") or "/usr/bin/git"\nsubprocess.run([exe, "status"], check=True)')]


def _generic(f: Finding) -> Strategy:
    return strategy(f"Follow bandit's guidance for {f.test_id} ({f.test_name})",
                    f"{f.message} See {f.more_info}", 0.8, 2)


def _nosec(f: Finding) -> Strategy:
    return strategy(f"Accept it explicitly: # nosec {f.test_id} with a reason",
                    "Only when the input is trusted or the use is not security-relevant; the reason is for the "
                    "next reviewer. This removes the finding, not the risk.", 0.3, 1, {},
                    f"# nosec {f.test_id} - <why this is safe here>")


class LineIndex:
    """Calls and statements by line, built once per file (a walk per finding would be quadratic)."""

    def __init__(self, tree: ast.AST) -> None:
        self.calls: dict[int, list[ast.Call]] = {}
        self.stmts: dict[int, ast.stmt] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                self.calls.setdefault(node.lineno, []).append(node)
            elif isinstance(node, ast.stmt):
                self.stmts.setdefault(node.lineno, node)

    def at(self, line: int, col: int) -> tuple[ast.Call | None, ast.AST | None]:
        calls = self.calls.get(line, [])
        # `hashlib.md5(x).hexdigest()`: both calls start at the same column; the flagged one is the innermost
        exact = min((c for c in calls if c.col_offset == col), key=lambda c: c.end_col_offset or 0, default=None)
        first = min(calls, key=lambda c: c.col_offset, default=None)
        return exact or first, self.stmts.get(line)


def security_strategies(index: LineIndex, finding: Finding) -> list[Strategy]:
    call, stmt = index.at(finding.line, finding.col_offset)
    if call is None and finding.line_range:
        # bandit reports some multi-line calls at a later line of the call; look at the first line too
        call, _ = index.at(finding.line_range[0], finding.col_offset)
    advisor = ADVISORS.get(finding.test_id)
    found = advisor(finding, call, stmt) if advisor else [_generic(finding)]
    found.append(_nosec(finding))
    return sorted(found, key=lambda s: (-s.score, s.effort))
