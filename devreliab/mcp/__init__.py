"""devreliab's MCP server: thin MCP tools, resources and notifications over ``devreliab``.

``create_server(root)`` builds the server (tools named and shaped as in docs/architecture.md's table);
``devreliab serve`` runs it over stdio or streamable HTTP. See docs/mcp-tools.md.
"""

from __future__ import annotations

from ._server import create_server
from ._state import ToolCall, ToolCallHook

__all__ = ["ToolCall", "ToolCallHook", "create_server"]
