"""devreliab's MCP server (built in its own issue): thin MCP tools over ``devreliab``."""
