"""The health check: stand-in virsh scripts for its failure paths, the real host for the rest."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from minikube_driver_kvm2 import status as health
from minikube_driver_kvm2._host import Identity, choose_virt_type

STUB = """#!/bin/sh
echo "$LIBVIRT_DEFAULT_URI $*" >> "{record}"
{body}
"""


def stub_virsh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    record = tmp_path / "virsh.calls"
    exe = bin_dir / "virsh"
    exe.write_text(STUB.format(record=record, body=body))
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    monkeypatch.setenv("LIBVIRT_DEFAULT_URI", "qemu:///system")
    monkeypatch.setattr("minikube_driver_kvm2._health.dev_kvm_problem", lambda who: "")
    return record


def test_no_virsh_means_not_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    st = health()
    assert not st.installed and st.fix == "Install libvirt" and "virsh" in st.error


def test_healthy_runs_domcapabilities_then_list_under_the_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = stub_virsh(tmp_path, monkeypatch, "exit 0")
    st = health()
    assert st.installed and st.healthy and st.running and not st.error
    calls = record.read_text().splitlines()
    probe = "kvm" if os.path.exists("/dev/kvm") else "qemu"
    assert calls == [f"qemu:///system domcapabilities --virttype {probe}", "qemu:///system list"]
    software = choose_virt_type("auto", Identity.current()).software
    assert st.needs_improvement is software
    if software:
        assert "vmx" in st.fix or "kvm" in st.fix


def test_libvirtd_not_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub_virsh(tmp_path, monkeypatch, "echo 'error: failed to connect to the hypervisor' >&2\n"
               "echo \"error: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory\" >&2\n"
               "exit 1")
    st = health()
    assert st.installed and not st.running and not st.healthy
    assert st.reason == "PR_KVM_NOT_RUNNING" and "libvirtd -d" in st.fix


def test_bad_default_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub_virsh(tmp_path, monkeypatch, "echo 'error: failed to connect to the hypervisor' >&2\n"
               "echo 'error: no connection driver available for bogus:///x' >&2\nexit 1")
    st = health()
    assert st.reason == "PR_KVM_URI" and not st.healthy and "LIBVIRT_DEFAULT_URI" in st.fix


def test_kvm_capabilities_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub_virsh(tmp_path, monkeypatch, "echo 'error: invalid argument: KVM is not supported' >&2\nexit 1")
    st = health()
    assert st.installed and not st.healthy and "domcapabilities" in st.error
    assert "KVM is not supported" in st.error


def test_list_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub_virsh(tmp_path, monkeypatch, 'case "$1" in list) echo "error: access denied" >&2; exit 1;; esac')
    st = health()
    assert not st.healthy and "virsh list failed" in st.error and "libvirt group" in st.fix


def test_timeout_within_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub_virsh(tmp_path, monkeypatch, "exec sleep 5")
    monkeypatch.setattr("minikube_driver_kvm2._health.TIMEOUT", 0.5)
    st = health()
    assert not st.healthy and "timed out" in st.error


def test_dev_kvm_not_usable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub_virsh(tmp_path, monkeypatch, "exit 0")
    monkeypatch.setattr("minikube_driver_kvm2._health.dev_kvm_problem",
                        lambda who: "/dev/kvm (crw------- root:root) cannot be opened read-write by libvirt-qemu")
    st = health()
    assert not st.healthy and st.reason == "PR_KVM_DEVICE_PERMISSION"
    assert "chgrp kvm /dev/kvm && chmod 0660 /dev/kvm" in st.fix


def test_user_outside_the_libvirt_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub_virsh(tmp_path, monkeypatch, "exit 0")
    monkeypatch.setattr(Identity, "current", classmethod(lambda cls: Identity("u", 54321, 54321, frozenset({54321}))))
    st = health()
    assert st.reason == "PR_KVM_USER_PERMISSION" and not st.healthy and "libvirt group" in st.error


@pytest.mark.libvirt
def test_health_on_the_real_host(libvirt_host: object) -> None:
    st = health()
    assert st.installed and st.healthy and st.running, st
    assert st.needs_improvement is choose_virt_type("auto", Identity.current()).software
