"""Whether this CPU offers hardware virtualization: a fact every local VM driver needs.

KVM (and so every QEMU- or libvirt-based driver) is only fast when the CPU advertises Intel VT-x
(``vmx``) or AMD-V (``svm``); without them the drivers fall back to software emulation and say
so.  Read once here instead of in each driver.  On arm64 Linux the kernel shows no such flag, so
the answer there is ``/dev/kvm`` itself, which each driver checks for the user QEMU runs as.
"""

from __future__ import annotations

from pathlib import Path

CPUINFO = "/proc/cpuinfo"


def cpu_has_hw_virt(cpuinfo: str) -> bool:
    """``vmx`` or ``svm`` among the ``flags`` of a /proc/cpuinfo text (x86)."""
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "flags" and ({"vmx", "svm"} & set(value.split())):
            return True
    return False


def read_cpuinfo(path: str = CPUINFO) -> str:
    """/proc/cpuinfo's text ("" where there is none, as on macOS)."""
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""
