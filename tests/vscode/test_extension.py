"""The VS Code extension's own checks, run through npm: typecheck and bundle, unit tests, and the integration
tests of its MCP client against the real ``devreliab serve`` of this checkout."""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

from tests.vscode.conftest import EXTENSION, REPO, build_lock, npm


def test_build_typechecks_and_bundles_into_a_single_file(npm_installed: Path) -> None:
    with build_lock():
        npm("run", "build")
    bundle = EXTENSION / "dist" / "extension.js"
    assert bundle.is_file()
    # the MCP SDK is bundled in, not required at run time from node_modules (which the .vsix does not ship)
    text = bundle.read_text(encoding="utf-8")
    assert 'require("@modelcontextprotocol' not in text
    assert "StdioClientTransport" in text
    schema = EXTENSION / "schemas" / "devreliab.schema.json"
    assert schema.read_bytes() == (REPO / "devreliab" / "devreliab.schema.json").read_bytes()


def test_unit_tests_pass(npm_installed: Path) -> None:
    with build_lock():
        proc = npm("test")
    assert "passed" in proc.stdout


def test_integration_tests_against_the_real_server_pass(npm_installed: Path) -> None:
    serve = Path(sys.executable).with_name("devreliab")
    with build_lock():
        proc = npm("run", "test:integration", env={"DEVRELIAB_SERVE": os.environ.get("DEVRELIAB_SERVE", str(serve))})
    assert "passed" in proc.stdout


def test_vsix_is_packaged_with_the_bundle_and_the_schema(vsix: Path) -> None:
    with zipfile.ZipFile(vsix) as zf:
        names = set(zf.namelist())
    assert "extension/dist/extension.js" in names
    assert "extension/schemas/devreliab.schema.json" in names
    assert "extension/package.json" in names
    assert not any(name.startswith("extension/node_modules/") for name in names)
    assert not any(name.startswith("extension/src/") for name in names)
