"""Hook payloads in each agent's documented shape (the source of each shape is named above its builder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


# Claude Code hooks reference, https://code.claude.com/docs/en/hooks ("PreToolUse input", "PostToolUse input").
def claude(event: str, tool: str, root: Path, session: str = "sess-a", mode: str = "acceptEdits",
           **tool_input: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "session_id": session, "transcript_path": f"/home/u/.claude/projects/x/{session}.jsonl", "cwd": str(root),
        "permission_mode": mode, "hook_event_name": event, "tool_name": tool, "tool_input": tool_input,
        "tool_use_id": "toolu_01ABC"}
    if event == "PostToolUse":
        payload["tool_response"] = {"filePath": tool_input.get("file_path"), "success": True}
    return payload


# openai/codex codex-rs/hooks/schema/generated/pre-tool-use.command.input.schema.json; apply_patch carries the
# patch in tool_input.command (openai/codex PR 20527, https://developers.openai.com/codex/hooks).
def codex(event: str, root: Path, patch: str, session: str = "thread-1") -> dict[str, Any]:
    payload: dict[str, Any] = {
        "session_id": session, "turn_id": "turn-1", "transcript_path": None, "cwd": str(root),
        "hook_event_name": event, "model": "gpt-5-codex", "permission_mode": "default",
        "tool_name": "apply_patch", "tool_use_id": "call_1", "tool_input": {"command": patch}}
    if event == "PostToolUse":
        payload["tool_response"] = "Success. Updated the following files"
    return payload


# Gemini CLI hooks reference, https://geminicli.com/docs/hooks/reference ("Tool Events (BeforeTool, AfterTool)").
def gemini(event: str, tool: str, root: Path, session: str = "gem-1", **tool_input: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "session_id": session, "transcript_path": "/home/u/.gemini/tmp/chats/session.json", "cwd": str(root),
        "hook_event_name": event, "timestamp": "2026-12-03T12:00:00.000Z", "tool_name": tool,
        "tool_input": tool_input}
    if event == "AfterTool":
        payload["tool_response"] = {"llmContent": "ok"}
    return payload


# GitHub Copilot hooks configuration reference, https://docs.github.com/en/copilot/reference/hooks-configuration
# (preToolUse input: timestamp, cwd, toolName, toolArgs as a JSON string; postToolUse adds toolResult).
def copilot(tool: str, root: Path, post: bool = False, **args: Any) -> dict[str, Any]:
    import json

    payload: dict[str, Any] = {"timestamp": 1764763200000, "cwd": str(root), "toolName": tool,
                               "toolArgs": json.dumps(args)}
    if post:
        payload["toolResult"] = {"resultType": "success", "textResultForLlm": "ok"}
    return payload


# Cursor hooks, https://cursor.com/docs/agent/hooks (beforeReadFile, afterFileEdit; common fields).
def cursor(event: str, root: Path, path: Path, conversation: str = "conv-1", **extra: Any) -> dict[str, Any]:
    return {"conversation_id": conversation, "generation_id": "gen-1", "hook_event_name": event,
            "workspace_roots": [str(root)], "file_path": str(path), **extra}
