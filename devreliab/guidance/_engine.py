"""A whole run: find files, serve unchanged ones from the cache, analyse the rest in parallel processes,
apply the gate and rank hotspots."""

from __future__ import annotations

import dataclasses
import os
import stat
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from .._config import Config, find_root, load_config
from ._analyze import analyze_bytes, version_of
from ._cache import AnalysisCache
from ._discover import changed_files, discover, is_git_repo, staged_content
from ._gates import evaluate, read_baseline
from ._hotspots import ChurnReader, hotspots
from ._model import FileAnalysis, FileError, ProjectAnalysis
from ._profile import apply_profile
from ._thresholds import Thresholds

Progress = Callable[[int, int], None]

IN_PROCESS_LIMIT = 4  # this many files or fewer are not worth starting worker processes for


def _read(root: Path, rel: str) -> bytes | FileError:
    path = root / rel
    try:
        if not path.is_file():
            return FileError("unreadable", "not a regular file (a directory, device, FIFO or broken link)")
        return path.read_bytes()
    except PermissionError:
        return FileError("unreadable", "permission denied (make the file readable, or exclude it)")
    except OSError as exc:
        return FileError("unreadable", f"cannot be read: {exc.strerror}")


def _signature(path: Path) -> tuple[int, int, int, int] | None:
    """(size, mtime_ns, ctime_ns, inode) of a regular file, or None."""
    try:
        st = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _work(item: tuple[str, bytes, Thresholds, int]) -> FileAnalysis:
    path, data, thresholds, max_bytes = item
    try:
        return analyze_bytes(path, data, thresholds, max_bytes)
    except Exception as exc:  # an analyzer bug must cost one file, not the run
        return FileAnalysis(path=path, version=version_of(data),
                            error=FileError("internal", f"analysis failed: {type(exc).__name__}: {exc}"))


def cacheable(a: FileAnalysis) -> bool:
    """A crash is never cached, nor a file an analyser failed on in part (its notes): the next run tries again."""
    return (a.error is None or a.error.kind != "internal") and not a.notes


def _warm_worker() -> None:
    from . import _bandit, _radon  # noqa: F401  import once per worker, before the first file

    _bandit.warm()


