"""Helpers shared by the core's tests (a plain module: conftest.py files are not importable)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from minikube.testing import Venv

CORE = Path(__file__).resolve().parents[1]
DISTS = Path(__file__).resolve().parent / "dists"


class Minikube:
    """The real console script of one venv, with its own MINIKUBE_HOME and cache."""

    def __init__(self, venv: Venv, home: Path) -> None:
        self.venv = venv
        self.home = home
        self.env = {"MINIKUBE_HOME": str(home), "XDG_CACHE_HOME": str(home.parent / "xdg-cache")}

    def __call__(self, *args: str, env: dict[str, str] | None = None, **kw: object) -> subprocess.CompletedProcess[str]:
        return self.venv.minikube(*args, env={**self.env, **(env or {})}, **kw)  # type: ignore[arg-type]

    def drivers(self, *extra: str, env: dict[str, str] | None = None) -> dict[str, dict[str, object]]:
        p = self("drivers", "list", "-o", "json", *extra, env=env)
        assert p.returncode == 0, p.stderr
        return {row["name"]: row for row in json.loads(p.stdout)}



def assert_one_line_error(p: subprocess.CompletedProcess[str], reason: str, code: int) -> str:
    """minikube's error form, the right exit code, and no traceback."""
    assert p.returncode == code, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stderr + p.stdout, p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln.startswith("X Exiting due to")]
    assert len(lines) == 1 and f"Exiting due to {reason}:" in lines[0], p.stderr
    return lines[0]
