"""Complexity and maintainability advice computed from the function's own syntax tree.

For a function over the complexity gate this finds the blocks whose decisions could move into helpers, the
parameters and return values each helper would need, and the complexity the function would have after;
if/elif chains that a lookup table replaces; compound conditions a named predicate would absorb. For a file
below the maintainability gate it predicts the index after moving its heaviest functions out, using radon's
own formula.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from radon.metrics import mi_compute

from ._model import Block, Halstead, Raw, Strategy
from ._radon import complexity_of

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
COMPOUND: tuple[type[ast.stmt], ...] = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.With, ast.AsyncWith,
                                        ast.Match)
if hasattr(ast, "TryStar"):
    COMPOUND = (*COMPOUND, ast.TryStar)


PARTIAL = 0.6  # a complexity strategy that leaves the function over the gate counts for this share of its effect


def strategy(title: str, detail: str, effect: float, effort: int, predicted: dict[str, float] | None = None,
             example: str = "", target: int | None = None) -> Strategy:
    """A scored strategy. With ``target``, a predicted complexity still at or over it scales the effect down."""
    effect = max(0.0, min(1.0, effect))
    if target is not None and predicted and predicted.get("complexity", 0) >= target:
        effect *= PARTIAL
    effort = max(1, min(5, effort))
    return Strategy(title, detail, round(effect, 2), effort, round(effect / effort, 3), predicted or {}, example)


def function_nodes(tree: ast.AST) -> dict[tuple[int, int], FunctionNode]:
    return {(n.lineno, n.col_offset): n for n in ast.walk(tree) if isinstance(n, FunctionNode)}


# -- names flowing in and out of a block ----------------------------------------------------------------
def _names(nodes: Iterable[ast.AST], ctx: type[ast.expr_context]) -> set[str]:
    found = set()
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ctx):
                found.add(sub.id)
    return found


def _params(func: FunctionNode) -> list[str]:
    a = func.args
    names = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
    names += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
    return names


def _statements(func: FunctionNode) -> list[ast.stmt]:
    """Every statement in the function body (not in nested functions or classes), in source order."""
    out: list[ast.stmt] = []

    def visit(stmts: Iterable[ast.stmt]) -> None:
        for stmt in stmts:
            out.append(stmt)
            if isinstance(stmt, FunctionNode | ast.ClassDef):
                continue
            for field in ("body", "orelse", "finalbody"):
                visit(getattr(stmt, field, []))
            for handler in getattr(stmt, "handlers", []):
                visit(handler.body)
            for case in getattr(stmt, "cases", []):
                visit(case.body)

    visit(func.body)
    return out


def _end(node: ast.AST) -> int:
    end: int | None = getattr(node, "end_lineno", None)
    start: int = getattr(node, "lineno", 0)
    return end if end is not None else start


@dataclass(frozen=True)
class Extraction:
    node: ast.stmt
    contribution: int  # decisions that leave the function
    params: tuple[str, ...]
    returns: tuple[str, ...]
    escapes: tuple[str, ...]  # return / break / continue / yield that leave the block
    name: str

    @property
    def lines(self) -> tuple[int, int]:
        return (self.node.lineno, _end(self.node))

    @property
    def effort(self) -> int:
        size = self.lines[1] - self.lines[0] + 1
        return 1 + size // 15 + (len(self.params) + len(self.returns)) // 3 + len(self.escapes)


def _escapes(block: ast.stmt) -> list[str]:
    """Control flow that leaves the block: it has to be turned into return values when extracted."""
    found: list[str] = []

    def visit(node: ast.AST, in_loop: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, FunctionNode | ast.ClassDef | ast.Lambda):
                continue
            if isinstance(child, ast.Return):
                found.append("return")
            elif isinstance(child, ast.Yield | ast.YieldFrom):
                found.append("yield")
            elif isinstance(child, ast.Break | ast.Continue) and not in_loop:
                found.append("break" if isinstance(child, ast.Break) else "continue")
            visit(child, in_loop or isinstance(child, ast.For | ast.AsyncFor | ast.While))

    visit(block, isinstance(block, ast.For | ast.AsyncFor | ast.While))
    return sorted(set(found))


def _helper_name(func: FunctionNode, node: ast.stmt, taken: set[str]) -> str:
    base = func.name.lstrip("_")
    if isinstance(node, ast.For | ast.AsyncFor) and isinstance(node.target, ast.Name):
        stem = f"{node.target.id}s" if not node.target.id.endswith("s") else node.target.id
        name = f"_{base}_each_{stem}" if len(base) < 20 else f"_each_{stem}"
    elif isinstance(node, ast.If) and isinstance(node.test, ast.Compare) and isinstance(node.test.left, ast.Name):
        name = f"_{base}_by_{node.test.left.id}" if len(base) < 20 else f"_by_{node.test.left.id}"
    elif isinstance(node, ast.Try):
        name = f"_{base}_guarded"
    elif isinstance(node, ast.While):
        name = f"_{base}_loop"
    else:
        name = f"_{base}_part"
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    taken.add(candidate)
    return candidate


def extraction_candidates(func: FunctionNode) -> list[Extraction]:
    """Compound statements (up to two levels deep) whose decisions could move into a helper."""
    stmts = _statements(func)
    params = set(_params(func))
    taken: set[str] = set()
    out: list[Extraction] = []
    top_level = set(map(id, func.body))
    for stmt in stmts:
        if not isinstance(stmt, COMPOUND):
            continue
        depth_ok = id(stmt) in top_level or any(
            id(stmt) in set(map(id, getattr(parent, "body", []))) for parent in func.body
            if isinstance(parent, COMPOUND)
        )
        if not depth_ok:
            continue
        contribution = complexity_of(stmt)
        if contribution < 2:
            continue
        start, end = stmt.lineno, _end(stmt)
        # bound before the block: parameters, and every name stored on an earlier line — including the
        # targets of an enclosing `for`/`with`/`except`, which start before the block but end after it
        before = params | {n.id for s in func.body for n in ast.walk(s) if isinstance(n, ast.Name)
                           and isinstance(n.ctx, ast.Store) and n.lineno < start}
        after_nodes = [s for s in stmts if s.lineno > end]
        stored = _names([stmt], ast.Store)
        augmented = {n.target.id for n in ast.walk(stmt) if isinstance(n, ast.AugAssign)
                     and isinstance(n.target, ast.Name)}
        loaded = _names([stmt], ast.Load) | augmented  # `total += x` reads total too
        needed = sorted(loaded & before)
        returns = sorted(stored & _names(after_nodes, ast.Load))
        out.append(Extraction(stmt, contribution, tuple(needed), tuple(returns), tuple(_escapes(stmt)),
                              _helper_name(func, stmt, taken)))
    return out


def _describe(node: ast.stmt) -> str:
    if isinstance(node, ast.For | ast.AsyncFor):
        return f"the `for {ast.unparse(node.target)} in {_short(ast.unparse(node.iter))}` loop"
    if isinstance(node, ast.While):
        return f"the `while {_short(ast.unparse(node.test))}` loop"
    if isinstance(node, ast.If):
        chain = _chain_length(node)
        kind = "if/elif chain" if chain > 1 else "if block"
        return f"the `if {_short(ast.unparse(node.test))}` {kind}"
    if isinstance(node, ast.Try):
        return "the try/except block"
    if isinstance(node, ast.With | ast.AsyncWith):
        return "the `with` block"
    if isinstance(node, ast.Match):
        return f"the `match {_short(ast.unparse(node.subject))}` statement"
    return "the block"


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chain_length(node: ast.If) -> int:
    n = 1
    while len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
        node = node.orelse[0]
        n += 1
    return n


def _select(candidates: list[Extraction], excess: int) -> list[Extraction]:
    """Greedy: biggest contribution per effort first, never a block inside one already chosen."""
    chosen: list[Extraction] = []
    removed = 0
    for cand in sorted(candidates, key=lambda c: (-c.contribution / c.effort, c.node.lineno)):
        if removed >= excess:
            break
        start, end = cand.lines
        if any((c.lines[0] <= start and end <= c.lines[1]) or (start <= c.lines[0] and c.lines[1] <= end)
               for c in chosen):
            continue
        chosen.append(cand)
        removed += cand.contribution
    return sorted(chosen, key=lambda c: c.node.lineno)


def _signature(c: Extraction) -> str:
    call = f"{c.name}({', '.join(c.params)})"
    if c.returns:
        return f"{', '.join(c.returns)} = {call}"
    return call


def extract_strategy(func: FunctionNode, block: Block, target: int) -> Strategy | None:
    excess = block.complexity - (target - 1)
    chosen = _select(extraction_candidates(func), excess)
    if not chosen:
        return None
    removed = sum(c.contribution for c in chosen)
    predicted = block.complexity - removed
    parts = []
    for c in chosen:
        start, end = c.lines
        helper_cc = 1 + c.contribution
        note = f"; it returns via {'/'.join(c.escapes)}, so hand that back as a value" if c.escapes else ""
        parts.append(f"lines {start}–{end} ({_describe(c.node)}, +{c.contribution}) into `{c.name}` "
                     f"(CC {helper_cc}){note}")
    detail = (f"Extract {'; '.join(parts)}. {block.qualname} drops from CC {block.complexity} to {predicted}"
              + ("" if predicted < target else f", still not below {target}: split further") + ".")
    example = "\n".join(_signature(c) for c in chosen)
    effort = max(c.effort for c in chosen) + len(chosen) - 1
    worst_helper = max(1 + c.contribution for c in chosen)
    return strategy(
        "Extract branches into helper functions", detail, removed / excess, effort,
        {"complexity": predicted, "largest_helper_complexity": worst_helper}, example, target,
    )


def _lookup_chain(node: ast.If) -> tuple[ast.expr, list[tuple[ast.expr, list[ast.stmt]]], list[ast.stmt]] | None:
    """An if/elif chain comparing one expression to constants with ==, its arms and its else."""
    subject: str | None = None
    subject_node: ast.expr | None = None
    arms: list[tuple[ast.expr, list[ast.stmt]]] = []
    current: ast.If | None = node
    orelse: list[ast.stmt] = []
    while current is not None:
        test = current.test
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
                and isinstance(test.comparators[0], ast.Constant)):
            return None
        text = ast.unparse(test.left)
        if subject is None:
            subject, subject_node = text, test.left
        elif text != subject:
            return None
        arms.append((test.comparators[0], current.body))
        if len(current.orelse) == 1 and isinstance(current.orelse[0], ast.If):
            current = current.orelse[0]
        else:
            orelse = current.orelse
            current = None
    if len(arms) < 3 or subject_node is None:
        return None
    return subject_node, arms, orelse


def _assigned_constant(body: list[ast.stmt]) -> tuple[str, ast.expr] | None:
    if len(body) == 1:
        stmt = body[0]
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Constant):
            return ast.unparse(stmt.targets[0]), stmt.value
        if isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Constant):
            return "return", stmt.value
    return None


def lookup_strategies(func: FunctionNode, block: Block, target: int) -> list[Strategy]:
    out = []
    excess = block.complexity - (target - 1)
    seen: set[int] = set()
    for node in _statements(func):
        if not isinstance(node, ast.If) or id(node) in seen:
            continue
        chain = _lookup_chain(node)
        cur: ast.If = node
        while len(cur.orelse) == 1 and isinstance(cur.orelse[0], ast.If):
            cur = cur.orelse[0]
            seen.add(id(cur))
        if chain is None:
            continue
        subject, arms, orelse = chain
        removed = len(arms)
        predicted = block.complexity - removed
        values = [_assigned_constant(body) for _, body in arms]
        default = _assigned_constant(orelse) if orelse else None
        table = f"_{ast.unparse(subject).upper().replace('.', '_').replace('[', '_').strip('_')}"
        table = "".join(ch for ch in table if ch.isalnum() or ch == "_")[:30] or "_TABLE"
        if all(values) and len({v[0] for v in values if v}) == 1 and (not orelse or default):
            target_text = values[0][0] if values[0] else ""
            entries = ", ".join(f"{ast.unparse(k)}: {ast.unparse(v[1])}" for (k, _), v in zip(arms, values, strict=True)
                                if v)
            lookup = f"{table}.get({ast.unparse(subject)}" + (f", {ast.unparse(default[1])})" if default else ")")
            line = f"return {lookup}" if target_text == "return" else f"{target_text} = {lookup}"
            example = f"{table} = {{{entries}}}\n{line}"
            effort = 1
        else:
            handlers = ", ".join(f"{ast.unparse(k)}: handle_{i}" for i, (k, _) in enumerate(arms))
            example = f"{table} = {{{handlers}}}\n{table}.get({ast.unparse(subject)}, handle_default)(...)"
            effort = 2
        detail = (f"The chain at line {node.lineno} compares `{ast.unparse(subject)}` with {len(arms)} constants; "
                  f"a dictionary lookup has no branches, so {block.qualname} drops from CC {block.complexity} "
                  f"to {predicted}.")
        if predicted >= target:
            detail += f" Not below {target} on its own: combine it with helpers for the rest."
        out.append(strategy("Replace the if/elif chain with a lookup table", detail, removed / excess, effort,
                            {"complexity": predicted}, example, target))
    return out


def predicate_strategy(func: FunctionNode, block: Block, target: int) -> Strategy | None:
    excess = block.complexity - (target - 1)
    best: tuple[int, ast.expr, int] | None = None
    for node in _statements(func):
        test = getattr(node, "test", None)
        if not isinstance(node, ast.If | ast.While) or test is None:
            continue
        weight = sum(len(b.values) - 1 for b in ast.walk(test) if isinstance(b, ast.BoolOp))
        if weight >= 1 and (best is None or weight > best[0]):
            best = (weight, test, node.lineno)
    if best is None:
        return None
    weight, test, line = best
    names = sorted(_names([test], ast.Load) - {"True", "False", "None"})
    predicted = block.complexity - weight
    example = f"def _should_{func.name.lstrip('_')}({', '.join(names)}):\n    return {ast.unparse(test)}"
    detail = (f"The condition at line {line} joins {weight + 1} tests with and/or (+{weight}); a named predicate "
              f"states its intent and takes those decisions out of {block.qualname} (CC {predicted} after).")
    return strategy("Move the compound condition into a named predicate", detail, weight / excess, 1,
                    {"complexity": predicted}, _short_example(example), target)


def _short_example(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + " …"


def split_strategy(block: Block, target: int) -> Strategy:
    pieces = math.ceil(block.complexity / max(1, target - 1))
    detail = (f"{block.qualname} makes {block.complexity - 1} decisions; split it by responsibility into "
              f"about {pieces} functions of CC < {target} each, with a short coordinator that calls them.")
    return strategy("Split the function by responsibility", detail, 1.0, 4,
                    {"complexity": math.ceil(block.complexity / pieces)})


def combined_strategy(func: FunctionNode, block: Block, target: int, lookup: Strategy) -> Strategy | None:
    """A lookup table that is not enough on its own, plus helpers for the rest."""
    chain_line = int(lookup.detail.split("line ", 1)[1].split(" ", 1)[0])
    remaining = int(lookup.predicted["complexity"])
    excess_after = remaining - (target - 1)
    candidates = [c for c in extraction_candidates(func)
                  if not (c.lines[0] <= chain_line <= c.lines[1]) and c.node.lineno != chain_line]
    chosen = _select(candidates, excess_after)
    if not chosen:
        return None
    predicted = remaining - sum(c.contribution for c in chosen)
    extracted = "; ".join(f"lines {c.lines[0]}–{c.lines[1]} ({_describe(c.node)}, +{c.contribution}) into "
                          f"`{c.name}`" for c in chosen)
    detail = (f"Replace the chain at line {chain_line} with a lookup table (CC {block.complexity} → {remaining}), "
              f"then extract {extracted}: {block.qualname} ends at CC {predicted}.")
    example = lookup.example + "\n" + "\n".join(_signature(c) for c in chosen)
    excess = block.complexity - (target - 1)
    return strategy("Lookup table for the chain, helpers for the rest", detail,
                    (block.complexity - predicted) / excess, lookup.effort + max(c.effort for c in chosen),
                    {"complexity": predicted}, example, target)


def complexity_strategies(func: FunctionNode | None, block: Block, target: int) -> list[Strategy]:
    found: list[Strategy] = []
    if func is not None:
        extract = extract_strategy(func, block, target)
        if extract:
            found.append(extract)
        lookups = lookup_strategies(func, block, target)
        found.extend(lookups)
        for lookup in lookups:
            if lookup.predicted["complexity"] >= target:
                combined = combined_strategy(func, block, target, lookup)
                if combined:
                    found.append(combined)
        predicate = predicate_strategy(func, block, target)
        if predicate:
            found.append(predicate)
    found.append(split_strategy(block, target))
    # strategies predicted to pass the gate first, each group by score
    return sorted(found, key=lambda s: (s.predicted.get("complexity", 0) >= target, -s.score, s.effort))


# -- maintainability --------------------------------------------------------------------------------------
def _lloc(node: ast.AST) -> int:
    return sum(1 for n in ast.walk(node) if isinstance(n, ast.stmt))


def _mi_without(lines: list[str], spans: list[tuple[int, int]]) -> float | None:
    """radon's maintainability index of the source with the given line spans removed."""
    from ._radon import metrics

    drop = {n for start, end in spans for n in range(start, end + 1)}
    rest = "\n".join(line for n, line in enumerate(lines, 1) if n not in drop) + "\n"
    try:
        return metrics(ast.parse(rest), rest)[3]
    except (SyntaxError, RecursionError, ValueError):
        return None


