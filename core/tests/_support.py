"""Helpers shared by the core's tests (a plain module: conftest.py files are not importable)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from minikube.testing import MinikubeCLI, assert_error_line

CORE = Path(__file__).resolve().parents[1]
DISTS = Path(__file__).resolve().parent / "dists"

#: The real console script of one venv, with its own MINIKUBE_HOME and cache.
Minikube = MinikubeCLI


def assert_one_line_error(p: subprocess.CompletedProcess[str], reason: str, code: int) -> str:
    """minikube's error form, the right exit code, and no traceback; returns the error line."""
    return assert_error_line(p, reason, code).line
