"""hyperkit's registration (minikube's ``registry/drvs/hyperkit``): ``configure`` and ``status``.

hyperkit is an *external* driver (it "needs to run with elevated permissions"): the def has no
``init``; minikube starts the console script ``docker-machine-driver-hyperkit``.  The minimum
plugin version, ``needs_root`` and the reasons for both are declared in ``minikube-driver.toml``.
Importing this module imports no third-party library.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid

from minikube import ClusterConfig
from minikube.registry import DriverDef, Health

from ._driver import INSTALL_FIX, HyperkitDriver
from ._hkversion import MINIMUM_VERSION, is_recent_enough, version_from_output

DOC_URL = "https://minikube.sigs.k8s.io/docs/reference/drivers/hyperkit/"
UPGRADE_FIX = "Run 'brew upgrade hyperkit'"
#: minikube's kernel command line for its ISO; ``host=`` names the guest.
KERNEL_CMDLINE = ("loglevel=3 console=ttyS0 console=tty0 noembed nomodeset norestore waitusb=10 "
                  "systemd.legacy_systemd_cgroup_controller=yes random.trust_cpu=on hw_rng_model=virtio base host=")
VERSION_TIMEOUT = 2.0


def configure(cfg: ClusterConfig) -> HyperkitDriver:
    """The cluster settings as hyperkit driver config for one machine (``cfg.node``'s), as minikube's
    ``configure``: the kernel's ``host=`` stays the profile's name."""
    return HyperkitDriver(machine_name=cfg.machine_name, store_path=cfg.store_path, ssh_user="docker",
                          boot2docker_url=cfg.minikube_iso, disk_size=cfg.disk_size, memory=cfg.memory,
                          cpu=cfg.cpus, uuid=str(uuid.uuid4()), cmdline=KERNEL_CMDLINE + cfg.name)


def status() -> Health:
    """hyperkit on PATH, ``hyperkit -v`` within 2 s, and not older than 2019-02-01."""
    path = shutil.which("hyperkit")
    if path is None:
        return Health(error='exec: "hyperkit": executable file not found in $PATH', fix=INSTALL_FIX, doc=DOC_URL)
    try:
        proc = subprocess.run([path, "-v"], capture_output=True, text=True, timeout=VERSION_TIMEOUT,
                              stdin=subprocess.DEVNULL, errors="replace")
    except subprocess.TimeoutExpired:
        return Health(installed=True, error=f"{path} -v did not answer within {VERSION_TIMEOUT:g}s",
                     fix=INSTALL_FIX, doc=DOC_URL)
    except OSError as e:
        return Health(installed=True, error=f"{path} -v failed: {e}", fix=INSTALL_FIX, doc=DOC_URL)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        return Health(installed=True, error=f"{path} -v failed:\n{output.strip()}", fix=INSTALL_FIX, doc=DOC_URL)
    try:
        version = version_from_output(output)
        recent = is_recent_enough(version)
    except ValueError as e:
        return Health(installed=True, healthy=True, running=True, needs_improvement=True,
                     fix=f"{UPGRADE_FIX} (hyperkit version check failed: {e})", doc=DOC_URL)
    if not recent:
        # minikube: healthy, with a warning that the version is older than recommended.
        return Health(installed=True, healthy=True, running=True, needs_improvement=True,
                     fix=UPGRADE_FIX, doc=DOC_URL, version=version)
    return Health(installed=True, healthy=True, running=True, version=version)


DRIVER = DriverDef.declared(__package__ or "minikube_driver_hyperkit", config=configure, status=status)

__all__ = ["DOC_URL", "DRIVER", "KERNEL_CMDLINE", "MINIMUM_VERSION", "UPGRADE_FIX", "configure", "status"]
