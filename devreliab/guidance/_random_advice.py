"""Advice for predictable randomness (B311): the ``secrets`` call that returns the same type from the same range.

``randint(a, b)`` → ``a + secrets.randbelow(b - a + 1)``, ``randrange(n)`` → ``secrets.randbelow(n)``,
``choice(seq)`` → ``secrets.choice(seq)``, ``getrandbits(k)`` → ``secrets.randbits(k)``; the other functions
become the same method of ``random.SystemRandom()`` (same signature, the OS's cryptographic source). Never a
token where an int was drawn.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from ._advice_base import Site, advises, attr, call_of, called_name, imports_needed, unparse
from ._model import Finding, Strategy
from ._refactor import strategy

_SYSTEM_RANDOM = frozenset({"random", "uniform", "sample", "shuffle", "choices", "triangular", "randrange",
                            "randbytes", "gauss", "expovariate"})


def _secrets(name: str, *args: ast.expr) -> ast.Call:
    return call_of(attr("secrets", name), *args)


def _is_int(node: ast.expr, value: int | None = None) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and value in (None, node.value)


def _offset(low: ast.expr, draw: ast.Call) -> ast.expr:
    return draw if _is_int(low, 0) else ast.BinOp(left=low, op=ast.Add(), right=draw)


def _span(low: ast.expr, high: ast.expr, extra: int) -> ast.expr:
    """``high - low + extra``, folded when both are integer literals."""
    if _is_int(low) and _is_int(high):
        return ast.Constant(high.value - low.value + extra)  # type: ignore[attr-defined]
    span = high if _is_int(low, 0) else ast.BinOp(left=high, op=ast.Sub(), right=low)
    return ast.BinOp(left=span, op=ast.Add(), right=ast.Constant(extra)) if extra else span


def _between(low: ast.expr, high: ast.expr, extra: int) -> ast.expr:
    return _offset(low, _secrets("randbelow", _span(low, high, extra)))


# (function, number of positional arguments) → the secrets expression for those arguments
_SECRETS: dict[tuple[str, int], Callable[[list[ast.expr]], ast.expr]] = {
    ("choice", 1): lambda a: _secrets("choice", a[0]),
    ("getrandbits", 1): lambda a: _secrets("randbits", a[0]),
    ("randrange", 1): lambda a: _secrets("randbelow", a[0]),
    ("randrange", 2): lambda a: _between(a[0], a[1], 0),
    ("randint", 2): lambda a: _between(a[0], a[1], 1),
}


def secrets_call(call: ast.Call) -> tuple[ast.expr, str] | None:
    """The secrets-based expression drawing the same type from the same range, and the module it needs."""
    name, args = called_name(call), list(call.args)
    if call.keywords or any(isinstance(a, ast.Starred) for a in args):
        return None
    make = _SECRETS.get((name, len(args)))
    if make is not None:
        return make(args), "secrets"
    if name not in _SYSTEM_RANDOM:
        return None
    method = ast.Attribute(value=call_of(attr("random", "SystemRandom")), attr=name, ctx=ast.Load())
    return ast.Call(func=method, args=args, keywords=[]), "random"


@advises("B311")
def _random(f: Finding, site: Site) -> list[Strategy]:
    found = secrets_call(site.call) if site.call is not None else None
    why = "random is predictable; secrets draws from the OS's cryptographic source."
    keep = strategy("Keep random, if this is not security-relevant, and say so",
                    "Simulations, sampling, jitter and tests are fine with random (and a seed keeps them "
                    "reproducible).", 1.0, 1, {}, "# nosec B311 - not used for security")
    if found is None:
        return [strategy("Use the secrets module for tokens and keys", why + " Use secrets.randbelow(n) for an "
                         "int, secrets.choice(seq) for an element, secrets.token_bytes/token_hex for a key.", 0.9, 2),
                keep]
    expr, module = found
    return [strategy("Draw it from the OS's cryptographic source", why + " The rewrite returns the same type from "
                     "the same range.", 1.0, 1, {}, imports_needed(site, module) + unparse(expr)), keep]
