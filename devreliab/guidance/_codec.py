"""A compact, positional JSON form of FileAnalysis for the analysis cache.

A warm run decodes one cached result per file; lists instead of objects make that JSON about half the size
and construct the dataclasses positionally, which is what keeps a warm run short. ``FORMAT`` is part of the
cache key, so changing the layout here simply misses the old entries.
"""

from __future__ import annotations

from typing import Any

from ._model import Block, FileAnalysis, FileError, Finding, Halstead, Raw, Recommendation, Strategy

FORMAT = "row1"


def _hal(h: Halstead | None) -> list[Any] | None:
    if h is None:
        return None
    return [h.h1, h.h2, h.N1, h.N2, h.vocabulary, h.length, h.calculated_length, h.volume, h.difficulty,
            h.effort, h.time, h.bugs]


def to_row(f: FileAnalysis) -> list[Any]:
    return [
        f.version,
        [[b.kind, b.name, b.qualname, b.lineno, b.endline, b.col_offset, b.complexity, b.rank, _hal(b.halstead),
          b.allowed] for b in f.blocks],
        f.maintainability,
        f.mi_rank,
        _hal(f.halstead),
        None if f.raw is None else [f.raw.loc, f.raw.lloc, f.raw.sloc, f.raw.comments, f.raw.multi, f.raw.blank,
                                    f.raw.single_comments],
        [[x.test_id, x.test_name, x.severity, x.confidence, x.cwe, x.line, list(x.line_range), x.col_offset,
          x.end_col_offset, x.message, x.more_info, x.qualname, x.code] for x in f.findings],
        [[r.rule, r.qualname, r.line, r.problem, r.priority,
          [[s.title, s.detail, s.effect, s.effort, s.score, s.predicted, s.example] for s in r.strategies]]
         for r in f.recommendations],
        None if f.error is None else [f.error.kind, f.error.message, f.error.line],
        list(f.notes),
    ]


def from_row(path: str, row: list[Any]) -> FileAnalysis:
    version, blocks, mi, mi_rank, hal, raw, findings, recs, error, *notes = row
    return FileAnalysis(
        path,
        version,
        tuple(Block(k, n, q, ln, end, col, cc, rank, Halstead(*h) if h else None, allowed)
              for k, n, q, ln, end, col, cc, rank, h, allowed in blocks),
        mi,
        mi_rank,
        Halstead(*hal) if hal else None,
        Raw(*raw) if raw else None,
        tuple(Finding(t, tn, sev, conf, cwe, ln, tuple(lr), col, ecol, msg, info, q, code)
              for t, tn, sev, conf, cwe, ln, lr, col, ecol, msg, info, q, code in findings),
        tuple(Recommendation(rule, q, ln, problem, prio, tuple(Strategy(*s) for s in strategies))
              for rule, q, ln, problem, prio, strategies in recs),
        FileError(*error) if error else None,
        _notes(notes),
    )


def _notes(rest: list[Any]) -> tuple[str, ...]:
    """The notes of a row (rows written before notes existed end after the error)."""
    return tuple(rest[0]) if rest else ()
