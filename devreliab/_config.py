"""devreliab.jsonc: defaults in code, the user's file read with commentjson, every key checked.

The file is optional. Every key the user sets must be one this module knows, with the type of its default
(``null`` allowed where the default is ``null`` or the key says so); anything else is a ``ConfigError`` that
names the key, so a typo never silently falls back to a default. The JSON schema shipped beside this module
(``devreliab.schema.json``) describes the same keys for editors; a test keeps the two in step.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ._errors import ConfigError
from ._testpaths import is_test_path

CONFIG_FILE: Final = "devreliab.jsonc"
SCHEMA_FILE: Final = Path(__file__).with_name("devreliab.schema.json")

SEVERITIES: Final = ("low", "medium", "high")

# Directories nobody wants analysed or searched; the user's "exclude" adds to these.
DEFAULT_EXCLUDES: Final = (
    ".git",
    ".hg",
    ".svn",
    ".devreliab",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "build",
    "dist",
    "*.egg-info",
)

# The defaults, and at the same time the list of every key and its type.
# A value of None means "null or the type given in NULLABLE".
DEFAULTS: Final[dict[str, Any]] = {
    "exclude": [],
    "cache": {
        "max_bytes": 100 * 1024 * 1024,
        "max_file_bytes": 16 * 1024 * 1024,
        "racy_window_ms": 2000,
    },
    "versions": {
        "max_bytes": 256 * 1024 * 1024,
    },
    "history": {
        "enabled": True,
        "debounce_ms": 100,
    },
    "gates": {
        "complexity_below": 10,
        "maintainability_above": 50,
        "max_findings": {"high": 0, "medium": None, "low": None},
        "min_confidence": "low",
        "fail_on_errors": True,
    },
    "baseline": None,
    "analysis": {
        "jobs": None,
        "max_file_bytes": 1024 * 1024,
    },
    "hotspots": {
        "enabled": True,
        "max_commits": 1000,
    },
    "tests": {
        "paths": ["tests/**", "test_*.py", "*_test.py", "conftest.py"],
        "skip": ["B101"],
        "complexity_below": None,
    },
    "security": {
        "skip": [],
    },
    "mcp": {
        "guidance_on_write": True,
        "answers": "auto",
        "read_max_lines": 2000,
        "read_max_chars": 100_000,
        "toolsets": ["files", "edit", "conflicts", "guidance", "monitor"],
    },
    "merge": {
        "python": "line",
    },
    "hooks": {
        "on_error": "allow",
        "timeout_ms": 3000,
    },
    "monitor": {
        "enabled": True,
        "sample_interval_ms": 10_000,
        "raw_retention_s": 3600,
        "retention_s": 24 * 3600,
        "max_rows": 200_000,
        "anomaly_threshold": 6.0,
        "measure_bytes": True,
        "otlp_endpoint": None,
        "otlp_interval_ms": 10_000,
        "dashboard_refresh_ms": 1000,
    },
}

# Keys whose value may be null, and the type they have otherwise.
NULLABLE: Final[dict[str, type]] = {
    "gates.max_findings.high": int,
    "gates.max_findings.medium": int,
    "gates.max_findings.low": int,
    "baseline": str,
    "analysis.jobs": int,
    "tests.complexity_below": int,
    "monitor.otlp_endpoint": str,
}

# Keys whose value must be one of a fixed set.
CHOICES: Final[dict[str, tuple[str, ...]]] = {
    "gates.min_confidence": SEVERITIES,
    "hooks.on_error": ("allow", "deny"),
    "mcp.answers": ("auto", "both", "text", "structured"),
    "merge.python": ("line", "entity"),
    "mcp.toolsets": ("files", "edit", "conflicts", "guidance", "monitor"),
}

# Integer keys and their smallest allowed value.
MINIMUMS: Final[dict[str, int]] = {
    "cache.max_bytes": 0,
    "cache.max_file_bytes": 1,
    "cache.racy_window_ms": 0,
    "versions.max_bytes": 0,
    "history.debounce_ms": 0,
    "gates.complexity_below": 1,
    "tests.complexity_below": 1,
    "gates.maintainability_above": 0,
    "gates.max_findings.high": 0,
    "gates.max_findings.medium": 0,
    "gates.max_findings.low": 0,
    "analysis.jobs": 1,
    "analysis.max_file_bytes": 1,
    "hotspots.max_commits": 1,
    "monitor.sample_interval_ms": 100,
    "monitor.raw_retention_s": 60,
    "monitor.retention_s": 60,
    "monitor.max_rows": 1000,
    "monitor.anomaly_threshold": 2,
    "monitor.otlp_interval_ms": 100,
    "monitor.dashboard_refresh_ms": 100,
    "hooks.timeout_ms": 100,
    "mcp.read_max_lines": 1,
    "mcp.read_max_chars": 100,
}


@dataclass(frozen=True)
class GateConfig:
    complexity_below: int
    maintainability_above: float
    max_findings: dict[str, int | None]
    min_confidence: str
    fail_on_errors: bool
    test_paths: tuple[str, ...] = ()
    tests_complexity_below: int | None = None  # None: the same as complexity_below

    def complexity_for(self, path: str) -> int:
        """The complexity gate of one file: the tests profile's for a test file, when it sets one."""
        if self.tests_complexity_below is not None and is_test_path(path, self.test_paths):
            return self.tests_complexity_below
        return self.complexity_below


