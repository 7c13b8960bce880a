"""Bytes ↔ text: binary detection, encodings (UTF-8, UTF-8 with BOM, UTF-16 with BOM) and line endings.

Text handed to callers is *logical*: line endings are ``\\n`` whatever the file uses (unless the file mixes
styles, then it is passed through untouched). Text coming back is converted to the file's style, so a CRLF
file stays CRLF and a round trip reproduces the bytes. Bytes that do not decode are an error, never replaced.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from .._errors import BinaryFileError, EncodingError

LineEnding = Literal["lf", "crlf", "cr", "mixed", "none"]
Encoding = Literal["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be"]

SNIFF_BYTES: Final = 8192
_BOMS: Final[tuple[tuple[bytes, Encoding], ...]] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CODEC: Final[dict[Encoding, str]] = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "utf-16-le": "utf-16-le",
    "utf-16-be": "utf-16-be",
}
_BOM_OF: Final[dict[Encoding, bytes]] = {enc: bom for bom, enc in _BOMS} | {"utf-8": b""}
_EOL: Final[dict[LineEnding, str]] = {"crlf": "\r\n", "cr": "\r"}


def version_of(data: bytes) -> str:
    """A file's version: ``sha256:`` and the hex digest of its bytes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class TextFormat:
    """How a file stores its text."""

    encoding: Encoding = "utf-8"
    line_ending: LineEnding = "none"


DEFAULT_FORMAT: Final = TextFormat()


def bom_encoding(data: bytes) -> Encoding | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def is_binary(data: bytes) -> bool:
    """NUL bytes in the first 8 KB mean binary, unless a UTF-16 BOM says otherwise."""
    encoding = bom_encoding(data)
    if encoding is not None and encoding.startswith("utf-16"):
        return False
    return b"\x00" in data[:SNIFF_BYTES]


def line_ending_of(text: str) -> LineEnding:
    if "\r" not in text:  # the common case costs one scan
        return "lf" if "\n" in text else "none"
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    kinds = [name for name, count in (("crlf", crlf), ("lf", lf), ("cr", cr)) if count]
    if not kinds:
        return "none"
    if len(kinds) > 1:
        return "mixed"
    return kinds[0]  # type: ignore[return-value]


def decode(data: bytes, name: str) -> tuple[str, TextFormat]:
    """The logical text of ``data`` and its format; BinaryFileError / EncodingError when it is not text."""
    if is_binary(data):
        raise BinaryFileError(f"{name!r} is a binary file (it has NUL bytes); text operations refuse it")
    encoding: Encoding = bom_encoding(data) or "utf-8"
    body = data[len(_BOM_OF[encoding]):]
    try:
        raw = body.decode(_CODEC[encoding])
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"{name!r}: bytes at offset {exc.start + len(_BOM_OF[encoding])} are not valid {encoding}; "
            "devreliab reads UTF-8 and UTF-16 with a BOM — convert the file to UTF-8"
        ) from None
    ending = line_ending_of(raw)
    text = raw.replace(_EOL[ending], "\n") if ending in _EOL else raw
    return text, TextFormat(encoding, ending)


def encode(text: str, fmt: TextFormat, name: str) -> bytes:
    """Bytes for logical ``text`` in format ``fmt`` (line endings normalised to the file's style)."""
    if fmt.line_ending in ("lf", "crlf", "cr"):
        text = text.replace("\r\n", "\n")
        if fmt.line_ending != "lf":
            text = text.replace("\n", _EOL[fmt.line_ending])
    try:
        return _BOM_OF[fmt.encoding] + text.encode(_CODEC[fmt.encoding])
    except UnicodeEncodeError as exc:
        raise EncodingError(
            f"{name!r}: character {exc.object[exc.start:exc.end]!r} at {exc.start} cannot be written in "
            f"{fmt.encoding}; nothing was written"
        ) from None


