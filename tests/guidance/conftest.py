"""Projects on disk for the report-format tests, the ``devreliab`` command run for real, and the SARIF
validator (Microsoft's SARIF Multitool from npm, installed on first use by ``tests/tools.py``)."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.tools import npm_tool

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "fixtures" / "example"

# A project with every kind of problem the reports carry: a complex function (complexity 14, lines
# 10-41) in a file with a low maintainability index (48.3), security findings of each severity (one
# spanning lines, two of one rule in one function, one after non-ASCII text on its line), a file whose
# name needs URI escaping, and files that cannot be analysed (syntax error, bad encoding, binary).
ORDERS_SOURCE = (Path(__file__).resolve().parents[2] / "fixtures" / "example" / "shop" / "orders.py").read_text()

SECURITY_SOURCE = '''import hashlib
import subprocess


def run(name):
    subprocess.call(
        "tar czf " + name,
        shell=True,
    )


def digest(data):
    label = "données"; h = hashlib.md5(data)
    return h, hashlib.sha1(data), label
'''


def run_devreliab(*args: str | Path, cwd: Path | None = None, timeout: float = 180
                  ) -> subprocess.CompletedProcess[str]:
    """``python -m devreliab ARGS`` in a fresh process (bounded), output captured."""
    return subprocess.run([sys.executable, "-m", "devreliab", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, check=False)


def run_devreliab_together(runs: list[list[str | Path]], cwd: Path, timeout: float = 180
                            ) -> list[tuple[int, str]]:
    """Several ``python -m devreliab`` processes at once (each with ``--no-cache``, so they share no state,
    and one job, so they start no worker pools); their exit codes and stderr, in order."""
    procs = [subprocess.Popen([sys.executable, "-m", "devreliab", *map(str, args), "--no-cache", "-j", "1"],
                              cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for args in runs]
    out = []
    for proc in procs:
        _, err = proc.communicate(timeout=timeout)
        out.append((proc.returncode, err))
    return out


def write_every_kind_project(root: Path, config: str = '{"gates": {"max_findings": {"high": 0, "medium": 0}}}'
                             ) -> Path:
    files = {
        "devreliab.jsonc": config + "\n",
        "app/__init__.py": "",
        "app/orders.py": ORDERS_SOURCE,
        "app/sec.py": SECURITY_SOURCE,
        "app/with space é.py": "import pickle\n\n\ndef load(blob):\n    return pickle.loads(blob)\n",
        "broken/syntax.py": "def broken(:\n    pass\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "broken" / "encoding.py").write_bytes(b"x = '\xff\xfe'\n")
    (root / "broken" / "binary.py").write_bytes(b"\x00\x01binary\n")
    return root


def copy_example_project(root: Path) -> Path:
    """fixtures/example copied to ``root`` and committed to a fresh git repository (so it has hotspots)."""
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".devreliab", "__pycache__"))
    git = ["git", "-c", "user.name=devreliab tests", "-c", "user.email=tests@devreliab.invalid",
           "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "example"]):
        subprocess.run([*git, *args], cwd=root, check=True, capture_output=True, timeout=60)
    return root


def shift_lines(path: Path, count: int = 3) -> None:
    """Insert ``count`` blank lines at the top of ``path``: every line below moves, no metric changes (a
    comment would raise the maintainability index)."""
    path.write_text("\n" * count + path.read_text(encoding="utf-8"), encoding="utf-8")


def sarif_results(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text(encoding="utf-8"))["runs"][0]["results"])


def validate_sarif(files: list[Path], out: Path) -> dict[str, list[str]]:
    """Run ``sarif-multitool validate`` on ``files``; its findings at every level, per validated file name.

    The validator's output is itself SARIF: a result's level is its own ``level``, else its rule's default,
    else ``warning``. Each problem is given as ``"LEVEL RULE: arguments"``.
    """
    exe = npm_tool("sarif", "@microsoft/sarif-multitool@5.7.0", "sarif-multitool")
    # the npm launcher runs the native tool through a shell, so every argument is quoted for one
    args = ["validate", *map(str, files), "-o", str(out), "--log", "ForceOverwrite",
            "--level", "Error;Warning;Note"]
    proc = subprocess.run([str(exe), *map(shlex.quote, args)], capture_output=True, text=True, timeout=600,
                          check=False)
    assert out.exists(), f"the SARIF validator wrote no output:\n{proc.stdout}\n{proc.stderr}"
    log = json.loads(out.read_text(encoding="utf-8-sig"))
    found: dict[str, list[str]] = {f.name: [] for f in files}
    for run in log["runs"]:
        assert all(inv.get("executionSuccessful", True) for inv in run.get("invocations", [])), proc.stdout
        rules = run["tool"]["driver"].get("rules", [])
        for result in run.get("results", []):
            index = result.get("ruleIndex", len(rules))
            rule = rules[index] if index < len(rules) else {}
            level = result.get("level") or rule.get("defaultConfiguration", {}).get("level", "warning")
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            name = uri.rstrip("/").rsplit("/", 1)[-1]
            found.setdefault(name, []).append(
                f"{level} {result['ruleId']}: {result['message'].get('arguments') or result['message']}")
    return found


def blocking(problems: list[str]) -> list[str]:
    """The validator's errors and warnings (notes are advice, such as 'URI not reachable' offline)."""
    return [p for p in problems if not p.startswith("note ")]


