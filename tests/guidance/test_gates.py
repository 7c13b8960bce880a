"""Gates, baselines and the ratchet, through the CLI a user (or pre-commit, or CI) runs."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CC9, CC10, MakeProject, run_cli

SHELL = "import subprocess\n\ndef deploy(cmd):\n    subprocess.call(cmd, shell=True)\n"


def test_complexity_below_10_passes_and_10_fails_by_default(make_project: MakeProject) -> None:
    passing = make_project({"a.py": CC9})
    assert run_cli("analyze", cwd=passing).code == 0
    failing = make_project({"a.py": CC10})
    result = run_cli("analyze", cwd=failing)
    assert result.code == 1
    assert "grade has cyclomatic complexity 10" in result.out


def test_a_high_severity_finding_fails_and_medium_ones_do_not_by_default(make_project: MakeProject) -> None:
    high = make_project({"a.py": SHELL})
    result = run_cli("analyze", cwd=high)
    assert result.code == 1 and "B602" in result.out
    medium = make_project({"a.py": "import yaml\n\ndef load(fh):\n    return yaml.load(fh)\n"})
    assert run_cli("analyze", cwd=medium).code == 0


def test_thresholds_come_from_the_config(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC10 + "\n" + SHELL},
                        config='{"gates": {"complexity_below": 11, "max_findings": {"high": 1}}}')
    assert run_cli("analyze", cwd=root).code == 0
    stricter = make_project({"a.py": "import yaml\n\ndef load(fh):\n    return yaml.load(fh)\n"},
                            config='{"gates": {"max_findings": {"medium": 0}}}')
    assert run_cli("analyze", cwd=stricter).code == 1


def test_min_confidence_leaves_less_certain_findings_out_of_the_gate(make_project: MakeProject) -> None:
    # B608 (SQL built from strings) is MEDIUM severity with MEDIUM confidence
    code = 'def q(cur, name):\n    cur.execute("SELECT * FROM t WHERE name = \'%s\'" % name)\n'
    counted = make_project({"a.py": code}, config='{"gates": {"max_findings": {"medium": 0}}}')
    assert run_cli("analyze", cwd=counted).code == 1
    ignored = make_project({"a.py": code},
                           config='{"gates": {"max_findings": {"medium": 0}, "min_confidence": "high"}}')
    assert run_cli("analyze", cwd=ignored).code == 0


def test_maintainability_at_or_below_the_threshold_fails(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC9}, config='{"gates": {"maintainability_above": 99}}')
    result = run_cli("analyze", cwd=root)
    assert result.code == 1 and "maintainability index" in result.out


def test_errors_fail_the_gate_unless_configured_otherwise(make_project: MakeProject) -> None:
    strict = make_project({"a.py": "def (:\n"})
    assert run_cli("analyze", cwd=strict).code == 1
    lenient = make_project({"a.py": "def (:\n"}, config='{"gates": {"fail_on_errors": false}}')
    result = run_cli("analyze", cwd=lenient)
    assert result.code == 0
    assert "could not be analysed" in result.out


def test_a_baseline_accepts_known_problems_even_after_they_move(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC10 + "\n" + SHELL})
    assert run_cli("analyze", "--write-baseline", "base.json", cwd=root).code == 0
    baseline = json.loads((root / "base.json").read_text())
    assert {(v["path"], v["qualname"], v["rule"]) for v in baseline["violations"]} == {
        ("a.py", "grade", "complexity"), ("a.py", "deploy", "B602")}
    # shift everything down by 20 lines: still the same problems
    (root / "a.py").write_text("\n" * 20 + CC10 + "\n" + SHELL)
    result = run_cli("analyze", "--baseline", "base.json", cwd=root)
    assert result.code == 0, result.out
    assert "2 known problems accepted by the baseline" in result.out


def test_a_new_problem_fails_despite_the_baseline(make_project: MakeProject) -> None:
    root = make_project({"a.py": SHELL})
    run_cli("analyze", "--write-baseline", "base.json", cwd=root)
    (root / "b.py").write_text(CC10)
    result = run_cli("analyze", "--baseline", "base.json", cwd=root)
    assert result.code == 1
    assert "b.py" in result.out and "deploy" not in result.out.split("What to fix first")[0]


def test_a_second_identical_finding_in_a_function_is_new(make_project: MakeProject) -> None:
    root = make_project({"a.py": SHELL})
    run_cli("analyze", "--write-baseline", "base.json", cwd=root)
    (root / "a.py").write_text(SHELL + "    subprocess.call(cmd + '2', shell=True)\n")
    assert run_cli("analyze", "--baseline", "base.json", cwd=root).code == 1


def test_ratchet_fails_where_a_baselined_function_got_worse_and_passes_when_it_improves(
        make_project: MakeProject) -> None:
    cc12 = "def grade(x):\n" + "".join(
        f"    {'if' if i == 0 else 'elif'} x == {i}:\n        return {i}\n" for i in range(11)) + "    return -1\n"
    cc13 = cc12.replace("    return -1\n", "    elif x == 99:\n        return 99\n    return -1\n")
    root = make_project({"a.py": cc12})
    run_cli("analyze", "--write-baseline", "base.json", cwd=root)
    (root / "a.py").write_text(cc13)
    assert run_cli("analyze", "--baseline", "base.json", cwd=root).code == 0  # plain baseline: still accepted
    worse = run_cli("analyze", "--baseline", "base.json", "--ratchet", cwd=root)
    assert worse.code == 1
    assert "worse than the baseline's 12" in worse.out
    (root / "a.py").write_text(CC10)  # better than the baseline, though still over the gate
    assert run_cli("analyze", "--baseline", "base.json", "--ratchet", cwd=root).code == 0


def test_ratchet_without_a_baseline_and_a_broken_baseline_are_usage_errors(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC9})
    result = run_cli("analyze", "--ratchet", cwd=root)
    assert result.code == 2 and "--ratchet needs a baseline" in result.err
    (root / "base.json").write_text("{not json")
    broken = run_cli("analyze", "--baseline", "base.json", cwd=root)
    assert broken.code == 2 and "not a readable devreliab baseline" in broken.err
    missing = run_cli("analyze", "--baseline", "nope.json", cwd=root)
    assert missing.code == 2 and "--write-baseline" in missing.err


def test_the_baseline_can_come_from_the_config(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC10}, config='{"baseline": "quality/base.json"}')
    assert run_cli("analyze", "--write-baseline", str(Path("quality") / "base.json"), cwd=root).code == 0
    assert run_cli("analyze", cwd=root).code == 0


def test_with_a_baseline_the_advice_for_new_problems_comes_first(make_project: MakeProject) -> None:
    old_problems = "".join(f"import subprocess\n\ndef old{i}(cmd):\n    subprocess.call(cmd, shell=True)\n"
                           for i in range(3))
    root = make_project({"old.py": old_problems})
    run_cli("analyze", "--write-baseline", "base.json", cwd=root)
    (root / "new.py").write_text(CC10)
    result = run_cli("analyze", "--baseline", "base.json", "--top", "1", cwd=root)
    advice = result.out.split("What to fix first")[1]
    assert "new.py:1" in advice.splitlines()[1]  # the new complexity problem, despite three HIGH findings
