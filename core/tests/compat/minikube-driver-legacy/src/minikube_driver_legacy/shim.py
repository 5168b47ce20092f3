"""The Legacy driver's registration: what minikube needs before any machine exists.

The entry point ``legacy = "minikube_driver_legacy.shim:DRIVER"`` points here.  minikube
imports this module only when the driver is used or health-checked (listings read
minikube-driver.toml instead), so keep it cheap to import.
"""

from __future__ import annotations

import os

from minikube import ClusterConfig
from minikube.registry import DriverDef, Priority, State

from . import __version__
from .driver import NAME, LegacyDriver

DOC = "https://example.com/minikube-driver-legacy#readme"


def create_config(cluster: ClusterConfig) -> LegacyDriver:
    """The config creator: ``minikube start``'s settings -> this driver's own config.

    minikube saves the result as the machine's "Driver" JSON and hands it back to the driver
    (or to its plugin process) for every later command.
    """
    return LegacyDriver(machine_name=cluster.name, store_path=cluster.store_path, cpus=cluster.cpus,
                   memory=cluster.memory, disk_size=cluster.disk_size, boot2docker_url=cluster.minikube_iso)


def health() -> State:
    """The status check: can this host run the driver?  Fast (minikube waits 20 s at most, for all
    drivers at once), and never raises: problems are a State with an error and a fix.

    A real driver looks for its hypervisor here (``shutil.which("virsh")``, a version check, a
    permission check) and says how to fix what is missing.  The local-process backend needs only
    a POSIX system.
    """
    if os.name != "posix":
        return State(installed=False, error="the local-process backend needs a POSIX system",
                     fix="Use Linux or macOS", doc=DOC)
    return State(installed=True, healthy=True, running=True, version=__version__)


DRIVER = DriverDef(
    name=NAME,
    aliases=(),
    config=create_config,
    init=LegacyDriver,  # builtin: minikube makes the driver in its own process
    status=health,
    default=True,
    priority=Priority.FALLBACK,
    platforms=(),
    description="The Legacy driver: each machine is a local process",
)
