"""The one place radon is used: turns radon's tuples into devreliab's Block, Halstead and Raw.

radon's own helpers each parse the file again (``mi_visit`` parses it twice); here the tree is parsed once by
the caller and every metric is computed from it, with the same formulas radon's CLI uses:
``radon cc --show-closures``, ``radon mi`` (multi-line strings counted as comments), ``radon hal -f`` and
``radon raw``.
"""

from __future__ import annotations

import ast
from typing import Any

from radon.complexity import add_inner_blocks, cc_rank
from radon.metrics import h_visit_ast, mi_compute, mi_rank
from radon.visitors import Class, ComplexityVisitor

from ._model import Block, Halstead, Raw
from ._raw import analyze_raw

RADON_VERSION: str
try:
    from importlib.metadata import version as _version

    RADON_VERSION = _version("radon")
except Exception:  # pragma: no cover - radon installed without metadata
    RADON_VERSION = "unknown"


def _halstead(report: Any) -> Halstead:
    return Halstead(*report)


def raw_metrics(source: str, *, valid_python: bool = False) -> Raw:
    """radon's raw counts (tokenize based, no AST); ``valid_python``: the source parsed (see analyze_raw)."""
    loc, lloc, sloc, comments, multi, blank, single_comments = analyze_raw(  # radon.raw.analyze, in one pass
        source, valid_python=valid_python)
    return Raw(
        loc=loc, lloc=lloc, sloc=sloc, comments=comments, multi=multi, blank=blank, single_comments=single_comments,
    )


def _qualname(block: Any) -> str:
    return str(block.fullname)


def _kind(block: Any) -> str:
    if isinstance(block, Class):
        return "class"
    return "method" if block.is_method else "function"


def _blocks(tree: ast.Module) -> tuple[tuple[Block, ...], Halstead, int]:
    """Blocks (with per-function Halstead), the file's Halstead totals and its total complexity (for MI)."""
    visitor = ComplexityVisitor.from_ast(tree)
    hal = h_visit_ast(tree)

    # radon reports Halstead for every function and method it reaches (not closures), keyed by name, in
    # source order; pair them with the complexity blocks of the same name in the same order.
    hal_by_name: dict[str, list[Halstead]] = {}
    for name, report in hal.functions:
        hal_by_name.setdefault(name, []).append(_halstead(report))

    blocks: list[Block] = []
    for b in sorted(add_inner_blocks(visitor.blocks), key=lambda b: (b.lineno, b.col_offset)):
        kind = _kind(b)
        halstead = None
        # closures are renamed "outer.inner" by add_inner_blocks; radon has no Halstead figures for them
        if kind != "class" and "." not in b.name:
            queue = hal_by_name.get(b.name)
            if queue:
                halstead = queue.pop(0)
        blocks.append(
            Block(
                kind=kind,  # type: ignore[arg-type]
                name=b.name.rsplit(".", 1)[-1],
                qualname=_qualname(b),
                lineno=b.lineno,
                endline=b.endline,
                col_offset=b.col_offset,
                complexity=int(b.complexity),
                rank=cc_rank(b.complexity),
                halstead=halstead,
            )
        )
    return tuple(blocks), _halstead(hal.total), int(visitor.total_complexity)


def _mi(halstead: Halstead, total_complexity: int, raw: Raw) -> float:
    """mi_parameters(), computed from the same tree: volume, total complexity, lloc, comment percentage."""
    comment_lines = raw.comments + raw.multi
    comments = comment_lines / float(raw.sloc) * 100 if raw.sloc != 0 else 0
    return float(mi_compute(halstead.volume, total_complexity, raw.lloc, comments))


def metrics(tree: ast.Module, source: str) -> tuple[tuple[Block, ...], Halstead, Raw, float, str]:
    """Blocks (with per-function Halstead), file Halstead totals, raw counts, maintainability index and rank."""
    blocks, halstead, total = _blocks(tree)
    raw = raw_metrics(source, valid_python=True)  # the tree was parsed from it
    mi = _mi(halstead, total, raw)
    return blocks, halstead, raw, mi, str(mi_rank(mi))


def partial_metrics(tree: ast.Module, source: str
                    ) -> tuple[tuple[Block, ...], Halstead, Raw | None, float | None, str | None, str | None]:
    """``metrics``, except that raw counts failing (radon's tokenizer on valid Python) cost only the raw counts
    and the maintainability index, said in the last element; complexity and Halstead figures stay."""
    blocks, halstead, total = _blocks(tree)
    try:
        raw = raw_metrics(source, valid_python=True)
    except RecursionError:
        raise
    except Exception as exc:  # an analyser's failure costs its own figures, not the file's others
        return blocks, halstead, None, None, None, (f"raw metrics and maintainability index not measured: "
                                                    f"radon's raw counts failed: {type(exc).__name__}: {exc}")
    mi = _mi(halstead, total, raw)
    return blocks, halstead, raw, mi, str(mi_rank(mi)), None


def complexity_of(node: ast.AST) -> int:
    """Decision points inside one statement or expression (radon's counting, without the +1 of a function)."""
    visitor = ComplexityVisitor(off=False)
    visitor.visit(node)
    return int(visitor.complexity + visitor.functions_complexity + visitor.classes_complexity)
