"""devreliab's figures equal those of radon's and bandit's own command lines, on real third-party code.

The corpora are pinned wheels fetched by ``scripts/fetch-corpus`` (Django 5.2, requests, fpdf2, cachetools), so a fresh
machine needs nothing prepared. A few dozen files, chosen to cover closures, nested classes, methods, async
defs, ``match`` statements, decorators, ``# nosec`` comments (with and without test ids), findings of many
bandit tests and multi-line strings, are copied into a temporary workspace; ``radon cc/mi/hal/raw``,
``bandit -r`` and ``devreliab analyze --format json`` then run there as real subprocesses, once each, and every
figure is compared.

Two differences are by design and checked as such: devreliab reports the maintainability index rounded to 4
decimals (the unrounded value from the radon adapter is compared to 1e-9), and ``radon hal -j`` keys functions
by bare name, so of same-named functions in one file only the last is in its JSON; the terminal output of
``radon hal -f`` lists every one, in order, and is compared in full.
"""

from __future__ import annotations

import ast
import json
import math
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devreliab.guidance import _radon

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # radon and bandit from the environment running the tests

# Files per corpus, relative to the unpacked wheel. What each brings is noted beside it.
DJANGO = (
    "django/db/models/sql/compiler.py",  # closures, B101 B608 B611, long methods
    "django/db/models/sql/query.py",  # the biggest file: deep nesting, many methods
    "django/db/models/sql/where.py",
    "django/db/models/sql/subqueries.py",
    "django/db/models/sql/datastructures.py",
    "django/db/models/utils.py",  # closure, B101
    "django/db/models/fields/related_descriptors.py",  # async defs, closures in functions making classes, B610
    "django/utils/choices.py",  # match statement
    "django/utils/functional.py",  # nested classes, closures, decorators
    "django/utils/decorators.py",  # closures of closures
    "django/utils/asyncio.py",  # async def inside a decorator's closure
    "django/utils/deconstruct.py",
    "django/utils/safestring.py",
    "django/utils/html.py",
    "django/utils/text.py",  # multi-line strings
    "django/utils/dateformat.py",
    "django/utils/version.py",  # B404 B602 B607 B101
    "django/utils/crypto.py",
    "django/utils/datastructures.py",
    "django/utils/termcolors.py",  # a module-level multi-line string
    "django/utils/regex_helper.py",
    "django/contrib/auth/hashers.py",  # B303/B324-style hashing, many classes with same-named methods
    "django/contrib/auth/forms.py",  # nested Meta classes, B107
    "django/contrib/flatpages/views.py",  # B308 B703
    "django/core/cache/backends/filebased.py",  # B301 B311 B403
    "django/core/management/commands/runserver.py",  # B104
    "django/core/management/commands/shell.py",  # B102
    "django/core/serializers/xml_serializer.py",  # B319 B406 B408
    "django/db/backends/base/client.py",  # B404 B603
    "django/db/migrations/questioner.py",  # B307
    "django/template/loaders/cached.py",  # B324
    "django/template/smartif.py",  # B105, a class factory
    "django/test/selenium.py",  # match statement, metaclass
    "django/conf/locale/ar/formats.py",  # B613 (a bidirectional control character), no functions
    "django/apps/config.py",  # B110
    "django/views/decorators/cache.py",  # async closures in decorators
    "django/middleware/gzip.py",  # async def
    "django/__init__.py",
)
REQUESTS = ("requests",)  # the whole package: a different, older style
FPDF = (
    "fpdf/image_parsing.py",  # "# nosec B324", "# nosec B310"
    "fpdf/svg.py",  # a bare "# nosec" on an import, "# nosec B314"
    "fpdf/enums.py",
    "fpdf/drawing.py",  # type-annotated, dataclass-heavy modern style
)
CACHETOOLS = ("cachetools",)  # the whole package: methods of nested classes (none in the others)


