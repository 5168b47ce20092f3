"""The kvm2 DriverDef: what minikube imports to list, health-check, configure and create the driver.

Importing this module imports no libvirt: the driver module imports it on first use.
"""

from __future__ import annotations

from minikube import ClusterConfig, DriverDef, Priority, localpath
from minikube.machine import FlagValues, mac_from_name

from ._driver import KVMDriver, new_driver
from ._health import health


def create_config(cc: ClusterConfig) -> KVMDriver:
    """The driver config for a cluster (minikube's kvm2 ``configure``), its options applied."""
    d = KVMDriver(
        machine_name=cc.name,
        store_path=cc.store_path or str(localpath.minikube_home()),
        ssh_user=KVMDriver.DEFAULT_SSH_USER,
        memory=cc.memory,
        cpu=cc.cpus,
        disk_size=cc.disk_size,
        boot2docker_url=cc.minikube_iso,
        private_network=f"mk-{cc.name}",
        private_mac=mac_from_name(cc.name),
    )
    d.disk_path = d.resolve_store_path(f"{cc.name}.rawdisk")
    d.iso = d.resolve_store_path("boot2docker.iso")
    d.set_config_from_flags(FlagValues(cc.driver_options or {}))
    return d


DRIVER = DriverDef(
    name="kvm2",
    config=create_config,
    init=new_driver,
    status=health,
    aliases=("kvm",),
    default=True,
    priority=Priority.PREFERRED,
    platforms=("linux/amd64",),
    vm=True,
    description="Linux KVM/QEMU virtual machines through libvirt",
)
