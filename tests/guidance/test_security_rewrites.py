"""Security rewrites keep behaviour: each template is applied to real code, and the original and the rewrite
run on the same inputs (real commands through a real shell, a real SQLite database, a real YAML file) and give
the same result. Where no rewrite keeps behaviour, no code is offered."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devreliab import analyze_path
from devreliab.guidance import Strategy
from tests.conftest import MakeProject


def _strategies(make_project: MakeProject, source: str, rule: str) -> list[Strategy]:
    root = make_project({"m.py": source})
    f = analyze_path(root=root, use_cache=False).files[0]
    return list(next(r for r in f.recommendations if r.rule == rule).strategies)


def _rules(make_project: MakeProject, source: str) -> set[str]:
    return {x.test_id for x in analyze_path(root=make_project({"m.py": source}), use_cache=False).files[0].findings}


def _apply(source: str, old: str, example: str) -> str:
    """The source with ``old`` replaced by the example; the example's leading import lines go to the top."""
    lines = example.split("\n")
    imports = [line for line in lines if line.startswith("import ")]
    code = "\n".join(line for line in lines if not line.startswith("import "))
    assert source.count(old) == 1, old
    return "".join(i + "\n" for i in imports) + source.replace(old, code)


def _module(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "m"}
    exec(compile(source, "m.py", "exec"), namespace)  # the test's own code, written above
    return namespace


def _coded(strategies: list[Strategy]) -> list[Strategy]:
    return [s for s in strategies if s.example and "nosec" not in s.example]


# -- shell commands -------------------------------------------------------------------------------------
def test_a_command_of_words_becomes_the_argument_list_and_prints_the_same(make_project: MakeProject) -> None:
    source = ("import subprocess\n\ndef run(name, n):\n"
              "    return subprocess.check_output('echo hello ' + name + f' {n} times', shell=True)\n")
    old = "subprocess.check_output('echo hello ' + name + f' {n} times', shell=True)"
    best = _strategies(make_project, source, "B602")[0]
    fixed = _apply(source, old, best.example)
    assert best.example == "subprocess.check_output(['echo', 'hello', name, str(n), 'times'])"
    for args in (("world", 3), ("a-b.txt", 0)):
        assert _module(fixed)["run"](*args) == _module(source)["run"](*args)
    assert "B602" not in _rules(make_project, fixed)


def test_a_constant_command_with_quotes_becomes_the_list_the_shell_would_build(make_project: MakeProject) -> None:
    source = ("import subprocess\n\ndef run():\n"
              "    return subprocess.check_output(\"printf '%s-%s' 'a b' c\", shell=True)\n")
    best = _strategies(make_project, source, "B602")[0]
    assert best.example == "subprocess.check_output(['printf', '%s-%s', 'a b', 'c'])"
    fixed = _apply(source, "subprocess.check_output(\"printf '%s-%s' 'a b' c\", shell=True)", best.example)
    assert _module(fixed)["run"]() == _module(source)["run"]() == b"a b-c"


def test_a_command_held_in_a_variable_gets_no_code(make_project: MakeProject) -> None:
    source = "import subprocess\n\ndef run(cmd):\n    return subprocess.check_output(cmd, shell=True)\n"
    strategies = _strategies(make_project, source, "B602")
    assert _coded(strategies) == []  # never [cmd]: that runs a program named "echo hello"
    assert "where the command is assembled" in strategies[0].title
    assert "held in a variable" in strategies[0].detail


def test_a_pipe_keeps_the_shell_and_quotes_the_value_and_counts_the_same(make_project: MakeProject,
                                                                        tmp_path: Path) -> None:
    source = ("import subprocess\n\ndef count(p):\n"
              "    return subprocess.check_output('cat ' + p + ' | wc -l', shell=True)\n")
    strategies = _strategies(make_project, source, "B602")
    best = strategies[0]
    assert best.title == "Keep the shell, quote every value with shlex.quote"
    assert not any("shlex.split" in s.example for s in strategies)
    fixed = _apply(source, "subprocess.check_output('cat ' + p + ' | wc -l', shell=True)", best.example)
    plain = tmp_path / "lines.txt"
    plain.write_text("a\nb\nc\n")
    assert _module(fixed)["count"](str(plain)) == _module(source)["count"](str(plain))
    spaced = tmp_path / "two words.txt"
    spaced.write_text("a\nb\n")
    assert int(_module(fixed)["count"](str(spaced))) == 2  # the shell no longer splits the value


