"""The ``devreliab`` command line. Exit codes: 0 success / gate passed, 1 gate failed, 2 usage or config error."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ._errors import DevreliabError

EXIT_OK, EXIT_GATE_FAILED, EXIT_USAGE = 0, 1, 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from ._version import __version__

    parser = argparse.ArgumentParser(
        prog="devreliab",
        description="Code guidance and a conflict-safe workspace for AI coding agents.",
    )
    parser.add_argument("--version", action="version", version=f"devreliab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

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
    analyze.add_argument("--jobs", "-j", type=_positive_int, metavar="N",
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
    analyze.add_argument("--top", type=_positive_int, default=10, metavar="N",
                         help="recommendations to show (default: 10)")
    analyze.add_argument("--verbose", "-v", action="store_true", help="list every violation and file")
    analyze.set_defaults(handler=_cmd_analyze)
    _add_serve(sub)
    _add_health(sub)
    _add_dashboard(sub)
    return parser


DASHBOARD_PORT = 8766


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0..65535, got {value}")
    return value


def _add_dashboard(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dashboard = sub.add_parser(
        "dashboard",
        help="the live dashboard of the workspace's servers in a browser",
        description="Serve a live dashboard at http://HOST:PORT/dashboard: health with reasons and actions, "
        "latency percentiles per tool, throughput and errors, bytes in and out, the content cache, memory, "
        "anomalies, forecasts, open conflicts and the quality & security summary of every devreliab server on "
        "the workspace (from its state store), pushed to the page over a WebSocket. Runs until Ctrl-C.",
    )
    dashboard.add_argument("--root", metavar="DIR", help="workspace root (default: nearest dir with "
                           "devreliab.jsonc or .git, else the current directory)")
    dashboard.add_argument("--host", default="127.0.0.1", metavar="HOST",
                           help="address to listen on (default: 127.0.0.1, this machine only)")
    dashboard.add_argument("--port", type=_port, default=DASHBOARD_PORT, metavar="N",
                           help=f"port to listen on (default: {DASHBOARD_PORT}; 0: any free port)")
    dashboard.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host (needs a "
                           "token)")
    dashboard.add_argument("--token", metavar="TOKEN", help="token the page must be opened with (?token=...; "
                           "default: $DEVRELIAB_TOKEN)")
    dashboard.set_defaults(handler=_cmd_dashboard)


def _cmd_dashboard(args: argparse.Namespace) -> int:
    root = _root_option(args.root)
    from devreliab.mcp._serve import HttpAddress, serve_dashboard  # lazy: other commands start fast

    host = args.host.strip("[]")
    return serve_dashboard(str(root), HttpAddress(host, args.port), allow_remote=args.allow_remote,
                           token=args.token)


def _add_health(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    health = sub.add_parser(
        "health",
        help="is devreliab healthy on this workspace, and why not",
        description="The health of every devreliab server on the workspace, from the samples they write into its "
        "state store: ok / degraded / failing, reasons with a recommended action each, what is unusual now and "
        "forecasts. Exit code 0: ok, 1: degraded or failing, 2: usage error.",
    )
    health.add_argument("--root", metavar="DIR", help="workspace root (default: nearest dir with devreliab.jsonc "
                        "or .git, else the current directory)")
    health.add_argument("--format", "-f", choices=("text", "json"), default="text",
                        help="output format (default: text)")
    health.set_defaults(handler=_cmd_health)


def _cmd_health(args: argparse.Namespace) -> int:
    root = _root_option(args.root)
    from .monitor import workspace_health
    from .monitor._render import render_json, render_text  # lazy: other commands start fast

    health = workspace_health(root)
    print(render_json(health) if args.format == "json" else render_text(health), end="")
    return EXIT_OK if health.status == "ok" else EXIT_GATE_FAILED


def _add_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser(
        "serve",
        help="the MCP server for AI agents (stdio, or streamable HTTP with --http)",
        description="Serve the workspace to MCP clients: over stdin/stdout by default (what Claude Code, VS Code "
        "and Cursor start), or over streamable HTTP at http://HOST:PORT/mcp with --http.",
    )
    serve.add_argument("--root", metavar="DIR", help="workspace root (default: nearest dir with devreliab.jsonc "
                       "or .git, else the current directory)")
    serve.add_argument("--http", metavar="[HOST:]PORT", help="serve streamable HTTP at /mcp instead of stdio "
                       "(HOST defaults to 127.0.0.1)")
    serve.add_argument("--allow-remote", action="store_true", help="allow --http on a non-loopback address "
                       "(needs a token)")
    serve.add_argument("--token", metavar="TOKEN", help="bearer token HTTP clients must send (default: "
                       "$DEVRELIAB_TOKEN)")
    serve.set_defaults(handler=_cmd_serve)


def _cmd_serve(args: argparse.Namespace) -> int:
    root = _root_option(args.root)
    from devreliab.mcp._serve import HttpAddress, serve_http, serve_stdio  # lazy: other commands start fast

    if args.http:
        return serve_http(str(root), HttpAddress.parse(args.http), allow_remote=args.allow_remote,
                          token=args.token)
    if args.allow_remote or args.token:
        raise DevreliabError("--allow-remote and --token only apply with --http")
    return serve_stdio(str(root))


def _root_option(given: str | None, anchor: Path | None = None) -> Path:
    """The workspace root: ``--root`` if given (it must be a directory), else the nearest ancestor of
    ``anchor`` (default: the current directory) holding devreliab.jsonc or .git."""
    from ._config import find_root

    if given:
        root = Path(given).resolve()
        if not root.is_dir():
            raise DevreliabError(f"--root {given}: not a directory")
        return root
    anchor = (anchor or Path.cwd()).resolve()
    return find_root(anchor if anchor.is_dir() else anchor.parent)


def _use_color(choice: str, stream: object) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _cmd_analyze(args: argparse.Namespace) -> int:
    from ._config import load_config
    from .guidance import analyze_path
    from .guidance._gates import baseline_document, write_baseline

    paths = [Path(p) for p in args.paths]
    root = _root_option(args.root, paths[0] if paths else None)
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

    stream = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    try:
        text = _render(result, args.format, color=_use_color(args.color, stream), top=args.top,
                       verbose=args.verbose)
        stream.write(text)
    finally:
        if args.output:
            stream.close()
    return EXIT_OK if result.gate.passed else EXIT_GATE_FAILED


def _render(result: object, fmt: str, *, color: bool, top: int, verbose: bool) -> str:
    from .guidance import ProjectAnalysis

    assert isinstance(result, ProjectAnalysis)
    if fmt == "json":
        from .guidance.report import _json

        return _json.render(result)
    if fmt == "sarif":
        from .guidance.report import _sarif

        return _sarif.render(result)
    if fmt == "codeclimate":
        from .guidance.report import _codeclimate

        return _codeclimate.render(result)
    from .guidance.report import _terminal

    return _terminal.render(result, color=color, top=top, verbose=verbose)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(format="devreliab: %(message)s", level=logging.WARNING)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except DevreliabError as exc:
        print(f"devreliab: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("devreliab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # a workspace, config or output path the user cannot use
        where = f": {exc.filename}" if exc.filename else ""
        print(f"devreliab: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_USAGE
