"""One run of ``devreliab hook AGENT``: stdin in, the agent's answer out, never wedging the agent.

Whatever goes wrong (a payload of an unknown shape, a state store that cannot be used, a deadline passed) the
answer comes at once and follows ``hooks.on_error`` in devreliab.jsonc: ``"allow"`` (the default) lets the tool
run and warns, ``"deny"`` blocks it with the reason. The deadline is ``hooks.timeout_ms``.
"""

from __future__ import annotations

import json
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from .._errors import DevreliabError
from ._agent import Adapter
from ._events import Event, Outcome, Reply, UnknownPayload

DEFAULT_TIMEOUT_MS = 3000


class HookTimeout(Exception):
    pass


def adapters() -> dict[str, Adapter]:
    from ._claude import ClaudeCode
    from ._codex import Codex
    from ._copilot import Copilot
    from ._cursor import Cursor
    from ._gemini import Gemini

    return {a.name: a for a in (ClaudeCode(), Codex(), Gemini(), Copilot(), Cursor())}


@contextmanager
def deadline(ms: int) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise HookTimeout(f"no answer within {ms} ms (hooks.timeout_ms)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, ms / 1000)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _on_error(root: Path | None) -> tuple[str, int]:
    """``hooks.on_error`` and ``hooks.timeout_ms`` of the workspace (the defaults when its config is unusable)."""
    if root is None:
        return "allow", DEFAULT_TIMEOUT_MS
    from .._config import load_config

    try:
        hooks = load_config(root).raw.get("hooks", {})
    except DevreliabError:
        return "allow", DEFAULT_TIMEOUT_MS
    return str(hooks.get("on_error", "allow")), int(hooks.get("timeout_ms", DEFAULT_TIMEOUT_MS))


def _failed(adapter: Adapter, event: Event | None, phase: str, policy: str, message: str) -> Reply:
    text = f"devreliab hook: {message}"
    if policy == "deny" and phase == "pre":
        outcome = Outcome("deny", reason=f"{text} (hooks.on_error is \"deny\", so the tool call is blocked)")
    else:
        outcome = Outcome(warning=f"{text} (the tool call goes ahead without devreliab's check)")
    reply = adapter.answer(event, outcome) if event is not None else adapter.fallback(phase, outcome)
    return Reply(stdout=reply.stdout, stderr=(outcome.warning or outcome.reason) + "\n", exit_code=reply.exit_code)


def _phase_of(payload: dict[str, Any]) -> str:
    name = str(payload.get("hook_event_name") or payload.get("hookEventName") or "")
    return "post" if name.lower().startswith(("post", "after")) or "toolResult" in payload else "pre"


def _root_of(event: Event, given: Path | None) -> Path | None:
    if given is not None:
        return given
    if not event.cwd or not Path(event.cwd).is_dir():
        return None
    from .._config import find_root

    return find_root(Path(event.cwd))


def run_hook(agent: str, data: bytes, root: Path | None = None) -> Reply:
    """Answer one hook event of ``agent`` read from ``data``."""
    adapter = adapters()[agent]
    try:
        payload = json.loads(data)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return _failed(adapter, None, "pre", _on_error(root)[0], "stdin is not a JSON object")
    try:
        event = adapter.parse(payload)
    except UnknownPayload as exc:
        return _failed(adapter, None, _phase_of(payload), _on_error(root)[0], str(exc))
    where = _root_of(event, root)
    if event.kind == "other" or where is None:
        return adapter.answer(event, Outcome())
    policy, timeout_ms = _on_error(where)
    try:
        with deadline(timeout_ms):
            outcome = _handle(where, event, adapter)
    except (HookTimeout, DevreliabError, OSError, sqlite3.Error) as exc:
        return _failed(adapter, event, event.phase, policy, str(exc))
    return adapter.answer(event, outcome)


def _handle(root: Path, event: Event, adapter: Adapter) -> Outcome:
    from .._config import load_config
    from ._core import HookCore

    core = HookCore(root, load_config(root), event, adapter)
    try:
        return core.handle().adding(core.sessions.notices())
    finally:
        core.close()

