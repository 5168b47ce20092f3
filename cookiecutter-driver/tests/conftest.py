"""Baking the template with cookiecutter's Python API, and real venvs to install the result in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.main import cookiecutter
from minikube.testing import Venv, Wheelhouse

TEMPLATE = Path(__file__).resolve().parents[1]
CORE = TEMPLATE.parent / "core"


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Wheelhouse:
    """The core and its dependencies, hatchling (to build the baked package) and pytest (to test it)."""
    return Wheelhouse.build(tmp_path_factory.mktemp("wheelhouse"), CORE, extra=("hatchling", "pytest"))


@pytest.fixture
def bake(tmp_path: Path) -> Callable[..., Path]:
    """Bake with these answers (the rest at their defaults) into a fresh directory; returns the project."""

    def run(**answers: Any) -> Path:
        out = tmp_path / "baked"
        out.mkdir(exist_ok=True)
        return Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(out), extra_context=answers))

    return run


@pytest.fixture
def venv(tmp_path: Path, wheelhouse: Wheelhouse) -> Venv:
    """A fresh venv that installs only from the wheelhouse (offline, real pip)."""
    return Venv.create(tmp_path / "venv", wheelhouse)