def _fetch(name: str) -> Path:
    proc = subprocess.run([str(REPO / "scripts" / "fetch-corpus"), name], capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, f"scripts/fetch-corpus {name} failed:\n{proc.stderr}"
    return Path(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding the chosen files of every corpus, at their paths inside the wheels."""
    root = tmp_path_factory.mktemp("corpus")
    for name, members in (("django", DJANGO), ("requests", REQUESTS), ("fpdf2", FPDF), ("cachetools", CACHETOOLS)):
        source = _fetch(name)
        for member in members:
            src = source / member
            assert src.exists(), f"{member} is not in the {name} corpus"
            if src.is_dir():
                shutil.copytree(src, root / member)
            else:
                (root / member).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, root / member)
    return root


@dataclass(frozen=True)
class Outputs:
    """What every tool printed for the same workspace."""

    cc: dict[str, Any]
    mi: dict[str, Any]
    hal: dict[str, Any]  # radon hal -j -f (functions and totals)
    hal_total: dict[str, Any]  # radon hal -j
    hal_terminal: dict[str, list[tuple[str, dict[str, float]]]]  # radon hal -f, every function in order
    raw: dict[str, Any]
    bandit: dict[str, Any]
    ours: dict[str, Any]  # devreliab analyze --format json, files by path


def _run(args: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> str:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600, check=False, env=env)
    assert proc.returncode in ok, f"{' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return proc.stdout


def parse_hal_terminal(text: str) -> dict[str, list[tuple[str, dict[str, float]]]]:
    """``radon hal -f`` output: file lines, then each function's name and its twelve figures, indented."""
    result: dict[str, list[tuple[str, dict[str, float]]]] = {}
    current: list[tuple[str, dict[str, float]]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line.strip()
        if indent == 0:
            current = result.setdefault(body.removesuffix(":"), [])
        elif indent == 4:
            current.append((body.removesuffix(":"), {}))
        else:
            key, _, value = body.partition(": ")
            current[-1][1][key] = float(value)
    return result


def collect(root: Path, tops: list[str]) -> Outputs:
    """Runs the six radon/bandit commands and devreliab on ``root`` concurrently and parses what they print."""
    radon, bandit = str(BIN / "radon"), str(BIN / "bandit")
    commands = {
        "cc": [radon, "cc", "-j", "--show-closures", *tops],
        "mi": [radon, "mi", "-j", *tops],
        "hal": [radon, "hal", "-j", "-f", *tops],
        "hal_total": [radon, "hal", "-j", *tops],
        "hal_terminal": [radon, "hal", "-f", *tops],
        "raw": [radon, "raw", "-j", *tops],
        "bandit": [bandit, "-f", "json", "-q", "-r", *tops],
        "ours": [sys.executable, "-m", "devreliab", "analyze", "--format", "json", "--no-cache", "--root", ".",
                 *tops],
    }
    ok = {"bandit": (0, 1), "ours": (0, 1)}  # exit 1: findings / the gate failed
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {key: pool.submit(_run, args, root, ok.get(key, (0,))) for key, args in commands.items()}
        text = {key: future.result() for key, future in futures.items()}
    ours = json.loads(text["ours"])
    return Outputs(
        cc=json.loads(text["cc"]),
        mi=json.loads(text["mi"]),
        hal=json.loads(text["hal"]),
        hal_total=json.loads(text["hal_total"]),
        hal_terminal=parse_hal_terminal(text["hal_terminal"]),
        raw=json.loads(text["raw"]),
        bandit=json.loads(text["bandit"]),
        ours={f["path"]: f for f in ours["files"]},
    )


@pytest.fixture(scope="session")
def outputs(corpus_root: Path) -> Outputs:
    tops = sorted(p.name for p in corpus_root.iterdir())
    return collect(corpus_root, tops)


# --- the comparisons, one per tool; each returns a list of differences (empty when equal) -----------------

def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def _radon_blocks(blocks: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    rows: Counter[tuple[Any, ...]] = Counter()
    for b in blocks:
        qualname = f"{b['classname']}.{b['name']}" if b.get("classname") else b["name"]
        rows[(qualname, b["type"], b["lineno"], b["endline"], b["col_offset"], b["complexity"], b["rank"])] += 1
    return rows


def _our_blocks(blocks: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    return Counter((b["qualname"], b["kind"], b["lineno"], b["endline"], b["col_offset"], b["complexity"],
                    b["rank"]) for b in blocks)


def cc_differences(out: Outputs) -> list[str]:
    diffs = []
    for path, ours in out.ours.items():
        theirs = _radon_blocks(out.cc.get(path, []))  # radon leaves out files without blocks
        mine = _our_blocks(ours["blocks"])
        if theirs != mine:
            diffs.append(f"{path}: radon only {sorted((theirs - mine).elements())}, "
                         f"devreliab only {sorted((mine - theirs).elements())}")
    return diffs


def mi_differences(out: Outputs, root: Path) -> list[str]:
    diffs = []
    for path, ours in out.ours.items():
        theirs = out.mi[path]
        # the adapter's unrounded value, from the same source text radon reads
        source = (root / path).read_text(encoding="utf-8")
        *_, mi, rank = _radon.metrics(ast.parse(source), source)
        if not _close(mi, theirs["mi"]) or rank != theirs["rank"]:
            diffs.append(f"{path}: adapter MI {mi!r} {rank}, radon {theirs['mi']!r} {theirs['rank']}")
        if not _close(ours["maintainability"], round(theirs["mi"], 4)) or ours["mi_rank"] != theirs["rank"]:
            diffs.append(f"{path}: reported MI {ours['maintainability']!r} {ours['mi_rank']}, "
                         f"radon {theirs['mi']!r} {theirs['rank']}")
    return diffs


def _hal_equal(ours: dict[str, Any] | None, theirs: dict[str, Any]) -> bool:
    return ours is not None and set(ours) == set(theirs) and all(_close(ours[k], theirs[k]) for k in theirs)


def hal_differences(out: Outputs) -> list[str]:
    diffs = []
    for path, ours in out.ours.items():
        if not _hal_equal(ours["halstead"], out.hal_total[path]["total"]):
            diffs.append(f"{path}: totals {ours['halstead']} != radon hal -j {out.hal_total[path]['total']}")
        if out.hal[path]["total"] != out.hal_total[path]["total"]:
            diffs.append(f"{path}: radon hal -j -f and -j disagree on totals")
        functions = [b for b in ours["blocks"] if b["halstead"] is not None]
        # radon hal -j -f: a dict by name, where the last same-named function wins
        by_name = {b["name"]: b["halstead"] for b in functions}
        theirs_by_name = out.hal[path]["functions"]
        if set(by_name) != set(theirs_by_name):
            diffs.append(f"{path}: functions {sorted(by_name)} != radon hal -j -f {sorted(theirs_by_name)}")
        for name, figures in theirs_by_name.items():
            if name in by_name and not _hal_equal(by_name[name], figures):
                diffs.append(f"{path}: {name} {by_name[name]} != radon hal -j -f {figures}")
        # radon hal -f (terminal): every function, in order
        ordered = [(b["name"], b["halstead"]) for b in functions]
        terminal = out.hal_terminal.get(path, [])
        if [n for n, _ in ordered] != [n for n, _ in terminal]:
            diffs.append(f"{path}: function order {[n for n, _ in ordered]} != radon hal -f "
                         f"{[n for n, _ in terminal]}")
        else:
            for (name, mine), (_, figures) in zip(ordered, terminal, strict=True):
                if not _hal_equal(mine, figures):
                    diffs.append(f"{path}: {name} {mine} != radon hal -f {figures}")
    return diffs


def raw_differences(out: Outputs) -> list[str]:
    return [f"{path}: {ours['raw']} != radon raw {out.raw[path]}"
            for path, ours in out.ours.items() if ours["raw"] != out.raw[path]]


def _bandit_rows(results: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    return Counter(
        (r["filename"], r["test_id"], r["test_name"], r["line_number"], r["issue_severity"],
         r["issue_confidence"], r["issue_cwe"]["id"] or None, r["issue_text"], tuple(r["line_range"]),
         r["col_offset"], r["end_col_offset"], r["more_info"])
        for r in results
    )


def _our_findings(files: dict[str, Any]) -> Counter[tuple[Any, ...]]:
    return Counter(
        (path, f["test_id"], f["test_name"], f["line"], f["severity"], f["confidence"], f["cwe"], f["message"],
         tuple(f["line_range"]), f["col_offset"], f["end_col_offset"], f["more_info"])
        for path, data in files.items() for f in data["findings"]
    )


def bandit_differences(out: Outputs) -> list[str]:
    theirs, mine = _bandit_rows(out.bandit["results"]), _our_findings(out.ours)
    if theirs == mine:
        return []
    return [f"bandit only: {row}" for row in sorted((theirs - mine).elements())] + [
        f"devreliab only: {row}" for row in sorted((mine - theirs).elements())]


def _show(diffs: list[str]) -> str:
    head = diffs[:20]
    return "\n".join(head) + (f"\n... and {len(diffs) - 20} more" if len(diffs) > 20 else "")


# --- the tests ---------------------------------------------------------------------------------------------

def test_the_corpus_covers_what_the_comparison_is_meant_to_exercise(outputs: Outputs, corpus_root: Path) -> None:
    blocks = [b for f in outputs.ours.values() for b in f["blocks"]]
    sources = {p: (corpus_root / p).read_text(encoding="utf-8") for p in outputs.ours}
    trees = {p: ast.parse(s) for p, s in sources.items()}
    nodes = [type(n) for t in trees.values() for n in ast.walk(t)]
    assert any(b["kind"] == "function" and "." in b["qualname"] for b in blocks), "closures"
    assert any(b["kind"] == "class" and "." in b["qualname"] for b in blocks), "nested classes"
    assert any(b["kind"] == "method" and b["qualname"].count(".") >= 2 for b in blocks), "methods of nested classes"
    assert ast.AsyncFunctionDef in nodes and ast.Match in nodes, "async defs and match statements"
    assert any(f["raw"]["multi"] > 0 for f in outputs.ours.values()), "multi-line strings"
    assert sum(s.count("# nosec") for s in sources.values()) >= 5, "# nosec comments"
    test_ids = {f["test_id"] for data in outputs.ours.values() for f in data["findings"]}
    assert len(test_ids) >= 20, f"findings of many bandit tests, got {sorted(test_ids)}"
    assert {"LOW", "MEDIUM", "HIGH"} <= {f["severity"] for d in outputs.ours.values() for f in d["findings"]}
    assert len(outputs.ours) >= 50 and not any(f["error"] for f in outputs.ours.values())


def test_every_tool_analyses_the_same_files(outputs: Outputs) -> None:
    ours = set(outputs.ours)
    # radon also takes files without .py that start with a python shebang; none are in this corpus
    assert set(outputs.raw) == set(outputs.mi) == set(outputs.hal) == ours
    assert {p for p in outputs.bandit["metrics"] if p != "_totals"} == ours
    assert outputs.bandit["errors"] == []
    assert not any("error" in v for v in outputs.raw.values())


def test_blocks_equal_radon_cc_with_closures(outputs: Outputs) -> None:
    diffs = cc_differences(outputs)
    assert not diffs, _show(diffs)


def test_maintainability_index_equals_radon_mi(outputs: Outputs, corpus_root: Path) -> None:
    diffs = mi_differences(outputs, corpus_root)
    assert not diffs, _show(diffs)


def test_halstead_totals_and_per_function_figures_equal_radon_hal(outputs: Outputs) -> None:
    diffs = hal_differences(outputs)
    assert not diffs, _show(diffs)


def test_raw_counts_equal_radon_raw(outputs: Outputs) -> None:
    diffs = raw_differences(outputs)
    assert not diffs, _show(diffs)


def test_findings_equal_bandit_with_its_default_profile(outputs: Outputs) -> None:
    diffs = bandit_differences(outputs)
    assert not diffs, _show(diffs)


def iter_differences(out: Outputs, root: Path) -> Iterator[str]:
    """Every difference, for running the comparison by hand on a whole corpus."""
    yield from cc_differences(out)
    yield from mi_differences(out, root)
    yield from hal_differences(out)
    yield from raw_differences(out)
    yield from bandit_differences(out)
