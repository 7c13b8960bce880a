"""Security advice per bandit test id: what to write instead, made concrete from the flagged code itself.

Where the flagged call can be rewritten so that it does the same for the inputs it was written for
(``hashlib.md5(data)``, a request without a timeout, a shell command built from words…) the example is the
rewritten call, produced from the file's own syntax tree with ``ast.unparse``; where it cannot, the advice says
what to do where the value is built and carries no code. The advisors for shells, SQL, secrets and
deserialisation live in their own modules (``_shell_advice``, ``_sql_advice``, ``_secret_advice``,
``_data_advice``). Every finding also gets the "accept it explicitly" alternative (``# nosec BXXX`` with a
reason), scored low because it removes no risk.
"""

from __future__ import annotations

import ast

from . import _data_advice, _random_advice, _secret_advice, _shell_advice, _sql_advice  # noqa: F401 (registering)
from ._advice_base import ADVISORS, Site, advises, clone, file_imports, unparse, with_keyword
from ._model import Finding, Strategy
from ._refactor import strategy


@advises("B324", "B303")
def _weak_hash(f: Finding, site: Site) -> list[Strategy]:
    call = site.call
    out = []
    if call is not None:
        if isinstance(call.func, ast.Attribute) and call.func.attr.lower() in ("md4", "md5", "sha1", "sha"):
            strong = clone(call)
            assert isinstance(strong.func, ast.Attribute)
            strong.func.attr = "sha256"
            strong.keywords = [k for k in strong.keywords if k.arg != "usedforsecurity"]
            sha = unparse(strong)
        elif isinstance(call.func, ast.Attribute) and call.func.attr == "new" and call.args:
            strong = clone(call)
            strong.args = [ast.Constant("sha256"), *strong.args[1:]]
            sha = unparse(strong)
        else:
            sha = "hashlib.sha256(data)"
        relaxed = unparse(with_keyword(call, "usedforsecurity", ast.Constant(False)))
    else:
        sha, relaxed = "hashlib.sha256(data)", "hashlib.md5(data, usedforsecurity=False)"
    out.append(strategy("Use SHA-256", "A hash used for security (signatures, passwords, integrity against an "
                        "attacker) must not be MD5/SHA-1. Stored digests change, so migrate them.", 1.0, 1, {}, sha))
    out.append(strategy("Declare it is not for security: usedforsecurity=False",
                        "For cache keys, checksums and ids the weak hash is fine; saying so documents it, "
                        "keeps digests stable and silences the finding.", 1.0, 1, {}, relaxed))
    return out


@advises("B113")
def _timeout(f: Finding, site: Site) -> list[Strategy]:
    call = site.call
    example = unparse(with_keyword(call, "timeout", ast.Constant(10))) if call is not None else "timeout=10"
    return [strategy("Add a timeout", "Without one, a server that never answers hangs this call forever.", 1.0,
                     1, {}, example)]


@advises("B501")
def _verify(f: Finding, site: Site) -> list[Strategy]:
    call = site.call
    example = (unparse(with_keyword(call, "verify", ast.Constant(True))) if call is not None else "verify=True")
    return [strategy("Verify certificates", "verify=False accepts any certificate, so anyone on the path can "
                     "read and change the traffic; point verify at a CA bundle if the server's CA is private.",
                     1.0, 1, {}, example)]


@advises("B307")
def _eval(f: Finding, site: Site) -> list[Strategy]:
    call = site.call
    example = "ast.literal_eval(text)"
    if call is not None:
        new = clone(call)
        new.func = ast.Attribute(value=ast.Name("ast", ast.Load()), attr="literal_eval", ctx=ast.Load())
        example = "import ast\n" + unparse(new)
    return [strategy("Use ast.literal_eval", "It evaluates literals (numbers, strings, lists, dicts) and nothing "
                     "else; eval runs any code in the string.", 1.0, 1, {}, example),
            strategy("Parse a real format (json.loads)", "If the text is data, give it a data format.", 1.0, 2)]


