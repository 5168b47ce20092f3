"""``minikube-driver.toml``: the one place a driver states its facts.

Listings read it without importing the driver (through the discovery index); ``DriverDef.declared``
reads it when the driver is imported.  Both go through :func:`parse`, so a file is valid or
invalid the same way everywhere.  A table looks like::

    [drivers.kvm2]
    aliases = ["kvm"]
    builtin = true
    default = true
    priority = "Preferred"
    platforms = ["linux/amd64"]
    api = ">=1.0,<2"
    summary = "Linux KVM/QEMU virtual machines through libvirt"

    boot_image_fix = "An offline test image: minikube-tiny-iso (prints its path)"

    [drivers.kvm2.capabilities]
    parallel = true
    boot_image = true

    [drivers.kvm2.reasons.PR_KVM_NOT_RUNNING]
    exit_code = 63
    fix = "Start libvirtd"
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._errors import Reason, is_core_reason, register_driver_reasons
from ._types import Capabilities, Priority

METADATA_FILE = "minikube-driver.toml"

#: What a reason may be declared ``for``: situations the core detects for any driver.
REASON_SITUATIONS = ("plugin-too-old", "plugin-not-root")

_KEYS = {"aliases", "builtin", "default", "priority", "platforms", "api", "summary", "capabilities",
         "reasons", "plugin_min_version", "boot_image_fix"}
_REASON_ID = re.compile(r"^[A-Z][A-Z0-9_]*[A-Z0-9]$")


@dataclass
class Declaration:
    """One driver's table, validated.  ``None`` means "not declared" (an older file)."""

    name: str
    aliases: tuple[str, ...] = ()
    builtin: bool | None = None
    default: bool | None = None
    priority: Priority | None = None
    platforms: tuple[str, ...] = ()
    api: str = ""
    summary: str = ""
    capabilities: Capabilities = field(default_factory=Capabilities)
    reasons: tuple[Reason, ...] = ()
    #: reason ID for a situation the core detects (``plugin-too-old``, ``plugin-not-root``)
    reason_for: dict[str, str] = field(default_factory=dict)
    plugin_min_version: str = ""
    #: How to get a boot image without network, for this driver (capability ``boot_image``): added
    #: to the fix when minikube's default image cannot be downloaded (driver API 1.2).
    boot_image_fix: str = ""
    notes: list[str] = field(default_factory=list)  # accepted oddities, shown in listings

    def register_reasons(self) -> None:
        """Make the driver's reason IDs known to the core's error reporting."""
        register_driver_reasons(self.reasons)


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key} must be a list of strings, not {value!r}")
    return tuple(value)


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false, not {value!r}")
    return value


