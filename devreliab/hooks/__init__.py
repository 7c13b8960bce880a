"""devreliab behind the agents' own edit tools: ``devreliab hook AGENT`` and ``devreliab setup AGENT``.

One adapter module per agent (``_claude``, ``_codex``, ``_gemini``, ``_copilot``, ``_cursor``) turns that agent's
hook payload into a common ``Event`` and the core's ``Outcome`` back into the agent's answer; ``_core`` does the
workspace logic (bases, merges, conflicts, the journal); ``_setup`` writes each agent's configuration. See
docs/agents.md.
"""

from __future__ import annotations

AGENTS = ("claude-code", "codex", "gemini", "copilot", "cursor")
