"""Report writers: terminal, json, sarif and codeclimate. Each turns a ProjectAnalysis into text."""

from __future__ import annotations

FORMATS = ("terminal", "json", "sarif", "codeclimate")
