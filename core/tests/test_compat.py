"""The driver API's promise: a driver written for 1.x keeps working.

``compat/`` holds the template's output as it was at driver API 1.0 (a builtin and an external
driver: ``shim.py`` with ``create_config`` and ``health``, a ``DriverDef`` stating every fact
itself, ``minikube.registry.State``).  They are installed beside today's core; their own tests
(the conformance kit included) and a whole lifecycle through the console script must pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _support import CORE, Minikube
from minikube.testing import Venv, Wheelhouse

COMPAT = Path(__file__).resolve().parent / "compat"
DRIVERS = ("legacy", "legacyext")


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    wh = Wheelhouse.build(tmp_path_factory.mktemp("compat-wheels"), CORE, extra=("hatchling", "pytest"))
    v = Venv.create(tmp_path_factory.mktemp("compat-venv"), wh)
    v.install("minikube", "pytest")
    v.install(*(COMPAT / f"minikube-driver-{d}" for d in DRIVERS))
    return v


@pytest.mark.parametrize("driver", DRIVERS)
def test_their_own_tests_pass_against_todays_core(venv: Venv, driver: str, tmp_path: Path) -> None:
    project = COMPAT / f"minikube-driver-{driver}"
    p = venv.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(project),
                 str(project / "tests"), env={"MINIKUBE_HOME": str(tmp_path / "home"),
                                              "XDG_CACHE_HOME": str(tmp_path / "xdg")}, timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    assert " passed" in p.stdout and " failed" not in p.stdout


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_whole_lifecycle_through_the_console_script(venv: Venv, driver: str, tmp_path: Path) -> None:
    mk = Minikube(venv, tmp_path / "home")
    row = mk.drivers()[driver]
    assert row["status"] == "ok" and row["api"] == ">=1.0,<2", row
    assert row["capabilities"] == {"mounts": [], "multinode": False, "parallel": False, "needs_root": False,
                                   "boot_image": False, "no_ssh": False}
    p = mk.ok("start", "--driver", driver, "-p", "old")
    assert "Traceback" not in p.stderr and "Deprecat" not in p.stderr
    assert mk("status", "-p", "old").returncode == 0
    assert mk.ok("ip", "-p", "old").stdout.strip()
    mk.ok("stop", "-p", "old")
    assert mk("status", "-p", "old").returncode == 7
    mk.ok("start", "-p", "old")
    mk.ok("delete", "-p", "old")
    assert not (mk.home / "machines" / "old").exists()