def maintainability_strategies(tree: ast.Module, lines: list[str], nodes: dict[tuple[int, int], FunctionNode],
                               blocks: tuple[Block, ...], halstead: Halstead, raw: Raw, mi: float, threshold: float,
                               total_complexity: int) -> list[Strategy]:
    comments = (raw.comments + raw.multi) / raw.sloc * 100 if raw.sloc else 0.0
    top_level = [b for b in blocks if b.kind == "function" and "." not in b.qualname] + [
        b for b in blocks if b.kind == "class"]
    sized = []
    for b in top_level:
        node: FunctionNode | ast.ClassDef | None = nodes.get((b.lineno, b.col_offset))
        if node is None:
            node = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.lineno == b.lineno), None)
        if node is None:
            continue
        volume = b.halstead.volume if b.halstead else 0.0
        if b.kind == "class":
            volume = sum(x.halstead.volume for x in blocks if x.kind == "method" and x.halstead
                         and b.lineno <= x.lineno <= b.endline)
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        sized.append((b, _lloc(node), volume, first))
    sized.sort(key=lambda t: -t[1])

    out: list[Strategy] = []
    moved: list[tuple[Block, int]] = []
    volume, complexity, lloc = halstead.volume, total_complexity, raw.lloc
    for b, size, vol, first in sized[:-1] if len(sized) > 1 else []:
        # choose with radon's formula on summed parts (cheap), then measure the choice exactly below
        moved.append((b, first))
        volume, complexity, lloc = max(volume - vol, 1.0), max(complexity - b.complexity, 1), max(lloc - size, 1)
        if mi_compute(volume, complexity, lloc, comments) > threshold or len(moved) >= 12:
            break
    predicted = _mi_without(lines, [(first, b.endline) for b, first in moved]) if moved else None
    if moved and predicted is not None and predicted > mi:
        names = ", ".join(f"`{b.qualname}`" for b, _ in moved)
        verdict = "" if predicted > threshold else f" — still not above {threshold:g}: split further"
        detail = (f"Move {names} ({len(moved)} of {len(sized)} top-level definitions, the largest) into their own "
                  f"module; measured on what remains, this module's index rises from {mi:.1f} to "
                  f"{predicted:.1f}{verdict}.")
        out.append(strategy("Split the module", detail, min(1.0, (predicted - mi) / max(threshold - mi + 1, 1)),
                            2 + len(moved) // 2, {"maintainability": round(predicted, 1)}))
    with_comments = mi_compute(max(halstead.volume, 1.0), total_complexity, max(raw.lloc, 1), max(comments, 25.0))
    if with_comments > mi + 0.5:
        detail = (f"Comment and docstring lines are {comments:.0f}% of the source; explaining the non-obvious "
                  f"parts (to about 25%) raises the index to {with_comments:.1f}.")
        out.append(strategy("Document the intent of the complex parts", detail,
                            min(1.0, (with_comments - mi) / max(threshold - mi + 1, 1)), 2,
                            {"maintainability": round(with_comments, 1)}))
    return sorted(out, key=lambda s: (-s.score, s.effort))


def iter_over(blocks: Iterable[Block], target: int) -> Iterator[Block]:
    for b in blocks:
        if b.kind != "class" and b.complexity >= target:
            yield b
