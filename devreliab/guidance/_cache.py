"""Per-file analysis results in the state store, keyed by content hash + analyzer versions + config hash.

Several processes (CLI runs, MCP servers) share it through SQLite. A store that cannot be opened makes the
cache a no-op with a warning: analysis still works, only slower.
"""

from __future__ import annotations

import hmac
import json
import logging
import sqlite3
import sys
import time
from collections.abc import Iterable
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from .._errors import StateStoreError
from .._store import StateStore
from ._codec import FORMAT, from_row, to_row
from ._model import FileAnalysis

log = logging.getLogger("devreliab.guidance")

MAX_ENTRIES = 50_000  # beyond this, the least recently used entries are dropped
TOUCH_AFTER = 3600.0  # refresh an entry's "used" time at most once an hour
RACY_NS = 2_000_000_000  # a file changed this recently may change again within its mtime's granularity

Signature = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode

# Part of every key. Raised when a fix changes what the engine produces for the same bytes, versions and settings,
# so that results stored before the fix are never served again. 2: analyses running in several threads at once
# (the MCP server's tools) could carry another file's findings, and such results were stored. 3: security rewrites
# that keep behaviour, allowances in the cached rows (issue 19).
ENGINE_REVISION = 3


def _installed_version(dist: str) -> str:
    """A distribution's version without importing it or importlib.metadata (both cost a warm run time)."""
    spec = find_spec(dist)
    if spec is None or spec.origin is None:
        return "?"
    site = Path(spec.origin).parent.parent
    for info in site.glob(f"{dist}-*.dist-info"):
        return info.name[len(dist) + 1 : -len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


@cache
def machine_key() -> bytes:
    """A secret of this user on this machine that every cache key is signed with.

    The state store lives in the workspace, so a repository could ship a crafted ``.devreliab/state.db``
    claiming "no findings" for its files; keys signed with a secret that never leaves the machine make such
    entries unreachable. Kept in ``$XDG_CACHE_HOME/devreliab/cache-key`` (0600); when that cannot be written,
    a per-process key (the cache then only helps within one process).
    """
    import os
    import secrets

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "devreliab"
    path = base / "cache-key"
    try:
        return path.read_bytes()[:32] or secrets.token_bytes(32)
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        base.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
    except FileExistsError:  # another process created it first: use theirs
        try:
            return path.read_bytes()[:32] or key
        except OSError:
            return key
    except OSError as exc:
        log.warning("analysis cache limited to this process: cannot store its key in %s (%s)", path, exc)
    return key


@cache
def analyzer_signature() -> str:
    """Changes whenever a result could change: devreliab's, radon's, bandit's and Python's versions."""
    from .._version import __version__

    parts = [f"devreliab={__version__}"]
    parts += [f"{dist}={_installed_version(dist)}" for dist in ("radon", "bandit")]
    parts.append(f"py={sys.version_info.major}.{sys.version_info.minor}")
    return ";".join(parts)


class AnalysisCache:
    def __init__(self, root: Path, config_hash: str, store: StateStore | None = None, *,
                 enabled: bool = True) -> None:
        """``enabled=False``: a cache that neither reads nor writes, and creates no state store."""
        self.prefix = f"{analyzer_signature()}|{FORMAT}|r{ENGINE_REVISION}|{config_hash}|"
        self.store: StateStore | None = None
        if not enabled:
            return
        try:
            self.store = store if store is not None else StateStore(root)
        except StateStoreError as exc:
            log.warning("analysis cache disabled: %s", exc)
            self.store = None

    def _key(self, version: str) -> str:
        return hmac.new(machine_key(), (self.prefix + version).encode(), "sha256").hexdigest()

    def known_versions(self, signatures: dict[str, Signature]) -> dict[str, str]:
        """The version of every file whose stat signature equals the one recorded when it was last hashed.

        Like git's index: an unchanged (size, mtime, ctime, inode) means unchanged bytes, except for entries
        recorded within RACY_NS of the file's mtime, which are never trusted (``remember`` does not store them).
        """
        if self.store is None or not signatures:
            return {}
        known: dict[str, str] = {}
        try:
            rows = self.store.conn.execute("SELECT path, size, mtime_ns, ctime_ns, ino, version FROM analysis_files")
            for path, size, mtime_ns, ctime_ns, ino, version in rows:
                sig = signatures.get(path)
                if sig is not None and sig == (size, mtime_ns, ctime_ns, ino):
                    known[path] = version
        except sqlite3.Error as exc:
            self._recover(exc)
            return {}
        return known

    def remember(self, entries: dict[str, tuple[Signature, str]]) -> None:
        """Record (signature, version) of files just hashed, except racily clean ones."""
        if self.store is None or not entries:
            return
        now = time.time_ns()
        rows = [(path, *sig, version) for path, (sig, version) in entries.items() if now - sig[1] > RACY_NS]
        if not rows:
            return
        try:
            with self.store.transaction() as tx:
                tx.executemany("INSERT OR REPLACE INTO analysis_files (path, size, mtime_ns, ctime_ns, ino, version) "
                               "VALUES (?, ?, ?, ?, ?, ?)", rows)
        except sqlite3.Error as exc:
            self._recover(exc)

    def get_many(self, versions: Iterable[str], path_of: dict[str, str]) -> dict[str, FileAnalysis]:
        """Cached results by version, each with the path ``path_of[version]``."""
        if self.store is None:
            return {}
        wanted = list(dict.fromkeys(versions))
        version_of_key = {self._key(v): v for v in wanted}
        keys = list(version_of_key)
        found: dict[str, FileAnalysis] = {}
        stale: list[str] = []
        now = time.time()
        try:
            conn = self.store.conn
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, result, used in conn.execute(
                    f"SELECT key, result, used FROM analysis_cache WHERE key IN ({marks})", chunk
                ):
                    version = version_of_key[key]
                    found[version] = from_row(path_of[version], json.loads(result))
                    if now - used > TOUCH_AFTER:
                        stale.append(key)
            if stale:
                with self.store.transaction() as tx:
                    tx.executemany("UPDATE analysis_cache SET used = ? WHERE key = ?", [(now, k) for k in stale])
        except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
            self._recover(exc)
            return {}
        return found

    def put_many(self, analyses: Iterable[FileAnalysis]) -> None:
        if self.store is None:
            return
        now = time.time()
        rows = []
        for analysis in analyses:
            text = json.dumps(to_row(analysis), separators=(",", ":"))
            rows.append((self._key(analysis.version), text, len(text), now))
        if not rows:
            return
        try:
            with self.store.transaction() as tx:
                tx.executemany(
                    "INSERT OR REPLACE INTO analysis_cache (key, result, size, used) VALUES (?, ?, ?, ?)", rows
                )
                (count,) = tx.execute("SELECT count(*) FROM analysis_cache").fetchone()
                if count > MAX_ENTRIES:
                    tx.execute(
                        "DELETE FROM analysis_cache WHERE key IN "
                        "(SELECT key FROM analysis_cache ORDER BY used LIMIT ?)",
                        (count - MAX_ENTRIES,),
                    )
        except sqlite3.Error as exc:
            self._recover(exc)

    def _recover(self, exc: Exception) -> None:
        assert self.store is not None
        if isinstance(exc, sqlite3.OperationalError):  # locked or busy: skip the cache this time, keep the store
            log.warning("analysis cache skipped: %s", exc)
            return
        log.warning("analysis cache unreadable (%s); rebuilding the state store", exc)
        try:
            self.store.rebuild(str(exc))
        except (StateStoreError, OSError, sqlite3.Error) as again:
            log.warning("analysis cache disabled: %s", again)
            self.store = None
