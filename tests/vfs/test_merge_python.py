"""devreliab.vfs.merge on Python: the entity merge, the checks a careful person makes, and conflicts that explain
themselves — each with git's merge and with the pure-Python fallback."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from devreliab.vfs import MergeOutcome, Workspace, merge
from devreliab.vfs._merge_check import python_problem
from devreliab.vfs._merge_names import dangling
from devreliab.vfs._merge_tidy import tidy_blank_runs

ENGINES = pytest.mark.parametrize("engine", ["git", "python"])

BASE = '''import os


def foo():
    return 1


def bar():
    return 2
'''


def _merge(base: str, theirs: str, ours: str, engine: str, mode: str = "auto") -> MergeOutcome:
    return merge(base, theirs, ours, "pkg/mod.py", mode=mode, engine=engine)  # type: ignore[arg-type]


@ENGINES
def test_new_functions_on_both_sides_and_a_change_next_to_them_merge_by_entity(engine: str) -> None:
    theirs = BASE + "\n\ndef theirs_new():\n    return 't'\n"
    ours = BASE.replace("return 2", "return 20") + "\n\ndef ours_new():\n    return 'o'\n"
    assert not _merge(BASE, theirs, ours, engine, mode="line").clean  # the lines overlap at the end of bar
    outcome = _merge(BASE, theirs, ours, engine)
    assert outcome.clean and outcome.method == "entity"
    assert outcome.text == (BASE.replace("return 2", "return 20") + "\n\ndef theirs_new():\n    return 't'\n"
                            "\n\ndef ours_new():\n    return 'o'\n")


@ENGINES
def test_members_of_one_class_changed_on_both_sides_merge_member_by_member(engine: str) -> None:
    base = "class C:\n    def a(self):\n        return 1\n\n    def b(self):\n        return 2\n"
    theirs = ("class C:\n    def a(self):\n        return 10\n\n    def b(self):\n        return 2\n"
              "\n    def t(self):\n        pass\n")
    ours = "class C:\n    def a(self):\n        return 1\n\n    def b(self):\n        return 20\n"
    outcome = _merge(base, theirs, ours, engine)
    assert outcome.clean
    assert outcome.text == ("class C:\n    def a(self):\n        return 10\n\n    def b(self):\n        return 20\n"
                            "\n    def t(self):\n        pass\n")


@ENGINES
def test_names_added_to_one_from_import_on_both_sides_merge_as_a_set(engine: str) -> None:
    base = "from x import a\n\nprint(a)\n"
    outcome = _merge(base, "from x import a, b\n\nprint(a)\n", "from x import a, c\n\nprint(a)\n", engine)
    assert outcome.clean and outcome.text == "from x import a, b, c\n\nprint(a)\n"


@ENGINES
def test_the_same_import_added_on_both_sides_is_kept_once(engine: str) -> None:
    base = "import os\n\nprint(os)\n"
    theirs = "import os\nimport json\nimport sys\n\nprint(os)\n"
    ours = "import os\nimport re\nimport json\n\nprint(os)\n"
    assert not _merge(base, theirs, ours, engine, mode="line").clean  # keep-both would import json twice
    outcome = _merge(base, theirs, ours, engine)
    assert outcome.clean
    assert sorted(outcome.text.splitlines()[:4]) == ["import json", "import os", "import re", "import sys"]


@ENGINES
def test_one_helper_added_by_both_sides_in_different_places_is_not_duplicated(engine: str) -> None:
    helper = "\n\ndef helper():\n    return 0\n"
    theirs = BASE.replace("\n\ndef bar", helper + "\n\ndef bar")
    ours = BASE + helper
    line = _merge(BASE, theirs, ours, engine, mode="line")
    assert not line.clean and line.conflicts[0].reason == "same entity redefined: helper"
    outcome = _merge(BASE, theirs, ours, engine)
    assert outcome.clean and outcome.text.count("def helper") == 1


@ENGINES
def test_both_sides_defining_one_new_name_differently_is_a_conflict_naming_it(engine: str) -> None:
    outcome = _merge(BASE, BASE + "\n\ndef baz():\n    return 't'\n", BASE + "\n\ndef baz():\n    return 'o'\n",
                     engine)
    assert not outcome.clean
    assert [(c.reason, c.entity) for c in outcome.conflicts] == [("same entity redefined: baz", "baz")]
    assert "return 't'" in outcome.text and "return 'o'" in outcome.text


@ENGINES
def test_two_statements_inserted_at_one_place_in_python_are_a_conflict_not_a_guess_at_their_order(
        engine: str) -> None:
    base = "if a:\n    pass\nprint(1)\n"
    theirs = "if a:\n    pass\nelse:\n    x = 1\nprint(1)\n"
    ours = "if a:\n    pass\nelif b:\n    y = 2\nprint(1)\n"
    outcome = _merge(base, theirs, ours, engine)
    assert not outcome.clean and outcome.conflicts[0].reason == "same lines changed"
    kept = merge(base, theirs, ours, "notes.txt", engine=engine)  # type: ignore[arg-type]
    assert kept.clean and kept.text == "if a:\n    pass\nelse:\n    x = 1\nelif b:\n    y = 2\nprint(1)\n"


def test_a_merge_that_does_not_parse_is_refused_where_both_sides_parse() -> None:
    problem = python_problem("def f(:\n    pass\n", "x = 1\n", "y = 2\n")
    assert problem is not None and problem.reason == "result would not parse" and problem.line == 1
    assert python_problem("def f(:\n", "def f(:\n", "y = 2\n") is None  # a side did not parse either


@ENGINES
def test_the_same_function_changed_on_both_sides_is_a_conflict_naming_it_with_only_its_hunk(engine: str) -> None:
    filler = "".join(f"\n\ndef f{i}():\n    return {i}\n" for i in range(30))
    base = BASE + filler
    outcome = _merge(base, base.replace("return 1\n\n\ndef bar", "return 'theirs'\n\n\ndef bar"),
                     base.replace("return 1\n\n\ndef bar", "return 'ours'\n\n\ndef bar"), engine)
    assert not outcome.clean and len(outcome.conflicts) == 1
    conflict = outcome.conflicts[0]
    assert conflict.reason == "same lines changed" and conflict.entity == "foo"
    assert "'theirs'" in conflict.hunk and "'ours'" in conflict.hunk
    assert len(conflict.hunk.splitlines()) <= 5 + 2 * 3
    assert outcome.text.splitlines()[conflict.line - 1].startswith("<<<<<<<")
    assert conflict.to_dict() == {"reason": conflict.reason, "entity": "foo", "line": conflict.line,
                                  "hunk": conflict.hunk}


@ENGINES
def test_a_function_moved_into_a_new_block_and_deleted_on_the_other_side_is_left_to_a_person(engine: str) -> None:
    base = "import typing as t\n\n\ndef f():\n    return t.Any\n"
    theirs = "x = 1\n"
    ours = "import typing as t\n\nif not t.TYPE_CHECKING:\n\n    def f():\n        return t.Any\n"
    assert not _merge(base, theirs, ours, engine).clean


@ENGINES
def test_text_that_does_not_parse_on_a_side_still_merges_by_lines(engine: str) -> None:
    base = "def f(:\n    pass\n\nx = 1\n"
    outcome = _merge(base, "def f(:\n    pass\n\nx = 2\n", "def g(:\n    pass\n\nx = 1\n", engine)
    assert outcome.clean and outcome.text == "def g(:\n    pass\n\nx = 2\n"


@ENGINES
def test_every_clean_python_merge_parses(engine: str) -> None:
    theirs = BASE.replace("import os\n", "import os\nimport sys\n")
    ours = BASE.replace("    return 2\n", "    return 2\n\n\nclass K:\n    pass\n")
    outcome = _merge(BASE, theirs, ours, engine)
    assert outcome.clean
    ast.parse(outcome.text)


def _two_appends(root: Path) -> tuple[str, str]:
    (root / "m.py").write_text(BASE)
    with Workspace(root) as ws, Workspace(root) as other:
        ws.read("m.py")
        other.read("m.py")
        other.write("m.py", BASE + "\n\ndef theirs_new():\n    return 't'\n")
        result = ws.write("m.py", BASE.replace("return 2", "return 20") + "\n\ndef ours_new():\n    return 'o'\n")
    return result.status, (root / "m.py").read_text()


def test_a_workspace_write_of_a_python_file_uses_the_line_merge_by_default(root: Path) -> None:
    """Two functions appended at one place: their order cannot be known, so the line merge leaves it to a
    person (a wrong clean merge is worse than a conflict)."""
    status, text = _two_appends(root)
    assert status == "conflict" and "def ours_new" not in text


def test_with_merge_python_entity_a_workspace_write_goes_through_the_entity_merge(root: Path) -> None:
    (root / "devreliab.jsonc").write_text('{"merge": {"python": "entity"}}')
    status, text = _two_appends(root)
    assert status == "merged"
    assert "return 20" in text and "def theirs_new" in text and "def ours_new" in text


@ENGINES
def test_removing_an_import_that_the_other_side_starts_using_is_a_conflict_naming_the_name(engine: str) -> None:
    base = "import json\nimport os\n\n\ndef f():\n    return os.sep\n\n\ndef g():\n    return 1\n"
    theirs = base.replace("import json\n", "")
    ours = base.replace("    return 1\n", "    return json.dumps(1)\n")
    outcome = _merge(base, theirs, ours, engine)
    assert not outcome.clean
    assert [(c.reason, c.entity) for c in outcome.conflicts] == [
        ("result would use an undefined name: json", "json")]
    assert "json.dumps" in outcome.conflicts[0].hunk


def test_an_import_left_without_its_last_use_is_named() -> None:
    merged = ast.parse("import json\nimport os\n\nx = os.sep\n")
    theirs = ast.parse("import json\nimport os\n\nx = json.dumps(os.sep)\n")
    ours = ast.parse("import os\n\nx = os.sep\n")
    assert dangling(merged, theirs, ours) == ("result would leave an unused import: json", "json", 1)
    assert dangling(ast.parse("import json\n\n__all__ = ['json']\n"), ours, ours) is None  # named in a string
    assert dangling(ast.parse("from m import x as x\n"), ours, ours) is None  # an explicit re-export


def test_one_name_imported_twice_from_one_module_is_harmless_but_from_two_a_redefinition() -> None:
    side = "from typing import List\n\nx: List[int] = []\n"
    assert python_problem("from typing import List\nfrom typing import List\n\nx: List[int] = []\n", side, side) is None
    problem = python_problem("from typing import List\nfrom mylib import List\n\nx: List[int] = []\n", side, side)
    assert problem is not None and problem.reason == "same entity redefined: import List"


@ENGINES
def test_a_statement_whose_first_line_changed_on_one_side_and_body_on_the_other_is_not_lost(engine: str) -> None:
    base = "import os\n\nif os.name:\n    x = 1\n    y = 2\n\nz = 3\n"
    theirs = base.replace("if os.name:\n", "if os.name:  # posix\n")
    ours = base.replace("    x = 1\n", "    x = 10\n")
    outcome = _merge(base, theirs, ours, engine)
    assert not outcome.clean or ("# posix" in outcome.text and "x = 10" in outcome.text)


def test_blank_lines_brought_together_by_the_entity_merge_are_cut_back_to_what_the_sides_use() -> None:
    side = ["x = 1\n", "\n", "\n", "def f():\n", "    '''a\n", "\n", "\n", "\n", "    b'''\n"]
    lines = ["x = 1\n", "\n", "\n", "\n", "\n", "def f():\n", "    '''a\n", "\n", "\n", "\n", "    b'''\n"]
    assert tidy_blank_runs(lines, side, side) == side  # the blank lines inside the string are text and stay
