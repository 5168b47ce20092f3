"""vmwarefusion's registration (minikube's ``registry/drvs/vmwarefusion``): ``configure`` and ``status``.

vmwarefusion is a *builtin* driver: the def has ``init``, and the driver runs inside the
minikube process; its facts are declared in ``minikube-driver.toml``.  Supported on darwin/amd64
only: minikube builds it for darwin, and the boot ISO and ``guestOS = other3xlinux-64`` are
x86-64, which Fusion on Apple silicon cannot run.
"""

from __future__ import annotations

from minikube import ClusterConfig
from minikube.registry import DriverDef, Health

from ._driver import ISO_FILENAME, VMwareFusionDriver
from ._tools import FUSION_LIBRARY, INSTALL_FIX, find_tool

DOC_URL = "https://minikube.sigs.k8s.io/docs/reference/drivers/vmwarefusion/"


def configure(cfg: ClusterConfig) -> VMwareFusionDriver:
    """minikube's ``createVMwareFusionHost`` for one machine (``cfg.node``'s): boot image, memory, CPUs, disk, SSH port 22, ISO in the store."""
    d = VMwareFusionDriver(machine_name=cfg.machine_name, store_path=cfg.store_path, ssh_user="docker")
    d.boot2docker_url = cfg.minikube_iso
    d.memory = cfg.memory
    d.cpu = cfg.cpus
    d.disk_size = cfg.disk_size
    d.ssh_port = 22
    d.iso = d.resolve_store_path(ISO_FILENAME)
    return d


def status() -> Health:
    """Healthy when ``vmrun`` is on PATH or in the Fusion app bundle."""
    path = find_tool("vmrun")
    if path is None:
        return Health(error=f'vmrun path check: exec: "vmrun": executable file not found in $PATH or {FUSION_LIBRARY}',
                     fix=INSTALL_FIX, doc=DOC_URL)
    return Health(installed=True, healthy=True, running=True)


DRIVER = DriverDef.declared(__package__ or "minikube_driver_vmwarefusion", config=configure,
                            init=VMwareFusionDriver, status=status)

__all__ = ["DOC_URL", "DRIVER", "configure", "status"]
