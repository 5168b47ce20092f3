"""scripts/setup-host.sh run the README's two ways, one after the other: ``scripts/main.sh`` wants
libvirtd in the root network namespace (real users reach their VMs there), ``scripts/test-all.sh``
in the test namespace.  There is one libvirtd for qemu:///system, so the script run last moves it,
in either order, instead of refusing (which made the second script exit 5)."""

from __future__ import annotations

import os
import subprocess

import pytest
from conftest import SETUP, URI, LibvirtHost, _libvirtd_pid, _netns_of, virsh

pytestmark = pytest.mark.libvirt


def setup_host(netns: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MINIKUBE_TEST_NETNS"}
    if netns is not None:
        env["MINIKUBE_TEST_NETNS"] = netns
    return subprocess.run(["bash", str(SETUP)], capture_output=True, text=True, env=env, timeout=600)


def bridges(netns: str) -> list[str]:
    """libvirt's bridges (virbrN) in a network namespace ("" = the root one)."""
    argv = ["ip", "-o", "link", "show", "type", "bridge"]
    out = subprocess.run(["ip", "netns", "exec", netns, *argv] if netns else argv,
                         capture_output=True, text=True, check=True).stdout
    return [line.split(":")[1].strip() for line in out.splitlines() if ": virbr" in line]


def assert_ready_in(netns: str) -> None:
    pid = _libvirtd_pid()
    assert pid is not None and _netns_of(pid) == netns, (pid, netns)
    assert virsh("version").returncode == 0, f"libvirtd does not answer on {URI}"
    assert "Active:         yes" in virsh("net-info", "default").stdout
    assert "virbr0" in bridges(netns)


def test_main_then_test_all_and_back(libvirt_host: LibvirtHost) -> None:
    if not libvirt_host.netns:
        pytest.skip("libvirtd runs in the root namespace on purpose (MINIKUBE_KVM2_TESTS_ROOT_NETNS)")
    test_ns = libvirt_host.netns
    try:
        main = setup_host(None)  # scripts/main.sh after scripts/test-all.sh
        assert main.returncode == 0, main.stderr
        assert f"runs in network namespace {test_ns}: moving it to <root>" in main.stderr
        assert_ready_in("")
        assert bridges(test_ns) == []  # its networks went with it

        again = setup_host(None)  # idempotent: nothing moves
        assert again.returncode == 0 and "moving" not in again.stderr, again.stderr
    finally:
        test_all = setup_host(test_ns)  # scripts/test-all.sh after scripts/main.sh
    assert test_all.returncode == 0, test_all.stderr
    assert "runs in network namespace <root>: moving it to " + test_ns in test_all.stderr
    assert_ready_in(test_ns)
    assert bridges("") == []  # nothing of libvirt's is left in the root namespace
