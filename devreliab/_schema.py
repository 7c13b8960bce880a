"""The state store's tables: every part of devreliab declares its tables here (see ``_store``)."""

from __future__ import annotations

from typing import Final

# Every table of every part, created with IF NOT EXISTS on open. Never change a statement in place:
# add a new table or a new column through a new statement that tolerates existing state.
SCHEMA: Final[tuple[str, ...]] = (
    # guidance: per-file analysis results keyed by content hash + analyzer versions + config hash
    """CREATE TABLE IF NOT EXISTS analysis_cache (
        key TEXT PRIMARY KEY,
        result TEXT NOT NULL,
        size INTEGER NOT NULL,
        used REAL NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS analysis_cache_used ON analysis_cache(used)",
    # guidance: the stat signature each file had when it was last hashed, so unchanged files are not re-read
    """CREATE TABLE IF NOT EXISTS analysis_files (
        path TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        ctime_ns INTEGER NOT NULL,
        ino INTEGER NOT NULL,
        version TEXT NOT NULL
    )""",
    # vfs: content-addressed versions (blobs), the write journal and conflict records
    """CREATE TABLE IF NOT EXISTS vfs_blobs (
        version TEXT PRIMARY KEY,
        data BLOB NOT NULL,
        size INTEGER NOT NULL,
        used REAL NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS vfs_blobs_used ON vfs_blobs(used)",
    # `client` in the journal and the conflicts names who wrote: the MCP client's clientInfo.name and its
    # server's process id, "claude-code (pid 1234)" (devreliab/mcp/_state.py); else Workspace(client_id=...)
    """CREATE TABLE IF NOT EXISTS vfs_journal (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL,
        before TEXT,
        after TEXT NOT NULL,
        client TEXT NOT NULL,
        time REAL NOT NULL,
        action TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS vfs_journal_path ON vfs_journal(path, id)",
    """CREATE TABLE IF NOT EXISTS vfs_conflicts (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        base TEXT,
        theirs TEXT,
        ours TEXT NOT NULL,
        merged TEXT NOT NULL,
        client TEXT NOT NULL,
        created REAL NOT NULL,
        status TEXT NOT NULL,
        resolved_version TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS vfs_conflicts_status ON vfs_conflicts(status, created)",
    # vfs: covering indexes, so pruning and "is this version stored?" never read the blobs themselves
    "CREATE INDEX IF NOT EXISTS vfs_blobs_used_size ON vfs_blobs(used, size, version)",
    "CREATE INDEX IF NOT EXISTS vfs_blobs_version_used ON vfs_blobs(version, used)",
    # vfs, the overwrite guard (docs/workspace.md, "Local history"): the lease that elects the one process watching
    # the tree (owner, its pid and host, until when it holds it, and its backlog for health), the stat signature and
    # version each file had when the watcher last looked, what kind each conflict is, and one-line notices for the
    # clients whose accepted work an outside write dropped
    """CREATE TABLE IF NOT EXISTS vfs_watch_lease (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        expires REAL NOT NULL,
        beat REAL NOT NULL,
        backlog INTEGER NOT NULL DEFAULT 0,
        oldest REAL
    )""",
    """CREATE TABLE IF NOT EXISTS vfs_watch_files (
        path TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        ctime_ns INTEGER NOT NULL,
        ino INTEGER NOT NULL,
        version TEXT NOT NULL
    )""",
    # when the workspace's history began (key 'started'): files older than that and never seen are the baseline
    """CREATE TABLE IF NOT EXISTS vfs_watch_meta (
        key TEXT PRIMARY KEY,
        value REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS vfs_conflict_kinds (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        clean INTEGER NOT NULL,
        clients TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS vfs_notices (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        client TEXT NOT NULL,
        conflict_id TEXT NOT NULL,
        text TEXT NOT NULL,
        created REAL NOT NULL,
        delivered REAL
    )""",
    "CREATE INDEX IF NOT EXISTS vfs_notices_client ON vfs_notices(client, delivered)",
    # monitor: every server process's samples (res = seconds one row covers; older rows are averaged into
    # minutes, then dropped by age) and the processes that wrote them
    """CREATE TABLE IF NOT EXISTS monitor_samples (
        process TEXT NOT NULL,
        time REAL NOT NULL,
        metric TEXT NOT NULL,
        value REAL NOT NULL,
        anomaly INTEGER NOT NULL DEFAULT 0,
        score REAL,
        res REAL NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS monitor_samples_time ON monitor_samples(time)",
    "CREATE INDEX IF NOT EXISTS monitor_samples_metric ON monitor_samples(metric, time)",
    """CREATE TABLE IF NOT EXISTS monitor_processes (
        process TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        started REAL NOT NULL,
        last_seen REAL NOT NULL,
        interval REAL NOT NULL
    )""",
    # hooks: every agent session seen through ``devreliab hook`` (a client of the workspace like an MCP connection),
    # and per file the version it last read or wrote (its base; the blob is in vfs_blobs), the journal id it had
    # seen then (``mark``) and the version its last allowed write was to produce (``intended``)
    """CREATE TABLE IF NOT EXISTS hook_sessions (
        client TEXT PRIMARY KEY,
        started REAL NOT NULL,
        last_seen REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS hook_session_reads (
        client TEXT NOT NULL,
        path TEXT NOT NULL,
        version TEXT NOT NULL,
        mark INTEGER NOT NULL,
        at REAL NOT NULL,
        intended TEXT,
        PRIMARY KEY (client, path)
    )""",
)
