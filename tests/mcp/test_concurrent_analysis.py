"""Concurrent ``analyze_file`` calls to one server process (the SDK runs each in a worker thread): every file
gets exactly the answer a call on its own gets, never another file's findings, never a crash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.guidance.conftest import CONCURRENCY_FILES, write_concurrency_project

from .conftest import call, connect, ok

pytestmark = pytest.mark.anyio

ROUNDS = 20
WAIT_S = 120.0  # the bound on one round


async def test_concurrent_analyze_file_calls_get_the_sequential_answers(tmp_path: Path) -> None:
    root = write_concurrency_project(tmp_path / "project")
    names = list(CONCURRENCY_FILES)
    async with connect(root) as client:
        expected = {name: await ok(client, "analyze_file", path=name) for name in names}
        assert sum(len(answer["findings"]) for answer in expected.values()) >= 10
        for round_no in range(ROUNDS):
            got: dict[str, Any] = {}

            async def analyse(name: str) -> None:
                result = await call(client, "analyze_file", path=name)
                got[name] = result.structured_content if not result.is_error else result.content  # noqa: B023

            with anyio.fail_after(WAIT_S):
                async with anyio.create_task_group() as tg:
                    for name in names:
                        tg.start_soon(analyse, name)
            for name in names:
                assert got[name] == expected[name], f"round {round_no}: {name} got another answer"
