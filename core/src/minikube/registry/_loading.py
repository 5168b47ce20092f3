"""Loading one driver: its entry point's object, checked against its declaration.

The entry point's value comes from the discovery index, so loading is one import of the driver's
registration module (what ``importlib.metadata.EntryPoint.load`` does), and nothing else: no
metadata library is imported on the way, which keeps ``minikube status`` within a few times a C
client's start-up.  A driver that fails to import, raises at import, yields something that is not a ``DriverDef``, or
whose def disagrees with its ``minikube-driver.toml`` is broken: ``DriverBrokenError``, which the
registry records as quarantined.
"""

from __future__ import annotations

import importlib
from typing import Any

from .._errors import DriverBrokenError
from ._catalog import DriverInfo
from ._declaration import METADATA_FILE, remember
from ._types import DriverDef, Health, Priority


def import_object(value: str) -> Any:
    """``package.module:attr.path`` -> the object, as an entry point names it."""
    module, _, attrs = value.partition(":")
    obj = importlib.import_module(module.strip())
    for attr in filter(None, attrs.strip().split(".")):
        obj = getattr(obj, attr)
    return obj


def load_def(info: DriverInfo) -> DriverDef:
    """Import one driver; a broken plugin raises DriverBrokenError (the registry quarantines it)."""
    who = f'driver "{info.name}" from {info.distribution} {info.version}'
    if info.declaration is not None:
        remember(info.entry_point.partition(":")[0].strip(), info.declaration)
    try:
        obj = import_object(info.entry_point)
    except (Exception, SystemExit) as err:  # noqa: BLE001 - any failure of a plugin is its own
        raise DriverBrokenError(f"{who} failed to load: {type(err).__name__}: {err}", fix=info.fix) from None
    if not isinstance(obj, DriverDef):
        raise DriverBrokenError(f"{who}: entry point {info.entry_point} is a {type(obj).__name__}, "
                                "not a minikube.registry.DriverDef", fix=info.fix)
    if obj.name != info.name:
        raise DriverBrokenError(f'{who}: its DriverDef is named "{obj.name}", but its entry point '
                                f'is "{info.name}"', fix=info.fix)
    mismatch = declared_mismatch(info, obj)
    if mismatch:
        raise DriverBrokenError(f"{who}: {METADATA_FILE} does not match its DriverDef: {mismatch}", fix=info.fix)
    return obj


def declared_mismatch(info: DriverInfo, d: DriverDef) -> str:
    """Where a def that states its facts itself (driver API 1.0) disagrees with its declaration."""
    decl = info.declaration
    if decl is None:
        return ""
    checks = [("aliases", tuple(decl.aliases), tuple(d.aliases), True),
              ("builtin", decl.builtin, d.builtin, decl.builtin is not None),
              ("default", decl.default, d.default, decl.default is not None),
              ("priority", decl.priority, d.priority, decl.priority is not None),
              ("platforms", tuple(decl.platforms), tuple(d.platforms), bool(decl.platforms))]
    bad = [f"{k} declared {a!r}, def has {b!r}" for k, a, b, on in checks if on and a != b]
    return "; ".join(bad)


def with_declaration(info: DriverInfo, d: DriverDef) -> DriverDef:
    """A 1.0 def (facts stated in code) gains what only the declaration states: capabilities,
    reasons and the plugin minimum version."""
    decl = info.declaration
    if decl is None or (d.capabilities == decl.capabilities and d.reasons == decl.reasons
                        and (d.plugin_min_version or not decl.plugin_min_version)):
        return d
    from dataclasses import replace

    caps = decl.capabilities
    if d.capabilities.needs_root and not caps.needs_root:
        caps = replace(caps, needs_root=True)
    return replace(d, capabilities=caps, reasons=d.reasons or decl.reasons,
                   plugin_min_version=d.plugin_min_version or decl.plugin_min_version)


def generic_external_def(info: DriverInfo) -> DriverDef:
    """A bare ``docker-machine-driver-<name>`` on PATH, with no Python package behind it."""
    return DriverDef(name=info.name, init=None, priority=Priority.EXPERIMENTAL,
                     status=lambda: Health(installed=True, healthy=True, running=True),
                     description=f"plugin binary {info.executable}")
