"""Facts about this host that decide how qemu2 runs QEMU: the architecture's QEMU binary and
firmware, and the accelerator (KVM, HVF or software emulation).

QEMU runs as the calling user, so everything here is judged for that user: /dev/kvm must be
openable read-write by *us*, not by a libvirt account.  Nothing here starts QEMU.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass

from minikube.machine import cpu_has_hw_virt, read_cpuinfo

DEV_KVM = "/dev/kvm"
DOC = "https://minikube.sigs.k8s.io/docs/reference/drivers/qemu/"
VIRT_TYPES = ("auto", "kvm", "hvf", "tcg")

#: Go's arch names -> QEMU's system emulator.
QEMU_SYSTEM = {"amd64": "qemu-system-x86_64", "arm64": "qemu-system-aarch64"}

#: UEFI firmware minikube's qemu2 boots arm64 guests with (amd64 guests boot QEMU's own BIOS).
FIRMWARE = {
    ("linux", "amd64"): "/usr/share/OVMF/OVMF_CODE.fd",
    ("linux", "arm64"): "/usr/share/AAVMF/AAVMF_CODE.fd",
    ("darwin", "amd64"): "/usr/local/opt/qemu/share/qemu/edk2-x86_64-code.fd",
    ("darwin", "arm64"): "/opt/homebrew/opt/qemu/share/qemu/edk2-aarch64-code.fd",
}


def host_os() -> str:
    return "darwin" if sys.platform == "darwin" else sys.platform


def host_arch() -> str:
    m = platform.machine().lower()
    return {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(m, m)


def qemu_system(arch: str | None = None) -> str:
    arch = arch or host_arch()
    return QEMU_SYSTEM.get(arch, f"qemu-system-{arch}")


def default_firmware(os_name: str | None = None, arch: str | None = None) -> str:
    return FIRMWARE.get((os_name or host_os(), arch or host_arch()), "")


def needs_firmware(arch: str | None = None) -> bool:
    """arm64 guests boot UEFI; amd64 guests boot QEMU's built-in BIOS and need no firmware file."""
    return (arch or host_arch()) == "arm64"


def install_fix(os_name: str | None = None, arch: str | None = None) -> str:
    """How to install QEMU (the system emulator and qemu-img) on this host."""
    os_name, arch = os_name or host_os(), arch or host_arch()
    if os_name == "darwin":
        return "Install QEMU: brew install qemu"
    pkg = "qemu-system-arm" if arch == "arm64" else "qemu-system-x86"
    return (f"Install QEMU: sudo apt-get install {pkg} qemu-utils (Debian/Ubuntu; Fedora: sudo dnf install "
            f"qemu-system-{'aarch64' if arch == 'arm64' else 'x86'} qemu-img)")


def firmware_fix(os_name: str | None = None, arch: str | None = None) -> str:
    os_name, arch = os_name or host_os(), arch or host_arch()
    if os_name == "darwin":
        return "Install uefi firmware: brew install qemu (it ships edk2), or pass --qemu-firmware-path"
    return ("Install uefi firmware: sudo apt-get install " + ("qemu-efi-aarch64" if arch == "arm64" else "ovmf")
            + ", or pass --qemu-firmware-path")






def dev_kvm_problem(dev: str = DEV_KVM) -> str:
    """Why this user cannot use /dev/kvm ("" when it can)."""
    if not os.path.exists(dev):
        return f"there is no {dev}"
    if not os.access(dev, os.R_OK | os.W_OK):
        return f"{dev} cannot be opened read-write by this user"
    return ""


def under_rosetta() -> bool:
    """An amd64 Python on Apple silicon: HVF cannot run the guest (minikube uses tcg there)."""
    if host_os() != "darwin":
        return False
    try:
        out = subprocess.run(["sysctl", "-n", "sysctl.proc_translated"], capture_output=True, text=True,
                             timeout=2).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return out.strip() == "1"


SOFTWARE_FIX = ("enable hardware virtualization (VT-x/AMD-V in the firmware, or nested virtualization in the "
                "outer hypervisor) so that /proc/cpuinfo shows vmx or svm and /dev/kvm is usable by you "
                "(sudo usermod --append --groups kvm \"$USER\"); until then qemu2 uses software emulation "
                "(--qemu-virt-type tcg), which is slower")


@dataclass(frozen=True)
class Accel:
    """The accelerator QEMU gets, and why software emulation when it is that."""

    name: str  # kvm, hvf or tcg
    why: str = ""
    fix: str = ""

    @property
    def software(self) -> bool:
        return self.name == "tcg"


def choose_accel(requested: str = "auto", *, os_name: str | None = None, arch: str | None = None,
                 dev: str = DEV_KVM, cpuinfo: str | None = None, rosetta: bool | None = None) -> Accel:
    """``auto``: HVF on macOS (tcg under Rosetta); on Linux KVM where /dev/kvm is usable by this
    user and (x86) the CPU shows vmx/svm, else tcg.  Other values are taken as asked (checked by
    :func:`check_accel`)."""
    if requested != "auto":
        return Accel(requested)
    os_name, arch = os_name or host_os(), arch or host_arch()
    if os_name == "darwin":
        if rosetta if rosetta is not None else under_rosetta():
            return Accel("tcg", "this Python runs under Rosetta", "use an arm64 Python (and QEMU) on Apple silicon")
        return Accel("hvf")
    if os_name != "linux":
        return Accel("tcg", f"there is no accelerator qemu2 knows on {os_name}", "")
    problem = dev_kvm_problem(dev)
    if problem:
        fix = SOFTWARE_FIX if "there is no" in problem else (
            'add yourself to the kvm group (sudo usermod --append --groups kvm "$USER", then log in again)')
        return Accel("tcg", problem, fix)
    if arch == "amd64" and not cpu_has_hw_virt(read_cpuinfo() if cpuinfo is None else cpuinfo):
        return Accel("tcg", "the CPU does not advertise hardware virtualization (no vmx or svm in /proc/cpuinfo)",
                     SOFTWARE_FIX)
    return Accel("kvm")


def accel_problem(name: str, *, os_name: str | None = None, dev: str = DEV_KVM) -> tuple[str, str] | None:
    """Why an explicitly asked accelerator cannot work here: (message, reason ID), or None."""
    os_name = os_name or host_os()
    if name == "kvm":
        if os_name != "linux":
            return f"--qemu-virt-type kvm: KVM is Linux only (this is {os_name})", "PR_QEMU_ACCEL"
        if not os.path.exists(dev):
            return f"--qemu-virt-type kvm: there is no {dev} on this host", "PR_QEMU_ACCEL"
        if not os.access(dev, os.R_OK | os.W_OK):
            return f"--qemu-virt-type kvm: {dev} cannot be opened read-write by this user", "PR_QEMU_KVM_PERMISSION"
    if name == "hvf" and os_name != "darwin":
        return f"--qemu-virt-type hvf: HVF is macOS only (this is {os_name})", "PR_QEMU_ACCEL"
    return None
