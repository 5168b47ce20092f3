"""The {{ cookiecutter.title }} driver's registration: ``configure``, ``status`` and the ``DriverDef``.

The entry point ``{{ cookiecutter.driver_name }} = "{{ cookiecutter.__package }}.registration:DRIVER"`` points here.  The
driver's facts (names, priority, platforms, capabilities, reasons) are stated once, in
minikube-driver.toml; ``DriverDef.declared`` reads them and this module adds the callables.
minikube imports this module only when the driver is used or health-checked (listings read
minikube-driver.toml instead), so keep it cheap to import.
"""

from __future__ import annotations

import os

from minikube import ClusterConfig
from minikube.registry import DriverDef, Health

from . import __version__
from .driver import {{ cookiecutter.__class }}

DOC = "https://example.com/minikube-driver-{{ cookiecutter.driver_name }}#readme"


def configure(cluster: ClusterConfig) -> {{ cookiecutter.__class }}:
    """The config creator: ``minikube start``'s settings -> this driver's own config.

    minikube applies the user's driver options (``--{{ cookiecutter.driver_name }}-*``, their environment variables,
    ``[drivers.{{ cookiecutter.driver_name }}]`` in its config.toml) to the result once, afterwards: do not apply
    ``cluster.driver_options`` here.  minikube saves the driver's config as the machine's "Driver"
    JSON and hands it back to the driver (or to its plugin process) for every later command.

    It is called once per machine: ``cluster.machine_name`` is the machine's name (the profile's,
    ``cluster.name``, for the primary node; ``<profile>-m02`` for node ``m02`` of a multi-node
    profile, ``cluster.node`` being that node).  Name the machine so, and key only what every node
    of the profile shares (a network) on ``cluster.name``.
    """
    return {{ cookiecutter.__class }}(machine_name=cluster.machine_name, store_path=cluster.store_path, cpu=cluster.cpus,
                   memory=cluster.memory, disk_size=cluster.disk_size, boot2docker_url=cluster.minikube_iso)


def status() -> Health:
    """The health check: can this host run the driver?  Fast (minikube waits 20 s at most, for all
    drivers at once), and never raises: problems are a Health with an error and a fix (and a
    ``reason``, one of the IDs declared in minikube-driver.toml, to exit with its code).

    A real driver looks for its hypervisor here (``shutil.which("virsh")``, a version check, a
    permission check) and says how to fix what is missing.  The local-process backend needs only
    a POSIX system.
    """
    if os.name != "posix":
        return Health(installed=False, error="the local-process backend needs a POSIX system",
                      fix="Use Linux or macOS", doc=DOC)
    return Health(installed=True, healthy=True, running=True, version=__version__)


{% if cookiecutter.kind == "builtin" -%}
# builtin: minikube makes the driver in its own process (init); builtin = true in minikube-driver.toml.
DRIVER = DriverDef.declared(__package__, config=configure, init={{ cookiecutter.__class }}, status=status)
{%- else -%}
# external (no init; builtin = false in minikube-driver.toml): minikube runs {{ cookiecutter.__plugin_script }}.
DRIVER = DriverDef.declared(__package__, config=configure, status=status)
{%- endif %}

__all__ = ["DRIVER", "configure", "status"]
