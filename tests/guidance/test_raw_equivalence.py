"""``analyze_raw`` (one tokenize pass) returns exactly what ``radon.raw.analyze`` returns.

Evidence, in three parts:

* real code: every ``.py`` file of the four pinned corpora (``scripts/fetch-corpus``: Django, requests, fpdf2,
  cachetools) goes through ``analyze_raw`` without falling back to radon; a deterministic sample of about 250
  of them, fpdf2's ``fonts.py`` included, is compared with radon (radon's side is the slow one).
  ``DEVRELIAB_RAW_FULL=1`` compares every file, fpdf2's ``unicode_script.py`` included (radon: minutes);
* hand-written cases for each construct radon's line grouping and counting rules meet;
* generated sources (hypothesis) mixing those constructs, line endings radon splits on, and broken code
  (where radon raises, ``analyze_raw`` must raise the same exception type).
"""

from __future__ import annotations

import os
import subprocess
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from radon.raw import analyze

from devreliab.guidance import _raw
from devreliab.guidance._raw import analyze_raw

REPO = Path(__file__).resolve().parents[2]
CORPORA = ("django", "requests", "fpdf2", "cachetools")
# radon's buffers regrow line by line through their long literals: about 2.5 minutes and 6 s with radon
LARGE_LITERALS = (("fpdf2", "fpdf/unicode_script.py"), ("fpdf2", "fpdf/fonts.py"))
RADON_TOO_SLOW = {("fpdf2", "fpdf/unicode_script.py")}
SAMPLE_SIZE = 250
FULL = os.environ.get("DEVRELIAB_RAW_FULL") == "1"

Outcome = tuple[int, ...] | type[BaseException]


