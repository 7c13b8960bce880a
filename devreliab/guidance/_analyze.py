"""Analysis of one file's bytes: decode, parse once, radon metrics, bandit findings, recommendations.

Never raises for bad input: a file that cannot be analysed comes back as a ``FileAnalysis`` with ``error`` set
(syntax error, binary content, undecodable bytes, too large, too deeply nested), so a run always completes.
"""

from __future__ import annotations

import ast
import hashlib
import threading
import warnings

from ._model import FileAnalysis, FileError
from ._thresholds import Thresholds

# warnings.catch_warnings() swaps the process-wide filter list on entry and puts back what it saw on exit, so it
# is not thread-safe: two analyses whose parses overlap can leave "ignore all warnings" installed for the whole
# process, or parse while another has already restored the filters. Only this piece is serialised; ast.parse
# holds the GIL throughout anyway, so the lock costs no parallelism.
_parse_lock = threading.Lock()


def version_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _decode(data: bytes) -> str:
    """Decode as Python does (PEP 263 cookie, UTF-8 BOM, else UTF-8), strictly."""
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def _utf8_error(data: bytes, exc: UnicodeDecodeError) -> FileError:
    line = data.count(b"\n", 0, exc.start) + 1
    return FileError(
        "encoding",
        f"invalid {exc.encoding} at line {line} (byte {exc.start}: {exc.reason}); "
        "save the file as UTF-8 or declare its encoding with a '# -*- coding: ... -*-' line",
        line,
    )


def analyze_bytes(path: str, data: bytes, thresholds: Thresholds, max_bytes: int) -> FileAnalysis:
    version = version_of(data)

    def failed(kind: str, message: str, line: int | None = None) -> FileAnalysis:
        return FileAnalysis(path=path, version=version, error=FileError(kind, message, line))  # type: ignore[arg-type]

    if len(data) > max_bytes:
        return failed("too-large", f"{len(data):,} bytes is over the analysis limit of {max_bytes:,} bytes "
                      "(raise 'analysis.max_file_bytes' in devreliab.jsonc, or exclude the file)")
    if b"\x00" in data:
        return failed("binary", "contains NUL bytes, so it is not Python source (exclude it, or fix the file)")
    try:
        source = _decode(data)
    except UnicodeDecodeError as exc:
        return FileAnalysis(path=path, version=version, error=_utf8_error(data, exc))
    except SyntaxError as exc:  # no cookie and not UTF-8 in the first lines, or an unknown cookie
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as utf8:
            return FileAnalysis(path=path, version=version, error=_utf8_error(data, utf8))
        return failed("encoding", f"{exc.msg}; fix the '# -*- coding: ... -*-' line", exc.lineno)

    try:
        with _parse_lock, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes etc. is not ours to report
            tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
        return failed("syntax", f"syntax error at {where}: {exc.msg}", exc.lineno)
    except (RecursionError, MemoryError):
        return failed("syntax", "too deeply nested for Python's parser (simplify the expression)")

    try:
        return _measured(path, version, data, tree, source, thresholds)
    except RecursionError:
        return failed("syntax", "too deeply nested to analyse (simplify the nested expression)")


def _measured(path: str, version: str, data: bytes, tree: ast.Module, source: str, thresholds: Thresholds
              ) -> FileAnalysis:
    """Every figure of a parsed file; each analyser's failure costs its own figures (said in ``notes``), not the
    file's others."""
    from . import _allowances, _bandit, _radon, _recommend

    blocks, halstead, raw, mi, mi_rank, raw_failed = _radon.partial_metrics(tree, source)
    spans = [(b.lineno, b.endline, b.qualname) for b in blocks]
    lines = source.splitlines()
    blocks = _allowances.apply(blocks, source, lines)
    findings, skipped = _bandit.scan(path, data, tree, spans, lines)
    recommendations = _recommend.recommend(tree, lines, blocks, findings, mi, thresholds, halstead, raw)
    notes = [n for n in (raw_failed, skipped and f"security findings incomplete: bandit: {skipped}") if n]
    return FileAnalysis(
        path=path,
        version=version,
        blocks=blocks,
        maintainability=None if mi is None else round(mi, 4),
        mi_rank=mi_rank,
        halstead=halstead,
        raw=raw,
        findings=findings,
        recommendations=recommendations,
        notes=tuple(notes),
    )
