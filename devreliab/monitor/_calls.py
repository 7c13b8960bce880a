"""What the monitor learns about a tool call from its request: who called (the MCP ``clientInfo.name``), a hash
of the arguments (the same call repeated has the same hash), the session and the protocol version."""

from __future__ import annotations

import hashlib
import json
from typing import Any

CLIENT_INFO_META_KEY = "io.modelcontextprotocol/clientInfo"  # 2026-07-28: the client's info rides each request


def client_name(ctx: Any) -> str | None:
    """The caller's ``clientInfo.name``: from the handshake, else from the request's ``_meta``."""
    params = getattr(ctx.session, "client_params", None)
    name = getattr(getattr(params, "client_info", None), "name", None)
    if name is None and isinstance(ctx.params, dict):
        meta = ctx.params.get("_meta")
        info = meta.get(CLIENT_INFO_META_KEY) if isinstance(meta, dict) else None
        name = info.get("name") if isinstance(info, dict) else None
    return name if isinstance(name, str) and name else None


def arguments_hash(arguments: object) -> str:
    try:
        encoded = json.dumps(arguments, sort_keys=True, default=str).encode()
    except (TypeError, ValueError):  # pragma: no cover - arguments arrive as JSON
        encoded = repr(arguments).encode()
    return hashlib.blake2b(encoded, digest_size=8).hexdigest()


def call_facts(ctx: Any, session: str | None) -> dict[str, Any]:
    """The keyword arguments of a ``ToolCall`` beyond its tool, duration and outcome."""
    arguments = ctx.params.get("arguments") if isinstance(ctx.params, dict) else None
    return {"client": client_name(ctx), "arguments_hash": arguments_hash(arguments), "session": session,
            "protocol_version": getattr(ctx, "protocol_version", None)}
