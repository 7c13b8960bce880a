"""The terminal report: worst first, short, coloured when the output is a terminal.

Plain ANSI codes rather than a rendering library keep a warm run's start-up small; the progress bar (shown
only on a terminal, during long cold runs) uses rich.
"""

from __future__ import annotations

from collections.abc import Iterable

from .._model import SEVERITY_ORDER, FileAnalysis, ProjectAnalysis, Recommendation, Violation
from ._json import summary

_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35",
          "cyan": "36"}


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        return "\x1b[" + ";".join(_CODES[s] for s in styles) + "m" + text + "\x1b[0m"


def _violation_order(v: Violation) -> tuple[int, float, str, int]:
    if v.rule == "error":
        return (0, 0.0, v.path, v.line)
    if v.rule.startswith("B"):
        return (1, 0.0, v.path, v.line)
    if v.rule == "complexity":
        return (2, -v.value, v.path, v.line)
    return (3, v.value, v.path, v.line)


def _rank_colour(rank: str | None) -> str:
    return {"A": "green", "B": "green", "C": "yellow", "D": "yellow"}.get(rank or "", "red")


LEGEND = ("  score = expected effect (0–1, the share of the problem a fix removes) ÷ effort (1 a one-line change … "
          "5 a redesign), best first; CC cyclomatic complexity, MI maintainability index (0–100)")


def _rule_and_message(v: Violation, rule: str) -> str:
    """The rule id once: a security finding's message already starts with it (``B602 subprocess_popen_…``)."""
    if v.message.startswith(v.rule + " "):
        return f"{rule} {v.message[len(v.rule) + 1:]}"
    return f"{rule}  {v.message}"


def _recommendations(files: Iterable[FileAnalysis], failing: set[tuple[str, str, str]]
                     ) -> list[tuple[FileAnalysis, Recommendation]]:
    """Advice for what fails the gate first (with a baseline, that is what is new), then the rest."""
    pairs = [(f, r) for f in files for r in f.recommendations]
    pairs.sort(key=lambda p: ((p[0].path, p[1].qualname, p[1].rule) not in failing, -p[1].priority, p[0].path,
                              p[1].line))
    return pairs


def render(result: ProjectAnalysis, *, color: bool = False, top: int = 10, verbose: bool = False) -> str:
    s = _Style(color)
    out: list[str] = []
    gate = result.gate
    stats = summary(result)

    if gate.failing:
        out.append(s(f"Gate failures ({len(gate.failing)}), worst first", "bold"))
        shown = sorted(gate.failing, key=_violation_order)
        for v in shown if verbose else shown[: max(top * 3, 30)]:
            colour = "red" if v.rule in ("error",) or v.rule.startswith("B") or v.rule == "complexity" else "yellow"
            out.append(f"  {s(f'{v.path}:{v.line}', 'bold')}  {_rule_and_message(v, s(v.rule, colour))}")
        if not verbose and len(shown) > max(top * 3, 30):
            out.append(s(f"  … and {len(shown) - max(top * 3, 30)} more (--verbose shows all, "
                         "--format json has everything)", "dim"))
        out.append("")

    recs = _recommendations(result.files, {v.key for v in gate.failing})
    if recs:
        out.append(s("What to fix first", "bold"))
        for f, rec in recs[:top]:
            out.append(f"  {s(f'{f.path}:{rec.line}', 'bold')}  {rec.problem}")
            for i, strategy in enumerate(rec.strategies[:3]):
                mark = s("→", "green") if i == 0 else s("·", "dim")
                predicted = ", ".join(f"{k} {v:g}" for k, v in strategy.predicted.items())
                extra = f" ({predicted})" if predicted else ""
                out.append(f"    {mark} {strategy.title}{extra}  {s(f'score {strategy.score:.2f}', 'dim')}")
                if i == 0 and strategy.detail:
                    out.append(f"      {strategy.detail}")
                if i == 0 and strategy.example:
                    for line in strategy.example.splitlines():
                        out.append("      " + s(line, "cyan"))
        if len(recs) > top:
            out.append(s(f"  … {len(recs) - top} more recommendations (--top N, or --format json)", "dim"))
        out.append(s(LEGEND, "dim"))
        out.append("")

    if result.hotspots:
        out.append(s("Hotspots (complexity × commits touching the file)", "bold"))
        for h in result.hotspots[:5]:
            out.append(f"  {s(f'{h.path}:{h.line}', 'bold')}  {h.qualname}  CC {h.complexity} × "
                       f"{h.commits} commits = {h.score:g}")
        out.append("")

    errors = [f for f in result.files if f.error is not None]
    if errors and not any(v.rule == "error" for v in gate.failing):
        out.append(s(f"Files that could not be analysed ({len(errors)})", "bold"))
        for f in errors:
            assert f.error is not None
            out.append(f"  {s(f.path, 'bold')}  {f.error.message}")
        out.append("")

    if verbose:
        out.append(s("Files", "bold"))
        for f in sorted(result.files, key=lambda f: (f.maintainability or 0, f.path)):
            if f.maintainability is None:
                continue
            worst = max(f.functions, key=lambda b: b.complexity, default=None)
            worst_text = f"  worst {worst.qualname} CC {worst.complexity} ({worst.rank})" if worst else ""
            out.append(f"  {f.path}  MI {f.maintainability:.1f} ({s(f.mi_rank or '?', _rank_colour(f.mi_rank))})"
                       f"{worst_text}")
        out.append("")

    sev = stats["findings"]
    counts = ", ".join(f"{sev[k]} {k.lower()}" for k in sorted(sev, key=lambda k: -SEVERITY_ORDER[k]))
    mi = stats["min_maintainability"]
    out.append(
        f"{stats['files']} files ({stats['cached']} cached), {stats['functions']} functions, "
        f"average CC {stats['average_complexity']}, max CC {stats['max_complexity']}, "
        f"lowest MI {mi if mi is not None else '-'}; security findings: {counts}; "
        f"{stats['errors']} errors; {result.seconds:.2f} s"
    )
    if gate.baselined:
        out.append(s(f"{len(gate.baselined)} known problems accepted by the baseline ({gate.mode} mode)", "dim"))
    if gate.passed:
        out.append(s("Gate passed", "green", "bold"))
    else:
        out.append(s(f"Gate failed: {len(gate.failing)} violations", "red", "bold"))
    return "\n".join(out) + "\n"
