"""From a driver name to a working Driver: the catalog, the def, builtin or plugin, its config.

This is where the registry and the machine layer meet: the CLI asks for a driver by name or
alias, this module checks it (conflicts, API range, quarantine) and makes drivers for it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._errors import DriverBrokenError, MinikubeError
from .config import ClusterConfig
from .machine import Driver, FlagValues, Machines
from .registry import Catalog, DriverDef, DriverInfo, load_def, not_found
from .registry._discovery import unranged_warning


def config_raw(obj: Any) -> bytes:
    """A config creator's result as the driver's raw JSON."""
    if obj is None:
        return b"{}"
    if isinstance(obj, (bytes, bytearray)):
        return bytes(obj)
    if isinstance(obj, Driver):
        return obj.get_config_raw()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        from .machine import to_json_dict

        return json.dumps(to_json_dict(obj), indent=4).encode()
    return json.dumps(obj, indent=4).encode()


def _warn_stderr(msg: str) -> None:
    """The CLI's warning form (``! ...`` on stderr), so that stdout stays parseable."""
    print(f"! {msg}", file=sys.stderr, flush=True)


def strict_plugins() -> bool:
    return os.environ.get("MINIKUBE_STRICT_PLUGINS", "") not in ("", "0", "false")


@dataclass
class Loaded:
    info: DriverInfo
    definition: DriverDef


class Runtime:
    """Resolves driver names and makes drivers, importing only the drivers that are used."""

    def __init__(self, catalog: Catalog | None = None, warn: Callable[[str], None] | None = None) -> None:
        self._catalog = catalog
        self._warn = warn or _warn_stderr
        self._loaded: dict[str, Loaded] = {}
        self.broken: dict[str, DriverBrokenError] = {}

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = Catalog()
        return self._catalog

    def info(self, name: str) -> DriverInfo:
        info = self.catalog.resolve(name)
        if info is None:
            raise not_found(name, self.catalog)
        return info

    def load(self, name: str) -> Loaded:
        info = self.info(name)
        if info.name in self._loaded:
            return self._loaded[info.name]
        self.catalog.check_usable(info)
        warning = unranged_warning(info)
        if warning:
            self._warn(warning)
        if info.executable and not info.entry_point:
            definition = generic_external_def(info)
        else:
            try:
                definition = load_def(info)
            except DriverBrokenError as e:
                self.broken[info.name] = e
                raise
        loaded = Loaded(info, definition)
        self._loaded[info.name] = loaded
        return loaded

    def load_supported(self) -> list[Loaded]:
        """Every usable driver for this platform; broken ones are quarantined (or fatal if strict)."""
        out = []
        for name in self.catalog.names():
            info = self.catalog.drivers[name]
            if info.platforms and not info.supported:
                continue
            try:
                loaded = self.load(name)
            except MinikubeError:
                if strict_plugins():
                    raise
                continue
            if loaded.definition.supported():
                out.append(loaded)
        return out

    def new_driver(self, name: str) -> Driver:
        d = self.load(name).definition
        if d.init is not None:
            return d.init()
        from ._plugin_binary import check_plugin_binary
        from .machine.plugin import PluginDriver, find_plugin_binary

        info = self._loaded[d.name].info
        exe = info.executable or find_plugin_binary(d.name)
        if d.plugin_min_version or d.plugin_setuid:
            check_plugin_binary(d.name, exe, d.plugin_min_version, d.plugin_setuid)
        return PluginDriver.launch(d.name, executable=exe)

    def machines(self) -> Machines:
        return Machines(self.new_driver)

    def driver_config(self, name: str, cluster: ClusterConfig, options: dict[str, Any] | None) -> bytes:
        """Config creator, then the driver's own flags, as the driver will keep them."""
        d = self.load(name).definition
        raw = config_raw(d.config(cluster) if d.config else
                         {"MachineName": cluster.name, "StorePath": cluster.store_path})
        generic = self._loaded[d.name].info.executable and not self._loaded[d.name].info.entry_point
        if not options and not generic:
            return raw
        driver = self.new_driver(d.name)
        try:
            driver.set_config_raw(raw)
            values = dict(options or {})
            if generic:
                values = standard_flag_values(driver.get_create_flags(), cluster, values)
            driver.set_config_from_flags(FlagValues(values))
            return driver.get_config_raw()
        finally:
            driver.close()


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


def generic_external_def(info: DriverInfo) -> DriverDef:
    """A bare ``docker-machine-driver-<name>`` on PATH, with no Python package behind it."""
    from .registry import Priority, State

    return DriverDef(name=info.name, init=None, priority=Priority.EXPERIMENTAL,
                     status=lambda: State(installed=True, healthy=True),
                     description=f"plugin binary {info.executable}")
