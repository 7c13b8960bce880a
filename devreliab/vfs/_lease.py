"""The lease that elects the one process watching a workspace for its local history.

One row of ``vfs_watch_lease`` in the state store names the holder (an owner id, its pid and host) and until when
it holds the lease. The holder renews it every ``ttl_s / 3``; any other process may take it once it has expired,
or at once when the holder's pid is gone from this host (killed, crashed: a zombie counts as gone). Every
decision is one ``BEGIN IMMEDIATE`` transaction, so two processes never both believe they hold it for long: a
holder that finds another owner in the row on renewal stops watching.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass

from .._store import StateStore

LEASE_NAME = "history"
DEFAULT_TTL_S = 3.0


@dataclass(frozen=True)
class LeaseRow:
    owner: str
    pid: int
    host: str
    expires: float
    beat: float
    backlog: int
    oldest: float | None


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this host (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in (b"Z", b"X")


def read_lease(store: StateStore) -> LeaseRow | None:
    """The lease row as it is now (None: nobody ever held it)."""
    row = store.conn.execute("SELECT owner, pid, host, expires, beat, backlog, oldest FROM vfs_watch_lease "
                             "WHERE name = ?", (LEASE_NAME,)).fetchone()
    return None if row is None else LeaseRow(*row)


class Lease:
    """This process's side of the lease."""

    def __init__(self, store: StateStore, owner: str, ttl_s: float = DEFAULT_TTL_S) -> None:
        self.store = store
        self.owner = owner
        self.ttl_s = ttl_s
        self.pid = os.getpid()
        self.host = socket.gethostname()

    def _takeable(self, row: LeaseRow, now: float) -> bool:
        if row.owner == self.owner or row.expires < now:
            return True
        return row.host == self.host and not pid_alive(row.pid)

    def acquire(self, backlog: int = 0, oldest: float | None = None) -> bool:
        """Take or renew the lease (recording this holder's backlog); whether this process holds it now."""
        now = time.time()
        row = read_lease(self.store)  # a read first: a process that cannot take it takes no write lock
        if row is not None and not self._takeable(row, now):
            return False
        with self.store.transaction() as conn:
            found = conn.execute("SELECT owner, pid, host, expires, beat, backlog, oldest FROM vfs_watch_lease "
                                 "WHERE name = ?", (LEASE_NAME,)).fetchone()
            if found is not None and not self._takeable(LeaseRow(*found), now):
                return False
            conn.execute(
                "INSERT INTO vfs_watch_lease(name, owner, pid, host, expires, beat, backlog, oldest) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, "
                "pid = excluded.pid, host = excluded.host, expires = excluded.expires, beat = excluded.beat, "
                "backlog = excluded.backlog, oldest = excluded.oldest",
                (LEASE_NAME, self.owner, self.pid, self.host, now + self.ttl_s, now, backlog, oldest))
            # the first lease ever taken is when the workspace's history began (files older are its baseline)
            conn.execute("INSERT OR IGNORE INTO vfs_watch_meta(key, value) VALUES ('started', ?)", (now,))
        return True

    def release(self) -> None:
        """Give the lease up (at shutdown), so another process takes over at once."""
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM vfs_watch_lease WHERE name = ? AND owner = ?", (LEASE_NAME, self.owner))
