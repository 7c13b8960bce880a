"""MCP roots: a client may narrow the workspace to the roots it offers, never widen it beyond ``--root``.

For a session whose client declared the ``roots`` capability (protocol versions up to 2025-11-25), the roots are
fetched once (again after ``notifications/roots/list_changed``) and intersected with the workspace root:

- a root inside the workspace allows that subtree;
- a root that contains the workspace allows all of it;
- a root elsewhere allows nothing of it (it cannot widen the workspace).

On 2026-07-28 connections roots are not asked for: that protocol has no back channel for ``roots/list`` (the
log says so once). When no offered root overlaps the workspace, or the client offers none, there is no
narrowing (the workspace is what ``--root`` says). Otherwise every path a tool call names (``path``,
``paths``; ``.`` when a listing, search or project analysis names none) must lie inside an allowed subtree, or
the call is refused with a message that names the allowed roots.
"""

from __future__ import annotations

import logging
import os
import warnings
import weakref
from typing import Any
from urllib.parse import unquote, urlparse

import anyio
from mcp.server.mcpserver import MCPServer
from mcp_types import NotificationParams
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

log = logging.getLogger("devreliab.mcp")

FETCH_TIMEOUT_S = 10.0
WHOLE_WORKSPACE_BY_DEFAULT = frozenset({"list_directory", "search", "analyze_project"})


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def allowed_subtrees(workspace: str, root_uris: list[str]) -> list[str] | None:
    """The parts of ``workspace`` the roots allow; None when they do not narrow it."""
    workspace = os.path.realpath(workspace)
    allowed: list[str] = []
    for uri in root_uris:
        parsed = urlparse(uri)
        if parsed.scheme != "file":
            continue
        path = os.path.realpath(unquote(parsed.path))
        if _inside(workspace, path):
            return None  # a root holding the whole workspace: nothing is narrowed
        if _inside(path, workspace):
            allowed.append(path)
    return allowed or None


def _connection(session: Any) -> Any:
    """The client connection behind a request's session (the SDK keeps it private; the session itself when
    it has none, as the in-memory transport's)."""
    return getattr(session, "_connection", session)


class Roots:
    """The allowed subtrees of each session, fetched from its client on first use."""

    def __init__(self, workspace_root: str) -> None:
        self.workspace = os.path.realpath(workspace_root)
        # Keyed by the client's connection: the SDK makes a new session object for every request.
        self._by_connection: weakref.WeakKeyDictionary[Any, list[str] | None] = weakref.WeakKeyDictionary()
        self._said_modern = False

    def install(self, server: MCPServer[Any]) -> None:
        server._lowlevel_server.add_notification_handler(  # no MCPServer API for this notification
            "notifications/roots/list_changed", NotificationParams, self._changed)

    async def _changed(self, ctx: Any, params: NotificationParams) -> None:
        self._by_connection.pop(_connection(ctx.session), None)

    async def allowed(self, session: Any, protocol_version: str | None = None) -> list[str] | None:
        caps = getattr(session, "client_capabilities", None)
        if caps is None or getattr(caps, "roots", None) is None or not hasattr(session, "list_roots"):
            return None
        if protocol_version in MODERN_PROTOCOL_VERSIONS:  # no back channel to ask on: said once, then quiet
            if not self._said_modern:
                self._said_modern = True
                log.warning("MCP roots are not asked for on %s connections (the protocol has no back channel for "
                            "roots/list): the workspace is what --root says", protocol_version)
            return None
        connection = _connection(session)
        if connection in self._by_connection:
            return self._by_connection[connection]
        try:
            with anyio.fail_after(FETCH_TIMEOUT_S), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # roots are deprecated in 2026-07-28, not in the era that has them
                result = await session.list_roots()
            allowed = allowed_subtrees(self.workspace, [str(r.uri) for r in result.roots])
        except Exception as exc:  # a client that cannot answer roots/list does not narrow anything
            log.warning("roots/list failed: %r", exc)
            allowed = None
        self._by_connection[connection] = allowed
        return allowed

    def settled(self) -> tuple[bool, list[str] | None]:
        """For a process with one session (stdio): (True, its allowed subtrees) once they were fetched and not
        invalidated since; (False, None) while they are unknown."""
        if len(self._by_connection) != 1:
            return False, None
        (allowed,) = self._by_connection.values()
        return True, allowed

    def refusal(self, tool: str, arguments: Any, allowed: list[str]) -> str | None:
        """Why this call leaves the client's roots, or None when it stays inside."""
        if not isinstance(arguments, dict):
            return None
        named: list[Any] = []
        if "path" in arguments:
            named.append(arguments["path"])
        if isinstance(arguments.get("paths"), list):
            named.extend(arguments["paths"])
        if not named and tool in WHOLE_WORKSPACE_BY_DEFAULT:
            named.append(".")
        for given in named:
            if not isinstance(given, str):
                continue  # the tool's own argument validation answers that
            joined = given if os.path.isabs(given) else os.path.join(self.workspace, given)
            real = os.path.realpath(joined)
            if not any(_inside(real, a) for a in allowed):
                shown = ", ".join(os.path.relpath(a, self.workspace) for a in allowed)
                return (f"{given!r} is outside the roots this client offered; the workspace is narrowed to: "
                        f"{shown}. Use a path inside one of them.")
        return None