def _stdout(source: str, call: str) -> str:
    """What running ``call`` after the module's code prints, in a fresh interpreter (os.system writes fd 1)."""
    done = subprocess.run([sys.executable, "-c", f"{source}\n{call}"], capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout


def test_os_system_becomes_subprocess_run_when_its_status_is_not_used(make_project: MakeProject) -> None:
    source = "import os\n\ndef greet(name):\n    os.system('echo hi ' + name)\n"
    best = _strategies(make_project, source, "B605")[0]
    assert best.example == "import subprocess\nsubprocess.run(['echo', 'hi', name])"
    fixed = _apply(source, "os.system('echo hi ' + name)", best.example)
    assert _stdout(fixed, "greet('there')") == _stdout(source, "greet('there')") == "hi there\n"


def test_os_system_whose_status_is_used_is_not_rewritten_to_run(make_project: MakeProject) -> None:
    source = "import os\n\ndef greet(name):\n    return os.system('echo hi ' + name)\n"
    strategies = _strategies(make_project, source, "B605")
    assert not any("subprocess.run" in s.example for s in strategies)  # the wait status is not returncode
    best = strategies[0]
    assert best.example == "import shlex\nos.system('echo hi ' + shlex.quote(name))"
    fixed = _apply(source, "os.system('echo hi ' + name)", best.example)
    assert _stdout(fixed, "print(greet('x'))") == _stdout(source, "print(greet('x'))")


# -- yaml -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", ["yaml.load(fh, yaml.UnsafeLoader)", "yaml.load(fh, Loader=yaml.FullLoader)",
                                  "yaml.load(fh, Loader=yaml.Loader)"])
def test_yaml_load_becomes_safe_load_without_the_loader_and_loads_the_same(
        make_project: MakeProject, tmp_path: Path, call: str) -> None:
    source = f"import yaml\n\ndef read(path):\n    with open(path) as fh:\n        return {call}\n"
    best = _strategies(make_project, source, "B506")[0]
    assert best.example == "yaml.safe_load(fh)"
    doc = tmp_path / "doc.yaml"
    doc.write_text("name: shop\nports: [80, 443]\nwhen: 2026-12-04\nnested: {a: 1.5, b: null, c: true}\n")
    fixed = _apply(source, call, best.example)
    assert _module(fixed)["read"](doc) == _module(source)["read"](doc)
    assert "B506" not in _rules(make_project, fixed)


def test_yaml_load_with_the_projects_own_loader_gets_no_code(make_project: MakeProject) -> None:
    source = ("import yaml\n\nclass Mine(yaml.Loader):\n    pass\n\n"
              "def read(fh):\n    return yaml.load(fh, Loader=Mine)\n")
    strategies = _strategies(make_project, source, "B506")
    assert _coded(strategies) == []
    assert "SafeLoader" in strategies[0].title


# -- SQL ----------------------------------------------------------------------------------------------------
@pytest.fixture
def users_db(tmp_path: Path) -> Path:
    path = tmp_path / "users.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE users (id INTEGER, name TEXT)")
        con.executemany("INSERT INTO users VALUES (?, ?)", [(1, "ann"), (2, "bob"), (3, "annabel"), (4, "O'Hara")])
    return path


SQL_CASES = [
    ("\"SELECT id FROM users WHERE name = '%s'\" % name",
     "con.execute('SELECT id FROM users WHERE name = ?', (str(name),))", ["ann", "bob", "nobody"]),
    ("f\"SELECT id FROM users WHERE name LIKE '%{name}%' ORDER BY id\"",
     "con.execute('SELECT id FROM users WHERE name LIKE ? ORDER BY id', (f'%{str(name)}%',))", ["ann", "b", "zz"]),
    ("\"SELECT name FROM users WHERE id = {}\".format(name)",
     "con.execute('SELECT name FROM users WHERE id = ?', (name,))", [1, 2, 99]),
    ("f'SELECT name FROM users ORDER BY id LIMIT {name}'",
     "con.execute('SELECT name FROM users ORDER BY id LIMIT ?', (name,))", [1, 3]),
]


@pytest.mark.parametrize(("query", "expected", "inputs"), SQL_CASES)
def test_sqlite_queries_get_qmark_placeholders_and_return_the_same_rows(
        make_project: MakeProject, users_db: Path, query: str, expected: str, inputs: list[object]) -> None:
    source = (f"import sqlite3\n\ndef find(path, name):\n    con = sqlite3.connect(path)\n"
              f"    return con.execute({query}).fetchall()\n")
    best = _strategies(make_project, source, "B608")[0]
    assert best.example == expected
    fixed = _apply(source, f"con.execute({query})", best.example)
    for value in inputs:
        assert _module(fixed)["find"](users_db, value) == _module(source)["find"](users_db, value)
    assert "B608" not in _rules(make_project, fixed)


