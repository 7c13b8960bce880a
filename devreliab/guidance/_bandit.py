"""The one place bandit is used: runs bandit's own tests in process and returns devreliab Findings.

bandit's plugins are loaded and its test set built once per process (that takes ~0.3 s); every scan then runs
on a manager of its own that shares only that loaded, never-changed part, so scans in several threads at once
(the MCP server's tools run in worker threads) cannot see each other's trees, results or errors. The file's
tree is the one the caller already parsed for radon, handed to bandit's node visitor instead of letting bandit
parse the file again; everything else — the tests run, ``# nosec`` handling, severities, confidences and CWE
ids — is bandit's own code, so results equal ``bandit -r`` with its default profile. Depends on bandit 1.9's
manager internals (pinned in pyproject.toml); the tests compare against the bandit CLI to catch drift.
"""

from __future__ import annotations

import ast
import copy
import io
import logging
import threading
from functools import cache
from typing import Any

# Before bandit's import: bandit logs per-file noise, and stevedore an ERROR about bandit's optional sarif
# formatter (which devreliab does not use) — neither is the user's business.
logging.getLogger("bandit").setLevel(logging.ERROR)
logging.getLogger("stevedore").setLevel(logging.CRITICAL)

import bandit
from bandit.core import config as b_config
from bandit.core import constants as b_constants
from bandit.core import docs_utils, metrics
from bandit.core import manager as b_manager
from bandit.core import node_visitor as b_node_visitor

from ._model import MODULE, Finding

BANDIT_VERSION: str = bandit.__version__

_NO_SCORE = {"SEVERITY": [0] * len(b_constants.RANKING), "CONFIDENCE": [0] * len(b_constants.RANKING)}


class _Manager(b_manager.BanditManager):  # type: ignore[misc]
    """bandit's manager, fed a tree that is already parsed. One per scan (see ``_manager``)."""

    tree: ast.Module | None = None
    crashes: list[str]

    def _parse_file(self, fname: str, fdata: Any, new_files_list: list[str]) -> None:
        data = fdata.getvalue()
        if b"nosec" in data:
            super()._parse_file(fname, fdata, new_files_list)
            return
        # No "# nosec" anywhere: bandit's tokenize pass would only fill nosec_lines with None values, which
        # its tests treat exactly like absent ones, so skip it (tokenize is ~15% of bandit's time).
        self.metrics.begin(fname)
        self.metrics.count_locs(data.splitlines())
        try:
            score = self._execute_ast_visitor(fname, fdata, data, {})
        except SyntaxError:
            self.skipped.append((fname, "syntax error while parsing AST from file"))
            return
        self.scores.append(score)
        self.metrics.count_issues([score])

    def _execute_ast_visitor(self, fname: str, fdata: Any, data: bytes, nosec_lines: dict[int, Any]) -> Any:
        res = b_node_visitor.BanditNodeVisitor(
            fname, fdata, self.b_ma, self.b_ts, self.debug, nosec_lines, self.metrics
        )
        # Node types with no registered test (most of them) skip bandit's per-test bookkeeping entirely; the
        # result is the same empty score bandit would compute.
        run_tests = res.tester.run_tests
        get_tests = self.b_ts.get_tests

        def run_tests_fast(raw_context: dict[str, Any], checktype: str) -> Any:
            if not get_tests(checktype):
                return _NO_SCORE
            return run_tests(raw_context, checktype)

        def crashed(test: str, context: Any, error: BaseException) -> None:
            # bandit only logs a test that raised and goes on, which would make the findings silently
            # incomplete; noted here, the scan reports the file as skipped instead (and nothing is cached).
            line = getattr(context, "_context", {}).get("lineno")
            self.crashes.append(f"its test {test} failed at line {line}: {type(error).__name__}: {error}")

        res.tester.run_tests = run_tests_fast
        res.tester.report_error = crashed
        if self.tree is None:
            score = res.process(data)
        else:
            # BanditNodeVisitor.process() without its ast.parse
            res.generic_visit(self.tree)
            res.context = {"file_data": fdata, "filename": fname, "lineno": 0, "linerange": [0, 1],
                           "col_offset": 0}
            res.update_scores(res.tester.run_tests(res.context, "File"))
            score = res.scores
        self.results.extend(res.tester.results)
        return score


_loading = threading.Lock()
_loaded: _Manager | None = None


def _prototype() -> _Manager:
    """bandit's manager as bandit builds it, once per process: plugins loaded, test set built. It never scans;
    scans run on copies of it (``_manager``)."""
    global _loaded
    if _loaded is None:
        # Once, even when the first scans start together: building it loads bandit's plugins and writes each
        # plugin's configuration onto the plugin function, nothing to do twice at the same time.
        with _loading:
            if _loaded is None:
                logging.getLogger("bandit").setLevel(logging.ERROR)
                _loaded = _Manager(b_config.BanditConfig(), "file")
    return _loaded


def warm() -> None:
    """Load bandit's plugins now rather than in the first scan."""
    _prototype()


def _manager(tree: ast.Module | None) -> _Manager:
    """A manager for one scan of ``tree``.

    It shares the prototype's configuration and test set (only read while scanning); everything a scan fills
    (results, skipped files, scores, metrics, the tree) is its own, so concurrent scans never mix.
    """
    proto = _prototype()
    mgr: _Manager = copy.copy(proto)
    for name, value in vars(proto).items():
        if isinstance(value, list | dict | set):
            setattr(mgr, name, copy.copy(value))
    mgr.metrics = metrics.Metrics()
    mgr.tree = tree
    mgr.crashes = []
    return mgr


@cache
def _more_info(test_id: str) -> str:
    return str(docs_utils.get_url(test_id))


def _enclosing(line: int, spans: list[tuple[int, int, str]]) -> str:
    best = MODULE
    best_size = None
    for start, end, qualname in spans:
        if start <= line <= end and (best_size is None or end - start < best_size):
            best, best_size = qualname, end - start
    return best


def scan(fname: str, data: bytes, tree: ast.Module | None, spans: list[tuple[int, int, str]],
         lines: list[str]) -> tuple[tuple[Finding, ...], str | None]:
    """bandit's findings for one file, and bandit's own reason if it had to skip the file.

    ``spans`` are (first line, last line, qualname) of the file's functions and classes, to name the innermost
    one around each finding; ``lines`` are the decoded source lines, for the code excerpt.
    """
    mgr = _manager(tree)
    mgr._parse_file(fname, io.BytesIO(data), [fname])
    skipped = mgr.skipped[0][1] if mgr.skipped else (mgr.crashes[0] if mgr.crashes else None)
    findings = []
    for issue in mgr.results:
        first = issue.linerange[0] if issue.linerange else issue.lineno
        last = issue.linerange[-1] if issue.linerange else issue.lineno
        code = "\n".join(lines[max(first, 1) - 1 : min(last, first + 2)])
        cwe_id = getattr(issue.cwe, "id", 0) or None
        findings.append(
            Finding(
                test_id=issue.test_id,
                test_name=issue.test,
                severity=issue.severity,
                confidence=issue.confidence,
                cwe=cwe_id,
                line=issue.lineno,
                line_range=tuple(issue.linerange),
                col_offset=issue.col_offset,
                end_col_offset=issue.end_col_offset,
                message=issue.text,
                more_info=_more_info(issue.test_id),
                qualname=_enclosing(issue.lineno, spans),
                code=code,
            )
        )
    findings.sort(key=lambda f: (f.line, f.col_offset, f.test_id))
    return tuple(findings), skipped
