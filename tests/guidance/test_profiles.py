"""The tests profile (tests.paths, tests.skip, tests.complexity_below), security.skip, and per-function
allowances (``# devreliab: allow complexity <reason>``) reach the analysis, the gate and the recommendations."""

from __future__ import annotations

from pathlib import Path

from devreliab import analyze_path
from devreliab._config import load_config
from devreliab._testpaths import is_test_path
from devreliab.guidance import FileAnalysis, ProjectAnalysis
from devreliab.guidance._delta import write_guidance
from tests.conftest import MakeProject

ASSERTS = "def test_total():\n    assert 1 + 1 == 2\n"
SHELL = "import subprocess\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"


def _chain(name: str, n: int, marker: str = "") -> str:
    """A function of complexity n + 1."""
    return f"def {name}(a):{marker}\n" + "".join(f"    if a == {i}:\n        return {i}\n" for i in range(n)) + \
        "    return -1\n"


def _file(result: ProjectAnalysis, path: str) -> FileAnalysis:
    return next(f for f in result.files if f.path == path)


def test_default_test_paths_match_pytest_layouts() -> None:
    patterns = tuple(load_config(Path("/nonexistent")).gates.test_paths)
    assert all(is_test_path(p, patterns) for p in ("tests/test_a.py", "tests/unit/helpers.py", "pkg/test_b.py",
                                                   "pkg/b_test.py", "conftest.py", "src/conftest.py"))
    assert not any(is_test_path(p, patterns) for p in ("src/app.py", "src/testing.py", "contest.py"))


def test_asserts_in_tests_are_not_findings_but_asserts_in_the_product_are(make_project: MakeProject) -> None:
    root = make_project({"tests/test_total.py": ASSERTS, "src/check.py": ASSERTS.replace("test_", "")})
    result = analyze_path(root=root)
    assert [x.test_id for x in _file(result, "tests/test_total.py").findings] == []
    assert not any(r.rule == "B101" for r in _file(result, "tests/test_total.py").recommendations)
    assert [x.test_id for x in _file(result, "src/check.py").findings] == ["B101"]


def test_one_cached_result_serves_both_profiles(make_project: MakeProject) -> None:
    """The same bytes in a test and a product file: one analysis in the cache, each path its own profile."""
    root = make_project({"tests/test_same.py": ASSERTS, "src/same.py": ASSERTS})
    first, second = analyze_path(root=root), analyze_path(root=root)
    assert second.cached == 2
    for run in (first, second):
        assert _file(run, "tests/test_same.py").findings == ()
        assert [x.test_id for x in _file(run, "src/same.py").findings] == ["B101"]


def test_security_skip_drops_a_bandit_test_everywhere(make_project: MakeProject) -> None:
    root = make_project({"src/run.py": SHELL}, config='{"security": {"skip": ["B602", "B404"]}}')
    result = analyze_path(root=root)
    assert {x.test_id for x in _file(result, "src/run.py").findings} == set()
    assert result.gate.passed
    assert not analyze_path(root=make_project({"src/run.py": SHELL})).gate.passed


def test_test_functions_can_have_their_own_complexity_gate(make_project: MakeProject) -> None:
    source = _chain("test_table", 12)  # complexity 13
    root = make_project({"tests/test_table.py": source, "src/table.py": source},
                        config='{"tests": {"complexity_below": 20}}')
    result = analyze_path(root=root)
    failing = {(v.path, v.rule) for v in result.gate.failing}
    assert failing == {("src/table.py", "complexity")}
    assert not any(r.rule == "complexity" for r in _file(result, "tests/test_table.py").recommendations)
    assert any(r.rule == "complexity" for r in _file(result, "src/table.py").recommendations)


def test_an_allowance_with_a_reason_accepts_one_functions_complexity(make_project: MakeProject) -> None:
    allowed = _chain("dispatch", 12, "  # devreliab: allow complexity one branch per opcode, a table would hide it")
    decorated = "import functools\n\n\n# devreliab: allow complexity generated\n@functools.cache\n" + \
        _chain("cached", 11)
    no_reason = _chain("bare", 11, "  # devreliab: allow complexity")
    root = make_project({"src/vm.py": allowed + "\n\n" + decorated + "\n\n" + no_reason})
    result = analyze_path(root=root)
    f = _file(result, "src/vm.py")
    by_name = {b.qualname: b for b in f.functions}
    assert by_name["dispatch"].allowed == "one branch per opcode, a table would hide it"
    assert by_name["dispatch"].complexity == 13  # still measured
    assert by_name["cached"].allowed == "generated"
    assert by_name["bare"].allowed is None  # no reason, no allowance
    assert [v.qualname for v in result.gate.failing if v.rule == "complexity"] == ["bare"]
    assert [r.qualname for r in f.recommendations if r.rule == "complexity"] == ["bare"]


def test_guidance_on_write_says_nothing_about_an_allowed_function(make_project: MakeProject) -> None:
    root = make_project({"src/vm.py": "def dispatch(a):\n    return a\n"})
    config = load_config(root)
    before = (root / "src" / "vm.py").read_bytes()
    allowed = _chain("dispatch", 14, "  # devreliab: allow complexity one branch per opcode").encode()
    plain = _chain("dispatch", 14).encode()
    assert write_guidance("src/vm.py", before, allowed, config) is None
    assert write_guidance("src/vm.py", before, plain, config)
    assert write_guidance("tests/test_vm.py", None, ASSERTS.encode(), config) is None