@dataclass(frozen=True)
class MonitorConfig:
    """``monitor.*``: the performance monitor of each server process and the dashboard."""

    sample_interval_s: float = 10.0
    raw_retention_s: float = 3600.0
    retention_s: float = 24 * 3600.0
    max_rows: int = 200_000
    anomaly_threshold: float = 6.0
    measure_bytes: bool = True
    otlp_endpoint: str | None = None
    otlp_interval_s: float = 10.0
    dashboard_refresh_s: float = 1.0
    enabled: bool = True

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> MonitorConfig:
        return cls(sample_interval_s=raw["sample_interval_ms"] / 1000, raw_retention_s=float(raw["raw_retention_s"]),
                   retention_s=float(raw["retention_s"]), max_rows=raw["max_rows"],
                   anomaly_threshold=float(raw["anomaly_threshold"]), measure_bytes=raw["measure_bytes"],
                   otlp_endpoint=raw["otlp_endpoint"],
                   otlp_interval_s=raw["otlp_interval_ms"] / 1000,
                   dashboard_refresh_s=raw["dashboard_refresh_ms"] / 1000,
                   enabled=bool(raw.get("enabled", True)))


@dataclass(frozen=True)
class Config:
    """The effective configuration of one workspace."""

    root: Path
    source: Path | None  # the devreliab.jsonc it came from, if any
    exclude: tuple[str, ...]
    cache_max_bytes: int
    cache_max_file_bytes: int
    gates: GateConfig
    baseline: Path | None
    jobs: int | None
    analysis_max_file_bytes: int
    hotspots_enabled: bool
    hotspots_max_commits: int
    guidance_on_write: bool
    raw: dict[str, Any]
    monitor: MonitorConfig = MonitorConfig()
    test_skips: tuple[str, ...] = ("B101",)  # bandit tests not reported in test files
    security_skips: tuple[str, ...] = ()  # bandit tests not reported anywhere

    @property
    def all_excludes(self) -> tuple[str, ...]:
        return DEFAULT_EXCLUDES + self.exclude

    def analysis_hash(self) -> str:
        """A hash of every setting that changes a file's analysis result."""
        relevant = {"gates": self.raw["gates"], "max_file_bytes": self.analysis_max_file_bytes}
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)


def _check_choice(key: str, value: Any, where: str) -> None:
    """A key of CHOICES holds one of them (a list key: only them)."""
    choices = CHOICES[key]
    for item in value if isinstance(value, list) else [value]:
        if item not in choices:
            verb = "may hold only" if isinstance(value, list) else "must be one of"
            raise ConfigError(f"{where}: '{key}' {verb} {', '.join(choices)}; got {json.dumps(item)}")