def count_lines(text: str) -> int:
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def split_lines(text: str) -> list[str]:
    """Lines with their ``\\n`` kept (only ``\\n`` splits, unlike str.splitlines)."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


@dataclass(frozen=True, slots=True)
class StreamFacts:
    """What ``describe_stream`` learnt about a file too large to hold in memory."""

    version: str
    size: int
    binary: bool
    encoding: Encoding | None  # None when binary or not decodable
    line_ending: LineEnding | None
    total_lines: int = 0  # lines of the text (as count_lines counts them); 0 when not text
    window: str | None = None  # the lines asked for with ``window`` (as _lines would cut them), if text


class WindowTooLarge(ValueError):
    """The lines asked for hold more than ``max_window_chars`` characters."""


class _Window:
    """Lines ``first``..``last`` (1-based, inclusive; ``last`` None: to the end) of text fed chunk by chunk, and
    the number of lines; only the lines inside the window are kept."""

    def __init__(self, first: int, last: int | None, max_chars: int) -> None:
        self.first, self.last, self.max_chars = first, last, max_chars
        self.line = 1  # the number of the line being read
        self.open = False  # the current line has characters
        self.kept: list[str] = []
        self.chars = 0

    def _keep(self, piece: str) -> None:
        if self.first <= self.line and (self.last is None or self.line <= self.last) and piece:
            self.chars += len(piece)
            if self.chars > self.max_chars:
                raise WindowTooLarge(f"lines {self.first}..{self.last or 'end'} hold over {self.max_chars} "
                                     "characters")
            self.kept.append(piece)

    def feed(self, text: str) -> None:
        ends = text.count("\n")
        if self.line + ends < self.first or (self.last is not None and self.line > self.last):
            self.line += ends  # no line of the window in this chunk: count, keep nothing
            self.open = not text.endswith("\n") if ends else self.open or bool(text)
            return
        pieces = text.split("\n")
        for piece in pieces[:-1]:
            self._keep(piece + "\n")
            self.line += 1
            self.open = False
        self._keep(pieces[-1])
        self.open = self.open or bool(pieces[-1])

    @property
    def total(self) -> int:
        return self.line - (0 if self.open else 1)


def describe_stream(read: Callable[[int], bytes], chunk_size: int = 1 << 20, *,
                    window: tuple[int, int | None] | None = None, max_window_chars: int = 1 << 24) -> StreamFacts:
    """Version, encoding, line endings and line count of a stream, read chunk by chunk (memory stays bounded);
    with ``window=(first, last)`` also those lines of the text (WindowTooLarge past ``max_window_chars``)."""
    digest = hashlib.sha256()
    first = read(max(chunk_size, SNIFF_BYTES))
    while 0 < len(first) < SNIFF_BYTES:  # a short read: the sniff needs the first 8 KB (or the whole file)
        more = read(SNIFF_BYTES - len(first))
        if not more:
            break
        first += more
    binary = is_binary(first)
    encoding: Encoding | None = None if binary else (bom_encoding(first) or "utf-8")
    decoder = codecs.getincrementaldecoder(_CODEC[encoding])("strict") if encoding else None
    counts = {"crlf": 0, "lf": 0, "cr": 0}
    lines = _Window(*(window or (1, 0)), max_chars=max_window_chars if window else 0)
    ended_with_cr = False
    chunk, size, skip = first, 0, len(_BOM_OF[encoding]) if encoding else 0
    while chunk:
        digest.update(chunk)
        size += len(chunk)
        if decoder is not None:
            try:
                text = decoder.decode(chunk[skip:])
            except UnicodeDecodeError:
                decoder, encoding = None, None
            else:
                lines.feed(text)
                crlf = text.count("\r\n")
                counts["crlf"] += crlf
                counts["lf"] += text.count("\n") - crlf
                counts["cr"] += text.count("\r") - crlf
                if ended_with_cr and text.startswith("\n"):  # a CRLF split across two chunks
                    counts["crlf"] += 1
                    counts["lf"] -= 1
                    counts["cr"] -= 1
                if text:
                    ended_with_cr = text.endswith("\r")
        skip = 0
        chunk = read(chunk_size)
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            decoder, encoding = None, None
    ending: LineEnding | None = None
    if encoding is not None:
        kinds = [name for name, count in counts.items() if count]
        ending = "none" if not kinds else "mixed" if len(kinds) > 1 else kinds[0]  # type: ignore[assignment]
    if encoding is None:
        return StreamFacts("sha256:" + digest.hexdigest(), size, binary, None, None)
    return StreamFacts("sha256:" + digest.hexdigest(), size, binary, encoding, ending, lines.total,
                       "".join(lines.kept) if window else None)
