"""The guidance engine called from many threads at once (as the MCP server's tools are) gives each file
exactly the analysis a sequential run gives it, and never stores a result of a failed analysis in the cache."""

from __future__ import annotations

import tokenize
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from devreliab import analyze_path
from devreliab._config import load_config
from devreliab.guidance import FileAnalysis, _bandit, _radon, _recommend
from devreliab.guidance._analyze import analyze_bytes
from devreliab.guidance._cache import AnalysisCache
from devreliab.guidance._thresholds import Thresholds

from .conftest import CONCURRENCY_FILES, write_concurrency_project

ROUNDS = 20
THREADS = len(CONCURRENCY_FILES)  # 8: one thread per file, all of them analysing at once
WAIT_S = 120.0  # the bound on one round


def _rounds(work: Callable[[str], FileAnalysis], expected: dict[str, FileAnalysis]) -> None:
    """ROUNDS times: every file analysed at once, one thread each; each answer equal to the sequential one."""
    names = list(expected)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for round_no in range(ROUNDS):
            got = dict(zip(names, pool.map(work, names, timeout=WAIT_S), strict=True))
            for name in names:
                assert got[name] == expected[name], f"round {round_no}: {name} got another analysis"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_concurrency_project(tmp_path / "project")


def test_threads_analysing_different_files_get_the_sequential_results(project: Path) -> None:
    config = load_config(project)
    thresholds = Thresholds.from_config(config)
    data = {name: (project / name).read_bytes() for name in CONCURRENCY_FILES}

    def work(name: str) -> FileAnalysis:
        return analyze_bytes(name, data[name], thresholds, config.analysis_max_file_bytes)

    expected = {name: work(name) for name in data}
    assert len({(a.findings, a.blocks) for a in expected.values()}) == len(expected)  # all told apart
    assert sum(len(a.findings) for a in expected.values()) >= 10
    filters = list(warnings.filters)
    _rounds(work, expected)
    assert warnings.filters == filters  # the parses' "ignore warnings" never outlives them


def test_concurrent_project_runs_store_only_the_sequential_results_in_the_cache(project: Path) -> None:
    """``analyze_project`` from several threads: each answer, and what the shared cache holds afterwards,
    equal a sequential run's."""
    config = load_config(project)

    def work(name: str) -> FileAnalysis:  # "refresh": analysed every time, and written to the cache
        (result,) = analyze_path([project / name], root=project, config=config, jobs=1, use_cache="refresh").files
        return result

    expected = {name: work(name) for name in CONCURRENCY_FILES}
    _rounds(work, expected)
    assert _cached(project, list(expected.values())) == expected


def _cached(project: Path, analyses: list[FileAnalysis]) -> dict[str, FileAnalysis]:
    cache = AnalysisCache(project, load_config(project).analysis_hash())
    found = cache.get_many([a.version for a in analyses], {a.version: a.path for a in analyses})
    return {a.path: a for a in found.values()}


def test_a_crash_inside_a_bandit_test_costs_its_findings_not_the_files_other_figures(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """bandit itself only logs a test that raised and goes on: the findings would be silently incomplete. The
    file keeps its metrics and the other tests' findings, says what is missing, fails the gate and is not cached."""
    def crashing(context: Any) -> None:
        raise RuntimeError("boom")

    crashing._test_id = "B999"  # type: ignore[attr-defined]
    tests = _bandit._prototype().b_ts.tests
    monkeypatch.setitem(tests, "Call", [*tests["Call"], crashing])
    run = analyze_path([project / "shop/deploy.py"], root=project, jobs=1, use_cache=False)
    (result,) = run.files
    assert result.error is None and result.blocks and result.maintainability is not None
    assert len(result.findings) == 5  # every other test's findings are there
    (note,) = result.notes
    assert "security findings incomplete" in note and "crashing failed at line" in note and "RuntimeError: boom" in note
    assert [v.message for v in run.gate.failing if v.rule == "error"] == [f"partly analysed: {note}"]
    assert _cached(project, [result]) == {}

    monkeypatch.undo()
    again = analyze_path([project / "shop/deploy.py"], root=project, jobs=1)
    assert (again.analysed, again.cached) == (1, 0)
    assert again.files[0].notes == () and len(again.files[0].findings) == 5


def test_raw_counts_failing_cost_only_the_maintainability_index(project: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """radon's tokenizer failing on valid Python (black's tricky_unicode_symbols.py did) keeps the complexity,
    Halstead figures, findings and recommendations; the maintainability index is missing, and said so."""
    def failing(source: str, *, valid_python: bool = False) -> None:
        raise tokenize.TokenError("('EOF in multi-line statement', (3, 0))")

    whole = analyze_path([project / "shop/deploy.py"], root=project, jobs=1, use_cache=False).files[0]
    monkeypatch.setattr(_radon, "raw_metrics", failing)
    run = analyze_path([project / "shop/deploy.py"], root=project, jobs=1, use_cache=False)
    (result,) = run.files
    assert result.error is None
    assert (result.blocks, result.halstead, result.findings) == (whole.blocks, whole.halstead, whole.findings)
    assert result.maintainability is None and result.mi_rank is None and result.raw is None
    assert [r.rule for r in result.recommendations] == [r.rule for r in whole.recommendations
                                                         if r.rule != "maintainability"]
    (note,) = result.notes
    assert "maintainability index not measured" in note and "TokenError" in note
    assert any(v.rule == "error" and "partly analysed" in v.message for v in run.gate.failing)


def test_a_crash_in_the_analysis_fails_the_file_and_is_not_cached(project: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def crashing(*args: object, **kwargs: object) -> None:
        raise RuntimeError("dictionary changed size during iteration")

    monkeypatch.setattr(_recommend, "recommend", crashing)
    result = analyze_path([project / "shop"], root=project, jobs=1, use_cache=False).files
    assert {a.error.kind if a.error else None for a in result} == {"internal"}
    assert _cached(project, list(result)) == {}
