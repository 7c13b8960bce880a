"""The in-process content cache: an LRU bounded in bytes, revalidated by one ``stat`` per read.

An entry holds the bytes, the version, the decoded text and the stat signature (size, mtime_ns, ctime_ns,
inode, device) taken from the open descriptor. A read serves from memory only when a fresh ``stat`` gives the
same signature *and* the entry is not "racily clean": an entry cached less than ``racy_window_ns`` after the
file's last mtime/ctime could be followed by a write inside the same timestamp tick that the signature cannot
see, so such entries are re-hashed (git's rule). The cache is only an accelerator; losing it is harmless.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

from cachetools import LRUCache

from ._text import TextFormat


@dataclass(frozen=True, slots=True)
class Signature:
    size: int
    mtime_ns: int
    ctime_ns: int
    ino: int
    dev: int

    @classmethod
    def of(cls, st: os.stat_result) -> Signature:
        return cls(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


@dataclass(frozen=True, slots=True)
class Entry:
    """One cached file as read through a validated path."""

    rel: str  # canonical path relative to the root
    data: bytes
    version: str
    sig: Signature
    trusted: bool  # False while racily clean: must be re-hashed before use
    text: str | None  # logical text, None for binary or undecodable files
    fmt: TextFormat | None
    total_lines: int

    @property
    def size(self) -> int:
        return len(self.data) + (len(self.text) if self.text is not None else 0) + 64


@dataclass(frozen=True)
class CacheStats:
    """Counters of one workspace's content cache."""

    hits: int
    misses: int
    racy_rehashes: int
    evictions: int
    entries: int
    bytes_held: int
    max_bytes: int

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class _CountingLRU(LRUCache[str, Entry]):
    """An LRU bounded in bytes that counts evictions and indexes its keys by canonical path."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize=maxsize, getsizeof=lambda entry: entry.size)
        self.evictions = 0
        self.keys_by_rel: dict[str, set[str]] = {}

    def __setitem__(self, key: str, value: Entry) -> None:
        super().__setitem__(key, value)
        self.keys_by_rel.setdefault(value.rel, set()).add(key)

    def popitem(self) -> tuple[str, Entry]:
        self.evictions += 1
        key, entry = super().popitem()
        self._unindex(key, entry.rel)
        return key, entry

    def _unindex(self, key: str, rel: str) -> None:
        keys = self.keys_by_rel.get(rel)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self.keys_by_rel[rel]

    def drop_rel(self, rel: str) -> None:
        for key in list(self.keys_by_rel.pop(rel, ())):
            entry = self.get(key)
            if entry is not None and entry.rel == rel:
                del self[key]


class ContentCache:
    """Keyed by the path string as the caller wrote it (each spelling validated once)."""

    def __init__(self, max_bytes: int, racy_window_ns: int) -> None:
        self.max_bytes = max_bytes
        self.racy_window_ns = racy_window_ns
        self._lru = _CountingLRU(max(max_bytes, 1))
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.racy_rehashes = 0

    def make_entry(self, rel: str, data: bytes, version: str, st: os.stat_result, text: str | None,
                   fmt: TextFormat | None, total_lines: int) -> Entry:
        newest = max(st.st_mtime_ns, st.st_ctime_ns)
        trusted = time.time_ns() - newest >= self.racy_window_ns
        return Entry(rel, data, version, Signature.of(st), trusted, text, fmt, total_lines)

    def lookup(self, key: str, joined: str, *, count_miss: bool = True) -> Entry | None:
        """The entry for ``key`` if ``joined`` still has the cached signature and the entry is trusted.
        ``count_miss=False``: a look that a full read follows on a miss (which counts it)."""
        with self._lock:
            entry: Entry | None = self._lru.get(key)
        if entry is None:
            self.misses += count_miss
            return None
        try:
            st = os.stat(joined)
        except OSError:
            self.misses += count_miss
            return None
        if (st.st_size != entry.sig.size or st.st_mtime_ns != entry.sig.mtime_ns
                or st.st_ctime_ns != entry.sig.ctime_ns or st.st_ino != entry.sig.ino
                or st.st_dev != entry.sig.dev):
            self.misses += count_miss
            return None
        if not entry.trusted:
            self.racy_rehashes += count_miss
            return None
        self.hits += 1
        return entry

    def put(self, key: str, entry: Entry) -> None:
        if entry.size > self.max_bytes:
            return
        with self._lock:
            self._lru[key] = entry

    def invalidate_rel(self, rel: str) -> None:
        """Drop every entry that names the canonical path ``rel``."""
        with self._lock:
            self._lru.drop_rel(rel)

    def clear(self) -> None:
        with self._lock:
            evictions = self._lru.evictions
            self._lru.clear()  # MutableMapping.clear pops items one by one: not evictions
            self._lru.evictions = evictions
            self._lru.keys_by_rel.clear()

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self.hits, self.misses, self.racy_rehashes, self._lru.evictions,
                              len(self._lru), int(self._lru.currsize), self.max_bytes)
