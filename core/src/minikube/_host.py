"""This computer's memory and CPUs, as minikube weighs a VM's ``--memory`` and ``--cpus`` against them.

Totals, not this process's cgroup or affinity limits: a VM driver's guest runs in the hypervisor's
process (libvirtd's qemu, hyperkit, VMware Fusion), which this process's limits do not bind, and
minikube itself compares VM requests with the host's totals.  One place, so the checks, the
``max`` values, the suggested default and the tests all see the same numbers.
"""

from __future__ import annotations

import os


def memory_mb() -> int | None:
    """Physical memory in MiB, or None where the system does not say."""
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    if pages <= 0 or page_size <= 0:
        return None
    return pages * page_size // (1024 * 1024)


def cpus() -> int | None:
    """Logical CPUs, or None where the system does not say."""
    return os.cpu_count() or None