@advises("B108")
def _tmp(f: Finding, site: Site) -> list[Strategy]:
    return [strategy("Use the tempfile module", "A fixed path in /tmp can be pre-created or linked by another "
                     "user; tempfile creates unique files safely.", 1.0, 1, {},
                     "with tempfile.TemporaryDirectory() as tmp:\n    path = os.path.join(tmp, 'out.txt')")]


@advises("B110", "B112")
def _swallow(f: Finding, site: Site) -> list[Strategy]:
    return [strategy("Catch the specific exception and log it", "A bare except-pass hides every failure, including "
                     "the ones that matter.", 1.0, 1, {}, "except FileNotFoundError:\n    log.debug('no cache "
                     "file', exc_info=True)"),
            strategy("Use contextlib.suppress(SpecificError)", "States which failure is expected.", 1.0, 1, {},
                     "with contextlib.suppress(FileNotFoundError):\n    ...")]


@advises("B101")
def _assert(f: Finding, site: Site) -> list[Strategy]:
    node = site.stmt
    example = "if not condition:\n    raise ValueError('…')"
    if isinstance(node, ast.Assert):
        example = f"if not ({ast.unparse(node.test)}):\n    raise ValueError('…')"
    return [strategy("Raise an exception instead of assert", "python -O strips assert statements, so a check "
                     "that guards real input disappears in optimised runs.", 1.0, 1, {}, example)]


@advises("B104")
def _bind_all(f: Finding, site: Site) -> list[Strategy]:
    return [strategy("Bind to loopback by default", "0.0.0.0 exposes the service on every network interface; "
                     "make a wider bind an explicit setting.", 1.0, 1, {}, "host = os.environ.get('HOST', "
                     "'127.0.0.1')")]


@advises("B202")
def _tar(f: Finding, site: Site) -> list[Strategy]:
    call = site.call
    example = (unparse(with_keyword(call, "filter", ast.Constant("data"))) if call is not None
               else "tar.extractall(path, filter='data')")
    return [strategy("Extract with filter='data'", "Blocks absolute paths, '..' and links out of the target "
                     "directory (Python 3.12+, backported to 3.8+ security releases).", 1.0, 1, {}, example)]


@advises("B701")
def _jinja(f: Finding, site: Site) -> list[Strategy]:
    return [strategy("Turn on autoescaping", "Without it, any value rendered into HTML can inject script.", 1.0, 1,
                     {}, "Environment(loader=loader, autoescape=select_autoescape())")]


@advises("B603", "B607", "B404")
def _subprocess_input(f: Finding, site: Site) -> list[Strategy]:
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
        self.by_argument: dict[tuple[int, int], ast.Call] = {}  # a call by where its first argument starts
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                self.calls.setdefault(node.lineno, []).append(node)
                if node.args:
                    self.by_argument.setdefault((node.args[0].lineno, node.args[0].col_offset), node)
            elif isinstance(node, ast.stmt):
                self.stmts.setdefault(node.lineno, node)
        self.imports = file_imports(tree)

    def at(self, line: int, col: int) -> tuple[ast.Call | None, ast.AST | None]:
        calls = self.calls.get(line, [])
        # `hashlib.md5(x).hexdigest()`: both calls start at the same column; the flagged one is the innermost
        exact = min((c for c in calls if c.col_offset == col), key=lambda c: c.end_col_offset or 0, default=None)
        first = min(calls, key=lambda c: c.col_offset, default=None)
        return exact or first, self.stmts.get(line)

    def site(self, finding: Finding) -> Site:
        call, stmt = self.at(finding.line, finding.col_offset)
        if finding.test_id == "B608":  # bandit points at the query; the call that runs it takes it first
            call = self.by_argument.get((finding.line, finding.col_offset))
        elif call is None and finding.line_range:
            # bandit reports some multi-line calls at a later line of the call; look at the first line too
            call, _ = self.at(finding.line_range[0], finding.col_offset)
        return Site(call, stmt, self.imports)


def security_strategies(index: LineIndex, finding: Finding) -> list[Strategy]:
    advisor = ADVISORS.get(finding.test_id)
    found = advisor(finding, index.site(finding)) if advisor else [_generic(finding)]
    found.append(_nosec(finding))
    return sorted(found, key=lambda s: (-s.score, s.effort))