@pytest.fixture(scope="session")
def every_kind_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The every-kind project analysed in plain mode (sarif, codeclimate, json) and again, after a baseline
    was written and the code moved down, in baseline mode with one new problem added."""
    base = tmp_path_factory.mktemp("every-kind")
    project = write_every_kind_project(base / "project")
    out: dict[str, Path] = {"project": project}
    formats = (("sarif", "sarif"), ("codeclimate", "json"), ("json", "json"))
    for fmt, suffix in formats:
        out[f"plain-{fmt}"] = base / f"plain-{fmt}.{suffix}"
    runs: list[list[str | Path]] = [
        ["analyze", "--format", fmt, "-o", out[f"plain-{fmt}"]] for fmt, _ in formats]
    for code, err in run_devreliab_together(runs, cwd=project):
        assert code == 1, err  # the gate fails: the project has failing problems
    proc = run_devreliab("analyze", "--write-baseline", base / "baseline.json", cwd=project)
    assert proc.returncode == 0, proc.stderr
    for name in ("app/sec.py", "app/orders.py", "app/with space é.py"):
        shift_lines(project / name)
    (project / "app" / "new.py").write_text("import hashlib\n\n\ndef h(x):\n    return hashlib.md5(x)\n",
                                            encoding="utf-8")
    for fmt, suffix in formats:
        out[f"baseline-{fmt}"] = base / f"baseline-{fmt}.{suffix}"
    runs = [["analyze", "--baseline", base / "baseline.json", "--format", fmt, "-o", out[f"baseline-{fmt}"]]
            for fmt, _ in formats]
    for code, err in run_devreliab_together(runs, cwd=project):
        assert code == 1, err  # the new MD5 use fails the gate
    return out


# Eight files whose analyses all differ (findings or none, "# nosec" or none, complex or simple), for the
# concurrency tests: a file answered with another file's findings, metrics or recommendations shows at once.
CONCURRENCY_FILES: dict[str, str] = {
    **{f"shop/{p.name}": p.read_text(encoding="utf-8") for p in sorted((EXAMPLE / "shop").glob("*.py"))},
    "app/sec.py": SECURITY_SOURCE,
    "app/unpickle.py": "import pickle\n\n\ndef load(blob):\n    return pickle.loads(blob)\n",
    "app/fetch.py": ("import requests\nimport yaml\n\n\ndef fetch(url, token):\n"
                     "    r = requests.get(url, verify=False)\n    return yaml.load(r.text), eval(token)\n"),
    "app/orders_nosec.py": ORDERS_SOURCE + "\n\ndef run(cmd):\n    import os\n"
                                           "    os.system(cmd)  # nosec B605 - trusted\n    assert cmd\n",
}


def write_concurrency_project(root: Path) -> Path:
    """The example project's configuration with the eight ``CONCURRENCY_FILES`` under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLE / "devreliab.jsonc", root / "devreliab.jsonc")
    for name, text in CONCURRENCY_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
