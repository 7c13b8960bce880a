"""Samples in the state store: written by every server process, read by whoever asks for the health.

Bounded two ways: raw rows older than ``raw_keep_s`` are averaged into one row per process, metric and minute,
and every row older than ``retention_s`` is dropped; a hard cap on the row count catches the rest (many
processes, many tools). Each process writes one sample in one transaction, so a process killed mid-sample
leaves all of it or none.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from .._store import StateStore

BUSY_MS: Final = 1000  # the monitor never waits long for a busy store: a sample can be skipped
STORE_BUSY_MS: Final = 30000  # what StateStore sets, restored afterwards (the connection is the workspace's)
DOWNSAMPLED_RES: Final = 60.0


@dataclass(frozen=True)
class Row:
    process: str
    time: float
    metric: str
    value: float
    anomaly: bool
    score: float | None


@dataclass(frozen=True)
class ProcessRow:
    process: str
    pid: int
    started: float
    last_seen: float
    interval: float


@contextlib.contextmanager
def connection(store: StateStore) -> Iterator[sqlite3.Connection]:
    """This thread's connection of the store, waiting at most ``BUSY_MS`` for a lock while the monitor uses it."""
    conn = store.conn
    conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
    try:
        yield conn
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.execute(f"PRAGMA busy_timeout = {STORE_BUSY_MS}")


def write(store: StateStore, process: ProcessRow, time: float,
          rows: list[tuple[str, float, bool, float | None]]) -> None:
    with connection(store) as conn:
        _write(conn, process, time, rows)


def _write(conn: sqlite3.Connection, process: ProcessRow, time: float,
           rows: list[tuple[str, float, bool, float | None]]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(
            "INSERT INTO monitor_samples(process, time, metric, value, anomaly, score, res) VALUES (?,?,?,?,?,?,?)",
            [(process.process, time, m, v, int(a), s, process.interval) for m, v, a, s in rows])
        conn.execute(
            "INSERT INTO monitor_processes(process, pid, started, last_seen, interval) VALUES (?,?,?,?,?) "
            "ON CONFLICT(process) DO UPDATE SET last_seen = excluded.last_seen, interval = excluded.interval",
            (process.process, process.pid, process.started, time, process.interval))
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def maintain(store: StateStore, now: float, *, raw_keep_s: float, retention_s: float, max_rows: int) -> None:
    """Downsample old raw rows to minutes, drop rows past retention, keep at most ``max_rows``."""
    with connection(store) as conn:
        _maintain(conn, now, raw_keep_s=raw_keep_s, retention_s=retention_s, max_rows=max_rows)


def _maintain(conn: sqlite3.Connection, now: float, *, raw_keep_s: float, retention_s: float, max_rows: int) -> None:
    cutoff = now - raw_keep_s
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "INSERT INTO monitor_samples(process, time, metric, value, anomaly, score, res) "
            "SELECT process, CAST(time / ? AS INTEGER) * ?, metric, avg(value), max(anomaly), NULL, ? "
            "FROM monitor_samples WHERE res < ? AND time < ? "
            "GROUP BY process, CAST(time / ? AS INTEGER), metric",
            (DOWNSAMPLED_RES, DOWNSAMPLED_RES, DOWNSAMPLED_RES, DOWNSAMPLED_RES, cutoff, DOWNSAMPLED_RES))
        conn.execute("DELETE FROM monitor_samples WHERE res < ? AND time < ?", (DOWNSAMPLED_RES, cutoff))
        conn.execute("DELETE FROM monitor_samples WHERE time < ?", (now - retention_s,))
        conn.execute("DELETE FROM monitor_samples WHERE rowid <= (SELECT max(rowid) FROM monitor_samples) - ?",
                     (max_rows,))
        conn.execute("DELETE FROM monitor_processes WHERE last_seen < ?", (now - retention_s,))
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


def recent(store: StateStore, since: float) -> list[Row]:
    """Rows written since ``since`` (wall time), per process in the order they were written."""
    with connection(store) as conn:
        cur = conn.execute("SELECT process, time, metric, value, anomaly, score FROM monitor_samples "
                           "WHERE time >= ? ORDER BY process, rowid", (since,))
        return [Row(p, t, m, v, bool(a), s) for p, t, m, v, a, s in cur]


