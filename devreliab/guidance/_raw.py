"""radon's raw metrics (``radon.raw.analyze``) computed in one tokenize pass.

radon strips every physical line, then, from each line, tokenizes a growing buffer (the stripped lines joined
by ``"\\n"``, without a final newline) until it tokenizes without ``TokenError`` or ``ERRORTOKEN``; the lines
used form a *group*, counted by its tokens. That re-tokenizes a statement once per line it spans (quadratic).

Here the stripped lines are joined the same way and tokenized once. Tokenizing goes left to right, line by
line, so each of radon's buffers gives the tokens the whole text gives for the same lines, except where the
buffer's last line (which lacks its newline) differs; a group ends where the whole text's tokenizer is back at
the start of a statement: a NEWLINE, or the NL of a blank or comment-only line, outside brackets. The missing
newline matters in three places, all handled:

* a blank line ending a backslash continuation is, as a buffer's last line, the end of the text inside the
  continuation (``TokenError``), so radon's group takes in the next group too;
* a comment after a backslash continuation on the last line gets no NEWLINE: the group ends at ENDMARKER;
* an empty last line is never reached by the tokenizer (the text's last ``"\n"`` reads as its end); radon
  counts it as a group of its own: one blank line.

Brackets closed more often than opened keep a group open (NEWLINE, not NL, inside it) until they balance, as
radon's ``TokenError`` does. Any ``ERRORTOKEN`` or tokenizer error sends the file to radon itself
(``_fallback``): radon then grows the buffer to the end of the text and raises ``SyntaxError``. Counting uses
token types (plus the ``:`` and ``;`` operators, as radon's ``_logical`` does) and the group's first token
(radon's ``tokens[0]``), so NL versus NEWLINE at a buffer's end does not matter.
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Iterator

from radon.raw import analyze as _radon_analyze

__all__ = ["analyze_raw"]

_COMMENT = tokenize.COMMENT
_STRING = tokenize.STRING
_OP = tokenize.OP
_NL = tokenize.NL
_NEWLINE = tokenize.NEWLINE
_ERRORTOKEN = tokenize.ERRORTOKEN
_ENDMARKER = tokenize.ENDMARKER
_OPEN = frozenset({"(", "[", "{"})
_CLOSE = frozenset({")", "]", "}"})
_SKIP = frozenset({tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT})

RawCounts = tuple[int, int, int, int, int, int, int]


class _Fallback(Exception):
    """The one-pass tokens may differ from radon's per-group tokens: let radon analyse the file."""


def _logical(ops: list[tuple[int, str]]) -> int:
    """radon's ``_logical`` for a group's tokens without COMMENT, NL, NEWLINE and ENDMARKER.

    radon splits the tokens on ``;``; each part counts 2 if it holds a ``:`` that is not its last token (its
    second to last for a part other than the final one, since only the final part carries the ENDMARKER),
    1 if the ``:`` is at that place or there is no ``:`` but some token, 0 if it is empty.
    """
    total = 0
    start = 0
    n = len(ops)
    for i in range(n + 1):
        if i < n and ops[i] != (_OP, ";"):
            continue
        last = i == n
        colon = -1
        for j in range(i - 1, start - 1, -1):
            if ops[j] == (_OP, ":"):
                colon = j - start
                break
        size = i - start + (1 if last else 0)  # the final part still has its ENDMARKER in radon
        if colon >= 0:
            total += 2 - (colon == size - 2)
        elif i > start:
            total += 1
        start = i + 1
    return total


def _tokens(text: str) -> Iterator[tokenize.TokenInfo]:
    return tokenize.generate_tokens(io.StringIO(text).readline)


