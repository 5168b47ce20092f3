"""Shared fixtures: one wheelhouse per session, and real venvs built from it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from _support import CORE, DISTS
from minikube.testing import Venv, Wheelhouse


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


@pytest.fixture
def mk_home(tmp_path: Path) -> Path:
    home = tmp_path / "mkhome"
    return home


os.environ.setdefault("MINIKUBE_LOCK_TIMEOUT", "120")

#: drivers written for driver API 1.0, with their own tests: test_compat.py runs those in a venv
collect_ignore = ["compat"]
