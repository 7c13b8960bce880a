"""One-line notices for clients whose accepted work an outside write dropped (table ``vfs_notices``).

The overwrite guard adds one per client with each ``overwritten`` conflict; the MCP server takes a client's
undelivered notices before every answer to it (and appends them to that answer as text), so the next answer the
client gets says so, whatever it asked. Each notice is given once.
"""

from __future__ import annotations

import sqlite3
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._versions import VersionStore


def take_notices(versions: VersionStore, client: str, *, prefix: bool = False) -> list[str]:
    """The undelivered notices for ``client`` (with ``prefix``: for every client whose name starts with it, as an
    agent session's hook processes each have a pid of their own), marked delivered, oldest first. A read-only look
    first, so the common case (nothing to say) takes no write lock: this runs before every MCP answer."""
    where = "substr(client, 1, ?) = ?" if prefix else "? > 0 AND client = ?"
    args = (len(client), client)
    found = versions._run(lambda conn: conn.execute(
        f"SELECT 1 FROM vfs_notices WHERE {where} AND delivered IS NULL LIMIT 1", args).fetchone(),  # nosec B608
        write=False)
    if found is None:
        return []

    def go(conn: sqlite3.Connection) -> list[str]:
        rows = conn.execute(f"SELECT id, text FROM vfs_notices WHERE {where} AND delivered IS NULL ORDER BY id",  # nosec B608
                            args).fetchall()
        conn.executemany("UPDATE vfs_notices SET delivered = ? WHERE id = ?", [(time.time(), r[0]) for r in rows])
        return [str(r[1]) for r in rows]

    return versions._run(go)


def notice(rel: str, version: str, conflict_id: str, clean: bool) -> str:
    """The one line the client whose work was dropped gets with its next answer."""
    short = version.removeprefix("sha256:")[:12]
    proposal = (f"resolve_conflict('{conflict_id}', 'merged') writes the merge of both" if clean else
                f"the two overlap: resolve_conflict('{conflict_id}', 'content', ...) with your merge")
    return (f"devreliab: your change to {rel} was overwritten by a write outside devreliab (now {short}); "
            f"conflict {conflict_id} keeps base, yours and theirs — {proposal}.")
