"""From a def to a working driver: in process or as its plugin, configured once.

A builtin driver is made by its def's ``init``.  An external one is its plugin process, launched
once per driver (and so once per command, which holds one driver for its whole run); the binary
is checked first against what the driver declares (a minimum plugin version, ``needs_root``).
A plugin that needs root is started as root: through ``sudo -n`` unless minikube is root or the
binary is setuid root; when sudo refuses, the error's fix is the sudoers line that allows it.
"""

from __future__ import annotations

import dataclasses
import json
import os
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
    from ..machine.plugin._process import SudoRefused

    info = registry.info(d.name)
    needs_root = d.capabilities.needs_root
    exe = info.executable or (needs_root and root_owned_copy(d.name)) or find_plugin_binary(d.name)
    check_plugin_binary(info, exe, d.plugin_min_version, needs_root)
    try:
        return PluginDriver.launch(d.name, executable=exe, as_root=needs_root)
    except SudoRefused as e:
        raise not_root_error(info, exe, e) from None


def root_owned_copy(name: str) -> str:
    """A root plugin installed root-owned where the sudoers fix puts it (found before PATH: an
    activated venv's own copy, which its user can change, is not the one sudo should run)."""
    from ..machine.plugin._process import binary_name
    from ..machine.plugin._sudoers import ROOT_BIN, not_root_owned

    path = os.path.join(ROOT_BIN, binary_name(name))
    return path if os.path.isfile(path) and os.access(path, os.X_OK) and not not_root_owned(path) else ""


def not_root_error(info: DriverInfo, executable: str, refused: Exception) -> DriverError:
    """The refusal when sudo cannot start a root plugin: the driver's ``plugin-not-root`` reason,
    and as the fix the exact sudoers line that lets this user start it without a password."""
    from ..machine.plugin._process import SudoRefused
    from ..machine.plugin._sudoers import sudoers_fix

    reason_for = info.declaration.reason_for if info.declaration else {}
    reason = reason_for.get("plugin-not-root", "DRV_PLUGIN_FAILED")
    if isinstance(refused, SudoRefused) and refused.missing:
        fix = "Install sudo (minikube starts the plugin with sudo -n), or run minikube as root"
    else:
        fix = sudoers_fix(executable, info.name, info.distribution or "")
    return DriverError(str(refused), reason_id=reason, fix=fix)


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
    """Refuse a plugin binary that is too old, or that needs root where there is no way to get it.

    A plugin that needs root runs as root when minikube is root or the binary is setuid root,
    else through ``sudo -n`` (on every platform: ``platform`` is kept for old callers, unused), so
    a missing sudo is refused here and sudo's own refusal at launch.  The reason IDs are the
    driver's own when it declares one ``for`` these situations (``plugin-too-old``,
    ``plugin-not-root``), else ``DRV_PLUGIN_FAILED``.
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
    if needs_root:
        from ..machine.plugin._process import SudoRefused, plugin_argv

        try:
            plugin_argv(executable, as_root=True)
        except SudoRefused as e:
            raise not_root_error(info, executable, e) from None
