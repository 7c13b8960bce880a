"""Advice for unsafe deserialisation (B506 yaml, B301/B403 pickle); predictable randomness is in _random_advice.

* ``yaml.load(fh, Loader=X)`` (or ``X`` positional) becomes ``yaml.safe_load(fh)`` — the loader argument dropped —
  only when ``X`` is one of PyYAML's own unsafe/full/plain loaders (or missing): the same plain-data document
  loads to the same value. A custom loader gets no code (its constructors would be lost).
* pickle has no drop-in safe equivalent: json changes what comes back (say what), and signing what is pickled
  ranks above accepting the finding.
"""

from __future__ import annotations

import ast

from ._advice_base import Site, advises, called_name, clone, imports_needed, unparse
from ._model import Finding, Strategy
from ._refactor import strategy

_YAML_LOADERS = frozenset({"Loader", "UnsafeLoader", "FullLoader", "CLoader", "CUnsafeLoader", "CFullLoader"})


def _loader(call: ast.Call) -> ast.expr | None:
    """The Loader argument, by keyword or as the second positional argument."""
    keyword = next((k for k in call.keywords if k.arg == "Loader"), None)
    if keyword is not None:
        return keyword.value
    return call.args[1] if len(call.args) > 1 else None


def _is_own_unsafe_loader(node: ast.expr | None) -> bool:
    if node is None:
        return True  # PyYAML < 6 loaded with FullLoader; 6 refuses the call
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return name in _YAML_LOADERS


def safe_yaml_call(call: ast.Call) -> ast.Call | None:
    """``yaml.load(fh, yaml.UnsafeLoader)`` → ``yaml.safe_load(fh)``; None for a loader of the project's own."""
    name = called_name(call)
    loader = _loader(call)
    if name not in ("load", "load_all") or not _is_own_unsafe_loader(loader) or not (call.args or call.keywords):
        return None
    new = clone(call)
    safe = "safe_" + name
    if isinstance(new.func, ast.Attribute):
        new.func.attr = safe
    else:
        new.func = ast.Name(safe, ast.Load())
    new.args = new.args[:1]
    new.keywords = [k for k in new.keywords if k.arg != "Loader"]
    return new


@advises("B506")
def _yaml_load(f: Finding, site: Site) -> list[Strategy]:
    safe = safe_yaml_call(site.call) if site.call is not None else None
    why = ("yaml.load with PyYAML's full or unsafe loader can build arbitrary Python objects from the document; "
           "safe_load builds only plain data (the same values for a document of plain data).")
    if safe is None:
        return [strategy("Load with yaml.SafeLoader (subclass it for your own tags)", why + " This call's loader is "
                         "the project's own: derive it from yaml.SafeLoader, so its constructors stay and Python "
                         "objects are refused.", 0.9, 2)]
    prefix = "" if isinstance(safe.func, ast.Attribute) else f"from yaml import {called_name(safe)}\n"
    return [strategy("Use yaml.safe_load", why, 1.0, 1, {}, prefix + unparse(safe))]


_SIGNED = '''def dumps_signed(obj: object, key: bytes) -> bytes:
    data = pickle.dumps(obj)
    return hmac.digest(key, data, "sha256") + data


def loads_signed(blob: bytes, key: bytes) -> object:
    mac, data = blob[:32], blob[32:]
    if not hmac.compare_digest(mac, hmac.digest(key, data, "sha256")):
        raise ValueError("pickle signature mismatch: not written by us")
    return pickle.loads(data)'''


@advises("B301", "B403")
def _pickle(f: Finding, site: Site) -> list[Strategy]:
    signed = imports_needed(site, "hmac", "pickle") + _SIGNED
    return [
        strategy("Sign what you pickle (hmac) and check before loading",
                 "Keeps pickle and what it returns, and refuses bytes this program did not write: whoever writes "
                 "the pickle signs it with a key kept out of the data (both sides change).", 0.8, 2, {}, signed),
        strategy("Switch to a data format such as json (not a drop-in replacement)",
                 "json builds only data, but it is not equivalent: tuples come back as lists, non-string dict "
                 "keys as strings, and sets, bytes, datetimes and your own classes need explicit conversion on "
                 "both the writing and the reading side; stored pickles must be migrated.", 1.0, 3),
    ]
