"""Three session venvs (each takes ~10 s to make, all three are made at once on first use), each
with a purpose-picked set of real drivers.

- ``main``: the fake driver and every health-state driver: auto-selection picks fake, and every
  explicit ``--driver`` reaches its own reason ID.
- ``unhealthy``: only installed-but-unhealthy and missing drivers: DRV_NOT_HEALTHY.
- ``nodriver``: missing, macOS-only, legacy and the core's broken distributions (fake is
  claimed twice there): DRV_NOT_DETECTED, conflicts, quarantine.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from minikube.testing import Venv, Wheelhouse

from ._helpers import Mk, dist

SETS = {
    "main": ("fake", "notinstalled", "unhealthy", "erroring", "notrunning", "obsolete", "improvable",
             "raising", "slow", "darwinonly"),
    "unhealthy": ("unhealthy", "erroring", "notinstalled"),
    "nodriver": ("notinstalled", "darwinonly", "legacy", "broken-import", "junk", "misnamed", "future",
                 "fake", "dupe"),
}


#: A .pth line (run at interpreter start-up) that, when asked, reports at exit which driver
#: packages (and whether pydantic, which newer typers use) the process imported: drivers are
#: loaded through importlib, which -X importtime misses.
REPORT_IMPORTS_PTH = (
    "import os, sys, atexit; os.environ.get('MINIKUBE_TEST_REPORT_IMPORTS') and atexit.register("
    "lambda: sys.stderr.write('IMPORTED-DRIVERS:' + ','.join(sorted(m for m in sys.modules "
    "if (m.startswith('minikube_driver') or m == 'pydantic') and '.' not in m)) + chr(10)))\n")


def _venv(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Wheelhouse, which: str) -> Venv:
    v = Venv.create(tmp_path_factory.mktemp(f"cli-venv-{which}"), wheelhouse)
    v.install("minikube")
    v.install(*(dist(n) for n in SETS[which]))
    purelib = v.run("python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", check=True)
    (Path(purelib.stdout.strip()) / "_minikube_test_report_imports.pth").write_text(REPORT_IMPORTS_PTH)
    return v


@pytest.fixture(scope="session")
def cli_venvs(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Wheelhouse) -> Iterator[dict[str, Future[Venv]]]:
    """All three venvs, made side by side on first use (pip spends much of its time waiting)."""
    with ThreadPoolExecutor(max_workers=len(SETS), thread_name_prefix="cli-venv") as pool:
        yield {which: pool.submit(_venv, tmp_path_factory, wheelhouse, which) for which in SETS}


@pytest.fixture(scope="session")
def main_venv(cli_venvs: dict[str, Future[Venv]]) -> Venv:
    return cli_venvs["main"].result()


@pytest.fixture(scope="session")
def unhealthy_venv(cli_venvs: dict[str, Future[Venv]]) -> Venv:
    return cli_venvs["unhealthy"].result()


@pytest.fixture(scope="session")
def nodriver_venv(cli_venvs: dict[str, Future[Venv]]) -> Venv:
    return cli_venvs["nodriver"].result()


@pytest.fixture
def mk(main_venv: Venv, tmp_path: Path) -> Mk:
    return Mk(main_venv, tmp_path / "mkhome")


@pytest.fixture
def mk_unhealthy(unhealthy_venv: Venv, tmp_path: Path) -> Mk:
    return Mk(unhealthy_venv, tmp_path / "mkhome")


@pytest.fixture
def mk_nodriver(nodriver_venv: Venv, tmp_path: Path) -> Mk:
    return Mk(nodriver_venv, tmp_path / "mkhome")
