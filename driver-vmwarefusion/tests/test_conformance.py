"""The core's driver conformance kit (minikube.testing.DriverConformance) against this driver.

The kit finds the driver as minikube does (its entry point in the installed distribution), so
it runs where the distribution is installed: ``nox -s tests-driver-vmwarefusion`` installs it.
The backend is the stand-in vmrun/vmware-vdiskmanager of conftest, first on PATH.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Fusion
from minikube import ClusterConfig
from minikube.testing import DriverConformance

try:
    importlib.metadata.distribution("minikube-driver-vmwarefusion")
except importlib.metadata.PackageNotFoundError:
    pytestmark = pytest.mark.skip(reason="the conformance kit discovers drivers through installed entry points: "
                                         "install minikube-driver-vmwarefusion (nox -s tests-driver-vmwarefusion does)")


class TestVMwareFusionConformance(DriverConformance):
    driver = "vmwarefusion"
    backend_runs_anywhere = True  # the stand-in vmrun runs anywhere
    timeout = 60.0
    # The stand-in vmrun boots nothing: each "guest" is a plain listening socket on its loopback
    # address, not an SSH server, so ready-on-return runs only where a real VMware Fusion is.
    guest_ssh = False

    @pytest.fixture
    def driver_backend(self, fusion: Fusion, iso_file: Path) -> Iterator[None]:
        self.iso = iso_file
        # each VM gets its own loopback address from the stand-in vmrun; its sshd is the fixture's
        # listener on that address, on one port for all
        self.driver_options = {"vmwarefusion-ssh-port": fusion.ssh_port, "vmwarefusion-no-share": True}
        yield

    def cluster_config(self, driver: str, home: Path, machine: str) -> ClusterConfig:
        cfg = super().cluster_config(driver, home, machine)
        cfg.minikube_iso = self.iso.as_uri()
        return cfg
