"""kvm2's registration (minikube's ``registry/drvs/kvm2/kvm2.go``): ``configure`` and ``status``.

Its facts (names, priority, platforms, capabilities, reasons) are in ``minikube-driver.toml``;
this module adds the callables.  Importing it imports no libvirt: the driver imports it on first use.
"""

from __future__ import annotations

from minikube import ClusterConfig, localpath
from minikube.registry import DriverDef, Health

from ._driver import KVMDriver, new_driver
from ._host import default_uri


def configure(cc: ClusterConfig) -> KVMDriver:
    """The driver config for one machine of a cluster (``cc.node``'s); the core applies the user's
    driver options to it once.  Every node of a profile joins the profile's private network
    ``mk-<profile>``, with its own MAC from its own machine name (minikube's kvm2 ``configure``)."""
    from minikube.machine import mac_from_name, shares_of

    d = KVMDriver(
        machine_name=cc.machine_name,
        store_path=cc.store_path or str(localpath.minikube_home()),
        ssh_user=KVMDriver.DEFAULT_SSH_USER,
        memory=cc.memory,
        cpu=cc.cpus,
        disk_size=cc.disk_size,
        boot2docker_url=cc.minikube_iso,
        private_network=f"mk-{cc.name}",
        private_mac=mac_from_name(cc.machine_name),
        connection_uri=default_uri(),
        shares=[s.to_json() for s in shares_of(cc)],
    )
    d.disk_path = d.resolve_store_path(f"{cc.machine_name}.rawdisk")
    d.iso = d.resolve_store_path("boot2docker.iso")
    return d


def status() -> Health:
    """The health check (``_health``, imported when asked: a command on an existing machine never needs it)."""
    from ._health import health

    return health()


DRIVER = DriverDef.declared(__package__ or "minikube_driver_kvm2", config=configure, init=new_driver, status=status)

__all__ = ["DRIVER", "configure", "status"]
