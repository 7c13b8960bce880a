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


def take_notices(versions: VersionStore, client: str) -> list[str]:
    """The undelivered notices for ``client``, marked delivered (oldest first). A read-only look first, so the
    common case (nothing to say) takes no write lock: this runs before every MCP answer."""
    found = versions._run(lambda conn: conn.execute(
        "SELECT 1 FROM vfs_notices WHERE client = ? AND delivered IS NULL LIMIT 1", (client,)).fetchone(), write=False)
    if found is None:
        return []

    def go(conn: sqlite3.Connection) -> list[str]:
        rows = conn.execute("SELECT id, text FROM vfs_notices WHERE client = ? AND delivered IS NULL ORDER BY id",
                            (client,)).fetchall()
        conn.execute("UPDATE vfs_notices SET delivered = ? WHERE client = ? AND delivered IS NULL",
                     (time.time(), client))
        return [str(r[1]) for r in rows]

    return versions._run(go)


def notice(rel: str, version: str, conflict_id: str, clean: bool) -> str:
    """The one line the client whose work was dropped gets with its next answer."""
    short = version.removeprefix("sha256:")[:12]
    proposal = (f"resolve_conflict('{conflict_id}', 'merged') writes the merge of both" if clean else
                f"the two overlap: resolve_conflict('{conflict_id}', 'content', ...) with your merge")
    return (f"devreliab: your change to {rel} was overwritten by a write outside devreliab (now {short}); "
            f"conflict {conflict_id} keeps base, yours and theirs — {proposal}.")
