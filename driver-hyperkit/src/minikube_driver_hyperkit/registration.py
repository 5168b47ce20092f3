"""The driver's registration: what minikube reads to list, check and configure hyperkit.

hyperkit is an *external* driver (the seed: it "needs to run with elevated permissions"):
the def has no ``init``; minikube starts the console script ``docker-machine-driver-hyperkit``,
which must be at least version 1.11.0 and, on macOS, owned by root with the setuid bit.
Importing this module imports no third-party library.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid

from minikube import ClusterConfig, DriverDef, Priority, State

from ._driver import INSTALL_FIX, HyperkitDriver
from ._hkversion import MINIMUM_VERSION, is_recent_enough, version_from_output
from ._version import PLUGIN_VERSION

DOC_URL = "https://minikube.sigs.k8s.io/docs/reference/drivers/hyperkit/"
UPGRADE_FIX = "Run 'brew upgrade hyperkit'"
#: minikube's kernel command line for its ISO; ``host=`` names the guest.
KERNEL_CMDLINE = ("loglevel=3 console=ttyS0 console=tty0 noembed nomodeset norestore waitusb=10 "
                  "systemd.legacy_systemd_cgroup_controller=yes random.trust_cpu=on hw_rng_model=virtio base host=")
VERSION_TIMEOUT = 2.0


def configure(cfg: ClusterConfig) -> HyperkitDriver:
    """The cluster settings as hyperkit driver config (minikube's ``configure``)."""
    return HyperkitDriver(machine_name=cfg.name, store_path=cfg.store_path, ssh_user="docker",
                          boot2docker_url=cfg.minikube_iso, disk_size=cfg.disk_size, memory=cfg.memory,
                          cpu=cfg.cpus, uuid=str(uuid.uuid4()), cmdline=KERNEL_CMDLINE + cfg.name)


def status() -> State:
    """hyperkit on PATH, ``hyperkit -v`` within 2 s, and not older than 2019-02-01."""
    path = shutil.which("hyperkit")
    if path is None:
        return State(error='exec: "hyperkit": executable file not found in $PATH', fix=INSTALL_FIX, doc=DOC_URL)
    try:
        proc = subprocess.run([path, "-v"], capture_output=True, text=True, timeout=VERSION_TIMEOUT,
                              stdin=subprocess.DEVNULL, errors="replace")
    except subprocess.TimeoutExpired:
        return State(installed=True, error=f"{path} -v did not answer within {VERSION_TIMEOUT:g}s",
                     fix=INSTALL_FIX, doc=DOC_URL)
    except OSError as e:
        return State(installed=True, error=f"{path} -v failed: {e}", fix=INSTALL_FIX, doc=DOC_URL)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        return State(installed=True, error=f"{path} -v failed:\n{output.strip()}", fix=INSTALL_FIX, doc=DOC_URL)
    try:
        version = version_from_output(output)
        recent = is_recent_enough(version)
    except ValueError as e:
        return State(installed=True, healthy=True, running=True, needs_improvement=True,
                     fix=f"{UPGRADE_FIX} (hyperkit version check failed: {e})", doc=DOC_URL)
    if not recent:
        # minikube: healthy, with a warning that the version is older than recommended.
        return State(installed=True, healthy=True, running=True, needs_improvement=True,
                     fix=UPGRADE_FIX, doc=DOC_URL, version=version)
    return State(installed=True, healthy=True, running=True, version=version)


DRIVER = DriverDef(
    name="hyperkit",
    config=configure,
    init=None,
    status=status,
    default=True,
    priority=Priority.DEPRECATED,
    platforms=("darwin/amd64",),
    vm=True,
    description="HyperKit (macOS): a VM per hyperkit process, networking through vmnet.framework",
    plugin_min_version=PLUGIN_VERSION,
    plugin_setuid=True,
)

__all__ = ["DOC_URL", "DRIVER", "KERNEL_CMDLINE", "MINIMUM_VERSION", "UPGRADE_FIX", "configure", "status"]
