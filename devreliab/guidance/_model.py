"""devreliab's own result types for the guidance engine: frozen, typed, and free of radon/bandit objects.

Every type round-trips through ``to_dict``/``from_dict`` (plain JSON values), which is how results are
cached in the state store, passed between worker processes and written by ``--format json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

BlockKind = Literal["function", "method", "class"]
Severity = Literal["LOW", "MEDIUM", "HIGH"]
ErrorKind = Literal["syntax", "binary", "encoding", "too-large", "unreadable", "internal"]
Rule = str  # "complexity", "maintainability", "error", or a bandit test id such as "B602"

SEVERITY_ORDER: dict[str, int] = {"LOW": 1, "MEDIUM": 2, "HIGH": 3}
MODULE = "<module>"


@dataclass(frozen=True)
class Halstead:
    h1: int
    h2: int
    N1: int
    N2: int
    vocabulary: int
    length: int
    calculated_length: float
    volume: float
    difficulty: float
    effort: float
    time: float
    bugs: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Halstead:
        return cls(**data)


@dataclass(frozen=True)
class Raw:
    loc: int
    lloc: int
    sloc: int
    comments: int
    multi: int
    blank: int
    single_comments: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Raw:
        return cls(**data)


@dataclass(frozen=True)
class Block:
    """A function, method or class with its cyclomatic complexity (radon's definition)."""

    kind: BlockKind
    name: str
    qualname: str  # Class.method, outer.inner for closures
    lineno: int
    endline: int
    col_offset: int
    complexity: int
    rank: str
    halstead: Halstead | None = None
    allowed: str | None = None  # the reason of a "# devreliab: allow complexity <reason>" comment

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Block:
        hal = data.get("halstead")
        return cls(**{**data, "halstead": Halstead.from_dict(hal) if hal else None})


@dataclass(frozen=True)
class Finding:
    """A security finding as bandit reports it, plus the enclosing function for line-independent matching."""

    test_id: str
    test_name: str
    severity: Severity
    confidence: Severity
    cwe: int | None
    line: int
    line_range: tuple[int, ...]
    col_offset: int
    end_col_offset: int
    message: str
    more_info: str
    qualname: str
    code: str = ""

    @property
    def cwe_link(self) -> str | None:
        return f"https://cwe.mitre.org/data/definitions/{self.cwe}.html" if self.cwe else None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(**{**data, "line_range": tuple(data["line_range"])})


@dataclass(frozen=True)
class Strategy:
    """One way to fix a problem, scored: higher ``score`` first."""

    title: str
    detail: str
    effect: float  # 0..1: how much of the problem this removes
    effort: int  # 1 (a one-line change) .. 5 (a redesign)
    score: float  # effect per effort, what strategies are ranked by
    predicted: dict[str, float] = field(default_factory=dict)  # e.g. {"complexity": 6}
    example: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Strategy:
        return cls(**data)


@dataclass(frozen=True)
class Recommendation:
    """A problem in one place and the ranked ways to fix it."""

    rule: Rule
    qualname: str
    line: int
    problem: str
    priority: float  # ranks recommendations across a file or project: higher first
    strategies: tuple[Strategy, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recommendation:
        return cls(**{**data, "strategies": tuple(Strategy.from_dict(s) for s in data["strategies"])})


@dataclass(frozen=True)
class FileError:
    kind: ErrorKind
    message: str
    line: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileError:
        return cls(**data)


@dataclass(frozen=True)
class FileAnalysis:
    """Everything devreliab knows about one file's content."""

    path: str  # relative to the workspace root, with forward slashes
    version: str  # sha256:<hex> of the bytes analysed
    blocks: tuple[Block, ...] = ()
    maintainability: float | None = None
    mi_rank: str | None = None
    halstead: Halstead | None = None
    raw: Raw | None = None
    findings: tuple[Finding, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    error: FileError | None = None
    notes: tuple[str, ...] = ()  # what could not be measured in a file that was otherwise analysed

    @property
    def functions(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.kind != "class")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileAnalysis:
        return cls(
            path=data["path"],
            version=data["version"],
            blocks=tuple(Block.from_dict(b) for b in data["blocks"]),
            maintainability=data["maintainability"],
            mi_rank=data["mi_rank"],
            halstead=Halstead.from_dict(data["halstead"]) if data["halstead"] else None,
            raw=Raw.from_dict(data["raw"]) if data["raw"] else None,
            findings=tuple(Finding.from_dict(f) for f in data["findings"]),
            recommendations=tuple(Recommendation.from_dict(r) for r in data["recommendations"]),
            error=FileError.from_dict(data["error"]) if data["error"] else None,
            notes=tuple(data.get("notes", ())),
        )


@dataclass(frozen=True)
class Violation:
    """One gate rule broken in one place. ``key`` matches it against a baseline without line numbers."""

    path: str
    qualname: str
    rule: Rule
    line: int
    value: float  # complexity, maintainability index, or 1 per finding / error
    threshold: float
    message: str
    severity: Literal["error", "warning"] = "error"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.qualname, self.rule)


@dataclass(frozen=True)
class GateResult:
    passed: bool
    failing: tuple[Violation, ...]  # violations that fail the gate
    baselined: tuple[Violation, ...]  # violations the baseline accepts
    thresholds: dict[str, Any]
    mode: Literal["plain", "baseline", "ratchet"] = "plain"


@dataclass(frozen=True)
class Hotspot:
    path: str
    qualname: str
    line: int
    complexity: int
    churn: int  # lines added + deleted in the analysed history
    commits: int
    score: float  # complexity x churn, what hotspots are ranked by


@dataclass(frozen=True)
class ProjectAnalysis:
    root: str
    files: tuple[FileAnalysis, ...]
    gate: GateResult
    hotspots: tuple[Hotspot, ...]
    cached: int  # files served from the analysis cache
    analysed: int  # files analysed in this run
    seconds: float

    @property
    def errors(self) -> tuple[FileAnalysis, ...]:
        return tuple(f for f in self.files if f.error is not None)
