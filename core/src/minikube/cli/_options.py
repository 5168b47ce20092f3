"""The options several commands share, defined once: the typer app declares them from here, and
the read-only fast path (``_fast``) reads the same names, so the two cannot drift apart
(``tests/cli/test_fast_path.py`` proves the fast path accepts only what typer accepts)."""

from __future__ import annotations

import enum

PROFILE = ("--profile", "-p")
OUTPUT = ("--output", "-o")


class OutputFormat(str, enum.Enum):
    """``-o``: people read text; scripts read JSON (shapes documented in the README)."""

    text = "text"
    json = "json"
