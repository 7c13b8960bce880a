"""``devreliab analyze --format sarif``: valid SARIF 2.1.0 by Microsoft's own validator, with what GitHub code
scanning reads (rule metadata, CWE tags, security severity, 1-based columns, stable fingerprints)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devreliab.guidance import (
    FileAnalysis,
    FileError,
    Finding,
    GateResult,
    ProjectAnalysis,
    Recommendation,
    Strategy,
    Violation,
)
from devreliab.guidance.report import _sarif

from .conftest import (
    blocking,
    copy_example_project,
    run_devreliab,
    sarif_results,
    validate_sarif,
    write_every_kind_project,
)


def _hand_made_analysis(root: Path) -> ProjectAnalysis:
    """An analysis built in memory, with what a real run may not produce today: a recommendation with an
    example for a finding, a ratchet-mode gate, and a file error that the gate does not count."""
    finding = Finding("B602", "subprocess_popen_with_shell_equals_true", "HIGH", "HIGH", 78, 3, (3,), 4, 36,
                      "subprocess call with shell=True identified, security issue.",
                      "https://bandit.readthedocs.io/en/1.9.4/plugins/b602.html", "run",
                      '    subprocess.call(cmd, shell=True)')
    strategy = Strategy("Pass a list of arguments", "Without a shell nothing in cmd is interpreted.", 1.0, 2,
                        0.5, {}, "subprocess.call(['ls', path])")
    rec = Recommendation("B602", "run", 3, "shell=True runs cmd through a shell", 9.0, (strategy,))
    files = (
        FileAnalysis("a.py", "sha256:" + "0" * 64, findings=(finding,), recommendations=(rec,)),
        FileAnalysis("b.py", "sha256:" + "1" * 64, error=FileError("syntax", "syntax error at line 2", 2)),
    )
    gate = GateResult(False, (Violation("a.py", "run", "B602", 3, 1, 0, "B602 …"),), (),
                      {"complexity_below": 10, "maintainability_above": 50,
                       "max_findings": {"high": 0, "medium": None, "low": None}, "min_confidence": "low",
                       "fail_on_errors": False}, "ratchet")
    return ProjectAnalysis(str(root), files, gate, (), 0, 2, 0.1)


@pytest.fixture(scope="module")
def sarif_reports(every_kind_reports: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
                  ) -> dict[str, Path]:
    """Every SARIF file the tests look at: the example project, the every-kind project in plain and
    baseline mode, the every-kind project with ``fail_on_errors`` off, and a hand-made analysis."""
    base = tmp_path_factory.mktemp("sarif")
    example = copy_example_project(base / "example")
    reports = {"plain": every_kind_reports["plain-sarif"], "baseline": every_kind_reports["baseline-sarif"]}
    reports["example"] = base / "example.sarif"
    proc = run_devreliab("analyze", "--format", "sarif", "-o", reports["example"], cwd=example)
    assert proc.returncode == 1, proc.stderr
    lenient = write_every_kind_project(base / "lenient", '{"gates": {"fail_on_errors": false}}')
    reports["lenient"] = base / "lenient.sarif"
    proc = run_devreliab("analyze", "--format", "sarif", "-o", reports["lenient"], cwd=lenient)
    assert proc.returncode == 1, proc.stderr
    reports["hand-made"] = base / "hand-made.sarif"
    reports["hand-made"].write_text(_sarif.render(_hand_made_analysis(base)), encoding="utf-8")
    return reports


@pytest.fixture(scope="module")
def validator_findings(sarif_reports: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
                       ) -> dict[str, list[str]]:
    base = tmp_path_factory.mktemp("validation")
    # a control: the example report with a 0-based column and no informationUri must not pass
    control = json.loads(sarif_reports["example"].read_text(encoding="utf-8"))
    control["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] = 0
    del control["runs"][0]["tool"]["driver"]["informationUri"]
    (base / "control.sarif").write_text(json.dumps(control), encoding="utf-8")
    return validate_sarif([*sarif_reports.values(), base / "control.sarif"], base / "validation.sarif")


def _run(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8"))["runs"][0])


def _by_rule(path: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for result in sarif_results(path):
        out.setdefault(result["ruleId"], []).append(result)
    return out


def _region(result: dict[str, Any]) -> dict[str, Any]:
    return dict(result["locations"][0]["physicalLocation"]["region"])


@pytest.mark.parametrize("report", ["example", "plain", "baseline", "lenient", "hand-made"])
def test_sarif_multitool_reports_no_errors_and_no_warnings(
        report: str, sarif_reports: dict[str, Path], validator_findings: dict[str, list[str]]) -> None:
    problems = validator_findings[sarif_reports[report].name]
    assert blocking(problems) == []


def test_the_validator_does_report_a_broken_sarif_file(validator_findings: dict[str, list[str]]) -> None:
    problems = blocking(validator_findings["control.sarif"])
    assert any(p.startswith("error JSON1008") and "startColumn" in p for p in problems), problems
    assert any(p.startswith("warning SARIF2005") for p in problems), problems


def test_the_example_project_reports_every_gate_violation_and_every_finding(sarif_reports: dict[str, Path]
                                                                           ) -> None:
    rules = sorted(r["ruleId"] for r in sarif_results(sarif_reports["example"]))
    assert rules == ["B105", "B324", "B404", "B506", "B602", "DR001", "DR002"]
    run = _run(sarif_reports["example"])
    assert run["invocations"][0]["executionSuccessful"] is True
    assert run["tool"]["driver"]["name"] == "devreliab"
    assert run["tool"]["driver"]["informationUri"].startswith("https://")


def test_every_result_points_at_its_rule_which_carries_what_github_displays(sarif_reports: dict[str, Path]
                                                                            ) -> None:
    for report in ("example", "plain"):
        run = _run(sarif_reports[report])
        rules = run["tool"]["driver"]["rules"]
        assert len({r["id"] for r in rules}) == len(rules)
        for rule in rules:
            assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
            assert rule["help"]["text"] and rule["help"]["markdown"]
            assert rule["helpUri"].startswith("https://")
            assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
            assert rule["properties"]["tags"] and rule["properties"]["precision"]
        for result in run["results"]:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_security_rules_carry_cwe_tags_security_severity_and_bandit_documentation(
        sarif_reports: dict[str, Path]) -> None:
    rules = {r["id"]: r for r in _run(sarif_reports["example"])["tool"]["driver"]["rules"]}
    b602 = rules["B602"]
    assert {"security", "CWE-78", "external/cwe/cwe-78"} <= set(b602["properties"]["tags"])
    assert 7.0 <= float(b602["properties"]["security-severity"]) < 9.0  # HIGH is "high" on GitHub
    assert b602["helpUri"].startswith("https://bandit.readthedocs.io/")
    assert b602["defaultConfiguration"]["level"] == "error"
    assert "external/cwe/cwe-327" in rules["B324"]["properties"]["tags"]
    assert float(rules["B404"]["properties"]["security-severity"]) < 4.0  # LOW
    for own in ("DR001", "DR002"):
        assert "security" not in rules[own]["properties"]["tags"]
        assert "security-severity" not in rules[own]["properties"]
        assert "maintainability" in rules[own]["properties"]["tags"]


def test_locations_are_relative_to_srcroot_which_is_the_workspace_root_as_a_file_uri(
        sarif_reports: dict[str, Path], every_kind_reports: dict[str, Path]) -> None:
    run = _run(sarif_reports["plain"])
    root_uri = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root_uri == every_kind_reports["project"].as_uri() + "/"
    uris = set()
    for result in run["results"]:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert not artifact["uri"].startswith(("/", "file:"))
        uris.add(artifact["uri"])
    assert "app/with%20space%20%C3%A9.py" in uris  # percent-encoded, as a URI must be
    assert {"broken/syntax.py", "broken/encoding.py", "broken/binary.py"} <= uris


def test_columns_are_one_based_and_count_characters_not_utf8_bytes(sarif_reports: dict[str, Path]) -> None:
    results = _by_rule(sarif_reports["plain"])
    import_subprocess = _region(results["B404"][0])
    assert (import_subprocess["startLine"], import_subprocess["startColumn"]) == (2, 1)
    assert import_subprocess["endColumn"] == len("import subprocess") + 1
    assert import_subprocess["snippet"]["text"] == "import subprocess"
    md5 = next(_region(r) for r in results["B324"] if "MD5" in r["message"]["text"])
    line = '    label = "données"; h = hashlib.md5(data)'
    assert md5["startLine"] == 13
    assert md5["startColumn"] == line.index("hashlib") + 1  # "é" is one character, two UTF-8 bytes
    assert md5["endColumn"] == len(line) + 1
    assert md5["snippet"]["text"] == "hashlib.md5(data)"


def test_a_finding_on_a_call_over_several_lines_covers_the_whole_call(sarif_reports: dict[str, Path]) -> None:
    region = _region(_by_rule(sarif_reports["plain"])["B602"][0])
    assert region == {"startLine": 6, "startColumn": 5, "endLine": 9, "endColumn": 6}


def test_every_message_is_sentences_ending_with_a_full_stop(sarif_reports: dict[str, Path]) -> None:
    for report in sarif_reports.values():
        for result in sarif_results(report):
            assert result["message"]["text"].endswith("."), result["message"]["text"]


def test_failing_violations_are_errors_and_findings_the_gate_ignores_keep_bandit_severity(
        sarif_reports: dict[str, Path]) -> None:
    results = _by_rule(sarif_reports["plain"])
    for rule in ("DR001", "DR002", "DR003", "B602", "B324", "B301"):
        assert {r["level"] for r in results[rule]} == {"error"}, rule
        assert {r["properties"]["gate"] for r in results[rule]} == {"failing"}
    assert results["B404"][0]["level"] == "note"  # LOW, and the gate allows any number of LOW findings
    assert results["B404"][0]["properties"]["gate"] == "not-gated"
    assert all(r["suppressions"] == [] for rs in results.values() for r in rs)


def test_baselined_violations_are_notes_with_an_accepted_suppression_and_new_ones_are_errors(
        sarif_reports: dict[str, Path]) -> None:
    results = sarif_results(sarif_reports["baseline"])
    new = [r for r in results if r["properties"]["gate"] == "failing"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in new] == [
        ("B324", "app/new.py")]
    assert new[0]["level"] == "error" and new[0]["suppressions"] == []
    accepted = [r for r in results if r["properties"]["gate"] == "baselined"]
    assert len(accepted) == 9
    for result in accepted:
        assert result["level"] == "note"
        (suppression,) = result["suppressions"]
        assert suppression["kind"] == "external" and suppression["status"] == "accepted"
        assert suppression["justification"].endswith(".")


def test_files_that_could_not_be_analysed_are_warnings_when_the_gate_does_not_count_them(
        sarif_reports: dict[str, Path]) -> None:
    errors = _by_rule(sarif_reports["lenient"])["DR003"]
    assert len(errors) == 3
    assert {r["level"] for r in errors} == {"warning"}
    assert {r["properties"]["errorKind"] for r in errors} == {"syntax", "encoding", "binary"}
    rule = next(r for r in _run(sarif_reports["lenient"])["tool"]["driver"]["rules"] if r["id"] == "DR003")
    assert rule["defaultConfiguration"]["level"] == "warning"


def test_fingerprints_are_unique_and_stay_the_same_when_code_moves_down(sarif_reports: dict[str, Path]
                                                                        ) -> None:
    def fingerprints(report: str) -> dict[str, tuple[str, str, int]]:
        out = {}
        for r in sarif_results(sarif_reports[report]):
            fp = r["partialFingerprints"]
            assert fp["primaryLocationLineHash"].split(":")[0] == fp["devreliab/v1"][:16]
            uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            out[fp["devreliab/v1"]] = (uri, r["ruleId"], _region(r)["startLine"])
        return out

    before, after = fingerprints("plain"), fingerprints("baseline")
    assert len(before) == len(sarif_results(sarif_reports["plain"]))  # unique
    assert len(after) == len(sarif_results(sarif_reports["baseline"]))
    added = {fp for fp, (uri, _, _) in after.items() if uri == "app/new.py"}
    assert len(added) == 1
    assert set(after) - added == set(before)
    moved = [fp for fp, (uri, rule, _) in before.items() if uri.startswith("app/") and rule != "DR002"]
    assert len(moved) == 7  # every app/ result but the maintainability index, which is about line 1
    assert all(after[fp][2] == before[fp][2] + 3 for fp in moved)  # same identity, lines 3 further down


def test_two_findings_of_one_rule_in_one_function_have_different_fingerprints(sarif_reports: dict[str, Path]
                                                                            ) -> None:
    digests = [r for r in _by_rule(sarif_reports["plain"])["B324"] if r["properties"]["qualname"] == "digest"]
    assert len(digests) == 2
    assert len({r["partialFingerprints"]["devreliab/v1"] for r in digests}) == 2


def test_the_best_strategy_of_a_recommendation_is_in_the_message_and_all_are_in_properties(
        sarif_reports: dict[str, Path]) -> None:
    (result,) = [r for r in sarif_results(sarif_reports["hand-made"]) if r["ruleId"] == "B602"]
    assert result["message"]["text"].endswith("Suggested fix: Pass a list of arguments.")
    assert "subprocess.call(['ls', path])" in result["message"]["markdown"]
    strategies = result["properties"]["recommendation"]["strategies"]
    assert [s["title"] for s in strategies] == ["Pass a list of arguments"]
    region = _region(result)
    assert (region["startColumn"], region["endColumn"]) == (5, 37)
