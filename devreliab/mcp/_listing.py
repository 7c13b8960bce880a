"""What ``tools/list`` tells a client: compact schemas, and only the toolsets the workspace switched on.

Every client puts the tool list into each model request, so its bytes are tokens paid on every turn. The
schemas pydantic writes carry a ``title`` per property, ``anyOf [X, null]`` for each optional argument and
descriptions of output fields no model reads; they go (the input descriptions stay: they are the contract the
model reads). ``mcp.toolsets`` in devreliab.jsonc leaves whole groups of tools out; a call to a tool left out is
refused with the setting to change.
"""

from __future__ import annotations

from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerMiddleware, ServerRequestContext
from pydantic import BaseModel

TOOLSETS: dict[str, tuple[str, ...]] = {
    "files": ("read_file", "read_many", "list_directory", "search", "file_info"),
    "edit": ("write_file", "edit_file", "delete_file", "move_file", "create_directory"),
    "conflicts": ("list_conflicts", "resolve_conflict", "file_history", "restore_version"),
    "guidance": ("analyze_file", "analyze_project"),
    "monitor": ("health", "metrics"),
}
# The report tools' answers are large nested reports a model reads as they come; their schemas (5 KB of the list)
# would be paid on every turn for no model's benefit. Their shapes are in docs/mcp-tools.md.
NO_OUTPUT_SCHEMA = frozenset({"analyze_file", "analyze_project", "health", "metrics"})
_SUBSCHEMA_MAPS = ("properties", "$defs", "patternProperties")
_OUTPUT_ONLY_NOISE = ("description", "required", "default")


def enabled_tools(toolsets: list[str]) -> frozenset[str]:
    """The tools of the named toolsets."""
    return frozenset(tool for name in toolsets for tool in TOOLSETS.get(name, ()))


def _nullable_other(options: list[Any]) -> Any:
    """X of ``anyOf [X, {type: null}]``; None when ``options`` is anything else."""
    if len(options) != 2 or {"type": "null"} not in options:
        return None
    other = options[0] if options[1] == {"type": "null"} else options[1]
    return other if isinstance(other, dict) else None


def _dropped(key: str, value: Any, descriptions: bool) -> bool:
    """Whether ``key`` of a schema node goes: titles and null defaults always; on the output side (no model
    reads it, and devreliab's own answers keep to the schema anyway) descriptions, ``required`` and
    ``additionalProperties: false``."""
    if key == "title" or (key == "default" and value is None) or (key == "minLength" and value == 1):
        return True  # (a minLength of 1 the server checks anyway)
    return not descriptions and (key in _OUTPUT_ONLY_NOISE or (key == "additionalProperties" and value is False))


def _without_null(node: dict[str, Any]) -> dict[str, Any]:
    """``node`` with ``anyOf [X, {type: null}]`` replaced by X's keys."""
    other = _nullable_other(node["anyOf"]) if isinstance(node.get("anyOf"), list) else None
    if other is None:
        return node
    return {**{k: v for k, v in node.items() if k != "anyOf"}, **other}


def compact(node: Any, *, descriptions: bool = True) -> Any:
    """A JSON schema without titles, ``null`` alternatives and null defaults (and without descriptions when
    ``descriptions`` is False). It accepts what the original accepts except an explicit null, which devreliab
    never sends and which the server's own validation still accepts from a client."""
    if isinstance(node, list):
        return [compact(item, descriptions=descriptions) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in _without_null(node).items():
        if _dropped(key, value, descriptions):
            continue
        if key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: compact(sub, descriptions=descriptions) for name, sub in value.items()}
        else:
            out[key] = compact(value, descriptions=descriptions)
    return out


def _compact_tool(tool: dict[str, Any]) -> dict[str, Any]:
    out = {**tool, "inputSchema": compact(tool.get("inputSchema"))}
    if isinstance(tool.get("annotations"), dict):
        out["annotations"] = _meaningful_hints(tool["annotations"])
    if tool.get("name") in NO_OUTPUT_SCHEMA:
        out.pop("outputSchema", None)
    elif tool.get("outputSchema") is not None:
        out["outputSchema"] = compact(tool["outputSchema"], descriptions=False)
    return out


# The spec's defaults of the tool hints; destructive/idempotent mean something only when readOnlyHint is false.
_HINT_DEFAULTS = {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False, "openWorldHint": True}
_WRITE_ONLY_HINTS = ("destructiveHint", "idempotentHint")


def _meaningful_hints(annotations: dict[str, Any]) -> dict[str, Any]:
    """readOnlyHint, and the other hints that differ from the spec's defaults (the tool's own title stands for
    the annotation's)."""
    read_only = annotations.get("readOnlyHint") is True
    return {k: v for k, v in annotations.items() if k != "title" and (k == "readOnlyHint" or _HINT_DEFAULTS.get(k) != v)
            and not (read_only and k in _WRITE_ONLY_HINTS)}


def _listed(tools: list[Any], allowed: frozenset[str], cache: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The allowed tools, compacted (once per tool: the list does not change while the server runs)."""
    kept = []
    for tool in tools:
        name = tool.get("name") if isinstance(tool, dict) else None
        if not isinstance(name, str) or name not in allowed:
            continue
        if name not in cache:
            cache[name] = _compact_tool(tool)
        kept.append(cache[name])
    return kept


def tools_list_middleware(enabled: Any) -> ServerMiddleware[Any]:
    """A server middleware that compacts ``tools/list`` and leaves out the tools not ``enabled()``."""
    cache: dict[str, dict[str, Any]] = {}

    async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        result = await call_next(ctx)
        if ctx.method != "tools/list":
            return result
        data = result.model_dump(by_alias=True, mode="json", exclude_none=True) if isinstance(result, BaseModel) \
            else result
        tools = data.get("tools") if isinstance(data, dict) else None
        if data is None or not isinstance(tools, list):
            return result
        return {**data, "tools": _listed(tools, enabled(), cache)}

    return middleware


def switched_off(tool: str, allowed: frozenset[str]) -> str | None:
    """Why a call to ``tool`` is refused because of ``mcp.toolsets``; None when it may run."""
    for name, tools in TOOLSETS.items():
        if tool in tools and tool not in allowed:
            return (f"{tool} is switched off in this workspace: add {name!r} to mcp.toolsets in devreliab.jsonc "
                    "to use it.")
    return None
