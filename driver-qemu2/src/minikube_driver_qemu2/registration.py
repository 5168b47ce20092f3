"""qemu2's registration (minikube's ``registry/drvs/qemu2/qemu2.go``): ``configure`` and ``status``.

Its facts (names, priority, platforms, capabilities, reasons) are in ``minikube-driver.toml``;
this module adds the callables.  Importing it starts nothing and imports no QMP library.
"""

from __future__ import annotations

from minikube import ClusterConfig, localpath
from minikube.registry import DriverDef, Health

from ._driver import QEMUDriver, new_driver


def configure(cc: ClusterConfig) -> QEMUDriver:
    """The driver config for a cluster; the core applies the user's driver options to it once.
    The cluster's shared folders go into it as they are (tags included): the driver exposes
    them on every start, the core mounts them in the guest."""
    from minikube.machine import shares_of

    from ._host import default_firmware, host_arch, qemu_system

    d = QEMUDriver(
        machine_name=cc.machine_name,
        store_path=cc.store_path or str(localpath.minikube_home()),
        ssh_user=QEMUDriver.DEFAULT_SSH_USER,
        memory=cc.memory,
        cpu=cc.cpus,
        disk_size=cc.disk_size,
        boot2docker_url=cc.minikube_iso,
        program=qemu_system(),
        bios=host_arch() != "arm64",
        firmware=default_firmware() if host_arch() == "arm64" else "",
        shares=[share.to_json() for share in shares_of(cc)],
    )
    d.disk_path = d.resolve_store_path("disk.qcow2")
    return d


def status() -> Health:
    """The health check (``_health``, imported when asked: a command on an existing machine never needs it)."""
    from ._health import health

    return health()


DRIVER = DriverDef.declared(__package__ or "minikube_driver_qemu2", config=configure, init=new_driver, status=status)

__all__ = ["DRIVER", "configure", "status"]
