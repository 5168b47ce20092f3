"""Shared fixtures: one wheelhouse per session, and real venvs built from it."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from minikube.testing import Venv, Wheelhouse

CORE = Path(__file__).resolve().parents[1]
DISTS = Path(__file__).resolve().parent / "dists"


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Wheelhouse:
    return Wheelhouse.build(tmp_path_factory.mktemp("wheelhouse"), CORE)


@pytest.fixture(scope="session")
def make_venv(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Wheelhouse) -> Callable[..., Venv]:
    """A fresh venv with the core installed (a real wheel install) and the named test dists."""

    def make(*dists: str) -> Venv:
        v = Venv.create(tmp_path_factory.mktemp("venv"), wheelhouse)
        v.install("minikube")
        if dists:
            v.install(*(DISTS / f"minikube-driver-{d}" for d in dists))
        return v

    return make


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


@pytest.fixture
def mk_home(tmp_path: Path) -> Path:
    home = tmp_path / "mkhome"
    return home


def assert_one_line_error(p: subprocess.CompletedProcess[str], reason: str, code: int) -> str:
    """minikube's error form, the right exit code, and no traceback."""
    assert p.returncode == code, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stderr + p.stdout, p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln.startswith("X Exiting due to")]
    assert len(lines) == 1 and f"Exiting due to {reason}:" in lines[0], p.stderr
    return lines[0]


os.environ.setdefault("MINIKUBE_LOCK_TIMEOUT", "120")
