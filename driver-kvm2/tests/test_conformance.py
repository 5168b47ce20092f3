"""The core's driver conformance kit (minikube.testing.DriverConformance) against kvm2, on the real
libvirtd with the tiny ISO: create, stop, start, restart, kill, remove, missing machines, the
store lifecycle and ready-on-return (inside the test namespace), each with real boots under
software emulation."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from conftest import Leftovers, LibvirtHost
from minikube import ClusterConfig
from minikube.testing import DriverConformance, network_namespace

try:
    importlib.metadata.distribution("minikube-driver-kvm2")
except importlib.metadata.PackageNotFoundError:
    pytestmark = pytest.mark.skip(reason="the conformance kit discovers drivers through installed entry points: "
                                         "install minikube-driver-kvm2 (nox -s tests-driver-kvm2 does)")


class TestKVM2Conformance(DriverConformance):
    driver = "kvm2"
    timeout = 180.0  # each action and each wait for SSH, under TCG on a busy host
    driver_options = {"kvm-virt-type": "qemu"}

    @pytest.fixture
    def driver_backend(self, libvirt_host: LibvirtHost, tiny_iso: Path, leftovers: Leftovers) -> Iterator[None]:
        self.iso = tiny_iso
        self.leftovers = leftovers
        self.netns = libvirt_host.netns
        yield

    def guest_network(self) -> AbstractContextManager[None]:
        """The guests' network lives in the test namespace with libvirtd: the wait for SSH and the
        SSH command of ready-on-return run there, so no packet to a guest leaves it."""
        return network_namespace(self.netns)

    def cluster_config(self, driver: str, home: Path, machine: str) -> ClusterConfig:
        self.leftovers.domains.update((machine, f"{machine}-m02"))  # nodes-distinct makes a second node
        self.leftovers.networks.add(f"mk-{machine}")
        cfg = super().cluster_config(driver, home, machine)
        cfg.minikube_iso = self.iso.as_uri()
        cfg.memory, cfg.cpus, cfg.disk_size = 512, 2, 256
        return cfg
