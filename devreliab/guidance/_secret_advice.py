"""Advice for hard-coded secrets (B105 string, B106 keyword argument, B107 parameter default).

The rewrite keeps the statement and replaces only the literal with a read from the environment
(``DigestAuth(user, password=os.environ["AUTH_PASSWORD"])``, ``DB_PASSWORD = os.environ["DB_PASSWORD"]``):
with the variable set to the old value it runs the same. A comparison with a fixed string (``password == "-"``)
is usually a sentinel, not a secret, and gets no rewrite; a parameter default gets no code either (reading the
environment at definition time would fail on import).
"""

from __future__ import annotations

import ast
import re

from ._advice_base import Site, advises, attr, clone, imports_needed, unparse
from ._model import Finding, Strategy
from ._refactor import strategy
from ._secret_text import SECRET_WORD, flagged_literal, is_text, placeholder

_STORE = strategy("Use a secret store", "keyring, your cloud's secret manager or a mounted secret file keep it out "
                  "of the environment too.", 1.0, 3)
_WHY = "A secret in source ends up in every clone, backup and log of the repository; rotate it and read it at run time."


def env_name(*names: str) -> str:
    """``("auth", "password")`` → ``AUTH_PASSWORD``; a name already holding the secret word is used alone."""
    words = [re.sub(r"\W+", "_", n).strip("_").upper() for n in names if n]
    if len(words) == 2 and words[1] in words[0]:
        words = words[:1]
    return "_".join(w for w in words if w) or "SECRET"


def _environ(var: str) -> ast.Subscript:
    return ast.Subscript(value=attr("os", "environ"), slice=ast.Constant(var), ctx=ast.Load())


def _target_name(target: ast.expr) -> str:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript) and is_text(target.slice):
        return str(target.slice.value)  # type: ignore[attr-defined]
    return ""


def _assigned_to(stmt: ast.AST | None) -> str:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        return _target_name(stmt.targets[0])
    if isinstance(stmt, ast.AnnAssign):
        return _target_name(stmt.target)
    return ""


def keyword_rewrite(call: ast.Call, stmt: ast.AST | None) -> ast.Call | None:
    """B106: the same call with the secret keyword's literal replaced by an environment read."""
    keyword = next((k for k in call.keywords if k.arg and SECRET_WORD.search(k.arg) and is_text(k.value)), None)
    if keyword is None or keyword.arg is None:
        return None
    new = clone(call)
    for k in new.keywords:
        if k.arg == keyword.arg:
            k.value = _environ(env_name(_assigned_to(stmt), keyword.arg))
    return new


def assignment_rewrite(stmt: ast.AST | None) -> ast.stmt | None:
    """B105 on ``NAME = "…"`` (or ``x.attr``, ``d["password"]``): the same assignment of an environment read."""
    if not isinstance(stmt, ast.Assign | ast.AnnAssign) or not is_text(stmt.value) or not _assigned_to(stmt):
        return None
    new = clone(stmt)
    new.value = _environ(env_name(_assigned_to(stmt)))
    return new


def _not_secret(value: str, test_id: str, compared: bool) -> list[Strategy]:
    what = "Comparing with" if compared else "The value"
    note = (f"{what} {value!r} reads as a sentinel or placeholder (such as '-' for stdin, '' for none, a mask for "
            "display), not a password: there is nothing to move out of the code, and reading it from the "
            "environment would change what the code does.")
    return [strategy("Probably not a secret: mark the placeholder", note, 1.0, 1, {},
                     f"# nosec {test_id} - {value!r} is a placeholder, not a secret")]


def _check_comparison() -> list[Strategy]:
    return [strategy("Check whether this is a secret", "A comparison with a fixed string is either a sentinel or a "
                     "password check; if it is a sentinel, mark it # nosec B105 with why.", 0.8, 1),
            strategy("If it is a real password check, compare a hash read at run time",
                     "Store a salted hash (hashlib.scrypt) outside the code and compare with hmac.compare_digest; "
                     "the password itself never appears in source.", 0.8, 3)]


def _rewrite(f: Finding, site: Site) -> ast.AST | None:
    if f.test_id == "B106" and site.call is not None:
        return keyword_rewrite(site.call, site.stmt)
    return assignment_rewrite(site.stmt) if f.test_id == "B105" else None


@advises("B105", "B106", "B107")
def _password(f: Finding, site: Site) -> list[Strategy]:
    literal, compared = flagged_literal(f, site)
    if literal is not None and placeholder(literal):
        return _not_secret(literal, f.test_id, compared)
    if compared:
        return _check_comparison()
    rewrite = _rewrite(f, site)
    if rewrite is None:
        where = ("Give the parameter no secret default: have callers pass it, read from the environment or a "
                 "secret store where the program starts." if f.test_id == "B107" else
                 "Replace the literal with a read from the environment (os.environ[...]) where it is used.")
        return [strategy("Read the secret from the environment", f"{_WHY} {where}", 0.9, 2), _STORE]
    return [strategy("Read the secret from the environment", _WHY + " The statement stays; only the literal becomes "
                     "an environment read (set the variable to the rotated value).", 1.0, 1, {},
                     imports_needed(site, "os") + unparse(rewrite)), _STORE]
