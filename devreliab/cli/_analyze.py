"""``devreliab analyze``: metrics, security findings, recommendations and the quality gate."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ._common import EXIT_GATE_FAILED, EXIT_OK, positive_int, root_option, use_color

if TYPE_CHECKING:
    from ..guidance import ProjectAnalysis
    from ..guidance._model import Violation
    from ._common import Subparsers


def add(sub: Subparsers) -> None:
    analyze = sub.add_parser(
        "analyze",
        help="metrics, security findings, recommendations and the quality gate",
        description="Analyse Python files: radon metrics, bandit findings, ranked recommendations, hotspots "
        "and the quality gate. Exit code 0: gate passed, 1: gate failed, 2: usage or config error.",
    )
    analyze.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: the workspace)")
    analyze.add_argument("--root", metavar="DIR", help="workspace root (default: nearest dir with "
                         "devreliab.jsonc or .git)")
    analyze.add_argument("--config", metavar="FILE", help="config file (default: ROOT/devreliab.jsonc)")
    analyze.add_argument("--format", "-f", choices=("terminal", "json", "sarif", "codeclimate"),
                         default="terminal", help="report format (default: terminal)")
    analyze.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    analyze.add_argument("--jobs", "-j", type=positive_int, metavar="N",
                         help="worker processes (default: all cores)")
    analyze.add_argument("--no-cache", action="store_true", help="analyse every file, ignoring the cache")
    scope = analyze.add_mutually_exclusive_group()
    scope.add_argument("--changed-since", metavar="REF", help="only files changed since git REF "
                       "(untracked files included)")
    scope.add_argument("--staged", action="store_true", help="only files staged in git, as staged")
    analyze.add_argument("--baseline", metavar="FILE", help="accept the problems recorded in FILE")
    analyze.add_argument("--write-baseline", metavar="FILE", help="record the current problems in FILE and exit 0")
    analyze.add_argument("--ratchet", action="store_true",
                         help="with a baseline: also fail where a recorded problem got worse")
    analyze.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                         help="colour in the terminal report (default: auto)")
    analyze.add_argument("--top", type=positive_int, default=10, metavar="N",
                         help="recommendations to show (default: 10)")
    analyze.add_argument("--verbose", "-v", action="store_true", help="list every violation and file")
    analyze.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from .._config import load_config
    from ..guidance import analyze_path
    from ..guidance._gates import baseline_document, write_baseline

    paths = [Path(p) for p in args.paths]
    root = root_option(args.root, paths[0] if paths else None)
    config = load_config(root, Path(args.config) if args.config else None)

    progress = None
    bar = None
    # no progress bar under pre-commit, which may hand hooks a terminal but captures what they print
    interactive = (args.output is None and args.format == "terminal" and sys.stderr.isatty()
                   and not os.environ.get("PRE_COMMIT"))
    if interactive:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        bar = Progress("analysing", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True,
                       console=None)
        task = bar.add_task("analyse", total=None)
        started = False

        def progress(done: int, total: int) -> None:
            nonlocal started
            if total < 50:
                return
            if not started:
                bar.start()
                started = True
            bar.update(task, completed=done, total=total)

    try:
        result = analyze_path(
            paths or None,
            root=root,
            config=config,
            jobs=args.jobs,
            use_cache=not args.no_cache,
            changed_since=args.changed_since,
            staged=args.staged,
            baseline=args.baseline,
            ratchet=args.ratchet and not args.write_baseline,
            apply_baseline=not args.write_baseline,
            progress=progress,
        )
    finally:
        if bar is not None:
            bar.stop()

    if args.write_baseline:
        document = baseline_document(result.files, config.gates)
        write_baseline(Path(args.write_baseline), document)
        print(f"devreliab: recorded {len(document['violations'])} problems in {args.write_baseline}",
              file=sys.stderr)
        return EXIT_OK

    return _report(result, args)


def _report(result: ProjectAnalysis, args: argparse.Namespace) -> int:
    """Write the report where ``--output`` says; the exit code for the gate."""
    stream = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    try:
        text = _render(result, args.format, color=use_color(args.color, stream), top=args.top,
                       verbose=args.verbose)
        stream.write(text)
    finally:
        if args.output:
            stream.close()
    if not result.gate.passed and (args.output or args.format != "terminal"):
        print(gate_summary(result.gate.failing, args.output), file=sys.stderr)  # the report says it otherwise
    return EXIT_OK if result.gate.passed else EXIT_GATE_FAILED


_KINDS = {"complexity": "complexity", "maintainability": "maintainability", "error": "not analysed"}


def gate_summary(failing: Sequence[Violation], output: str | None) -> str:
    """One line for CI logs when the report itself goes to a file or is machine-readable:
    ``devreliab: gate failed: 4 violations (2 complexity, 1 maintainability, 1 security); report written to x``."""
    counts = Counter(_KINDS.get(v.rule, "security") for v in failing)
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    where = f"report written to {output}" if output else "report on stdout"
    noun = "violation" if len(failing) == 1 else "violations"
    return f"devreliab: gate failed: {len(failing)} {noun} ({kinds}); {where}"


def _render(result: object, fmt: str, *, color: bool, top: int, verbose: bool) -> str:
    from ..guidance import ProjectAnalysis

    assert isinstance(result, ProjectAnalysis)
    if fmt == "json":
        from ..guidance.report import _json

        return _json.render(result)
    if fmt == "sarif":
        from ..guidance.report import _sarif

        return _sarif.render(result)
    if fmt == "codeclimate":
        from ..guidance.report import _codeclimate

        return _codeclimate.render(result)
    from ..guidance.report import _terminal

    return _terminal.render(result, color=color, top=top, verbose=verbose)
