"""devreliab.jsonc: comments allowed, every key checked, errors name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from devreliab import ConfigError, load_config
from devreliab._config import DEFAULTS
from tests.conftest import MakeProject, run_cli


def test_missing_config_gives_the_products_default_gates(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.source is None
    assert config.gates.complexity_below == 10
    assert config.gates.maintainability_above == 50
    assert config.gates.max_findings == {"high": 0, "medium": None, "low": None}
    assert config.cache_max_bytes == 100 * 1024 * 1024


def test_comments_and_partial_settings_merge_with_defaults(tmp_path: Path) -> None:
    (tmp_path / "devreliab.jsonc").write_text(
        '// top comment\n{\n  "gates": {"complexity_below": 15 // inline\n},\n  # hash comment\n'
        '  "exclude": ["generated"]\n}\n', encoding="utf-8")
    config = load_config(tmp_path)
    assert config.gates.complexity_below == 15
    assert config.gates.maintainability_above == 50  # untouched default
    assert config.exclude == ("generated",)
    assert "generated" in config.all_excludes and "node_modules" in config.all_excludes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"gatez": {}}', "unknown key 'gatez'"),
        ('{"gates": {"complexity": 3}}', "unknown key 'gates.complexity'"),
        ('{"gates": {"complexity_below": "10"}}', "'gates.complexity_below' must be an integer"),
        ('{"gates": {"complexity_below": true}}', "'gates.complexity_below' must be an integer"),
        ('{"gates": {"complexity_below": 0}}', "'gates.complexity_below' must be at least 1"),
        ('{"gates": {"min_confidence": "certain"}}', "'gates.min_confidence' must be one of low, medium, high"),
        ('{"gates": {"fail_on_errors": null}}', "'gates.fail_on_errors' must not be null"),
        ('{"exclude": "build"}', "'exclude' must be a list"),
        ('{"exclude": [1]}', "'exclude[0]' must be a string"),
        ('[1, 2]', "top level must be an object"),
        ('{"gates": {', "not valid JSON with comments"),
    ],
)
def test_a_bad_setting_is_an_error_that_names_it(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "devreliab.jsonc").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert expected in str(err.value)
    assert "devreliab.jsonc" in str(err.value)


def test_null_is_accepted_where_a_limit_may_be_unset(tmp_path: Path) -> None:
    (tmp_path / "devreliab.jsonc").write_text('{"gates": {"max_findings": {"high": null, "medium": 3}}}')
    config = load_config(tmp_path)
    assert config.gates.max_findings == {"high": None, "medium": 3, "low": None}


def test_config_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "devreliab.jsonc").write_bytes(b'{"exclude": ["\xff"]}')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(tmp_path)


def test_explicit_config_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path, tmp_path / "nope.jsonc")


def test_every_default_key_is_accepted_when_written_out(tmp_path: Path) -> None:
    import json

    (tmp_path / "devreliab.jsonc").write_text(json.dumps(DEFAULTS), encoding="utf-8")
    assert load_config(tmp_path).raw == DEFAULTS


def test_cli_reports_a_broken_config_with_exit_code_2_and_no_traceback(make_project: MakeProject) -> None:
    root = make_project({"a.py": "x = 1\n"}, config='{"gates": {"complexity_below": "high"}}')
    result = run_cli("analyze", cwd=root)
    assert result.code == 2
    assert "gates.complexity_below" in result.err
    assert "Traceback" not in result.err


def test_a_syntax_error_in_the_config_says_where(tmp_path: Path) -> None:
    (tmp_path / "devreliab.jsonc").write_text('{\n  "exclude": [\n    "a",\n  }\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"at line 4, column 3"):
        load_config(tmp_path)