def test_a_parameterised_query_takes_a_quote_the_original_could_not(make_project: MakeProject,
                                                                    users_db: Path) -> None:
    source = ("import sqlite3\n\ndef find(path, name):\n    con = sqlite3.connect(path)\n"
              "    return con.execute(f\"SELECT id FROM users WHERE name = '{name}'\").fetchall()\n")
    best = _strategies(make_project, source, "B608")[0]
    fixed = _apply(source, "con.execute(f\"SELECT id FROM users WHERE name = '{name}'\")", best.example)
    with pytest.raises(sqlite3.OperationalError):
        _module(source)["find"](users_db, "O'Hara")
    assert _module(fixed)["find"](users_db, "O'Hara") == [(4,)]


def test_psycopg_gets_its_own_placeholder_and_a_literal_percent_doubled(make_project: MakeProject) -> None:
    source = ("import psycopg2\n\ndef find(cur, name):\n"
              "    cur.execute(\"SELECT id FROM t WHERE note LIKE '50%%' AND name = '%s'\" % name)\n")
    best = _strategies(make_project, source, "B608")[0]
    assert best.example == "cur.execute(\"SELECT id FROM t WHERE note LIKE '50%%' AND name = %s\", (str(name),))"


def test_a_table_name_gets_an_allow_list_and_no_placeholder(make_project: MakeProject) -> None:
    source = ("import sqlite3\n\ndef rows(con, table, name):\n"
              "    return con.execute(f\"SELECT * FROM {table} WHERE name = '{name}'\").fetchall()\n")
    strategies = _strategies(make_project, source, "B608")
    best = strategies[0]
    assert "allow-list" in best.title and "`table`" in best.detail
    assert not any("execute(" in s.example or "?" in s.example for s in strategies)


def test_an_unknown_driver_gets_no_code(make_project: MakeProject) -> None:
    source = "def rows(db, name):\n    return db.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n"
    strategies = _strategies(make_project, source, "B608")
    assert _coded(strategies) == []
    assert "sqlite3 '?'" in strategies[0].detail


# -- secrets --------------------------------------------------------------------------------------------------
AUTH = "class DigestAuth:\n    def __init__(self, user, password):\n        self.pair = (user, password)\n\n"


