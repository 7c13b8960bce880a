"""``devreliab analyze --format codeclimate``: GitLab's Code Quality report, with the fields GitLab requires,
fingerprints that are unique and survive moved code, and severities that rank what matters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .conftest import run_devreliab, sarif_results

GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}
CODE_CLIMATE_CATEGORIES = {"Bug Risk", "Clarity", "Compatibility", "Complexity", "Duplication", "Performance",
                           "Security", "Style"}


def _issues(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def _find(issues: list[dict[str, Any]], check: str, path: str, begin: int | None = None) -> dict[str, Any]:
    (issue,) = [i for i in issues if i["check_name"] == check and i["location"]["path"] == path
                and (begin is None or i["location"]["lines"]["begin"] == begin)]
    return issue


def test_every_issue_has_the_fields_gitlab_requires(every_kind_reports: dict[str, Path]) -> None:
    for report in ("plain-codeclimate", "baseline-codeclimate"):
        issues = _issues(every_kind_reports[report])
        assert issues
        for issue in issues:
            assert isinstance(issue["description"], str) and issue["description"].endswith(".")
            assert isinstance(issue["check_name"], str) and issue["check_name"]
            assert isinstance(issue["fingerprint"], str) and len(issue["fingerprint"]) == 32
            assert issue["severity"] in GITLAB_SEVERITIES
            location = issue["location"]
            assert not location["path"].startswith("/") and (every_kind_reports["project"] / location[
                "path"]).is_file()
            lines = location["lines"]
            assert isinstance(lines["begin"], int) and 1 <= lines["begin"] <= lines["end"]
            assert issue["type"] == "issue" and issue["engine_name"] == "devreliab"
            assert issue["categories"] and set(issue["categories"]) <= CODE_CLIMATE_CATEGORIES


def test_it_holds_the_same_problems_as_the_sarif_report(every_kind_reports: dict[str, Path]) -> None:
    for mode in ("plain", "baseline"):
        issues = _issues(every_kind_reports[f"{mode}-codeclimate"])
        results = sarif_results(every_kind_reports[f"{mode}-sarif"])
        assert sorted(i["check_name"] for i in issues) == sorted(r["ruleId"] for r in results)
        assert {i["fingerprint"] for i in issues} == {
            r["partialFingerprints"]["devreliab/v1"][:32] for r in results}


def test_fingerprints_are_unique_and_survive_code_moving_down(every_kind_reports: dict[str, Path]) -> None:
    before = {i["fingerprint"]: i for i in _issues(every_kind_reports["plain-codeclimate"])}
    after = {i["fingerprint"]: i for i in _issues(every_kind_reports["baseline-codeclimate"])}
    assert len(before) == len(_issues(every_kind_reports["plain-codeclimate"]))
    assert len(after) == len(_issues(every_kind_reports["baseline-codeclimate"]))
    added = {fp for fp, i in after.items() if i["location"]["path"] == "app/new.py"}
    assert len(added) == 1 and set(after) - added == set(before)
    b602 = next(fp for fp, i in before.items() if i["check_name"] == "B602")
    assert after[b602]["location"]["lines"]["begin"] == before[b602]["location"]["lines"]["begin"] + 3


def test_severities_follow_bandit_and_the_gate(every_kind_reports: dict[str, Path]) -> None:
    plain = _issues(every_kind_reports["plain-codeclimate"])
    assert _find(plain, "B602", "app/sec.py")["severity"] == "critical"  # HIGH
    assert _find(plain, "B301", "app/with space é.py")["severity"] == "major"  # MEDIUM
    assert _find(plain, "B404", "app/sec.py")["severity"] == "minor"  # LOW, not counted by the gate
    assert _find(plain, "DR001", "app/orders.py")["severity"] == "major"  # complexity 14, limit 10
    assert _find(plain, "DR002", "app/orders.py")["severity"] == "major"
    assert _find(plain, "DR003", "broken/syntax.py")["severity"] == "major"
    baseline = _issues(every_kind_reports["baseline-codeclimate"])
    assert _find(baseline, "B324", "app/new.py")["severity"] == "critical"  # new: fails the gate
    accepted = _find(baseline, "DR001", "app/orders.py")
    assert accepted["severity"] == "info" and accepted["description"].endswith("Accepted by the baseline.")


def test_a_finding_or_function_spans_its_lines(every_kind_reports: dict[str, Path]) -> None:
    plain = _issues(every_kind_reports["plain-codeclimate"])
    assert _find(plain, "B602", "app/sec.py")["location"]["lines"] == {"begin": 8, "end": 9}
    assert _find(plain, "DR001", "app/orders.py")["location"]["lines"] == {"begin": 10, "end": 41}


def test_a_project_without_problems_gives_an_empty_array(tmp_path: Path) -> None:
    (tmp_path / "devreliab.jsonc").write_text("{}\n", encoding="utf-8")
    (tmp_path / "ok.py").write_text('def add(a: int, b: int) -> int:\n    """Sum."""\n    return a + b\n',
                                    encoding="utf-8")
    proc = run_devreliab("analyze", "--format", "codeclimate", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []
