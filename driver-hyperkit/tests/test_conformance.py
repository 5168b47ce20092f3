"""The core's driver conformance kit (minikube.testing.DriverConformance) against this driver.

The kit finds the driver as minikube does (its entry point in the installed distribution, the
plugin binary beside the interpreter), so it runs where the distribution is installed:
``nox -s tests-driver-hyperkit`` installs it.  Every machine operation goes through the real
``docker-machine-driver-hyperkit`` process, driving the stand-in hyperkit of conftest.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Host
from minikube import ClusterConfig
from minikube.testing import DriverConformance

try:
    importlib.metadata.distribution("minikube-driver-hyperkit")
except importlib.metadata.PackageNotFoundError:
    pytestmark = pytest.mark.skip(reason="the conformance kit discovers drivers through installed entry points: "
                                         "install minikube-driver-hyperkit (nox -s tests-driver-hyperkit does)")


class TestHyperkitConformance(DriverConformance):
    driver = "hyperkit"
    backend_runs_anywhere = True  # the stand-in hyperkit runs anywhere
    timeout = 60.0
    # The stand-in hyperkit boots nothing: its guests (192.168.64.x leases it hands out, never
    # dialled from here) run no SSH server, so ready-on-return runs only where a real hyperkit is.
    guest_ssh = False
    # no hyperkit-uuid: each machine gets a random UUID (the driver's default), so its own MAC,
    # which the stand-in hyperkit, playing bootpd, gives a lease of its own (conftest.host)

    @pytest.fixture
    def driver_backend(self, host: Host, iso_file: Path) -> Iterator[None]:
        self.iso = iso_file
        yield

    def cluster_config(self, driver: str, home: Path, machine: str) -> ClusterConfig:
        cfg = super().cluster_config(driver, home, machine)
        cfg.minikube_iso = self.iso.as_uri()
        cfg.disk_size = 8
        return cfg
