"""The JSON schemas shipped in the package: ``report.schema.json`` describes what ``--format json`` writes,
and ``devreliab.schema.json`` accepts exactly the devreliab.jsonc files the config loader accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import commentjson
import jsonschema
import pytest

import devreliab
from devreliab._config import CHOICES, DEFAULTS, MINIMUMS, NULLABLE, SCHEMA_FILE, load_config
from devreliab._errors import ConfigError
from devreliab.guidance.report._json import SCHEMA_VERSION

from .conftest import EXAMPLE, copy_example_project, run_devreliab

PACKAGE = Path(devreliab.__file__).parent
REPORT_SCHEMA = json.loads((PACKAGE / "report.schema.json").read_text(encoding="utf-8"))
CONFIG_SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _report_errors(document: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(REPORT_SCHEMA)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]


def _config_errors(document: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(CONFIG_SCHEMA)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]


@pytest.mark.parametrize("schema", [REPORT_SCHEMA, CONFIG_SCHEMA], ids=["report", "config"])
def test_the_schemas_are_valid_draft_2020_12_schemas(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_the_json_report_of_the_example_project_matches_the_schema(tmp_path: Path) -> None:
    project = copy_example_project(tmp_path / "example")
    proc = run_devreliab("analyze", "--format", "json", cwd=project)
    assert proc.returncode == 1, proc.stderr
    document = json.loads(proc.stdout)
    assert _report_errors(document) == []
    assert document["schema_version"] == SCHEMA_VERSION
    assert REPORT_SCHEMA["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    assert document["hotspots"] and document["gate"]["failing"]  # the parts of the schema this run exercises


def test_the_json_report_of_a_project_with_errors_and_a_baseline_matches_the_schema(
        every_kind_reports: dict[str, Path]) -> None:
    for report in ("plain-json", "baseline-json"):
        document = json.loads(every_kind_reports[report].read_text(encoding="utf-8"))
        assert _report_errors(document) == []
    document = json.loads(every_kind_reports["baseline-json"].read_text(encoding="utf-8"))
    assert document["gate"]["mode"] == "baseline" and document["gate"]["baselined"]
    assert {f["error"]["kind"] for f in document["files"] if f["error"]} == {"syntax", "encoding", "binary"}


def test_the_report_schema_rejects_fields_it_does_not_describe(every_kind_reports: dict[str, Path]) -> None:
    document = json.loads(every_kind_reports["plain-json"].read_text(encoding="utf-8"))
    document["files"][0]["surprise"] = 1
    assert _report_errors(document)


def _leaves(defaults: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in defaults.items():
        out.append((prefix + key, value))
        if isinstance(value, dict):
            out += _leaves(value, prefix + key + ".")
    return out


def _schema_of(key: str) -> dict[str, Any]:
    node: dict[str, Any] = CONFIG_SCHEMA
    for part in key.split("."):
        node = node["properties"][part]
    return node


def test_the_config_defaults_validate_and_the_example_config_too() -> None:
    assert _config_errors(DEFAULTS) == []
    example = commentjson.loads((EXAMPLE / "devreliab.jsonc").read_text(encoding="utf-8"))
    assert _config_errors(example) == []


@pytest.mark.parametrize("key", [key for key, _ in _leaves(DEFAULTS)])
def test_the_config_schema_has_each_key_with_the_loaders_default_type_minimum_and_choices(key: str) -> None:
    default = dict(_leaves(DEFAULTS))[key]
    node = _schema_of(key)
    assert node["default"] == default
    assert node["description"]
    types = node.get("type", [])
    types = [types] if isinstance(types, str) else types
    nullable = default is None or key in NULLABLE
    assert ("null" in types) == nullable or key in CHOICES
    if isinstance(default, dict):
        assert node["additionalProperties"] is False
        assert set(node["properties"]) == set(default)
    assert node.get("minimum") == MINIMUMS.get(key)
    assert tuple(node.get("enum", node.get("items", {}).get("enum", ()))) == CHOICES.get(key, ())  # a list: per item


# Each config is invalid for one reason; the schema and the loader must both reject it.
INVALID_CONFIGS = {
    "unknown top-level key": {"gate": {}},
    "unknown nested key": {"gates": {"complexity": 5}},
    "string for an integer": {"gates": {"complexity_below": "10"}},
    "boolean for an integer": {"hotspots": {"max_commits": True}},
    "float for an integer": {"analysis": {"max_file_bytes": 1.5}},
    "null for a value that is never null": {"gates": {"fail_on_errors": None}},
    "object for a number": {"gates": {"maintainability_above": {"value": 50}}},
    "a choice that does not exist": {"gates": {"min_confidence": "very-high"}},
    "below the minimum": {"gates": {"complexity_below": 0}},
    "negative allowance": {"gates": {"max_findings": {"medium": -1}}},
    "nullable key below its minimum": {"analysis": {"jobs": 0}},
    "string for a list": {"exclude": "build"},
    "list with a non-string": {"exclude": ["build", 3]},
    "number for a string": {"baseline": 5},
    "object replaced by a list": {"cache": [1]},
}

VALID_CONFIGS = {
    "empty": {},
    "$schema key": {"$schema": "./devreliab.schema.json"},
    "nullables set to null": {"gates": {"max_findings": {"high": None, "medium": None}},
                              "analysis": {"jobs": None}, "baseline": None},
    "a float maintainability limit": {"gates": {"maintainability_above": 62.5}},
    "every minimum": {"cache": {"max_bytes": 0, "max_file_bytes": 1}, "gates": {"complexity_below": 1},
                      "hotspots": {"max_commits": 1}},
    "a partial section": {"hotspots": {"enabled": False}, "exclude": ["generated", "src/vendor/*"],
                          "baseline": ".devreliab-baseline.json"},
}


def _load(tmp_path: Path, config: dict[str, Any]) -> None:
    (tmp_path / "devreliab.jsonc").write_text("// written by a test\n" + json.dumps(config), encoding="utf-8")
    load_config(tmp_path)


@pytest.mark.parametrize("config", list(INVALID_CONFIGS.values()), ids=list(INVALID_CONFIGS))
def test_an_invalid_config_is_rejected_by_both_the_schema_and_the_loader(config: dict[str, Any],
                                                                         tmp_path: Path) -> None:
    assert _config_errors(config)
    with pytest.raises(ConfigError):
        _load(tmp_path, config)


@pytest.mark.parametrize("config", list(VALID_CONFIGS.values()), ids=list(VALID_CONFIGS))
def test_a_valid_config_is_accepted_by_both_the_schema_and_the_loader(config: dict[str, Any],
                                                                      tmp_path: Path) -> None:
    assert _config_errors(config) == []
    _load(tmp_path, config)
