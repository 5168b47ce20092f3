"""pytest plugin (entry point ``pytest11: minikube``) for the driver conformance kit.

pytest loads this in every session wherever minikube is installed, so it imports nothing of
minikube up front: it adds the ``--minikube-driver`` option and ``minikube_driver`` ini
setting (the driver :class:`minikube.testing.DriverConformance` checks when a subclass names
none), the ``minikube_home`` fixture, a summary of broken contracts with their docs, and
``MINIKUBE_ISO_MIRRORS`` on a closed loopback port so no test downloads the real boot image.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_BROKEN = pytest.StashKey[list[tuple[str, str, str]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("minikube", "minikube driver conformance kit")
    group.addoption("--minikube-driver", dest="minikube_driver", default=None, metavar="NAME",
                    help="the installed driver that DriverConformance tests check when they name none "
                         "(e.g. pytest --pyargs minikube.testing.suite --minikube-driver foo)")
    parser.addini("minikube_driver", "the driver that DriverConformance tests check when they name none",
                  default="")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_BROKEN] = []
    # Tests never download minikube's real boot image: every minikube a test runs finds the
    # default mirrors on a closed loopback port (a test that wants a mirror sets its own).
    from ._cli import OFFLINE_MIRRORS

    os.environ.setdefault("MINIKUBE_ISO_MIRRORS", OFFLINE_MIRRORS)


def pytest_report_header(config: pytest.Config) -> str | None:
    name = config.getoption("minikube_driver", None) or config.getini("minikube_driver")
    if not name:
        return None
    from .._version import DRIVER_API_VERSION, __version__

    return f"minikube {__version__} (driver API {DRIVER_API_VERSION}); driver under test: {name}"


@pytest.fixture
def minikube_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty MINIKUBE_HOME for one test (and a private driver-index cache)."""
    from ._conformance import use_minikube_home

    return use_minikube_home(tmp_path, monkeypatch)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    excinfo = call.excinfo
    if excinfo is None or type(excinfo.value).__name__ != "ContractViolation":
        return
    from ._contracts import ContractViolation

    err = excinfo.value
    if isinstance(err, ContractViolation):
        report = outcome.get_result()  # type: ignore[attr-defined]
        report.user_properties.append(("minikube_contract", err.contract.id))
        item.config.stash[_BROKEN].append((err.contract.title, err.contract.doc, item.nodeid))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    broken = config.stash.get(_BROKEN, [])
    if not broken:
        return
    terminalreporter.section("broken driver contracts")
    for title, doc, nodeid in broken:
        terminalreporter.line(f"{title}: {doc}  ({nodeid})")
