"""On a platform other than darwin/amd64: installed, listed as not supported, never used.

Through the real ``minikube`` console script of a venv where the wheel was pip-installed.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from minikube.registry import current_platform
from minikube.testing import Venv

pytestmark = pytest.mark.skipif(current_platform() == "darwin/amd64",
                                reason="about platforms where vmwarefusion is not supported; this one supports it")


def mk(venv: Venv, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"MINIKUBE_HOME": str(tmp_path / "mkhome"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    return venv.minikube(*args, env=env, timeout=120)


def test_listed_as_builtin_deprecated_and_not_supported_here(venv: Venv, tmp_path: Path) -> None:
    p = mk(venv, tmp_path, "drivers", "list", "-o", "json")
    assert p.returncode == 0, p.stderr
    row = {r["name"]: r for r in json.loads(p.stdout)}["vmwarefusion"]
    assert row["distribution"] == "minikube-driver-vmwarefusion"
    assert (row["type"], row["priority"], row["supported"], row["status"]) == ("builtin", "Deprecated", False, "ok")
    assert row["platforms"] == ["darwin/amd64"] and row["default"] is False


def test_start_with_driver_vmwarefusion_exits_56_unsupported_os(venv: Venv, tmp_path: Path) -> None:
    p = mk(venv, tmp_path, "start", "--driver", "vmwarefusion")
    assert p.returncode == 56, (p.stdout, p.stderr)
    assert "Traceback" not in p.stdout + p.stderr
    errors = [ln for ln in p.stderr.splitlines() if "Exiting due to" in ln]
    assert errors == [f"X Exiting due to DRV_UNSUPPORTED_OS: The driver 'vmwarefusion' is not supported on "
                      f"{current_platform()}"]
    assert not (tmp_path / "mkhome" / "machines").exists()


def test_never_auto_selected(venv: Venv, tmp_path: Path) -> None:
    p = mk(venv, tmp_path, "start", "--explain")
    out = p.stderr + p.stdout
    assert p.returncode == 55, out
    assert "Automatically selected" not in out and "Exiting due to DRV_NOT_DETECTED" in out
    [why] = [ln for ln in out.splitlines() if "vmwarefusion" in ln]
    assert f"not supported on {current_platform()}" in why
