"""devreliab as a pre-commit hook, run by the real ``pre-commit`` in throwaway git repositories.

The hook is taken from this repository's working tree, uncommitted and untracked files included, so the test
checks the code as it is being written. ``pre-commit try-repo`` can't do that: it leaves untracked files out
(a new ``.pre-commit-hooks.yaml`` included), and it builds the hook's environment in a temporary store every
time. Instead the package's files are written into a snapshot repository under ``TOOLS/pre-commit`` as a
commit whose id depends on the files alone; the test repositories name it as ``repo:`` with that ``rev:``,
like a user's ``.pre-commit-config.yaml`` does, and pre-commit's own store (``PRE_COMMIT_HOME``, also under
``TOOLS/pre-commit``) builds the environment, a virtualenv with devreliab pip-installed from the snapshot,
once per version of the package's files and machine. ``try-repo`` itself is tested on the snapshot, where
everything is committed.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.tools import TOOLS

REPO = Path(__file__).resolve().parents[1]
CACHE = TOOLS / "pre-commit"
STORE = CACHE / "home"  # PRE_COMMIT_HOME
SNAPSHOTS = CACHE / "source.git"
HOOK_ID = "devreliab"

# Top-level directories that are not part of the installed package: leaving them out of the snapshot means
# editing tests or docs does not rebuild the hook environment. Everything else (pyproject.toml, README.md,
# .pre-commit-hooks.yaml, devreliab/, fixtures/ — the wheel carries fixtures/example for `devreliab demo` —
# ...) goes in.
NOT_PACKAGED = ("tests", "docs", "benchmarks", "scripts", ".ci")

BUILD_TIMEOUT = 600  # creating the hook environment: a virtualenv and a pip install of devreliab
RUN_TIMEOUT = 120  # one pre-commit or git command once the environment exists

IDENTITY = {
    "GIT_AUTHOR_NAME": "devreliab test",
    "GIT_AUTHOR_EMAIL": "test@devreliab.invalid",
    "GIT_COMMITTER_NAME": "devreliab test",
    "GIT_COMMITTER_EMAIL": "test@devreliab.invalid",
}

CLEAN = 'import subprocess\n\n\ndef run(cmd: list[str]) -> int:\n    return subprocess.call(cmd)\n'
SHELL_TRUE = 'import subprocess\n\n\ndef run(cmd: str) -> int:\n    return subprocess.call(cmd, shell=True)\n'


def _env(**extra: str) -> dict[str, str]:
    """The environment for git and pre-commit: no user or system git config, a fixed identity, the shared
    pre-commit store, no colour, and nothing inherited that steers git or pre-commit (GIT_DIR, SKIP, ...)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "PRE_COMMIT")) and k not in ("SKIP", "NO_COLOR")}
    env.update(IDENTITY)
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", PRE_COMMIT_HOME=str(STORE),
               PRE_COMMIT_COLOR="never")
    env.update(extra)
    return env


def _run(cmd: Sequence[str], cwd: Path, *, timeout: float = RUN_TIMEOUT, env: dict[str, str] | None = None,
         input: str | None = None) -> subprocess.CompletedProcess[str]:
    stdin = {"input": input} if input is not None else {"stdin": subprocess.DEVNULL}
    return subprocess.run(list(cmd), cwd=cwd, env=env or _env(), capture_output=True, text=True,
                          timeout=timeout, check=False, **stdin)


def _check(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, f"{proc.args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _snapshot() -> tuple[Path, str]:
    """Commit the package's files as they are in the working tree into ``SNAPSHOTS``; return its path and
    the commit. The commit has no parent and a fixed author and date, so the same files give the same id
    (and pre-commit reuses the environment it built for it). This repository is only read."""
    listed = _check(_run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO))
    names = sorted({
        name for name in listed.split("\0")
        if name and name.split("/", 1)[0] not in NOT_PACKAGED and os.path.lexists(REPO / name)
    })
    assert ".pre-commit-hooks.yaml" in names, f"{REPO} has no .pre-commit-hooks.yaml"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".snapshot.lock", "w") as lock, tempfile.TemporaryDirectory() as tmp:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test sessions
        if not (SNAPSHOTS / "HEAD").exists():
            _check(_run(["git", "init", "--quiet", "--bare", str(SNAPSHOTS)], CACHE))
        env = _env(GIT_DIR=str(SNAPSHOTS), GIT_WORK_TREE=str(REPO), GIT_INDEX_FILE=str(Path(tmp) / "index"),
                   GIT_AUTHOR_DATE="2000-01-01T00:00:00Z", GIT_COMMITTER_DATE="2000-01-01T00:00:00Z")
        _check(_run(["git", "update-index", "--add", "-z", "--stdin"], REPO, env=env,
                    input="".join(n + "\0" for n in names)))
        tree = _check(_run(["git", "write-tree"], REPO, env=env)).strip()
        commit = _check(_run(["git", "commit-tree", tree, "-m", "devreliab working tree snapshot"], REPO,
                             env=env)).strip()
        # A ref keeps the commit reachable, so pre-commit's full-clone fallback can fetch it too.
        _check(_run(["git", "update-ref", f"refs/tags/snapshot-{commit}", commit], REPO, env=env))
    return SNAPSHOTS, commit


