"""``python -m devreliab`` runs the command-line interface.

``-m`` puts the current directory first on ``sys.path``, and devreliab is usually started with a workspace as
its current directory: a workspace holding its own ``rich/``, ``mcp/`` or ``pydantic/`` (or a syntax error in
one) would be imported in place of the server's dependencies, and its module-level code would run inside the
server. So that entry is dropped before anything else is imported. What ``import devreliab`` itself loaded
before this module runs is only the standard library; ``python -P -m devreliab`` (what the VS Code extension
and the MCP server definitions run) never adds the entry at all.
"""

from __future__ import annotations

import os
import sys

if not sys.flags.safe_path and sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from .cli import main  # imported only once sys.path is safe

raise SystemExit(main())