def _check(key: str, value: Any, default: Any, where: str) -> None:
    if value is None:
        if default is None or key in NULLABLE:
            return
        raise ConfigError(f"{where}: '{key}' must not be null (expected {_type_name(default)})")
    expected: type = NULLABLE.get(key, type(default)) if default is None else type(default)
    ok = isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))
    if expected is int and isinstance(value, float) and key == "gates.maintainability_above":
        ok = True
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True  # JSON writes 6.0 as 6
    if not ok:
        raise ConfigError(
            f"{where}: '{key}' must be {_type_name(expected())}, got {json.dumps(value)}"
        )
    if isinstance(value, dict):
        for sub, sub_value in value.items():
            if sub not in default:
                known = ", ".join(sorted(default))
                raise ConfigError(f"{where}: unknown key '{key}.{sub}' (known keys under '{key}': {known})")
            _check(f"{key}.{sub}", sub_value, default[sub], where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise ConfigError(f"{where}: '{key}[{index}]' must be a string, got {json.dumps(item)}")
    if key in CHOICES:
        _check_choice(key, value, where)
    if key in MINIMUMS and isinstance(value, int | float) and value < MINIMUMS[key]:
        raise ConfigError(f"{where}: '{key}' must be at least {MINIMUMS[key]}, got {value}")


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _position(exc: BaseException) -> str:
    """ 'at line L, column C' from commentjson's (lark's) exception or the one it wraps."""
    for candidate in (exc, exc.__context__, exc.__cause__):
        line, column = getattr(candidate, "line", None), getattr(candidate, "column", None)
        if isinstance(line, int) and line > 0:
            return f" at line {line}, column {column}"
    return ""


def parse_config_text(text: str, where: str = CONFIG_FILE) -> dict[str, Any]:
    """Parse and check the text of a devreliab.jsonc; returns the user's (partial) settings."""
    import commentjson  # lazy: only workspaces with a config file pay for it

    if not text.strip():
        return {}
    try:
        data = commentjson.loads(text)
    except Exception as exc:  # commentjson raises lark's and its own errors of several kinds
        raise ConfigError(f"{where}: not valid JSON with comments{_position(exc)} "
                          "(// and # comments are allowed, /* */ is not)") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the top level must be an object {{...}}, got {_type_name(data)}")
    for key, value in data.items():
        if key == "$schema":
            continue
        if key not in DEFAULTS:
            raise ConfigError(f"{where}: unknown key '{key}' (known keys: {', '.join(sorted(DEFAULTS))})")
        _check(key, value, DEFAULTS[key], where)
    return {k: v for k, v in data.items() if k != "$schema"}


def load_config(root: Path, config_file: Path | None = None) -> Config:
    """The effective configuration for the workspace at ``root``.

    ``config_file`` overrides the default location (``root/devreliab.jsonc``); a missing default file means
    "all defaults", a missing explicit file is an error.
    """
    root = root.resolve()
    path = config_file if config_file is not None else root / CONFIG_FILE
    user: dict[str, Any] = {}
    source: Path | None = None
    if config_file is not None or path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: not UTF-8 text; save it as UTF-8") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
        user = parse_config_text(text, str(path))
        source = path
    raw = _merge(DEFAULTS, user)
    gates = raw["gates"]
    baseline = raw["baseline"]
    return Config(
        root=root,
        source=source,
        exclude=tuple(raw["exclude"]),
        cache_max_bytes=raw["cache"]["max_bytes"],
        cache_max_file_bytes=raw["cache"]["max_file_bytes"],
        gates=GateConfig(
            complexity_below=gates["complexity_below"],
            maintainability_above=gates["maintainability_above"],
            max_findings=dict(gates["max_findings"]),
            min_confidence=gates["min_confidence"],
            fail_on_errors=gates["fail_on_errors"],
            test_paths=tuple(raw["tests"]["paths"]),
            tests_complexity_below=raw["tests"]["complexity_below"],
        ),
        baseline=(root / baseline) if baseline else None,
        jobs=raw["analysis"]["jobs"],
        analysis_max_file_bytes=raw["analysis"]["max_file_bytes"],
        hotspots_enabled=raw["hotspots"]["enabled"],
        hotspots_max_commits=raw["hotspots"]["max_commits"],
        guidance_on_write=raw["mcp"]["guidance_on_write"],
        raw=raw,
        monitor=MonitorConfig.from_raw(raw["monitor"]),
        test_skips=tuple(raw["tests"]["skip"]),
        security_skips=tuple(raw["security"]["skip"]),
    )


def find_root(start: Path) -> Path:
    """The workspace root for ``start``: the nearest ancestor holding devreliab.jsonc or .git, else ``start``."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / CONFIG_FILE).is_file() or (candidate / ".git").exists():
            return candidate
    return start