def test_a_password_keyword_keeps_the_call_and_reads_the_environment(make_project: MakeProject,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    source = AUTH + "def auth(user):\n    auth = DigestAuth(user, password='hunter2')\n    return auth.pair\n"
    strategies = _strategies(make_project, source, "B106")
    best = strategies[0]
    assert best.example == "import os\nDigestAuth(user, password=os.environ['AUTH_PASSWORD'])"
    assert all("hunter2" not in s.example for s in strategies)
    monkeypatch.setenv("AUTH_PASSWORD", "hunter2")
    fixed = _apply(source, "DigestAuth(user, password='hunter2')", best.example)
    assert _module(fixed)["auth"]("ann") == _module(source)["auth"]("ann")


def test_a_password_assignment_reads_the_environment(make_project: MakeProject,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    source = 'DB_PASSWORD = "hunter2"\n'
    best = _strategies(make_project, source, "B105")[0]
    assert best.example == "import os\nDB_PASSWORD = os.environ['DB_PASSWORD']"
    monkeypatch.setenv("DB_PASSWORD", "hunter2")
    fixed = _apply(source, 'DB_PASSWORD = "hunter2"', best.example)
    assert _module(fixed)["DB_PASSWORD"] == _module(source)["DB_PASSWORD"]


def test_a_comparison_with_a_sentinel_is_not_rewritten(make_project: MakeProject) -> None:
    source = "def read(password):\n    if password == '-':\n        return 'stdin'\n    return password\n"
    strategies = _strategies(make_project, source, "B105")
    assert "Probably not a secret" in strategies[0].title and "sentinel" in strategies[0].detail
    assert not any("environ" in s.example or "password =" in s.example for s in strategies)


@pytest.mark.parametrize(("source", "rule"), [
    ("class User:\n    def reset(self):\n        self.password = ''\n", "B105"),
    ("password = ':****'\n", "B105"),
    ("def show(url):\n    return url.replace(password='********')\n", "B106"),
])
def test_an_empty_or_masked_value_is_not_moved_to_the_environment(make_project: MakeProject, source: str,
                                                                  rule: str) -> None:
    """self.password = '' resets it: os.environ['PASSWORD'] there would raise, or set a real secret."""
    strategies = _strategies(make_project, source, rule)
    assert strategies[0].title == "Probably not a secret: mark the placeholder"
    assert not any("environ" in s.example for s in strategies)


# -- random ------------------------------------------------------------------------------------------------
RANDOM_CASES = [
    ("random.randint(1, 6)", "import secrets\n1 + secrets.randbelow(6)"),
    ("random.randint(0, n)", "import secrets\nsecrets.randbelow(n + 1)"),
    ("random.randrange(n)", "import secrets\nsecrets.randbelow(n)"),
    ("random.randrange(2, n)", "import secrets\n2 + secrets.randbelow(n - 2)"),
    ("random.choice(seq)", "import secrets\nsecrets.choice(seq)"),
    ("random.random()", "random.SystemRandom().random()"),
]


@pytest.mark.parametrize(("call", "expected"), RANDOM_CASES)
def test_random_becomes_a_cryptographic_draw_of_the_same_type_and_range(
        make_project: MakeProject, call: str, expected: str) -> None:
    source = f"import random\n\ndef draw(n, seq):\n    return {call}\n"
    best = _strategies(make_project, source, "B311")[0]
    assert best.example == expected
    fixed = _apply(source, call, best.example)
    original, rewritten = _module(source)["draw"], _module(fixed)["draw"]
    seq = ("a", "b", "c")
    before = [original(8, seq) for _ in range(3000)]
    after = [rewritten(8, seq) for _ in range(3000)]
    assert {type(v) for v in after} == {type(v) for v in before}
    if isinstance(before[0], float):
        assert all(0.0 <= v < 1.0 for v in after)
    else:  # 3000 draws from at most 9 values: every value appears in both (a miss has odds below 1e-100)
        assert set(after) == set(before)
    assert "B311" not in _rules(make_project, fixed)


# -- pickle ------------------------------------------------------------------------------------------------
def test_pickle_ranks_signing_above_nosec_and_does_not_call_json_equivalent(make_project: MakeProject) -> None:
    source = "import pickle\n\ndef load(blob):\n    return pickle.loads(blob)\n"
    strategies = _strategies(make_project, source, "B301")
    titles = [s.title for s in strategies]
    assert titles[0] == "Sign what you pickle (hmac) and check before loading"
    assert titles.index(titles[0]) < next(i for i, t in enumerate(titles) if "nosec" in t)
    as_json = next(s for s in strategies if "json" in s.title)
    assert as_json.example == "" and "not equivalent" in as_json.detail
    assert "tuples come back as lists" in as_json.detail
    helpers = _module("import pickle\n" + strategies[0].example)
    value = {"items": (1, 2), "tags": {"x"}, 3: b"raw"}
    key = b"k" * 32
    blob = helpers["dumps_signed"](value, key)
    assert helpers["loads_signed"](blob, key) == pickle_round_trip(value)
    with pytest.raises(ValueError, match="signature"):
        helpers["loads_signed"](blob[:-1] + b"x", key)


def pickle_round_trip(value: object) -> object:
    import pickle

    return pickle.loads(pickle.dumps(value))


def test_a_percent_formatted_command_becomes_the_argument_list_and_prints_the_same(make_project: MakeProject) -> None:
    source = "import os\n\ndef greet(a, n):\n    os.system('echo %s and %s%%' % (a, n))\n"
    best = _strategies(make_project, source, "B605")[0]
    assert best.example == "import subprocess\nsubprocess.run(['echo', str(a), 'and', f'{str(n)}%'])"
    fixed = _apply(source, "os.system('echo %s and %s%%' % (a, n))", best.example)
    assert _stdout(fixed, "greet('x', 5)") == _stdout(source, "greet('x', 5)") == "x and 5%\n"


def test_a_percent_formatted_pipe_keeps_the_shell_and_quotes_the_value(make_project: MakeProject,
                                                                       tmp_path: Path) -> None:
    source = ("import subprocess\n\ndef count(p):\n"
              "    return subprocess.check_output('cat %s | wc -l' % p, shell=True)\n")
    best = _strategies(make_project, source, "B602")[0]
    assert best.example == "import shlex\nsubprocess.check_output('cat %s | wc -l' % shlex.quote(str(p)), shell=True)"
    fixed = _apply(source, "subprocess.check_output('cat %s | wc -l' % p, shell=True)", best.example)
    plain = tmp_path / "lines.txt"
    plain.write_text("a\nb\n")
    assert _module(fixed)["count"](str(plain)) == _module(source)["count"](str(plain))
    assert int(_module(fixed)["count"](tmp_path / "lines.txt")) == 2  # a Path is str()ed, as %s did


def test_a_value_glued_to_a_word_gets_no_code(make_project: MakeProject) -> None:
    """'svn checkout%s' % creds: creds is '' or ' --username u' — extra arguments the shell splits off."""
    source = "import os\n\ndef co(creds, url):\n    os.system('svn checkout%s -q %s' % (creds, url))\n"
    assert _coded(_strategies(make_project, source, "B605")) == []
