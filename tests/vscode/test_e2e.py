"""The packaged extension in a real VS Code: code-server with the .vsix installed, a copy of the bundled example
project open, the real ``devreliab serve`` of this checkout behind it, driven by headless Chromium through
``e2e/driver.js`` (the page object is ``e2e/workbench.js``).

Everything is installed by the test itself on first use (Node 24 and code-server from the npm registry, Debian's
Chromium and playwright-core; see ``_codeserver.py``). Artifacts — a screenshot per step, code-server's log and
its log directory (the extension host's log, the extension's own log), the browser console — go to
``$DEVRELIAB_ARTIFACTS`` (default: the test's tmp dir). ``DEVRELIAB_UPDATE_DOCS=1`` also copies the screenshots to
``docs/images/vscode-*.png``; ``DEVRELIAB_E2E_VSIX=<file>`` tests that package instead of building one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devreliab.vfs import Workspace
from tests.vscode._codeserver import Browser, DriverError, code_server, install_extension, log_files_note, serving
from tests.vscode.conftest import REPO

FIXTURE = REPO / "fixtures" / "example"
DEVRELIAB = Path(sys.executable).with_name("devreliab")
CONTAINER = "DevReliab"
EXTENSION_ID = "devreliab.devreliab"


@dataclass
class VSCode:
    browser: Browser
    workspace: Path
    report: dict[str, Any]
    artifacts: Path
    user_data_dir: Path

    def call(self, op: str, *args: Any, timeout: float = 150) -> Any:
        """A step in the browser (a method of e2e/workbench.js); a failure carries the extension's logs."""
        try:
            return self.browser.call(op, *args, timeout=timeout)
        except DriverError as exc:
            raise DriverError(f"{exc}\n\nThe extension's logs:\n{self.extension_host_log()}") from None

    def screenshot(self, name: str) -> Path:
        """Saves ``<artifacts>/vscode-<name>.png`` (and docs/images/vscode-<name>.png with DEVRELIAB_UPDATE_DOCS=1)."""
        shot = Path(self.call("screenshot", f"vscode-{name}"))
        if os.environ.get("DEVRELIAB_UPDATE_DOCS") == "1":
            images = REPO / "docs" / "images"
            images.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, images / shot.name)
        return shot

    def extension_host_log(self) -> str:
        """The extension host's log and the extension's own log (its LogOutputChannel), for failure messages."""
        parts = [log_files_note()]
        for log in sorted((self.user_data_dir / "logs").rglob("*.log")):
            rel = log.relative_to(self.user_data_dir)
            if EXTENSION_ID in str(rel):
                parts.append(f"--- {rel}\n{log.read_text(errors='replace')[-6000:]}")
            elif log.name == "remoteexthost.log":
                problems = extension_problems(log.read_text(errors="replace"))
                parts.append(f"--- {rel}: errors and warnings that mention {EXTENSION_ID}\n"
                             + ("\n".join(problems) or "(none)"))
        return "\n".join(parts).strip()


def extension_problems(log: str) -> list[str]:
    """The [error] and [warning] entries of an extension host log that mention the extension (first lines of each)."""
    entries: list[list[str]] = []
    for line in log.splitlines():
        if line[:4].isdigit() or not entries:
            entries.append([line])
        else:
            entries[-1].append(line)
    return ["\n".join(e[:12]) for e in entries
            if ("[error]" in e[0] or "[warning]" in e[0]) and EXTENSION_ID in "\n".join(e)]