def _string(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string, not {value!r}")
    return value


def _reasons(table: Any) -> tuple[tuple[Reason, ...], dict[str, str]]:
    if not isinstance(table, Mapping):
        raise ValueError(f"reasons must be a table of reason IDs, not {type(table).__name__}")
    out: list[Reason] = []
    situations: dict[str, str] = {}
    for rid, spec in table.items():
        if not _REASON_ID.match(rid):
            raise ValueError(f"reason ID {rid!r} must be upper-case letters, digits and '_'")
        if is_core_reason(rid):
            raise ValueError(f"reason ID {rid!r} clashes with one of minikube's own: choose an ID of "
                             "the driver's own (e.g. PR_<DRIVER>_...)")
        if not isinstance(spec, Mapping):
            raise ValueError(f"reason {rid} must be a table (exit_code, fix, doc)")
        unknown = sorted(set(spec) - {"exit_code", "fix", "doc", "for"})
        if unknown:
            raise ValueError(f"reason {rid} has unknown key(s) {', '.join(unknown)} (known: exit_code, fix, doc, for)")
        code = spec.get("exit_code")
        if isinstance(code, bool) or not isinstance(code, int) or not 0 < code < 256:
            raise ValueError(f"reason {rid}: exit_code must be a whole number from 1 to 255, not {code!r}")
        out.append(Reason(rid, code, _string(spec.get("fix", ""), f"reason {rid}: fix"),
                          _string(spec.get("doc", ""), f"reason {rid}: doc")))
        if "for" in spec:
            what = spec["for"]
            if what not in REASON_SITUATIONS:
                raise ValueError(f"reason {rid}: 'for' must be one of {', '.join(REASON_SITUATIONS)}, not {what!r}")
            situations[what] = rid
    return tuple(out), situations


def parse(name: str, table: Any) -> Declaration:
    """Validate one ``[drivers.<name>]`` table; anything malformed is a one-line ValueError."""
    if not isinstance(table, Mapping):
        raise ValueError(f"[drivers.{name}] must be a table")
    d = Declaration(name=name)
    if "aliases" in table:
        d.aliases = _strings(table["aliases"], "aliases")
    if "builtin" in table:
        d.builtin = _bool(table["builtin"], "builtin")
    if "default" in table:
        d.default = _bool(table["default"], "default")
    if "priority" in table:
        d.priority = Priority.parse(table["priority"])
    if "platforms" in table:
        d.platforms = _strings(table["platforms"], "platforms")
    d.api = _string(table.get("api", ""), "api")
    d.summary = _string(table.get("summary", ""), "summary")
    d.plugin_min_version = _string(table.get("plugin_min_version", ""), "plugin_min_version")
    d.boot_image_fix = _string(table.get("boot_image_fix", ""), "boot_image_fix")
    if "capabilities" in table:
        d.capabilities = Capabilities.parse(table["capabilities"])
    if "reasons" in table:
        d.reasons, d.reason_for = _reasons(table["reasons"])
    for key in sorted(set(table) - _KEYS):
        d.notes.append(f"unknown key {key!r} in [drivers.{name}] is ignored")
    return d


def read_table(path: Path, name: str) -> dict[str, Any]:
    """The raw ``[drivers.<name>]`` table of a file; a missing table or bad TOML is a ValueError."""
    from ..config import toml_module

    try:
        doc = toml_module().loads(path.read_text())
    except (ValueError, OSError) as e:
        raise ValueError(f"{path}: {e}") from None
    table = (doc.get("drivers") or {}).get(name)
    if table is None:
        raise ValueError(f"{path} has no [drivers.{name}] table")
    return dict(table)


#: Declarations the registry already read (from its index) for a package it is about to import,
#: so ``DriverDef.declared`` does not parse the same file again on the way: top package -> name -> it.
_KNOWN: dict[str, dict[str, Declaration]] = {}


def remember(package: str, declaration: Declaration) -> None:
    """What the registry read for ``package`` (called just before it imports the package)."""
    _KNOWN.setdefault(package.split(".")[0], {})[declaration.name] = declaration


def read_package_declaration(package: str, name: str | None = None) -> Declaration:
    """The declaration in an importable package's ``minikube-driver.toml`` (for ``DriverDef.declared``)."""
    known = _KNOWN.get(package.split(".")[0], {})
    if name in known or (name is None and len(known) == 1):
        return known[name] if name is not None else next(iter(known.values()))
    import importlib.util

    from ..config import toml_module

    spec = importlib.util.find_spec(package.split(".")[0])
    locations = list(spec.submodule_search_locations or []) if spec else []
    path = next((Path(loc) / METADATA_FILE for loc in locations if (Path(loc) / METADATA_FILE).is_file()), None)
    if path is None:
        raise ValueError(f"package {package!r} ships no {METADATA_FILE}")
    if name is None:
        drivers = toml_module().loads(path.read_text()).get("drivers") or {}
        if len(drivers) != 1:
            raise ValueError(f"{path} declares {len(drivers)} drivers: name the one this def is for")
        name = next(iter(drivers))
    try:
        return parse(name, read_table(path, name))
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None