def processes(store: StateStore) -> list[ProcessRow]:
    with connection(store) as conn:
        cur = conn.execute("SELECT process, pid, started, last_seen, interval FROM monitor_processes "
                           "ORDER BY started")
        return [ProcessRow(*r) for r in cur]


def count(store: StateStore) -> int:
    with connection(store) as conn:
        return int(conn.execute("SELECT count(*) FROM monitor_samples").fetchone()[0])


@dataclass(frozen=True)
class ConflictInfo:
    """The workspace's conflicts as the health judges them (one indexed query each)."""

    open_write: int = 0  # open conflicts of kind "write" (or of every kind, without a kind column)
    oldest_open: float = 0.0
    oldest_path: str = ""
    open_clients: tuple[str, ...] = ()
    open_overwritten: int = 0  # open conflicts of kind "overwritten" (the overwrite guard's detections)
    oldest_overwritten: float = 0.0
    recent: int = 0  # conflicts created within the long window
    recent_since: float = 0.0


def conflicts(store: StateStore, since: float) -> ConflictInfo:
    """Open conflicts (by kind, when the table has a ``kind`` column), and those created since ``since``."""
    with connection(store) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(vfs_conflicts)")}
        query = ("SELECT kind, path, client, created FROM vfs_conflicts WHERE status = 'open' ORDER BY created"
                 if "kind" in columns else
                 "SELECT 'write', path, client, created FROM vfs_conflicts WHERE status = 'open' ORDER BY created")
        rows = conn.execute(query).fetchall()
        recent = conn.execute("SELECT count(*), min(created) FROM vfs_conflicts WHERE created >= ?",
                              (since,)).fetchone()
    return _conflict_info(rows, int(recent[0] or 0), float(recent[1] or 0.0))


def _conflict_info(rows: list[tuple[str, str, str, float]], recent: int, recent_since: float) -> ConflictInfo:
    """Open conflicts (kind, path, client, created; oldest first) summed up by kind."""
    writes = [r for r in rows if r[0] != "overwritten"]
    over = [r for r in rows if r[0] == "overwritten"]
    clients = tuple(sorted({str(r[2]) for r in writes if r[2]}))[:5]
    oldest = writes[0] if writes else ("", "", "", 0.0)
    return ConflictInfo(len(writes), oldest[3], oldest[1], clients, len(over), over[0][3] if over else 0.0,
                        recent, recent_since)


class Window:
    """The samples of the last ``keep_s`` seconds, grouped by (process, metric), read incrementally: each
    ``refresh`` reads only the rows written since the last one (``rowid >``) and drops those that aged out."""

    def __init__(self, keep_s: float) -> None:
        self.keep_s = keep_s
        self.series: dict[tuple[str, str], list[Row]] = {}
        self.last_rowid = 0
        self._trimmed = 0.0
        self.memo: dict[object, object] = {}  # the health's slow-moving figures (baselines), per window

    def refresh(self, store: StateStore, now: float) -> bool:
        """Read the new rows; True when there were any."""
        cutoff = now - self.keep_s
        with connection(store) as conn:
            if self.last_rowid and (conn.execute("SELECT max(rowid) FROM monitor_samples").fetchone()[0] or 0) \
                    < self.last_rowid:  # the table was rebuilt (a new store): start over
                self.series.clear()
                self.last_rowid = 0
            cur = conn.execute("SELECT rowid, process, time, metric, value, anomaly, score FROM monitor_samples "
                               "WHERE rowid > ? AND time >= ? ORDER BY rowid", (self.last_rowid, cutoff))
            fresh = cur.fetchall()
        for rowid, p, t, m, v, a, s in fresh:
            rs = self.series.get((p, m))
            if rs is None:
                rs = self.series[(p, m)] = []
            elif rs[-1].time > t:  # a downsampled minute of old rows, re-inserted: already seen raw
                continue
            rs.append(Row(p, t, m, v, bool(a), s))
            self.last_rowid = rowid
        if fresh:
            self.last_rowid = max(self.last_rowid, fresh[-1][0])
        if now - self._trimmed >= 10.0:
            self._trim(cutoff)
            self._trimmed = now
        return bool(fresh)

    def _trim(self, cutoff: float) -> None:
        for key in list(self.series):
            rs = self.series[key]
            k = 0
            while k < len(rs) and rs[k].time < cutoff:
                k += 1
            if k == len(rs):
                del self.series[key]
            elif k:
                del rs[:k]
