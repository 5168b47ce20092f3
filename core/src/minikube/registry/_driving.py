"""From a def to a working driver: in process or as its plugin, configured once.

A builtin driver is made by its def's ``init``.  An external one is its plugin process, launched
once per driver (and so once per command, which holds one driver for its whole run); the binary
is checked first against what the driver declares (a minimum plugin version, ``needs_root``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import sys
from typing import TYPE_CHECKING, Any

from .._errors import DriverError

if TYPE_CHECKING:
    from ..config import ClusterConfig
    from ..machine import Driver
    from ._catalog import DriverInfo
    from ._registry import Registry


def config_raw(obj: Any) -> bytes:
    """A config creator's result as the driver's raw JSON."""
    from ..machine import Driver, to_json_dict

    if obj is None:
        return b"{}"
    if isinstance(obj, (bytes, bytearray)):
        return bytes(obj)
    if isinstance(obj, Driver):
        return obj.get_config_raw()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return json.dumps(to_json_dict(obj), indent=4).encode()
    return json.dumps(obj, indent=4).encode()


def new_driver(registry: Registry, name: str) -> Driver:
    d = registry.load(name)
    if d.init is not None:
        return d.init()
    from ..machine.plugin import PluginDriver, find_plugin_binary

    info = registry.info(d.name)
    exe = info.executable or find_plugin_binary(d.name)
    check_plugin_binary(info, exe, d.plugin_min_version, d.capabilities.needs_root)
    return PluginDriver.launch(d.name, executable=exe)


def configure(registry: Registry, name: str, cluster: ClusterConfig, options: dict[str, Any] | None,
              driver: Driver | None = None) -> Driver:
    d = registry.load(name)
    info = registry.info(d.name)
    raw = config_raw(d.config(cluster) if d.config else
                     {"MachineName": cluster.name, "StorePath": cluster.store_path})
    driver = driver or registry.new_driver(d.name)
    try:
        driver.set_config_raw(raw)
        values = dict(options or {})
        generic = bool(info.executable and not info.entry_point)
        if generic:
            values = standard_flag_values(driver.get_create_flags(), cluster, values)
        if values:
            from ..machine import FlagValues

            driver.set_config_from_flags(FlagValues(values))
    except BaseException:
        driver.close()
        raise
    return driver


#: docker-machine flag-name endings that carry minikube's cluster settings.
_STANDARD_FLAGS = {"-memory": "memory", "-memory-size": "memory", "-cpu-count": "cpus", "-cpus": "cpus",
                   "-disk-size": "disk_size", "-boot2docker-url": "minikube_iso"}


def standard_flag_values(flags: list[Any], cluster: ClusterConfig, values: dict[str, Any]) -> dict[str, Any]:
    """For a bare plugin binary: the cluster settings as the standard flags it declares.

    A value the user gave (one that differs from the flag's default) is kept; the swarm keys
    are always sent, as real docker-machine clients send them.
    """
    out = {"swarm-master": False, "swarm-host": "", "swarm-discovery": "", **values}
    for f in flags:
        default = getattr(f, "value", False)
        for suffix, attr in _STANDARD_FLAGS.items():
            if f.name.endswith(suffix) and out.get(f.name, default) == default:
                v = getattr(cluster, attr)
                if v not in ("", 0, None):
                    out[f.name] = v
                break
    return out


def check_plugin_binary(info: DriverInfo, executable: str, min_version: str = "", needs_root: bool = False,
                        platform: str | None = None) -> None:
    """Refuse a plugin binary that is too old, or (on macOS) not setuid root when the driver needs root.

    The reason IDs are the driver's own when it declares one ``for`` these situations
    (``plugin-too-old``, ``plugin-not-root``), else ``DRV_PLUGIN_FAILED``.
    """
    reason_for = info.declaration.reason_for if info.declaration else {}
    if min_version:
        from packaging.version import Version

        from ..machine.plugin import plugin_version

        have = plugin_version(executable)
        if Version(have) < Version(min_version):
            raise DriverError(
                f"The installed version of '{executable}' ({have}) is older than the minimum "
                f"required ({min_version})", reason_id=reason_for.get("plugin-too-old", "DRV_PLUGIN_FAILED"),
                fix=f"Upgrade it: pip install -U {info.distribution or 'minikube-driver-' + info.name}")
    if needs_root and (platform or sys.platform) == "darwin":
        st = os.stat(executable)
        if st.st_uid != 0 or not st.st_mode & stat.S_ISUID:
            raise DriverError(
                f"{executable} needs to run with elevated permissions. Please run the following command, "
                f"then try again: sudo chown root:wheel {executable} && sudo chmod u+s {executable}",
                reason_id=reason_for.get("plugin-not-root", "DRV_PLUGIN_FAILED"),
                fix=f"sudo chown root:wheel {executable} && sudo chmod u+s {executable}")
