"""`devreliab analyze` as a user runs it: outputs, scopes, the cache, hotspots and usage errors."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import CC9, CC10, FIXTURE, MakeProject, git, run_cli


def test_the_bundled_example_fails_its_gate_with_concrete_advice() -> None:
    result = run_cli("analyze", "--no-cache", str(FIXTURE), cwd=FIXTURE.parent)
    assert result.code == 1
    assert "process_order has cyclomatic complexity 14" in result.out
    assert "subprocess.call(['tar', 'czf', f'{name}.tar.gz', 'build'])" in result.out
    assert "hashlib.sha256(payload)" in result.out
    assert "Gate failed" in result.out
    assert result.err == ""


def test_json_output_is_versioned_and_complete(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC10, "b.py": "import subprocess\nsubprocess.call(input(), shell=True)\n"})
    result = run_cli("analyze", "--format", "json", cwd=root)
    assert result.code == 1
    doc = json.loads(result.out)
    assert doc["schema_version"] == 1 and doc["tool"]["name"] == "devreliab"
    assert doc["summary"]["files"] == 2 and doc["summary"]["findings"]["HIGH"] == 1
    assert doc["gate"]["passed"] is False
    assert {v["rule"] for v in doc["gate"]["failing"]} == {"complexity", "B602"}
    a = next(f for f in doc["files"] if f["path"] == "a.py")
    assert a["blocks"][0]["complexity"] == 10 and a["recommendations"][0]["strategies"]


def test_output_goes_to_a_file_when_asked(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC9})
    result = run_cli("analyze", "--format", "json", "--output", "report.json", cwd=root)
    assert result.code == 0 and result.out == ""
    assert json.loads((root / "report.json").read_text())["gate"]["passed"] is True


def test_a_second_run_is_served_from_the_cache_and_a_change_is_reanalysed(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC9, "b.py": "x = 1\n"})
    first = json.loads(run_cli("analyze", "-f", "json", cwd=root).out)["summary"]
    assert (first["analysed"], first["cached"]) == (2, 0)
    second = json.loads(run_cli("analyze", "-f", "json", cwd=root).out)["summary"]
    assert (second["analysed"], second["cached"]) == (0, 2)
    (root / "b.py").write_text(CC10)
    third = run_cli("analyze", "-f", "json", cwd=root)
    summary = json.loads(third.out)["summary"]
    assert (summary["analysed"], summary["cached"]) == (1, 1)
    assert third.code == 1  # the new content, not a stale cached result


def test_changing_a_gate_setting_does_not_reuse_results_computed_under_the_old_one(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC10})
    assert run_cli("analyze", cwd=root).code == 1
    (root / "devreliab.jsonc").write_text('{"gates": {"complexity_below": 11}}')
    doc = json.loads(run_cli("analyze", "-f", "json", cwd=root).out)
    assert doc["summary"]["analysed"] == 1
    assert doc["gate"]["passed"] is True
    assert doc["files"][0]["recommendations"] == []


def test_no_cache_analyses_everything_again(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC9})
    run_cli("analyze", cwd=root)
    doc = json.loads(run_cli("analyze", "--no-cache", "-f", "json", cwd=root).out)
    assert doc["summary"]["analysed"] == 1


def test_no_cache_writes_no_analysis_cache(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC9})
    assert run_cli("analyze", "--no-cache", cwd=root).code == 0
    db = root / ".devreliab" / "state.db"
    if db.exists():
        with contextlib.closing(sqlite3.connect(db)) as conn:
            assert conn.execute("SELECT count(*) FROM analysis_cache").fetchone() == (0,)
    doc = json.loads(run_cli("analyze", "-f", "json", cwd=root).out)
    assert (doc["summary"]["analysed"], doc["summary"]["cached"]) == (1, 0)


def test_changed_since_analyses_only_changed_and_untracked_files(make_project: MakeProject) -> None:
    root = make_project({"old.py": CC10, "edited.py": "x = 1\n"}, git_repo=True)
    (root / "edited.py").write_text(CC9)
    (root / "new.py").write_text("y = 2\n")
    doc = json.loads(run_cli("analyze", "--changed-since", "HEAD", "-f", "json", cwd=root).out)
    assert sorted(f["path"] for f in doc["files"]) == ["edited.py", "new.py"]
    assert doc["gate"]["passed"] is True  # old.py's CC 10 is not in scope


def test_staged_analyses_the_staged_content_not_the_working_tree(make_project: MakeProject) -> None:
    root = make_project({"keep.py": "x = 1\n"}, git_repo=True)
    (root / "a.py").write_text(CC10)
    git(root, "add", "a.py")
    (root / "a.py").write_text(CC9)  # fixed in the working tree, but not staged
    result = run_cli("analyze", "--staged", cwd=root)
    assert result.code == 1
    assert "grade has cyclomatic complexity 10" in result.out


def test_changed_since_an_unknown_ref_is_a_usage_error(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC9}, git_repo=True)
    result = run_cli("analyze", "--changed-since", "no-such-branch", cwd=root)
    assert result.code == 2 and "no-such-branch" in result.err and "Traceback" not in result.err


def test_hotspots_rank_complex_code_that_changes_often(make_project: MakeProject) -> None:
    root = make_project({"busy.py": CC9, "calm.py": CC9.replace("grade", "score")}, git_repo=True)
    for i in range(5):
        (root / "busy.py").write_text(CC9 + f"\nVERSION = {i}\n")
        git(root, "commit", "-qam", f"change {i}")
    doc = json.loads(run_cli("analyze", "-f", "json", cwd=root).out)
    spots = doc["hotspots"]
    assert spots[0]["path"] == "busy.py" and spots[0]["commits"] == 6
    assert spots[0]["score"] == 9 * 6
    assert spots[1]["path"] == "calm.py" and spots[1]["commits"] == 1


def test_jobs_gives_the_same_result_as_one_process(make_project: MakeProject) -> None:
    files = {f"m{i}.py": CC10.replace("grade", f"grade{i}") for i in range(12)}
    root = make_project(files)
    one = json.loads(run_cli("analyze", "--no-cache", "-j", "1", "-f", "json", cwd=root).out)
    two = json.loads(run_cli("analyze", "--no-cache", "-j", "2", "-f", "json", cwd=root).out)
    assert one["files"] == two["files"]
    assert one["gate"] == two["gate"]


def test_excluded_directories_are_not_analysed(make_project: MakeProject) -> None:
    root = make_project({"src/a.py": CC9, "node_modules/x.py": CC10, "generated/g.py": CC10,
                         "src/gen/deep.py": CC10},
                        config='{"exclude": ["generated", "src/gen"]}')
    doc = json.loads(run_cli("analyze", "-f", "json", cwd=root).out)
    assert [f["path"] for f in doc["files"]] == ["src/a.py"]


def test_usage_errors_exit_with_2_and_say_what_is_wrong(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC9})
    missing = run_cli("analyze", "nope.py", cwd=root)
    assert missing.code == 2 and "nope.py: no such file or directory" in missing.err
    bad_jobs = run_cli("analyze", "--jobs", "zero", cwd=root)
    assert bad_jobs.code == 2 and "expected a whole number" in bad_jobs.err
    bad_format = run_cli("analyze", "--format", "xml", cwd=root)
    assert bad_format.code == 2 and "invalid choice" in bad_format.err
    outside = run_cli("analyze", "--root", str(root), "/etc/hostname", cwd=root)
    assert outside.code == 2 and "outside the workspace root" in outside.err
    for result in (missing, bad_jobs, bad_format, outside):
        assert "Traceback" not in result.err


def test_python_dash_m_and_the_console_script_are_the_same_command(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC9})
    exe = subprocess.run([sys.executable, "-c", "import shutil,sys; print(shutil.which('devreliab', "
                          "path=__import__('os').path.dirname(sys.executable)))"], capture_output=True, text=True)
    script = exe.stdout.strip()
    proc = subprocess.run([script, "analyze", "-f", "json"], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0 and json.loads(proc.stdout)["gate"]["passed"] is True
    version = run_cli("--version", cwd=root)
    assert version.code == 0 and version.out.startswith("devreliab ")


def test_color_only_when_asked_or_on_a_terminal(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC10})
    plain = run_cli("analyze", cwd=root)
    assert "\x1b[" not in plain.out
    coloured = run_cli("analyze", "--color", "always", cwd=root)
    assert "\x1b[31;1mGate failed" in coloured.out


def test_unchanged_files_are_not_reread_but_any_change_is_seen_even_with_the_old_mtime(
        make_project: MakeProject) -> None:
    import os
    import sqlite3

    root = make_project({"a.py": CC9, "b.py": "x = 1\n"})
    old = 1_600_000_000
    for name in ("a.py", "b.py"):
        os.utime(root / name, (old, old))  # long ago, so the stat index may trust them
    run_cli("analyze", cwd=root)
    db = sqlite3.connect(root / ".devreliab" / "state.db")
    assert {r[0] for r in db.execute("SELECT path FROM analysis_files")} == {"a.py", "b.py"}
    db.close()
    # same size, mtime put back (as `cp -p` or a careless tool would): ctime still moves, so it is re-read
    size = (root / "a.py").stat().st_size
    (root / "a.py").write_text(CC9.replace("return -1", "return -2"))
    os.utime(root / "a.py", (old, old))
    assert (root / "a.py").stat().st_size == size
    doc = json.loads(run_cli("analyze", "-f", "json", cwd=root).out)
    a = next(f for f in doc["files"] if f["path"] == "a.py")
    assert doc["summary"]["analysed"] == 1
    assert a["version"] != "" and a["raw"]["sloc"] > 0
    assert "return -2" in (root / "a.py").read_text()


def test_a_file_written_just_now_is_not_trusted_by_its_stat_signature(make_project: MakeProject) -> None:
    import sqlite3

    root = make_project({"a.py": CC9})
    run_cli("analyze", cwd=root)  # a.py was written less than 2 s ago: racily clean, not recorded
    db = sqlite3.connect(root / ".devreliab" / "state.db")
    assert list(db.execute("SELECT path FROM analysis_files")) == []
    db.close()


@pytest.mark.parametrize("fmt", ["sarif", "json", "codeclimate"])
def test_a_failing_gate_with_the_report_in_a_file_prints_a_one_line_summary_on_stderr(
        make_project: MakeProject, fmt: str) -> None:
    root = make_project({"a.py": CC10, "b.py": "import subprocess\nsubprocess.call(input(), shell=True)\n"})
    run = run_cli("analyze", "--format", fmt, "-o", "x.out", cwd=root)
    assert run.code == 1 and run.out == ""
    assert run.err == "devreliab: gate failed: 2 violations (1 complexity, 1 security); report written to x.out\n"
    assert (root / "x.out").stat().st_size > 0


def test_a_passing_gate_with_the_report_in_a_file_prints_nothing(make_project: MakeProject) -> None:
    root = make_project({"a.py": CC9})
    run = run_cli("analyze", "--format", "sarif", "-o", "x.sarif", cwd=root)
    assert (run.code, run.out, run.err) == (0, "", "")


def test_the_terminal_report_names_each_rule_once_drops_the_mi_rank_and_explains_the_scores() -> None:
    out = run_cli("analyze", "--no-cache", str(FIXTURE), cwd=FIXTURE.parent).out
    failures = out.split("What to fix first")[0]
    assert "shop/deploy.py:14  B602 subprocess_popen_with_shell_equals_true: subprocess call" in failures
    assert failures.count("B602") == 1 and failures.count("B324") == 1
    mi_line = next(line for line in failures.splitlines() if "maintainability index" in line)
    assert "rank" not in mi_line and mi_line.endswith("the gate requires above 50")
    advice = out.split("What to fix first\n")[1].split("\n\n")[0].splitlines()
    assert advice[-1].strip().startswith("score = expected effect") and "÷ effort" in advice[-1]
