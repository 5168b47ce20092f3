"""The core's driver conformance kit (minikube.testing.DriverConformance) against qemu2 with real
boots of the tiny ISO under software emulation: create, stop, start, restart, kill, remove,
missing machines and the store lifecycle.

The machines are booted by an ordinary user: as root these tests are skipped here and run by
``test_vm.py::test_conformance_as_an_ordinary_user`` (as the test user, in a network namespace
with only loopback), which sets ``MINIKUBE_QEMU2_TEST_ISO``.  An ordinary user may run them
directly with that variable naming a boot image.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from minikube import ClusterConfig
from minikube.testing import DriverConformance

ISO_ENV = "MINIKUBE_QEMU2_TEST_ISO"


class TestQEMU2Conformance(DriverConformance):
    driver = "qemu2"
    timeout = 180.0
    driver_options = {"qemu-virt-type": "tcg", "qemu-ssh-timeout": 180}

    @pytest.fixture
    def driver_backend(self) -> Iterator[None]:
        if os.geteuid() == 0:
            pytest.skip("qemu2 runs QEMU as the calling user: these run as an ordinary user in a network namespace "
                        "(test_vm.py::test_conformance_as_an_ordinary_user)")
        iso = os.environ.get(ISO_ENV, "")
        if not iso or not Path(iso).is_file():
            pytest.skip(f"set {ISO_ENV} to a boot image (e.g. the tiny ISO: bash driver-kvm2/iso/build-tiny-iso.sh)")
        self.iso = Path(iso)
        yield

    def cluster_config(self, driver: str, home: Path, machine: str) -> ClusterConfig:
        cfg = super().cluster_config(driver, home, machine)
        cfg.minikube_iso = self.iso.as_uri()
        cfg.memory, cfg.cpus, cfg.disk_size = 512, 1, 256
        return cfg