def _analyse_all(items: list[tuple[str, bytes, Thresholds, int]], jobs: int, progress: Progress | None
                 ) -> list[FileAnalysis]:
    total = len(items)
    if jobs <= 1 or total <= IN_PROCESS_LIMIT:
        results = []
        for done, item in enumerate(items, 1):
            results.append(_work(item))
            if progress:
                progress(done, total)
        return results
    import multiprocessing  # imported here: a warm run (everything cached) never needs them
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # biggest files first so no worker is left with a large file at the end
    order = sorted(range(total), key=lambda i: -len(items[i][1]))
    results_by_index: dict[int, FileAnalysis] = {}
    ctx = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=ctx, initializer=_warm_worker) as pool:
            chunk = max(1, min(16, total // (jobs * 8)))
            for done, (index, result) in enumerate(
                zip(order, pool.map(_work, [items[i] for i in order], chunksize=chunk), strict=True), 1
            ):
                results_by_index[index] = result
                if progress:
                    progress(done, total)
    except BrokenProcessPool:
        # a worker died (killed, out of memory): finish what is missing here, one file at a time
        for index in order:
            if index not in results_by_index:
                results_by_index[index] = _work(items[index])
    return [results_by_index[i] for i in range(total)]


def analyze_path(
    paths: Sequence[str | os.PathLike[str]] | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    config: Config | None = None,
    jobs: int | None = None,
    use_cache: bool | Literal["refresh"] = True,
    changed_since: str | None = None,
    staged: bool = False,
    baseline: str | os.PathLike[str] | None = None,
    ratchet: bool = False,
    apply_baseline: bool = True,
    progress: Progress | None = None,
) -> ProjectAnalysis:
    """Analyse Python files: metrics, security findings, recommendations, the gate and hotspots.

    ``paths`` are files or directories (default: the whole workspace). ``root`` is the workspace root
    (default: the nearest ancestor of the first path, or of the current directory, that holds
    ``devreliab.jsonc`` or ``.git``). ``changed_since``/``staged`` narrow the run to what git says changed;
    with ``staged`` the staged content is analysed, not the working tree. ``baseline`` (default: the
    config's) accepts recorded problems; ``ratchet`` fails recorded problems that got worse;
    ``apply_baseline=False`` ignores any baseline (to write a new one). ``use_cache=False`` analyses every
    file and leaves the analysis cache untouched (nothing read, nothing written); ``"refresh"`` analyses every
    file and stores the results.
    """
    started = time.perf_counter()
    given = [Path(p) for p in (paths or [])]
    if root is not None:
        root_path = Path(root).resolve()
    else:
        anchor = given[0] if given else Path.cwd()
        anchor = anchor.resolve()
        root_path = find_root(anchor if anchor.is_dir() else anchor.parent)
    cfg = config if config is not None else load_config(root_path)
    excludes = cfg.all_excludes

    contents: dict[str, bytes | FileError] = {}
    if staged or changed_since:
        names = changed_files(root_path, changed_since, staged, excludes)
        if given:
            scope = set(discover(root_path, given, excludes))
            names = [n for n in names if n in scope]
        if staged:
            contents.update(staged_content(root_path, names))
    else:
        names = discover(root_path, given or [root_path], excludes)

    churn_reader = (ChurnReader(root_path, cfg.hotspots_max_commits)
                    if cfg.hotspots_enabled and is_git_repo(root_path) else None)

    thresholds = Thresholds.from_config(cfg)
    cache = AnalysisCache(root_path, cfg.analysis_hash(), enabled=use_cache is not False)
    reading = use_cache is True

    # Versions: from the stat index where a file's size, times and inode are unchanged (no read, no hash);
    # otherwise read and hash. Staged content comes from git, never from the index.
    versions: dict[str, str] = {}
    signatures: dict[str, tuple[int, int, int, int]] = {}
    if not staged:
        for name in names:  # before any read: a change after this stat must not be recorded as unchanged
            sig = _signature(root_path / name)
            if sig is not None:
                signatures[name] = sig
        if reading:
            versions.update(cache.known_versions(signatures))
    errors: dict[str, FileError] = {}
    for name in names:
        if name in versions:
            continue
        data = contents[name] if name in contents else _read(root_path, name)
        if isinstance(data, FileError):
            errors[name] = data
            continue
        contents[name] = data
        versions[name] = version_of(data)
    cache.remember({n: (signatures[n], versions[n]) for n in contents if n in signatures and n in versions})

    files: dict[str, FileAnalysis] = {}
    to_analyse: list[tuple[str, bytes, Thresholds, int]] = []
    path_of = {v: n for n, v in versions.items()}
    cached = cache.get_many(versions.values(), path_of) if reading else {}
    for name in names:
        if name in errors:
            files[name] = FileAnalysis(path=name, version="", error=errors[name])
            continue
        hit = cached.get(versions[name])
        if hit is not None:
            files[name] = hit if hit.path == name else dataclasses.replace(hit, path=name)
            continue
        # indexed but not cached (pruned, or new settings): read it now
        data = contents[name] if name in contents else _read(root_path, name)
        if isinstance(data, FileError):
            files[name] = FileAnalysis(path=name, version="", error=data)
        else:
            to_analyse.append((name, data, thresholds, cfg.analysis_max_file_bytes))

    worker_count = jobs or cfg.jobs or os.cpu_count() or 1
    fresh = _analyse_all(to_analyse, worker_count, progress)
    for analysis in fresh:
        files[analysis.path] = analysis
    cache.put_many(a for a in fresh if cacheable(a))

    # the tests profile and security.skip after the cache: a result depends on the bytes, not on the path
    ordered = tuple(apply_profile(files[name], cfg) for name in names)
    baseline_path = Path(baseline) if baseline is not None else cfg.baseline
    if not apply_baseline:
        baseline_path = None
    baseline_doc: dict[str, Any] | None = read_baseline(baseline_path) if baseline_path is not None else None
    if ratchet and baseline_doc is None:
        from .._errors import BaselineError

        raise BaselineError("--ratchet needs a baseline (--baseline FILE or 'baseline' in devreliab.jsonc)")
    gate = evaluate(ordered, cfg.gates, baseline_doc, ratchet)
    spots = hotspots(ordered, churn_reader.result()) if churn_reader else ()
    return ProjectAnalysis(
        root=str(root_path),
        files=ordered,
        gate=gate,
        hotspots=spots,
        cached=len(ordered) - len(fresh),
        analysed=len(fresh),
        seconds=time.perf_counter() - started,
    )
