"""Bytes of MCP answers, devreliab beside the reference filesystem server: ``python -m benchmarks.answer_bytes``.

For one file of about 24.6 KB (the size the MCP issue measured): read_file / read_text_file, read_many /
read_multiple_files, and the tools/list answer (its input side: names, descriptions and input schemas; and
whole). devreliab is asked as three clients whose ``clientInfo.name`` selects each ``mcp.answers`` channel
choice (claude-code: structured, opencode: text, any other: both). Bytes are the JSON of the result as the
client received it (``content`` + ``structuredContent``), deterministic, so one run is enough.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import stdio_client
from mcp_types import Implementation

from benchmarks.test_bench_mcp import _params

CLIENTS = {"claude-code": "structured", "opencode": "text", "mcp-client": "both"}


def _size(data: Any) -> int:
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())


def _result_bytes(result: Any) -> int:
    return _size(result.model_dump(by_alias=True, mode="json", exclude_none=True, include={"content",
                                                                                           "structured_content"}))


async def _measure(kind: str, root: Path, name: str) -> dict[str, int]:
    client = Client(stdio_client(_params(kind, root)), mode="legacy", read_timeout_seconds=120,
                    client_info=Implementation(name=name, version="1"))
    async with client as c:
        tools = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in (await c.list_tools()).tools]
        if kind == "devreliab":
            one = await c.call_tool("read_file", {"path": "module.py"})
            many = await c.call_tool("read_many", {"paths": ["module.py"]})
        else:
            one = await c.call_tool("read_text_file", {"path": str(root / "module.py")})
            many = await c.call_tool("read_multiple_files", {"paths": [str(root / "module.py")]})
    return {"read one file": _result_bytes(one), "read_many of that file": _result_bytes(many),
            "tools/list, input side": sum(_size({k: t.get(k) for k in ("name", "description", "inputSchema")})
                                          for t in tools),
            "tools/list, whole": _size({"tools": tools})}


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp).resolve()
        body = "".join(f"def function_{n}(value):\n    return value * {n} + len('padding text')\n\n"
                       for n in range(330))
        (root / "module.py").write_text(body)
        print(f"file: {len(body.encode()):,} bytes")
        rows = {f"devreliab ({mode}, as {name})": await _measure("devreliab", root, name)
                for name, mode in CLIENTS.items()}
        rows["reference server-filesystem"] = await _measure("reference", root, "mcp-client")
    keys = list(next(iter(rows.values())))
    print("| server | " + " | ".join(keys) + " |")
    print("|---|" + "---|" * len(keys))
    for label, row in rows.items():
        print(f"| {label} | " + " | ".join(f"{row[k]:,}" for k in keys) + " |")


if __name__ == "__main__":
    anyio.run(main)
