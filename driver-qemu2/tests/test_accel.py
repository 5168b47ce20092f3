"""The accelerator: KVM where this user can use /dev/kvm and the CPU has vmx/svm, HVF on macOS, else tcg."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from minikube.machine import cpu_has_hw_virt
from minikube_driver_qemu2._host import accel_problem, choose_accel, install_fix

VMX = "processor : 0\nflags\t\t: fpu vme vmx sse\n"
NONE = "processor : 0\nflags\t\t: fpu vme sse hypervisor\n"


@pytest.fixture
def dev(tmp_path: Path) -> Path:
    d = tmp_path / "kvm"
    d.write_text("")
    d.chmod(0o666)
    return d


def test_cpu_flags() -> None:
    assert cpu_has_hw_virt(VMX) and cpu_has_hw_virt(VMX.replace("vmx", "svm"))
    assert not cpu_has_hw_virt(NONE) and not cpu_has_hw_virt("")


def test_kvm_when_usable(dev: Path) -> None:
    assert choose_accel(os_name="linux", arch="amd64", dev=str(dev), cpuinfo=VMX).name == "kvm"


def test_tcg_without_dev_kvm(tmp_path: Path) -> None:
    a = choose_accel(os_name="linux", arch="amd64", dev=str(tmp_path / "none"), cpuinfo=VMX)
    assert a.software and "there is no" in a.why and "hardware virtualization" in a.fix


def test_tcg_without_vmx_svm(dev: Path) -> None:
    """A nested host (PVM): /dev/kvm is there, the CPU flags are not; KVM would hang the guest."""
    a = choose_accel(os_name="linux", arch="amd64", dev=str(dev), cpuinfo=NONE)
    assert a.software and "vmx or svm" in a.why


@pytest.mark.skipif(os.geteuid() == 0, reason="root opens any file")
def test_tcg_when_dev_kvm_is_not_ours(dev: Path) -> None:
    dev.chmod(0o600)
    dev.chmod(0o000)
    a = choose_accel(os_name="linux", arch="amd64", dev=str(dev), cpuinfo=VMX)
    assert a.software and "read-write" in a.why and "kvm group" in a.fix


def test_arm64_needs_no_cpu_flag(dev: Path) -> None:
    assert choose_accel(os_name="linux", arch="arm64", dev=str(dev), cpuinfo="").name == "kvm"


def test_macos() -> None:
    assert choose_accel(os_name="darwin", arch="arm64", rosetta=False).name == "hvf"
    assert choose_accel(os_name="darwin", arch="amd64", rosetta=True).name == "tcg"


def test_explicit_values_are_taken_as_asked(tmp_path: Path) -> None:
    assert choose_accel("tcg", os_name="linux", dev=str(tmp_path / "x"), cpuinfo=VMX).name == "tcg"
    assert choose_accel("kvm", os_name="linux", dev=str(tmp_path / "x"), cpuinfo="").name == "kvm"


def test_explicit_problems(tmp_path: Path, dev: Path) -> None:
    msg, reason = accel_problem("kvm", os_name="linux", dev=str(tmp_path / "none")) or ("", "")
    assert "there is no" in msg and reason == "PR_QEMU_ACCEL"
    assert accel_problem("kvm", os_name="linux", dev=str(dev)) is None
    assert accel_problem("kvm", os_name="darwin") is not None
    assert accel_problem("hvf", os_name="linux") == ("--qemu-virt-type hvf: HVF is macOS only (this is linux)",
                                                     "PR_QEMU_ACCEL")
    assert accel_problem("tcg", os_name="linux") is None


def test_install_fix() -> None:
    assert install_fix("linux", "amd64").startswith("Install QEMU: sudo apt-get install qemu-system-x86 qemu-utils")
    assert "qemu-system-arm" in install_fix("linux", "arm64")
    assert install_fix("darwin", "arm64") == "Install QEMU: brew install qemu"