def _config(source: Path, rev: str, args: Sequence[str] = ()) -> str:
    hook: dict[str, object] = {"id": HOOK_ID}
    if args:
        hook["args"] = list(args)
    return json.dumps({"repos": [{"repo": str(source), "rev": rev, "hooks": [hook]}]}, indent=2) + "\n"


def _gate_failures(output: str) -> list[str]:
    """The lines of the terminal report's "Gate failures" section."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Gate failures"))
    section = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        section.append(line)
    return section


@dataclass
class Project:
    """A throwaway git repository whose .pre-commit-config.yaml uses the snapshot's devreliab hook."""

    root: Path
    source: Path
    rev: str

    def write(self, name: str, text: str) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def git(self, *args: str) -> subprocess.CompletedProcess[str]:
        return _run(["git", *args], self.root)

    def pre_commit(self, *args: str, timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess[str]:
        return _run([sys.executable, "-m", "pre_commit", *args], self.root, timeout=timeout)

    def configure(self, args: Sequence[str] = ()) -> None:
        self.write(".pre-commit-config.yaml", _config(self.source, self.rev, args))
        _check(self.git("add", ".pre-commit-config.yaml"))
        _check(self.git("commit", "--quiet", "--no-verify", "-m", "pre-commit config"))

    def head(self) -> str:
        return _check(self.git("rev-parse", "HEAD")).strip()


def _new_project(root: Path, source: Path, rev: str) -> Project:
    root.mkdir(parents=True, exist_ok=True)
    project = Project(root, source, rev)
    _check(project.git("init", "--quiet", "--initial-branch=main"))
    project.write(".gitignore", ".devreliab/\n")  # devreliab's cache, in the workspace root
    project.write(".pre-commit-config.yaml", _config(source, rev))
    _check(project.git("add", "."))
    _check(project.git("commit", "--quiet", "-m", "start"))
    return project


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The snapshot of this repository, with its hook environment built (slow only the first time)."""
    source, rev = _snapshot()
    warm = _new_project(tmp_path_factory.mktemp("warm"), source, rev)
    proc = warm.pre_commit("install-hooks", timeout=BUILD_TIMEOUT)
    if proc.returncode != 0:
        log = STORE / "pre-commit.log"
        pytest.fail(f"pre-commit could not build the devreliab hook environment (exit {proc.returncode}):\n"
                    f"{proc.stdout}\n{proc.stderr}\n"
                    + (log.read_text(errors="replace")[-8000:] if log.exists() else ""))
    # Drop the environments of earlier snapshots (about 90 MB each) whose test repositories are gone;
    # those of repositories still on disk, this one and a parallel session's, are kept.
    _check(warm.pre_commit("gc"))
    return source, rev


@pytest.fixture
def project(tmp_path: Path, hook_source: tuple[Path, str]) -> Project:
    return _new_project(tmp_path / "project", *hook_source)


def test_manifest_is_valid() -> None:
    manifest = REPO / ".pre-commit-hooks.yaml"
    _check(_run([sys.executable, "-m", "pre_commit", "validate-manifest", str(manifest)], REPO))


def test_clean_staged_file_passes(project: Project) -> None:
    project.write("app/tasks.py", CLEAN)
    _check(project.git("add", "app/tasks.py"))
    proc = project.pre_commit("run")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "devreliab quality gate" in proc.stdout and "Passed" in proc.stdout


def test_shell_true_fails_and_names_the_finding(project: Project) -> None:
    project.write("app/tasks.py", SHELL_TRUE)
    _check(project.git("add", "app/tasks.py"))
    proc = project.pre_commit("run")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "devreliab quality gate" in out and "Failed" in out
    assert "app/tasks.py:5" in out
    assert "B602" in out and "shell=True" in out
    assert "Gate failed" in out


def test_installed_hook_blocks_the_commit_until_fixed(project: Project) -> None:
    _check(project.pre_commit("install"))
    start = project.head()

    project.write("app/tasks.py", SHELL_TRUE)
    _check(project.git("add", "app/tasks.py"))
    blocked = project.git("commit", "-m", "add tasks")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert "app/tasks.py:5" in out and "B602" in out
    assert project.head() == start

    project.write("app/tasks.py", CLEAN)
    _check(project.git("add", "app/tasks.py"))
    done = project.git("commit", "-m", "add tasks")
    out = done.stdout + done.stderr  # git shows a hook's output on stderr
    assert done.returncode == 0, out
    assert "devreliab quality gate" in out and "Passed" in out
    assert project.head() != start


def test_installed_hook_checks_what_is_staged_not_the_working_tree(project: Project) -> None:
    """pre-commit stashes unstaged changes, so devreliab sees exactly the staged content."""
    _check(project.pre_commit("install"))

    project.write("app/tasks.py", CLEAN)
    _check(project.git("add", "app/tasks.py"))
    project.write("app/tasks.py", SHELL_TRUE)  # not staged
    proc = project.git("commit", "-m", "clean version")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (project.root / "app/tasks.py").read_text(encoding="utf-8") == SHELL_TRUE  # restored

    _check(project.git("add", "app/tasks.py"))
    project.write("app/tasks.py", CLEAN)  # the fix, not staged
    proc = project.git("commit", "-m", "shell version")
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "B602" in proc.stdout + proc.stderr


def test_baseline_argument_accepts_recorded_problems_only(project: Project) -> None:
    project.write("legacy/deploy.py", SHELL_TRUE)
    _check(project.git("add", "legacy/deploy.py"))
    _check(project.git("commit", "--quiet", "--no-verify", "-m", "legacy code"))
    # The documented way to record the baseline: devreliab itself, at the repository root.
    write = ["analyze", "--write-baseline", ".devreliab-baseline.json"]
    _check(_run([sys.executable, "-m", "devreliab", *write], project.root))
    project.configure(args=["--baseline", ".devreliab-baseline.json"])

    proc = project.pre_commit("run", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    project.write("app/tasks.py", SHELL_TRUE)
    _check(project.git("add", "app/tasks.py"))
    proc = project.pre_commit("run", "--all-files")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    failures = _gate_failures(out)
    assert len(failures) == 1, out
    assert "app/tasks.py:5" in failures[0] and "B602" in failures[0]
    assert "accepted by the baseline" in out


def test_project_config_applies_and_nested_config_does_not_move_the_root(project: Project) -> None:
    """devreliab.jsonc at the repository root is the one used, whichever file comes first; a file it
    excludes is not checked even when staged."""
    project.write("devreliab.jsonc", '// test\n{ "exclude": ["generated"] }\n')
    project.write("generated/client.py", SHELL_TRUE)
    project.write("a_sub/devreliab.jsonc", '{ "gates": { "max_findings": { "high": 5 } } }\n')
    project.write("a_sub/mod.py", CLEAN)
    project.write("z_top.py", CLEAN)
    _check(project.git("add", "."))
    proc = project.pre_commit("run")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    # The nested file's looser gate does not apply: the root is the repository's.
    project.write("a_sub/mod.py", SHELL_TRUE)
    _check(project.git("add", "a_sub/mod.py"))
    proc = project.pre_commit("run")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "a_sub/mod.py:5" in out and "B602" in out


def test_try_repo_passes_a_clean_file_and_fails_shell_true(project: Project) -> None:
    # `pre-commit try-repo`, as the hook's users try it before adding it to their config; it builds its own
    # environment in a temporary store each time, hence the build timeout
    project.write("app/ok.py", CLEAN)
    _check(project.git("add", "app/ok.py"))
    clean = project.pre_commit("try-repo", str(project.source), HOOK_ID, "--ref", project.rev,
                               "--files", "app/ok.py", timeout=BUILD_TIMEOUT)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout
    project.write("app/bad.py", SHELL_TRUE)
    _check(project.git("add", "app/bad.py"))
    bad = project.pre_commit("try-repo", str(project.source), HOOK_ID, "--ref", project.rev,
                             "--files", "app/ok.py", "app/bad.py", timeout=BUILD_TIMEOUT)
    out = bad.stdout + bad.stderr
    assert bad.returncode == 1, out
    assert "app/bad.py:5" in out and "B602" in out


def test_the_hook_never_imports_the_repositorys_own_packages(project: Project, tmp_path: Path) -> None:
    """A repository holding packages named like devreliab's dependencies (and devreliab itself): the hook runs
    from the repository root, and none of them is imported (each would write a marker and raise)."""
    for name in ("rich", "mcp", "pydantic", "anyio", "radon", "bandit", "devreliab"):
        marker = tmp_path / f"IMPORTED-{name}"
        project.write(f"{name}/__init__.py", f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n"
                                              f"raise RuntimeError('{name} of the repository was imported')\n")
    project.write("app/tasks.py", CLEAN)
    _check(project.git("add", "."))
    proc = project.pre_commit("run")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout
    assert sorted(p.name for p in tmp_path.glob("IMPORTED-*")) == []
