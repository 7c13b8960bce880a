"""Hostile sources for the analyzer: generated and byte-wise mutated Python files. Every file gets a result or
a per-file error; nothing raises out of ``analyze_bytes`` (per file) or ``analyze_path`` (a whole run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from devreliab import analyze_path
from devreliab._config import load_config
from devreliab.guidance._analyze import analyze_bytes
from devreliab.guidance._thresholds import Thresholds

from ..conftest import FIXTURE
from .conftest import scale

SOURCES = [p.read_bytes() for p in sorted(FIXTURE.rglob("*.py"))]
INTERESTING = [b"(", b")", b"[", b"{", b'"', b"'", b'"""', b"\\", b"\t", b" ", b"    ", b"\n", b"\r", b"\r\n", b":",
               b"#", b"\x00", b"\xff", b"\xe9", b"\xef\xbb\xbf", b"# -*- coding: latin-1 -*-\n",
               b"# coding: nonsense\n", b"lambda", b"def ", b"class ", b"async ", b"await ", b"yield ", b"f'{",
               b"match x:\n case 1:\n  pass\n", b"@", b"*", b"**", b":=", b"0x", b"1e999", b"\\N{", b"\x0c",
               b"\xe2\x80\xae", b"if 1:\n" * 40, b"(" * 200, b"[" * 120, b"-" * 300 + b"1"]
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SOURCES)))
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "flip", "duplicate", "truncate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "insert":
            data[at:at] = draw(st.sampled_from(INTERESTING))
        elif kind == "delete":
            del data[at: at + draw(st.integers(1, 40))]
        elif kind == "replace":
            data[at: at + 1] = draw(st.sampled_from(INTERESTING))
        elif kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "duplicate":
            data[at:at] = data[at: at + draw(st.integers(1, 400))]
        else:
            del data[at:]
    return bytes(data)


TOKENS = st.sampled_from(["def", "class", "if", "else", "elif", "for", "while", "try", "except", "finally", "with",
                          "return", "yield", "lambda", "import", "from", "as", "x", "y", "f", "(", ")", ":", ",",
                          "=", "+", "*", "**", "[", "]", "{", "}", "'s'", '"""doc"""', "0", "1.5", "\n", "\n    ",
                          "\n        ", " ", "subprocess.call(cmd, shell=True)", "eval(x)", "hashlib.md5(b)",
                          "assert", "global", "nonlocal", "async", "await", "match", "case", "_", "@", "->", ";"])
GENERATED = st.lists(TOKENS, max_size=120).map(lambda tokens: " ".join(tokens).encode())
ANY_SOURCE = st.one_of(mutated(), mutated(), GENERATED, st.binary(max_size=300),
                       st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))


def test_a_form_feed_inside_a_string_is_analysed_like_any_valid_python(tmp_path: Path) -> None:
    """radon splits lines with str.splitlines, which breaks at a form feed even inside a string literal, and
    then gives up with SyntaxError; devreliab counts such characters as spaces for valid Python."""
    source = b'X = "\x0c"\n\n\ndef f():\n    return X\n'
    compile(source, "a.py", "exec")  # valid Python
    result = analyze_bytes("a.py", source, Thresholds.from_config(load_config(tmp_path)), 1024 * 1024)
    assert result.error is None
    (tmp_path / "a.py").write_bytes(source)
    assert analyze_path([tmp_path / "a.py"], root=tmp_path).files[0].error is None


@pytest.mark.reliability_heavy
def test_every_generated_or_mutated_source_gets_a_result_or_a_per_file_error(tmp_path: Path,
                                                                           figures: dict[str, Any]) -> None:
    thresholds = Thresholds.from_config(load_config(tmp_path))
    counts = {"sources": 0, "analysed": 0, "per_file_errors": 0}

    @settings(max_examples=scale(400, 5000), deadline=None, database=None, phases=NO_SHRINK,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=ANY_SOURCE)
    def one(data: bytes) -> None:
        counts["sources"] += 1
        result = analyze_bytes("fuzz.py", data, thresholds, 1024 * 1024)  # nothing may raise out
        assert result.path == "fuzz.py"
        if result.error is not None:
            assert result.error.message, result.error
            counts["per_file_errors"] += 1
        else:
            assert result.maintainability is not None and result.raw is not None
            counts["analysed"] += 1

    one()
    figures.update(counts, raised=0)


@pytest.mark.reliability_heavy
def test_a_run_over_many_hostile_files_analyses_each_one_or_reports_its_error(tmp_path: Path,
                                                                             figures: dict[str, Any]) -> None:
    counts = {"runs": 0, "files": 0, "errors": 0}

    @settings(max_examples=scale(12, 150), deadline=None, database=None, phases=NO_SHRINK,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.function_scoped_fixture])
    @given(batch=st.lists(ANY_SOURCE, min_size=1, max_size=8))
    def one(batch: list[bytes]) -> None:
        counts["runs"] += 1
        root = tmp_path / f"run{counts['runs']}"
        (root / "pkg").mkdir(parents=True)
        names = [f"pkg/m{i}.py" for i in range(len(batch))]
        for name, data in zip(names, batch, strict=True):
            (root / name).write_bytes(data)
        analysis = analyze_path([root], root=root)
        by_path = {f.path: f for f in analysis.files}
        assert set(names) <= set(by_path), (names, sorted(by_path))
        for name in names:
            counts["files"] += 1
            counts["errors"] += by_path[name].error is not None
        assert analysis.gate is not None

    one()
    figures.update(counts, raised=0)
