"""minikube's kvm2 driver: machines as libvirt (KVM/QEMU) domains, builtin (runs in minikube).

The entry point ``kvm2`` in ``minikube.drivers`` is :data:`DRIVER`.  Importing this package
imports no libvirt; the driver imports it when it first talks to libvirtd.
"""

from ._driver import KVMDriver, machine_state
from ._host import VirtChoice, choose_virt_type, cpu_has_hw_virt, default_uri
from ._version import __version__
from .registration import DRIVER, configure, status

__all__ = [
    "DRIVER",
    "KVMDriver",
    "VirtChoice",
    "__version__",
    "choose_virt_type",
    "cpu_has_hw_virt",
    "configure",
    "default_uri",
    "machine_state",
    "status",
]
