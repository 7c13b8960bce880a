"""Hostile input over the real stdio pipe: hypothesis-generated JSON-RPC messages and tool arguments.

Every request gets exactly one well-formed answer, notifications none, the process survives every message, and
nothing outside the workspace is touched (a canary directory beside it keeps its tree hash).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.tools import read_text

from ..mcp.conftest import StdioServer
from .conftest import make_canary, make_workspace, scale, tree_hash
from .strategies import JSON, TOOLS, hostile_paths, tool_arguments

EXAMPLES = scale(250, 3000)
# Shrinking would replay failing examples that each wait out a timeout; the failing example is reported as is.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
CANARY_TEXTS = ("the canary's secret", "print('outside')", "not the workspace")


@dataclass
class Target:
    proc: StdioServer
    root: Path
    canary: Path
    canary_hash: str
    parent_names: set[str]
    syncs: int = 0
    messages: int = 0
    requests: int = 0
    tool_calls: int = 0
    tool_errors: int = 0
    protocol_errors: int = 0
    answered_with_null_id: int = 0


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    parent = tmp_path_factory.mktemp("fuzz-mcp")
    canary = make_canary(parent)
    root = make_workspace(parent, canary)
    proc = StdioServer(root)
    try:
        proc.initialize()
        yield Target(proc, root, canary, tree_hash(canary), set(p.name for p in parent.iterdir()))
    finally:
        proc.kill()


def well_formed(message: dict[str, Any]) -> None:
    assert message.get("jsonrpc") == "2.0", message
    assert ("result" in message) != ("error" in message), message
    assert message.get("id") is None or isinstance(message["id"], (int, str)), message
    if "error" in message:
        error = message["error"]
        assert isinstance(error.get("code"), int) and isinstance(error.get("message"), str), message
    else:
        assert isinstance(message["result"], dict), message


def is_request(message: Any) -> bool:
    return (isinstance(message, dict) and message.get("jsonrpc") == "2.0" and isinstance(message.get("method"), str)
            and "id" in message and isinstance(message["id"], (int, str)) and not isinstance(message["id"], bool))


def is_notification(message: Any) -> bool:
    """A well-formed notification (params, when given, an object as MCP requires): never answered."""
    return (isinstance(message, dict) and message.get("jsonrpc") == "2.0" and "id" not in message
            and isinstance(message.get("method"), str) and isinstance(message.get("params", {}), dict))


def rejected_without_id(responses: list[dict[str, Any]]) -> bool:
    """The transport refused the line as not JSON (-32700: e.g. a lone surrogate escape, which the SDK's parser
    rejects) or not a JSON-RPC message (-32600), with id null; answered before the ping that follows."""
    return any(r.get("id") is None and r.get("error", {}).get("code") in (-32600, -32700) for r in responses)


def exchange(t: Target, raw: bytes, request_id: Any | None) -> list[dict[str, Any]]:
    """Send one line, then a ping; every response until both answers arrived (bounded waits)."""
    t.syncs += 1
    sync = f"sync-{t.syncs}"
    t.proc.send_raw(raw + b'\n{"jsonrpc": "2.0", "id": "' + sync.encode() + b'", "method": "ping"}\n')
    responses: list[dict[str, Any]] = []
    got_sync, got_own = False, request_id is None
    while not (got_sync and (got_own or rejected_without_id(responses))):
        message = t.proc.next_message(timeout=15)
        if "method" in message and "result" not in message and "error" not in message:
            continue  # a notification or request from the server (log, list changed): allowed
        if message.get("id") == sync:
            assert message.get("result") == {}, message
            got_sync = True
            continue
        well_formed(message)
        responses.append(message)
        if request_id is not None and message.get("id") == request_id:
            got_own = True
    return responses


def check_invariants(t: Target, responses: list[dict[str, Any]]) -> None:
    assert t.proc.proc.poll() is None, f"the server died; stderr:\n{t.proc.stderr[-3000:]}"
    assert tree_hash(t.canary) == t.canary_hash, "a file outside the workspace was touched"
    assert set(p.name for p in t.root.parent.iterdir()) == t.parent_names, "a file appeared beside the workspace"
    for response in responses:
        text = json.dumps(response)
        for secret in CANARY_TEXTS:
            assert secret.replace("'", "\\'") not in text and secret not in text, f"leaked: {response}"
        result = response.get("result") or {}
        if isinstance(result, dict) and "content" in result and "isError" in result:
            # the SDK's answer to an unexpected exception: "Error executing tool X" and nothing after it
            for item in result["content"]:
                assert item.get("text", "").rstrip() not in {f"Error executing tool {name}" for name in TOOLS}, \
                    f"a tool crashed: {response}"


def messages(root: Path, canary: Path) -> st.SearchStrategy[Any]:
    paths = hostile_paths(root, canary)
    ids = st.one_of(st.integers(min_value=-(2**53), max_value=2**53), st.text(max_size=12).filter(
        lambda s: not s.startswith("sync-")))
    tool_call = st.fixed_dictionaries({
        "jsonrpc": st.just("2.0"), "id": ids, "method": st.just("tools/call"),
        "params": st.fixed_dictionaries({"name": st.sampled_from(TOOLS), "arguments": tool_arguments(paths)})})
    known = st.sampled_from(["initialize", "ping", "tools/list", "tools/call", "resources/list",
                             "resources/read", "resources/templates/list", "prompts/list", "prompts/get",
                             "logging/setLevel", "completion/complete", "resources/subscribe",
                             "notifications/initialized", "notifications/cancelled",
                             "notifications/roots/list_changed", "notifications/progress", "shutdown", "exit"])
    any_request = st.fixed_dictionaries(
        {"jsonrpc": st.just("2.0"), "id": ids, "method": st.one_of(known, st.text(max_size=20))},
        optional={"params": st.one_of(JSON, st.fixed_dictionaries({"uri": st.one_of(paths.map(
            lambda p: "file://" + p), st.text(max_size=30))}))})
    notification = st.fixed_dictionaries(
        {"jsonrpc": st.just("2.0"), "method": st.one_of(known, st.text(max_size=20))},
        optional={"params": JSON})
    odd = st.dictionaries(st.sampled_from(["jsonrpc", "id", "method", "params", "result", "error", "x"]), JSON,
                          max_size=5)
    return st.one_of(tool_call, tool_call, tool_call, any_request, notification, odd, JSON)


RAW = st.binary(max_size=80).filter(lambda b: b"\n" not in b)


@pytest.mark.reliability_heavy
def test_generated_messages_all_get_well_formed_answers_and_nothing_outside_is_touched(
        target: Target, figures: dict[str, Any]) -> None:

    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=NO_SHRINK,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(message=messages(target.root, target.canary))
    def one_message(message: Any) -> None:
        raw = json.dumps(message).encode()
        rid = message["id"] if is_request(message) else None
        responses = exchange(target, raw, rid)
        target.messages += 1
        if rid is not None:
            target.requests += 1
            own = [r for r in responses if r.get("id") == rid]
            if not own:  # see test_a_request_with_a_readable_id_is_answered_with_that_id
                assert rejected_without_id(responses) and len(responses) == 1, (message, responses)
                target.answered_with_null_id += 1
            else:
                assert len(own) == 1, (message, responses)
            if message["method"] == "tools/call" and own and "result" in own[0]:
                target.tool_calls += 1
                target.tool_errors += bool(own[0]["result"].get("isError"))
        elif is_notification(message):
            assert responses == [], (message, responses)  # a notification is never answered
        else:  # not a request: answered with its id when one can be read (JSON-RPC 2.0), else null
            readable = message.get("id") if isinstance(message, dict) else None
            readable = readable if isinstance(readable, str | int) and not isinstance(readable, bool) else None
            assert len(responses) <= 1 and all(r.get("id") in (None, readable) for r in responses), (
                message, responses)
        target.protocol_errors += sum("error" in r for r in responses)
        check_invariants(target, responses)

    one_message()
    figures.update(messages=target.messages, requests=target.requests, tool_calls=target.tool_calls,
                   tool_errors=target.tool_errors, protocol_errors=target.protocol_errors,
                   requests_answered_with_null_id=target.answered_with_null_id,
                   server_crashes=0, files_touched_outside=0)


@pytest.mark.reliability_heavy
def test_generated_raw_lines_never_break_the_server(target: Target, figures: dict[str, Any]) -> None:
    count = [0]

    @settings(max_examples=EXAMPLES // 2, deadline=None, database=None, phases=NO_SHRINK)
    @given(raw=RAW)
    def one_line(raw: bytes) -> None:
        responses = exchange(target, raw, None)
        assert len(responses) <= 1 and all(r.get("id") is None for r in responses), (raw, responses)
        count[0] += 1
        check_invariants(target, responses)

    one_line()
    still = target.proc.call_tool("read_file", path="README.md")
    assert read_text(still["content"][0]["text"]) == "# demo\nhello world\n"
    figures.update(raw_lines=count[0], server_crashes=0)


def test_a_request_with_a_readable_id_is_answered_with_that_id(target: Target) -> None:
    for params in (-7802, "text", [1, 2]):
        responses = exchange(target, json.dumps(
            {"jsonrpc": "2.0", "id": 4242, "method": "tools/list", "params": params}).encode(), None)
        assert [r.get("id") for r in responses] == [4242], responses