def analyze_json(root: Path) -> dict[str, Any]:
    proc = subprocess.run([str(DEVRELIAB), "analyze", "--format", "json", "."], cwd=root, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr  # 1: the example's gate fails on purpose
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def make_workspace(tmp_path: Path) -> Path:
    """A copy of the example project whose settings point the extension at this checkout's ``devreliab`` (run with
    the test's environment: ``PYTHONPATH`` reaches the server through code-server and its extension host)."""
    ws = tmp_path / "example"
    shutil.copytree(FIXTURE, ws, ignore=shutil.ignore_patterns(".devreliab", "__pycache__"))
    (ws / ".vscode").mkdir()
    settings = {
        "devreliab.serverCommand": [str(DEVRELIAB)],
        # no periodic refresh within the test: the Health view must follow the first scan's end and the
        # server's devreliab://health updates by itself
        "devreliab.healthRefreshSeconds": 3600,
    }
    (ws / ".vscode" / "settings.json").write_text(json.dumps(settings, indent=2))
    return ws


def user_settings(user_data_dir: Path) -> None:
    """A quiet editor: no welcome page, no tips, no telemetry, nothing that needs the internet."""
    settings = {
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.enableExperiments": False,
        "telemetry.telemetryLevel": "off",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "extensions.ignoreRecommendations": True,
        "update.mode": "none",
        "security.workspace.trust.enabled": False,
        "chat.disableAIFeatures": True,
        "git.enabled": False,
        "files.autoSave": "off",  # the test saves explicitly
        "workbench.secondarySideBar.defaultVisibility": "hidden",
    }
    (user_data_dir / "User").mkdir(parents=True, exist_ok=True)
    (user_data_dir / "User" / "settings.json").write_text(json.dumps(settings, indent=2))


@pytest.fixture(scope="module")
def vscode(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VSCode]:
    # DEVRELIAB_E2E_VSIX: test an already packaged extension (a CI artifact, a release) instead of building one
    given = os.environ.get("DEVRELIAB_E2E_VSIX")
    vsix = Path(given) if given else request.getfixturevalue("vsix")
    assert vsix.is_file(), f"no extension package at {vsix}"
    tmp = tmp_path_factory.mktemp("vscode-e2e")
    artifacts = Path(os.environ.get("DEVRELIAB_ARTIFACTS") or tmp / "artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    cs = code_server()
    user_data_dir, extensions_dir = tmp / "user-data", tmp / "extensions"
    user_settings(user_data_dir)
    install_extension(cs, vsix, user_data_dir=user_data_dir, extensions_dir=extensions_dir)
    workspace = make_workspace(tmp)
    # the expectations come from the CLI, on a second copy: the editor's workspace starts without an analysis cache
    reference = tmp / "reference"
    shutil.copytree(FIXTURE, reference, ignore=shutil.ignore_patterns(".devreliab", "__pycache__"))
    report = analyze_json(reference)
    with serving(cs, workspace, user_data_dir=user_data_dir, extensions_dir=extensions_dir,
                 log=artifacts / "code-server.log") as url:
        browser = Browser(artifacts)
        session = VSCode(browser, workspace, report, artifacts, user_data_dir)
        try:
            opened = browser.call("open", url)
            assert opened["title"].endswith(" - code-server"), opened
            yield session
        finally:
            browser.close()
            (artifacts / "extension-host.log").write_text(session.extension_host_log())
            if (user_data_dir / "logs").is_dir():
                shutil.copytree(user_data_dir / "logs", artifacts / "code-server-logs", dirs_exist_ok=True)


def most_complex_function(report: dict[str, Any]) -> tuple[str, str, int, str]:
    """(path, qualname, complexity, rank) of the most complex function or method in the report."""
    blocks = [(f["path"], b) for f in report["files"] for b in f["blocks"] if b["kind"] in ("function", "method")]
    path, block = max(blocks, key=lambda pb: pb[1]["complexity"])
    return path, block["qualname"], block["complexity"], block["rank"]


def a_high_security_finding(report: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    order = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}
    findings = [(f["path"], x) for f in report["files"] for x in f["findings"]]
    assert findings, "the example project has no bandit finding"
    return min(findings, key=lambda pf: (order[pf[1]["severity"]], pf[0], pf[1]["line"]))


def children(rows: list[dict[str, Any]], parent_label: str) -> list[str]:
    """Labels of the rows one level below the first row whose label is ``parent_label``."""
    start = next((i for i, r in enumerate(rows) if r["label"] == parent_label), None)
    if start is None:
        return []
    out = []
    for r in rows[start + 1:]:
        if r["level"] <= rows[start]["level"]:
            break
        if r["level"] == rows[start]["level"] + 1:
            out.append(r["label"])
    return out


def test_the_activity_bar_opens_the_devreliab_container_with_its_four_views(vscode: VSCode) -> None:
    views = vscode.call("openContainer", CONTAINER)
    assert [v.lower() for v in views] == ["quality", "security", "conflicts", "health"], views
    # the Health webview shows what the running server reports
    health = vscode.call("waitWebviewText", EXTENSION_ID, r"^(ok|degraded|failing)\b[\s\S]*open conflicts", 120_000)
    assert re.search(r"open conflicts:\s*0\b", health), health
    for view, first_level in (("Quality", "shop/"), ("Security", "HIGH")):  # the scan on start-up fills them
        vscode.call("waitTreeRow", view, first_level, 120_000)
    # when the scan is done, Health shows the cache it filled (not the empty numbers of the start), with no poll
    health = vscode.call("waitWebviewText", EXTENSION_ID, r"cache: \d+% hits \(\d+/[1-9]\d*\), [1-9]\d* files", 60_000)
    assert not re.search(r"cache: – hits \(0/0\)", health), health
    vscode.screenshot("container")


def test_the_quality_view_lists_the_most_complex_function_first_with_its_complexity_and_rank(vscode: VSCode) -> None:
    path, qualname, complexity, rank = most_complex_function(vscode.report)
    vscode.call("openContainer", CONTAINER)
    rows = vscode.call("waitTreeRow", "Quality", qualname, 120_000)
    file_rows = [i for i, r in enumerate(rows) if r["level"] == 1 and path in r["label"] + r["aria"]]
    assert file_rows, f"no row for {path} in the Quality view: {rows}"
    first_child = rows[file_rows[0] + 1]
    assert first_child["level"] == 2 and qualname in first_child["label"], (qualname, rows)
    shown = " ".join((first_child["label"], first_child["description"]))
    assert re.search(rf"\b{complexity}\b", shown) and re.search(rf"\brank {rank}\b", shown, re.I), (
        f"complexity {complexity} and rank {rank} not shown in {first_child}")
    # worst first in every file: the functions' complexities, in the order the view lists them, never go up
    for f in vscode.report["files"]:
        cc = {b["qualname"]: b["complexity"] for b in f["blocks"] if b["kind"] in ("function", "method")}
        listed = children(rows, f["path"])
        order = [cc[label] for label in listed if label in cc]
        assert order == sorted(order, reverse=True), f"{f['path']}: {listed} is not worst first ({cc})"
    vscode.screenshot("quality")


def test_the_complexity_code_lens_is_shown_above_the_most_complex_function(vscode: VSCode) -> None:
    path, qualname, complexity, rank = most_complex_function(vscode.report)
    vscode.call("openFile", path)
    shown = vscode.call("waitCodeLensAbove", f"complexity {complexity} · rank {rank}", f"def {qualname}(", 120_000)
    assert shown["lens"].startswith(f"complexity {complexity} · rank {rank}"), shown
    vscode.screenshot("codelens")


def test_the_security_view_groups_a_finding_under_its_severity_with_its_cwe(vscode: VSCode) -> None:
    path, finding = a_high_security_finding(vscode.report)
    vscode.call("openContainer", CONTAINER)
    rows = vscode.call("waitTreeRow", "Security", finding["test_id"], 120_000)
    i = next(i for i, r in enumerate(rows) if r["level"] == 2 and finding["test_id"] in r["label"])
    group = next(r for r in reversed(rows[:i]) if r["level"] == 1)
    assert group["label"].upper().startswith(finding["severity"]), (finding, group)
    shown = " ".join((rows[i]["label"], rows[i]["description"]))
    assert f"CWE-{finding['cwe']}" in shown and f"{path}:{finding['line']}" in shown, rows[i]


def test_a_bandit_finding_of_an_opened_file_is_in_the_problems_panel(vscode: VSCode) -> None:
    path, finding = a_high_security_finding(vscode.report)
    vscode.call("openFile", path)
    rows = vscode.call("waitProblem", finding["test_id"], 120_000)
    hits = [r for r in rows if finding["test_id"] in r["aria"] + r["text"]]
    assert any("devreliab" in r["aria"] + r["text"] for r in hits), hits
    assert any(f"CWE-{finding['cwe']}" in r["aria"] + r["text"] for r in hits), hits
    vscode.screenshot("problems")


def test_fixing_a_finding_in_the_editor_and_saving_clears_it_from_the_problems_panel(vscode: VSCode) -> None:
    # the example's MD5 (bandit B324) and the fix devreliab recommends for it: hashlib.sha256(payload)
    md5 = [f["path"] for f in vscode.report["files"] for x in f["findings"] if x["test_id"] == "B324"]
    assert md5, "the example project has no MD5 finding (B324)"
    path = md5[0]
    others = [x["test_id"] for f in vscode.report["files"] if f["path"] == path for x in f["findings"]
              if x["test_id"] != "B324"]
    vscode.call("openFile", path)
    vscode.call("waitProblem", "B324", 120_000)
    vscode.call("editorReplaceAndSave", "hashlib.md5(", "hashlib.sha256(")
    assert "hashlib.sha256(" in (vscode.workspace / path).read_text()  # saved through the editor
    rows = vscode.call("waitNoProblem", "B324", 120_000)
    for test_id in others:  # re-analysed, not cleared
        assert any(test_id in r["aria"] + r["text"] for r in rows), (test_id, rows)
    vscode.screenshot("fixed")


def test_a_conflict_between_two_writers_is_resolved_from_the_conflicts_view(vscode: VSCode) -> None:
    path = "shop/pricing.py"
    a, b = Workspace(vscode.workspace, client_id="agent-a"), Workspace(vscode.workspace, client_id="agent-b")
    read_a, read_b = a.read(path), b.read(path)  # both agents start from the same version
    assert read_a.version == read_b.version and read_a.content is not None and read_b.content is not None
    theirs = read_a.content.replace('"WELCOME10": 0.10', '"WELCOME10": 0.15')  # written first: on disk
    ours = read_b.content.replace('"WELCOME10": 0.10', '"WELCOME10": 0.12')  # same line: conflicts
    assert theirs != read_a.content and ours != read_b.content
    assert a.write(path, theirs).status == "written"
    conflict = b.write(path, ours)
    assert conflict.status == "conflict" and conflict.conflict_id
    assert (vscode.workspace / path).read_text() == theirs  # nothing lost, nothing overwritten yet

    vscode.call("openContainer", CONTAINER)
    rows = vscode.call("waitTreeRow", "Conflicts", Path(path).name, 120_000)
    vscode.call("waitWebviewText", EXTENSION_ID, r"open conflicts:\s*1\b", 60_000)  # Health agrees
    vscode.call("clickRow", "Conflicts", "theirs ↔ ours")  # the compare: what is on disk against agent-b's text
    diff = vscode.call("diffEditorText")
    assert '"WELCOME10": 0.15' in diff["original"] and '"WELCOME10": 0.12' in diff["modified"], diff
    vscode.screenshot("conflicts")
    row = next(r for r in rows if Path(path).name in r["label"] + r["aria"])
    assert "agent-b" in row["label"] + row["description"] + row["aria"], row  # whose write conflicted
    vscode.call("rowAction", "Conflicts", row["label"], "Take Mine")

    deadline = time.monotonic() + 60
    while (vscode.workspace / path).read_text() != ours:
        assert time.monotonic() < deadline, (
            f"{path} on disk is not the agent-b version 60 s after Take Mine:\n{(vscode.workspace / path).read_text()}")
        time.sleep(0.25)
    assert not b.list_conflicts().conflicts
    vscode.call("waitNoTreeRow", "Conflicts", Path(path).name, 60_000)
    vscode.screenshot("conflict-resolved")


def wait_for_diff(vscode: VSCode, original: str, modified: str, timeout: float = 60) -> dict[str, Any]:
    """The active diff editor once its sides hold ``original`` and ``modified`` (an earlier diff may show first)."""
    deadline = time.monotonic() + timeout
    while True:
        diff: dict[str, Any] = vscode.call("diffEditorText")
        if original in diff["original"] and modified in diff["modified"]:
            return diff
        assert time.monotonic() < deadline, f"no diff of {original!r} ↔ {modified!r} after {timeout} s: {diff}"
        time.sleep(0.5)


def test_take_theirs_resolves_a_second_conflict_by_keeping_what_is_on_disk(vscode: VSCode) -> None:
    path = "shop/orders.py"
    c, d = Workspace(vscode.workspace, client_id="agent-c"), Workspace(vscode.workspace, client_id="agent-d")
    read_c, read_d = c.read(path), d.read(path)
    assert read_c.version == read_d.version and read_c.content is not None and read_d.content is not None
    docstring = read_c.content.splitlines(keepends=True)[0]
    theirs = read_c.content.replace(docstring, '"""Order handling, as agent-c left it."""\n', 1)  # on disk
    ours = read_d.content.replace(docstring, '"""Order handling, as agent-d wanted it."""\n', 1)  # conflicts
    assert c.write(path, theirs).status == "written"
    conflict = d.write(path, ours)
    assert conflict.status == "conflict" and conflict.conflict_id

    vscode.call("openContainer", CONTAINER)
    rows = vscode.call("waitTreeRow", "Conflicts", Path(path).name, 120_000)
    vscode.call("waitWebviewText", EXTENSION_ID, r"open conflicts:\s*1\b", 60_000)
    # base ↔ theirs: the base text too comes from the server's devreliab://conflict/{id} resource
    vscode.call("clickRow", "Conflicts", "base ↔ theirs")
    wait_for_diff(vscode, docstring.strip(), "as agent-c left it")
    row = next(r for r in rows if Path(path).name in r["label"] + r["aria"])
    assert "agent-d" in row["label"] + row["description"] + row["aria"], row
    vscode.call("rowAction", "Conflicts", row["label"], "Take Theirs")

    deadline = time.monotonic() + 60
    while d.list_conflicts().conflicts:
        assert time.monotonic() < deadline, f"conflict {conflict.conflict_id} still open 60 s after Take Theirs"
        time.sleep(0.25)
    assert (vscode.workspace / path).read_text() == theirs  # the disk kept, agent-d's text dropped
    vscode.call("waitNoTreeRow", "Conflicts", Path(path).name, 60_000)
    vscode.call("waitWebviewText", EXTENSION_ID, r"open conflicts:\s*0\b", 60_000)
    vscode.screenshot("conflict-theirs")


def test_typing_updates_a_finding_without_saving(vscode: VSCode) -> None:
    path = "shop/pricing.py"
    on_disk = (vscode.workspace / path).read_text()
    assert "eval(" not in on_disk
    vscode.call("openFile", path)
    vscode.call("editorTypeAtEnd", "\nrate = eval(input())\n")
    rows = vscode.call("waitProblem", "B307", 60_000)  # the unsaved buffer, analysed while typing
    assert (vscode.workspace / path).read_text() == on_disk  # nothing was saved
    assert any("devreliab" in r["aria"] + r["text"] for r in rows if "B307" in r["aria"] + r["text"]), rows
    vscode.screenshot("typing")
    vscode.call("command", "File: Revert File")
    vscode.call("waitNoProblem", "B307", 60_000)


def test_a_broken_config_shows_the_real_message_and_a_fixed_one_recovers_without_a_restart(vscode: VSCode) -> None:
    config = vscode.workspace / "devreliab.jsonc"
    good = config.read_text()
    line = next(i for i, text in enumerate(good.splitlines(), 1) if '"complexity_below": 10,' in text)
    config.write_text(good.replace('"complexity_below": 10,', '"complexity_below": 10,,', 1))
    try:
        shown = vscode.call("waitNotification", rf"devreliab\.jsonc.*line {line}, column \d+", 120_000)
        assert "Traceback" not in shown and "+---" not in shown, shown
        vscode.call("openContainer", CONTAINER)
        vscode.call("waitWebviewText", EXTENSION_ID, r"server failed", 60_000)
        vscode.screenshot("config-error")
    finally:
        config.write_text(good)
    # saved fixed: the watcher restarts the server, no command needed
    health = vscode.call("waitWebviewText", EXTENSION_ID, r"^(ok|degraded|failing)\b[\s\S]*open conflicts", 120_000)
    assert "server failed" not in health, health


def test_a_two_folder_workspace_serves_both_folders(vscode: VSCode, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    (lib / "tools").mkdir(parents=True)
    (lib / "tools" / "calc.py").write_text("def compute(expression):\n    return eval(expression)\n")
    (lib / ".vscode").mkdir()
    (lib / ".vscode" / "settings.json").write_text(json.dumps({"devreliab.serverCommand": [str(DEVRELIAB)]}))
    workspace_file = tmp_path / "two.code-workspace"
    workspace_file.write_text(json.dumps({"folders": [{"path": str(vscode.workspace)}, {"path": str(lib)}],
                                          "settings": {"devreliab.healthRefreshSeconds": 3600}}))
    url = vscode.call("url")
    opened = vscode.call("open", url.split("?")[0] + f"?workspace={workspace_file}")
    assert opened["title"].endswith(" - code-server"), opened
    vscode.call("openFile", "tools/calc.py")  # the second folder's file: its own server analyses it
    vscode.call("waitProblem", "B307", 120_000)
    vscode.call("openContainer", CONTAINER)
    vscode.call("waitTreeRow", "Quality", "tools/calc.py", 120_000)
    items = vscode.call("statusBarItems", "devreliab")
    assert any("devreliab lib" in i["text"] for i in items), items  # the status names the folder it shows
    vscode.call("openFile", "shop/deploy.py")  # and the first folder's server is still there
    vscode.call("waitTreeRow", "Quality", "shop/", 120_000)
    items = vscode.call("statusBarItems", "devreliab")
    assert any("devreliab example" in i["text"] and "folder" not in i["text"] for i in items), items
    vscode.screenshot("multi-root")