def _fetch(name: str) -> Path:
    proc = subprocess.run([str(REPO / "scripts" / "fetch-corpus"), name], capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, f"scripts/fetch-corpus {name} failed:\n{proc.stderr}"
    return Path(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def corpus_files() -> dict[tuple[str, str], str]:
    """(corpus, path inside it) -> source, for every .py file of every corpus."""
    files: dict[tuple[str, str], str] = {}
    for name in CORPORA:
        root = _fetch(name)
        for path in sorted(root.rglob("*.py")):
            files[(name, path.relative_to(root).as_posix())] = path.read_text(encoding="utf-8")
    return files


def _outcome(fn: object, source: str) -> Outcome:
    try:
        return tuple(fn(source))  # type: ignore[operator]
    except Exception as exc:  # radon raises SyntaxError; any exception type must match
        return type(exc)


class _Fallbacks:
    def __init__(self) -> None:
        self.sources: list[str] = []


@pytest.fixture
def fallbacks(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Fallbacks]:
    """Records the sources ``analyze_raw`` hands to radon."""
    seen = _Fallbacks()
    original = _raw._fallback

    def spy(source: str) -> tuple[int, int, int, int, int, int, int]:
        seen.sources.append(source)
        return original(source)

    monkeypatch.setattr(_raw, "_fallback", spy)
    yield seen


def _sample(keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """About SAMPLE_SIZE files, the same on every run: all of the small corpora, a spread of Django."""
    small = [k for k in keys if k[0] != "django"]
    django = sorted((k for k in keys if k[0] == "django"), key=lambda k: zlib.crc32(k[1].encode()))
    return small + django[: max(0, SAMPLE_SIZE - len(small))]


# --- real code -------------------------------------------------------------------------------------------


def test_every_corpus_file_takes_the_one_pass_path(corpus_files: dict[tuple[str, str], str],
                                                   fallbacks: _Fallbacks) -> None:
    counts = {name: sum(1 for k in corpus_files if k[0] == name) for name in CORPORA}
    assert counts["django"] > 800 and counts["requests"] > 10 and counts["fpdf2"] > 30 and counts["cachetools"] > 5
    for (_name, _path), source in corpus_files.items():
        loc, lloc, sloc, comments, multi, blank, single = analyze_raw(source)
        assert loc == sloc + blank + multi + single
        assert min(loc, lloc, sloc, comments, multi, blank, single) >= 0
    assert fallbacks.sources == []


@pytest.mark.parametrize("key", LARGE_LITERALS)
def test_files_radon_is_slow_on_complete_quickly(corpus_files: dict[tuple[str, str], str],
                                                 key: tuple[str, str]) -> None:
    source = corpus_files[key]
    start = time.perf_counter()
    result = analyze_raw(source)
    assert time.perf_counter() - start < 5  # analyze_raw: well under a second
    assert result[0] == len(source.splitlines())  # every line is counted once (no odd groups in these)
    if FULL or key not in RADON_TOO_SLOW:
        assert result == tuple(analyze(source))


def test_corpus_sample_equals_radon(corpus_files: dict[tuple[str, str], str], fallbacks: _Fallbacks) -> None:
    keys = [k for k in corpus_files if k not in RADON_TOO_SLOW]
    chosen = keys if FULL else _sample(keys)
    assert len(chosen) >= min(len(keys), SAMPLE_SIZE)
    diffs = []
    for key in chosen:
        source = corpus_files[key]
        ours, radons = _outcome(analyze_raw, source), _outcome(analyze, source)
        if ours != radons:
            diffs.append(f"{key}: {ours} != radon {radons}")
    assert diffs == []
    assert fallbacks.sources == []


# --- hand-written cases ----------------------------------------------------------------------------------

CASES: dict[str, str] = {
    "empty": "",
    "newline only": "\n",
    "whitespace only": "   \n\t\n  ",
    "whitespace, no newline": "   ",
    "comments only": "# one\n# two\n\n#three",
    "comment after code": "x = 1  # c\n",
    "single-line docstring": '"""Doc."""\n\ndef f():\n    """Doc."""\n    return 1\n',
    "multi-line docstring": '"""Doc.\n\nMore, after a blank line.\n\n    indented\n"""\nx = 1\n',
    "docstring followed by code": '"""a\n"""; x = 1\n',
    "docstring with comment": '"""a\n"""  # c\n"""b"""  # c\n',
    "string in parentheses": 'x = ("""\n""")\n("""\nb\n""")\n',
    "concatenated strings": '"a" "b"\n"a"\n"b"\n',
    "if with body": "if x: return 0  # c\nif x:  # c\n    pass\n",
    "try one line": "try: 1/0\nexcept: pass\ntry:\n    1/0\nfinally:\n    pass\n",
    "semicolons": "a = 1; b = 2\na = 1;\n;\nif x: a; b\nfor i in r: pass; y: int\nwhile 1: x; y:\n",
    "lambda": "f = lambda a: a\ng = lambda: 0\nh = (lambda a,\n     b: a)\n",
    "dict over lines": "d = {\n    'a': 1,\n\n    'b': {\n        'c': 2,  # c\n    },\n}\n",
    "dict comprehension": "d = {a: b for a, b in c}\nreturn {\n  k: v for k, v in x}\n",
    "slices": "a[1:2]\na[::2]\ndel a[1:]\nb = a[\n  1:\n]\n",
    "annotations": "x: int = 3\ndef f(a: int, *, b: str = 'x') -> int: return a\nclass A(B): x: int\n",
    "walrus": "if (n := len(a)) > 10: pass\nwhile (x := f()):\n    pass\n",
    "backslash continuation": "x = 1 + \\\n    2\nif a and \\\n   b:\n    pass\nassert x, \\\n    'msg'\n",
    "backslash before comment": "x = 1 \\\n# c\ny = 2\n",
    "backslash then comment at end": "x = 1 \\\n# c",
    "backslash then blank line": "x = \\\n\ny = 1\n",
    "backslash then two blank lines": "x = \\\n\n\ny = 1\n",
    "backslash alone then comment": "\\\n# c\n",
    "backslash alone then blank then comment": "\\\n\n# c\n",
    "backslash then docstring": '\\\n"""doc"""\n',
    "backslash in string": '"abc\\\n  def"\nx = """a \\\n b"""\n',
    "nested brackets": "f(a, [\n  (1,\n   2),\n  {3: [4,\n  5]}],  # c\n  b)\n",
    "closing before opening": "x = (1)\n)(\n",
    "triple-quoted f-string": 'x = f"""{a:>3}\n  {b!r}\n"""\ny = f"{c:{w}}"\n',
    "crlf": "x = 1\r\n\r\n# c\r\ny = '''\r\n'''\r\n",
    "cr only": "x = 1\r# c\r\ry = 2\r",
    "tabs": "if x:\n\tpass\n\t# c\n\tx\t=\t1\n",
    "form feed": "x = 1\n\x0c\ny = 2\x0cz = 3\n",
    "vertical tab and others": "x = 1\x0by = 2\x1cz = 3\x85\u2028a = 4\u2029\n",
    "no final newline": "x = 1\ny = 2",
    "no final newline, comment": "x = 1\n# c",
    "no final newline, docstring": '"""a\nb"""',
    "trailing blank lines": "x = 1\n\n\n",
    "bom stripped": "# -*- coding: utf-8 -*-\nx = 'é'\n",
    "non-ascii": "nom = 'été'  # commentaire\nπ = 3.14\n",
    "match": "match x:\n    case {'a': 1}:\n        pass\n    case [a, b] if a: return\n    case _:\n        pass\n",
    "decorators": "@decorator\n@other(a=1)\ndef f(): pass\n@x\nclass A:\n    @property\n    def p(self): return 1\n",
    "class one line": "class A: pass\nclass B(A): x = 1; y = 2\n",
    "async": "async def f():\n    async with a as b: await c\n    async for x in y: pass\n",
    "indented code": "def f():\n    if x:\n        return 1\n    return 2\n",
    "comment in brackets": "x = [  # c\n  1,  # d\n]\n",
    "unterminated string": "x = 'abc\n",
    "unterminated triple string": 'x = """abc\n\n',
    "unterminated bracket": "x = (1,\n2\n",
    "unclosed bracket at end": "x = [",
    "backslash at end": "x = 1 \\",
    "backslash then blank at end": "x = \\\n\n",
    "stray dollar": "x = $\n",
    "stray closing bracket": "x = 1)\n",
    "lone quote": "'\n",
}

# the cases radon rejects (SyntaxError), and those that take the one-pass path
RAISES = {"unterminated string", "unterminated triple string", "unterminated bracket", "unclosed bracket at end",
          "backslash at end", "backslash then blank at end", "stray dollar", "stray closing bracket", "lone quote"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hand_written_case(name: str, fallbacks: _Fallbacks) -> None:
    source = CASES[name]
    ours, radons = _outcome(analyze_raw, source), _outcome(analyze, source)
    assert ours == radons
    if name in RAISES:
        assert radons is SyntaxError
        assert fallbacks.sources == [source]  # radon itself decides, and raises
    else:
        assert isinstance(radons, tuple)
        assert fallbacks.sources == []  # equal without asking radon


def test_returns_radons_values_field_by_field() -> None:
    source = CASES["multi-line docstring"] + CASES["semicolons"] + CASES["comments only"]
    r = analyze(source)
    assert analyze_raw(source) == (r.loc, r.lloc, r.sloc, r.comments, r.multi, r.blank, r.single_comments)


# --- generated sources -----------------------------------------------------------------------------------

LINES = [
    "x = 1", "if x: return 0  # c", "if x:", "try: 1/0", "try:", "else:", "a = 1; b = 2", "a = 1;", ";",
    "f = lambda a: a", "lambda: 0", "'k': 1,", "a[1:2]", "x[::2]", "x: int = 3", "def f(a: int) -> int: return a",
    "@decorator", "match x:", "case {'a': 1}:", "pass", '"""doc"""', '"""doc"""  # c', "multi line", "", "", "   ",
    "\t", "# comment", "#: c", "x = 1  # c:", "for i in r: pass; y = 2", "while 1: x; y:", "if (a:=1): pass",
    "class A(B): x = 1", 'print("a;b:c")', '"a" "b"', "u'é'", "with a as b: c", "  x = 2  ", "f'{a:>3}'",
    # balanced constructs over several lines
    "x = (\n\n1,\n)", '"""\n\nmulti\n  """', "s = '''a\n'''", "z = \\\n2", 'd = {\n"a": 1,\n}', 'f"""{x:>3}\n  """',
    '"x" \\\n"y"', "if a and \\\nb: pass", "\\\n# c", '\\\n"""doc"""', "x = \\\n\n", "f(a,  # c\n b)",
    "x = [1:\n2]; y: 3", '"""a\n"""; x', 'x = """\n""" \\\n "b"', "(a\n)(b\n)", "x = (1 if y else\n 2)\n",
    "r'''\\\n'''", '"a\\\nb"', "if x: \\\n  y", "a = {1:\n2,\n3:4}\n", "match (x):\n  case [a, b]:\n    pass",
    '"""\n\t\n"""', '"""a  \\ \n b"""', 'x = ("""\n""")', '"""doc\n""" # c', "x = 1 \\\n# c", '"abc\\\n  def"',
]
BROKEN = [
    "x = (", ")", "y = [", "]", '"""', "'''", "$", 'x = "unterminated', "d = {", "}", "call(a,", "\\", "a = 1\\",
    'r"\\"', "\u2028", "\x85", "x\x1cy", "x = 1\x0cy = 2", "\ufeff", "\xa0x",
]
SEPARATORS = ["\n"] * 8 + ["\r\n", "\r", "\x0c\n", "\x0b"]


@st.composite
def sources(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(st.one_of(st.sampled_from(LINES), st.sampled_from(BROKEN)),
                           max_size=14))
    text = "".join(p + draw(st.sampled_from(SEPARATORS)) for p in pieces)
    if text and draw(st.booleans()):
        text = text[:-1]  # no final newline
    return draw(st.sampled_from(["", "\t", "  ", " \x0c"])) + text


@st.composite
def mostly_valid_sources(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(st.sampled_from(LINES), max_size=16))
    return "".join(p + draw(st.sampled_from(SEPARATORS)) for p in pieces)


FRAGMENTS = ["x", " ", "\t", "\n", "\n", "\r\n", "\r", "\x0c", "\\", "\\\n", "#c", ":", ";", "(", ")", "[", "]", "{",
             "}", '"""', "'''", '"', "'", 'f"""{x}"""', '"s"', "if x", "else", "lambda a: a", "return 0", "try",
             "1/0", "a[1:2]", "@d", "match x", "=", "$", "é", "\u2028"]


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mostly_valid_sources())
def test_generated_valid_sources_equal_radon(source: str) -> None:
    assert _outcome(analyze_raw, source) == _outcome(analyze, source)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sources())
def test_generated_sources_equal_radon(source: str) -> None:
    assert _outcome(analyze_raw, source) == _outcome(analyze, source)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join))
def test_generated_fragments_equal_radon(source: str) -> None:
    assert _outcome(analyze_raw, source) == _outcome(analyze, source)


def _long_statement(n: int) -> str:
    return "x = [\n" + "    1,\n" * n + "]\n" + '"""\n' + "text\n" * n + '"""\n'


def test_fast_on_a_long_statement() -> None:
    # a statement and a string over n lines each: radon re-tokenizes each once per line it spans (minutes
    # for n = 20,000); the one pass is linear
    assert analyze_raw(_long_statement(300)) == tuple(analyze(_long_statement(300))) == (604, 2, 302, 0, 302, 0, 0)
    start = time.perf_counter()
    result = analyze_raw(_long_statement(20_000))
    assert time.perf_counter() - start < 5
    assert result == (40_004, 2, 20_002, 0, 20_002, 0, 0)
