"""On a platform other than darwin/amd64: installed, listed as not supported, never used.

Through the real ``minikube`` console script of a venv where the wheel was pip-installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from minikube.registry import current_platform
from minikube.testing import MinikubeCLI, Venv

pytestmark = pytest.mark.skipif(current_platform() == "darwin/amd64",
                                reason="about platforms where hyperkit is not supported; this one supports it")


@pytest.fixture
def mk(venv: Venv, tmp_path: Path) -> MinikubeCLI:
    return MinikubeCLI(venv, tmp_path / "mkhome", timeout=120)


def test_listed_as_external_deprecated_and_not_supported_here(mk: MinikubeCLI) -> None:
    row = mk.drivers()["hyperkit"]
    assert row["distribution"] == "minikube-driver-hyperkit"
    assert (row["type"], row["priority"], row["supported"], row["status"]) == ("external", "Deprecated", False, "ok")
    assert row["platforms"] == ["darwin/amd64"] and row["default"] is True
    table = mk("drivers", "list")
    line = next(ln for ln in table.stdout.splitlines() if ln.startswith("hyperkit "))
    assert line.split()[-1] == "no" and "external" in line


def test_start_with_driver_hyperkit_exits_56_unsupported_os(mk: MinikubeCLI) -> None:
    p = mk.fails(["start", "--driver", "hyperkit"], "DRV_UNSUPPORTED_OS", 56)
    errors = [ln for ln in p.stderr.splitlines() if "Exiting due to" in ln]
    assert errors == [f"X Exiting due to DRV_UNSUPPORTED_OS: The driver 'hyperkit' is not supported on "
                      f"{current_platform()}"]
    assert not (mk.home / "machines").exists()


def test_never_auto_selected(mk: MinikubeCLI) -> None:
    p = mk.fails(["start", "--explain"], "DRV_NOT_DETECTED", 55)  # nothing usable
    out = p.stderr + p.stdout
    assert "Automatically selected" not in out
    [why] = [ln for ln in out.splitlines() if "hyperkit" in ln]
    assert f"not supported on {current_platform()}" in why
    assert not (mk.home / "machines").exists()
