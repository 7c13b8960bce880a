"""One file's analysis through the public API: metrics, findings with nosec, and bad input that never crashes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from devreliab import analyze_path
from devreliab.guidance import FileAnalysis
from tests.conftest import CC9, CC10, MakeProject, run_cli


def _file(result_files: tuple[FileAnalysis, ...], path: str) -> FileAnalysis:
    return next(f for f in result_files if f.path == path)


def test_functions_methods_closures_and_classes_get_radons_complexity(make_project: MakeProject) -> None:
    root = make_project({"m.py": """
        class Shop:
            def buy(self, n):
                if n > 1 and n < 5:
                    return 1
                return 0

        def outer(xs):
            def inner(x):
                return x if x else 0
            return [inner(x) for x in xs if x]

        async def fetch(urls):
            async for u in urls:
                try:
                    pass
                except ValueError:
                    pass
        """})
    f = _file(analyze_path(root=root, use_cache=False).files, "m.py")
    blocks = {b.qualname: (b.kind, b.complexity, b.rank) for b in f.blocks}
    assert blocks == {
        "Shop": ("class", 4, "A"),  # radon: 1 + the methods' decisions + 1 per method
        "Shop.buy": ("method", 3, "A"),
        "outer": ("function", 3, "A"),
        "outer.inner": ("function", 2, "A"),
        "fetch": ("function", 3, "A"),
    }
    assert f.raw is not None and f.raw.loc == 18 and f.raw.blank == 3  # dedent keeps the leading newline
    assert f.halstead is not None and f.halstead.h1 > 0
    assert f.maintainability is not None and 0 <= f.maintainability <= 100 and f.mi_rank == "A"
    buy = next(b for b in f.blocks if b.qualname == "Shop.buy")
    assert buy.halstead is not None and buy.halstead.N1 >= 3


def test_findings_carry_id_severity_confidence_cwe_lines_and_enclosing_function(make_project: MakeProject) -> None:
    root = make_project({"d.py": """
        import subprocess

        def deploy(cmd):
            subprocess.call(
                cmd,
                shell=True,
            )
        """})
    f = _file(analyze_path(root=root, use_cache=False).files, "d.py")
    b602 = next(x for x in f.findings if x.test_id == "B602")
    assert (b602.severity, b602.confidence, b602.cwe) == ("HIGH", "HIGH", 78)
    # bandit reports the line of the offending keyword, and the call's whole line range
    assert b602.line == 7 and b602.line_range == (5, 6, 7, 8)
    assert b602.qualname == "deploy"
    assert b602.cwe_link == "https://cwe.mitre.org/data/definitions/78.html"
    assert b602.more_info.startswith("https://bandit.readthedocs.io/")
    assert "subprocess.call(" in b602.code
    b404 = next(x for x in f.findings if x.test_id == "B404")
    assert b404.qualname == "<module>"


def test_nosec_is_honoured_as_bandit_honours_it(make_project: MakeProject) -> None:
    root = make_project({"n.py": """
        import subprocess  # nosec
        subprocess.call("a", shell=True)  # nosec B602
        subprocess.call("b", shell=True)  # nosec B101
        subprocess.call("c", shell=True)
        """})
    f = _file(analyze_path(root=root, use_cache=False).files, "n.py")
    assert [(x.test_id, x.line) for x in f.findings if x.test_id == "B602"] == [("B602", 4), ("B602", 5)]
    assert not any(x.test_id == "B404" for x in f.findings)


def test_every_kind_of_bad_file_gets_its_own_error_and_the_rest_is_analysed(make_project: MakeProject) -> None:
    deep = "x = " + "(" * 50 + "1" + ")" * 50 + "\n" + "y = " + "-" * 100_000 + "1\n"
    generated = "".join(f"def f{i}(a):\n    return a + {i}\n" for i in range(20_000))  # > the 200 kB limit
    root = make_project({
        "good.py": CC9,
        "syntax.py": "def broken(:\n    pass\n",
        "binary.py": b"\x7fELF\x02\x01\x01\x00\x00\x00",
        "latin.py": b"name = '\xe9t\xe9'\n",
        "nul.py": b"x = 1\x00\n",
        "deep.py": deep,
        "huge.py": generated,
        "cookie.py": b"# -*- coding: klingon -*-\nx = 1\n",
    }, config='{"analysis": {"max_file_bytes": 200000}}')
    os.mkfifo(root / "fifo.py")
    (root / "dangling.py").symlink_to(root / "nowhere.py")
    result = analyze_path(root=root, use_cache=False)
    errors = {f.path: (f.error.kind, f.error.message) for f in result.files if f.error}
    assert _file(result.files, "good.py").error is None
    assert errors["syntax.py"][0] == "syntax" and "line 1" in errors["syntax.py"][1]
    assert errors["binary.py"][0] == "binary"
    assert errors["latin.py"][0] == "encoding" and "line 1" in errors["latin.py"][1]
    assert errors["nul.py"][0] == "binary"
    assert errors["deep.py"][0] == "syntax" and "nested" in errors["deep.py"][1]
    assert errors["huge.py"][0] == "too-large" and "analysis.max_file_bytes" in errors["huge.py"][1]
    assert errors["cookie.py"][0] == "encoding"
    assert errors["fifo.py"][0] == "unreadable"
    assert errors["dangling.py"][0] == "unreadable"
    assert not result.gate.passed  # fail_on_errors is on by default
    assert {v.path for v in result.gate.failing if v.rule == "error"} == set(errors)


def test_five_megabytes_of_generated_code_get_a_too_large_error_naming_the_setting(
        make_project: MakeProject) -> None:
    generated = "".join(f"def f{i}(a):\n    return a + {i}\n" for i in range(150_000))
    assert len(generated) > 5_000_000
    root = make_project({"gen.py": generated, "small.py": CC9})
    result = analyze_path(root=root, use_cache=False)
    gen = _file(result.files, "gen.py")
    assert gen.error is not None and gen.error.kind == "too-large"
    assert "analysis.max_file_bytes" in gen.error.message
    assert _file(result.files, "small.py").error is None


def test_a_large_generated_file_is_analysed_when_the_limit_allows(make_project: MakeProject) -> None:
    generated = "".join(f"def f{i}(a):\n    return a + {i}\n" for i in range(20_000))
    root = make_project({"gen.py": generated}, config='{"analysis": {"max_file_bytes": 2000000}}')
    f = _file(analyze_path(root=root, use_cache=False, jobs=1).files, "gen.py")
    assert f.error is None
    assert len(f.functions) == 20_000


def test_an_unreadable_file_is_reported_without_a_traceback() -> None:
    # a world-readable workspace, so the run can drop to an unprivileged user when the tests run as root
    # (root can read any file); the file itself is unreadable
    root = Path(tempfile.mkdtemp(prefix="devreliab-perm-"))
    try:
        root.chmod(0o777)
        (root / "ok.py").write_text("x = 1\n")
        (root / "secret.py").write_text("y = 2\n")
        (root / "secret.py").chmod(0)
        prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] if os.geteuid() == 0 else []
        proc = subprocess.run([*prefix, sys.executable, "-m", "devreliab", "analyze", "--no-cache", "."], cwd=root,
                              capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
        assert "secret.py" in proc.stdout and "permission denied" in proc.stdout, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        assert proc.returncode == 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_a_workspace_the_user_cannot_enter_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.py").write_text("x = 1\n")
    tmp_path.chmod(0o755)
    locked.chmod(0)
    prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] if os.geteuid() == 0 else []
    try:
        proc = subprocess.run([*prefix, sys.executable, "-m", "devreliab", "analyze", str(locked / "a.py")],
                              cwd="/", capture_output=True, text=True, timeout=120)
    finally:
        locked.chmod(0o755)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "ermission denied" in proc.stderr


def test_the_cli_survives_bad_files_with_exit_code_1_and_names_each(make_project: MakeProject) -> None:
    root = make_project({"good.py": CC10, "bad.py": "def (:\n"})
    result = run_cli("analyze", cwd=root)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "bad.py" in result.out and "syntax error at line 1" in result.out
    assert "grade has cyclomatic complexity 10" in result.out
