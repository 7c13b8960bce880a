"""How MCP clients are named in conflict records and the journal: ``claude-code (pid 1234)``.

The name is the ``clientInfo.name`` the client sent in ``initialize``; the pid is the server process serving
it (each stdio client has a process of its own). A client that sends no name (or a 2026-07-28 request, which
has no handshake) keeps the workspace's default id.
"""

from __future__ import annotations

from contextvars import ContextVar

from devreliab.vfs import Workspace

# the calling client's name for conflict records and the journal (client_label), set per tool call
current_client: ContextVar[str | None] = ContextVar("devreliab_mcp_client", default=None)


def named(ws: Workspace) -> Workspace:
    """The workspace, named after the calling client (``current_client``) when the client said its name."""
    label = current_client.get()
    if label is not None and ws.client_id != label:
        ws.client_id = label
    return ws


def client_label_of(session: object, pid: int) -> str | None:
    """``client_label`` of the ``clientInfo.name`` a session sent in ``initialize``; None when it sent none."""
    params = getattr(session, "client_params", None)
    name = getattr(getattr(params, "client_info", None), "name", None)
    return client_label(name, pid) if isinstance(name, str) and name.strip() else None


def client_label(name: str, pid: int) -> str:
    """How a client is named in conflict records and the journal: ``claude-code (pid 1234)`` — the MCP client's
    name (printable characters only, at most 64) and the id of the server process serving it."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in name.strip())[:64]
    return f"{clean} (pid {pid})"