def _analyze(source: str) -> RawCounts:
    lines = [line.strip() for line in source.splitlines()]
    lloc = comments = single_comments = multi = blank = sloc = 0
    if not lines:
        return (0, 0, 0, 0, 0, 0, 0)

    # nonblank[i]: how many of the first i lines are not blank
    nonblank = [0]
    count = 0
    for line in lines:
        count += line != ""
        nonblank.append(count)

    group_start = 1  # first row (1-based) of the current group
    depth = 0
    ops: list[tuple[int, str]] = []  # the group's tokens, bar comments and NL/NEWLINE/ENDMARKER
    colon_or_semicolon = False  # whether ops holds a ":" or ";" (else radon's _logical is 1 or 0)
    # the group's first token of any kind: radon's tokens[0] (NEWLINE after a continuation's blank line)
    first_kind = -1
    first_rows = 0  # how many rows that first token spans, less one
    n_counted = 0  # the group's tokens other than NL/NEWLINE/ENDMARKER (comments included)
    group_comments = 0
    try:
        for kind, string, (row, col), (end_row, _), _ in _tokens("\n".join(lines)):
            if kind == _ERRORTOKEN:
                raise _Fallback
            if first_kind < 0:
                first_kind = kind
                first_rows = end_row - row
            if kind not in _SKIP:
                n_counted += 1
                if kind == _COMMENT:
                    group_comments += 1
                    continue
                if kind == _OP:
                    if string in _OPEN:
                        depth += 1
                    elif string in _CLOSE:
                        depth -= 1
                    elif string == ":" or string == ";":
                        colon_or_semicolon = True
                ops.append((kind, string))
                continue
            if kind == _ENDMARKER:
                # lines still outside a group: an empty last line (the text's last "\n" reads as its end), a
                # comment after a backslash continuation (tokenize adds no NEWLINE after a last comment)
                if group_start > len(lines):
                    break
                end = len(lines)
            elif kind != _NEWLINE and kind != _NL:
                continue  # DEDENT (none: every line is stripped)
            elif depth:
                continue  # inside brackets (NL), or after more closing than opening ones (NEWLINE)
            elif kind == _NEWLINE and col == 0 and string:
                # a blank line ending a backslash continuation: as the last line of radon's buffer it reads
                # as the end of the text, inside the continuation, so radon's group takes in the next group
                continue
            else:
                end = row

            # the group is rows group_start..end
            comments += group_comments
            code = nonblank[end] - nonblank[group_start - 1]
            if n_counted == 1 and first_kind == _COMMENT:
                single_comments += 1
            elif n_counted == 1 and first_kind == _STRING:
                if first_rows == 0:
                    single_comments += 1
                else:
                    multi += code
                    blank += end - group_start + 1 - code
            else:
                sloc += code
                blank += end - group_start + 1 - code
            if colon_or_semicolon:
                lloc += _logical(ops)
            elif ops:
                lloc += 1

            group_start = end + 1
            depth = 0
            ops = []
            colon_or_semicolon = False
            first_kind = -1
            n_counted = 0
            group_comments = 0
    except (tokenize.TokenError, SyntaxError, _Fallback):
        raise _Fallback from None

    if group_start <= len(lines):
        raise _Fallback  # pragma: no cover - tokenize always ends with ENDMARKER
    loc = sloc + blank + multi + single_comments
    return (loc, lloc, sloc, comments, multi, blank, single_comments)


#: Characters str.splitlines() breaks lines at and Python's tokenizer does not (radon splits with splitlines).
_NOT_PYTHON_LINE_BREAKS = str.maketrans(dict.fromkeys("\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029", " "))


def analyze_raw(source: str, *, valid_python: bool = False) -> RawCounts:
    """``tuple(radon.raw.analyze(source))``: (loc, lloc, sloc, comments, multi, blank, single_comments).

    Raises what radon raises (``SyntaxError`` for an unterminated string or bracket). radon splits lines with
    ``str.splitlines``, which also breaks at a form feed, a vertical tab, ``\x1c``–``\x1e``, ``\x85`` and
    U+2028/U+2029; inside a string literal that tears valid Python apart and radon gives up with a
    ``SyntaxError``. For source known to be ``valid_python``, those characters then count as spaces (the only
    way to give such a file raw metrics at all).
    """
    try:
        return _analyze(source)
    except _Fallback:
        pass
    try:
        return _fallback(source)
    except SyntaxError:
        spaced = source.translate(_NOT_PYTHON_LINE_BREAKS)
        if not valid_python or spaced == source:
            raise
        try:
            return _analyze(spaced)
        except _Fallback:
            return _fallback(spaced)


def _fallback(source: str) -> RawCounts:
    r = _radon_analyze(source)
    return (r.loc, r.lloc, r.sloc, r.comments, r.multi, r.blank, r.single_comments)
