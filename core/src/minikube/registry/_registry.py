"""The registry: the one object that knows the drivers, installed or registered in process.

It resolves names and aliases, lists, loads through stevedore, quarantines broken drivers, checks
the API range, runs the health checks at once, suggests a driver with its reasons, and makes
configured drivers.  The CLI, ``minikube.testing`` and the plugin server all go through it;
nothing loads a driver another way (Lima's ``pkg/registry``: one registry for internal and
external drivers).
"""

from __future__ import annotations

import builtins
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._errors import DriverConflictError, MinikubeError, RegistryError, UsageError, register_driver_reasons
from ._catalog import Catalog, DriverInfo
from ._compat import unranged_warning
from ._declaration import Declaration
from ._health import DriverHealth, Suggestion, check_all, rank, suggest
from ._loading import generic_external_def, load_def, with_declaration
from ._types import Capabilities, DriverDef, Health, current_platform, supports

if TYPE_CHECKING:
    from ..config import ClusterConfig
    from ..machine import Driver, HostStore, Machines

log = logging.getLogger("minikube.registry")

DRIVERS_DOC = "https://minikube.sigs.k8s.io/docs/drivers/"
#: The last driver API before readiness (1.5): a driver whose range admits it was built without it.
READY_SINCE_BEFORE = "1.4"


def _warn_stderr(msg: str) -> None:
    """The CLI's warning form (``! ...`` on stderr), so that stdout stays parseable."""
    print(f"! {msg}", file=sys.stderr, flush=True)


def strict_plugins() -> bool:
    """``MINIKUBE_STRICT_PLUGINS=1``: a broken plugin is fatal instead of quarantined."""
    import os

    return os.environ.get("MINIKUBE_STRICT_PLUGINS", "") not in ("", "0", "false")


def unsupported_error(name: str) -> MinikubeError:
    return MinikubeError(f"The driver '{name}' is not supported on {current_platform()}",
                         reason_id="DRV_UNSUPPORTED_OS", doc=DRIVERS_DOC)


@dataclass
class Candidates:
    """Every driver for this platform, sorted into usable, quarantined and unsupported."""

    usable: list[DriverDef] = field(default_factory=list)
    quarantined: dict[str, RegistryError] = field(default_factory=dict)
    unsupported: list[str] = field(default_factory=list)


class Registry:
    """Drivers by name and alias: the installed ones (discovered, imported only when used) and
    any registered in process (:meth:`register`, for embedding and tests).

    ``discover=False`` makes an empty registry that knows only what is registered.
    """

    def __init__(self, catalog: Catalog | None = None, *, discover: bool = True, refresh: bool = False,
                 warn: Callable[[str], None] | None = None) -> None:
        self._catalog = catalog
        self._discover = discover
        self._refresh = refresh
        self._warn = warn or _warn_stderr
        self._registered: dict[str, DriverDef] = {}
        self._registered_aliases: dict[str, str] = {}
        self._loaded: dict[str, DriverDef] = {}
        #: drivers that failed to load, by name: listed with their error, never picked
        self.quarantined: dict[str, RegistryError] = {}

    # -- what is there --------------------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = Catalog(refresh=self._refresh, with_path_plugins=self._discover)
            if not self._discover:
                self._catalog.drivers.clear()
                self._catalog.aliases.clear()
                self._catalog.conflicted_aliases.clear()
        return self._catalog

    def register(self, d: DriverDef) -> None:
        """Add a def in process; a name or alias claimed twice is a conflict naming both."""
        for key in (d.name, *d.aliases):
            owner = self._registered.get(key) or self._registered.get(self._registered_aliases.get(key, ""))
            if owner is not None:
                raise DriverConflictError(f'driver name "{key}" is claimed by both "{owner.name}" and "{d.name}"')
        self._registered[d.name] = d
        self._registered_aliases.update({a: d.name for a in d.aliases})
        register_driver_reasons(d.reasons)

    def names(self) -> list[str]:
        return sorted({*self._registered, *(self.catalog.names() if self._discover else ())})

    def all_names(self) -> list[str]:
        """Names and aliases, for completion and 'did you mean'."""
        return sorted({*self._registered, *self._registered_aliases,
                       *(self.catalog.all_names() if self._discover else ())})

    def info(self, name: str) -> DriverInfo:
        """A driver's listing facts by name or alias; an unknown name is DRV_NOT_FOUND with "did you mean"."""
        key = self._registered_aliases.get(name, name)
        if key in self._registered:
            return _registered_info(self._registered[key])
        info = self.catalog.resolve(name) if self._discover else None
        if info is None:
            raise self.catalog.not_found(name)
        return info

    def canonical(self, name: str) -> str:
        """The driver's own name for a name or alias (unknown names are returned as they are)."""
        try:
            return self.info(name).name
        except MinikubeError:
            return name

    # -- loading --------------------------------------------------------------------------------

    def load(self, name: str) -> DriverDef:
        """The def, imported on first use; a broken driver is quarantined and raises its error."""
        info = self.info(name)
        if info.name in self._registered:
            return self._registered[info.name]
        if info.name in self._loaded:
            return self._loaded[info.name]
        try:
            info.check_usable()
            warning = unranged_warning(info)
            if warning:
                self._warn(warning)
            if info.executable and not info.entry_point:
                d = generic_external_def(info)
            else:
                d = with_declaration(info, load_def(info))
        except RegistryError as e:
            self.quarantined[info.name] = e
            raise
        register_driver_reasons(d.reasons)
        self._loaded[info.name] = d
        return d

    def get(self, name: str) -> DriverDef | None:
        """The def, or None for an unknown or unusable driver."""
        try:
            return self.load(name)
        except MinikubeError:
            return None

    def load_supported(self, name: str) -> DriverDef:
        """The def for this platform: refused (DRV_UNSUPPORTED_OS) before import when its
        declaration excludes this platform."""
        info = self.info(name)
        if info.platforms and not info.supported:
            raise unsupported_error(info.name)
        d = self.load(info.name)
        if not d.supported():
            raise unsupported_error(d.name)
        return d

    def candidates(self, plat: str | None = None) -> Candidates:
        """Every driver for ``plat``, loaded; broken ones are quarantined (fatal when strict)."""
        out = Candidates()
        for name in self.names():
            info = self.info(name)
            if info.platforms and not supports(info.platforms, plat):
                out.unsupported.append(name)
                continue
            try:
                d = self.load(name)
            except RegistryError as e:
                if strict_plugins():
                    raise
                out.quarantined[name] = e
                continue
            (out.usable.append(d) if d.supported(plat) else out.unsupported.append(name))
        return out

    def list(self) -> list[DriverDef]:
        """Every usable def on this platform (broken ones quarantined)."""
        return self.candidates().usable

    # -- health and suggestion ------------------------------------------------------------------

    def health(self, defs: builtins.list[DriverDef], timeout: float | None = None) -> dict[str, Health]:
        """Every status check at once, within minikube's limit."""
        return check_all(defs, timeout)

    def available(self, plat: str | None = None, timeout: float | None = None) -> builtins.list[DriverHealth]:
        """The usable drivers ranked by effective priority (their health checked at once)."""
        defs = self.candidates(plat).usable
        return rank(defs, self.health(defs, timeout))

    def suggest(self, plat: str | None = None, timeout: float | None = None) -> Suggestion:
        """minikube's Suggest: the best installed, healthy default driver, with the reasons for the rest."""
        return suggest(self.available(plat, timeout))

    # -- capabilities ---------------------------------------------------------------------------

    def capabilities(self, name: str) -> Capabilities:
        """Declared capabilities, known without importing the driver."""
        info = self.info(name)
        if info.name in self._registered:
            return self._registered[info.name].capabilities
        return info.capabilities

    def waits_for_ssh(self, name: str) -> bool:
        """Whether ``start`` waits for the driver's machines to answer SSH before it returns: a
        driver built for driver API 1.5 or later (its declared range admits no older minor),
        unless it declares ``no_ssh``.  A driver built for an older API, or one that declares
        nothing, keeps what it had (the driver API's promise): no wait."""
        from ._compat import api_admits

        api = self.info(name).api
        return bool(api) and not self.capabilities(name).no_ssh and not api_admits(api, READY_SINCE_BEFORE)

    def require(self, name: str, **wanted: Any) -> None:
        """Refuse (MK_USAGE) what needs a capability the driver lacks, before anything is made.

        ``wanted`` names a capability and what the user asked for: ``multinode="--nodes 2"``,
        ``mounts="9p"`` (a mount kind), ``parallel=True``.
        """
        require(self.info(name).name, self.capabilities(name), **wanted)

    # -- drivers --------------------------------------------------------------------------------

    def new_driver(self, name: str) -> Driver:
        """An empty driver: in process for a builtin one, else its plugin process, launched once."""
        from ._driving import new_driver

        return new_driver(self, name)

    def configure(self, name: str, cluster: ClusterConfig, options: dict[str, Any] | None = None,
                  driver: Driver | None = None) -> Driver:
        """One driver for a new machine: the config creator's result with the driver's own options
        applied once, on ``driver`` (one from :meth:`new_driver`) or a new one.  The caller owns
        (and closes) it."""
        from ._driving import configure

        return configure(self, name, cluster, options, driver)

    def machines(self, store: HostStore | None = None) -> Machines:
        from ..machine import Machines

        return Machines(self.new_driver, store)


def require(driver: str, caps: Capabilities, **wanted: Any) -> None:
    """The capability rule: what the user asked for needs a capability ``driver`` lacks -> MK_USAGE."""
    for capability, asked in wanted.items():
        if capability not in Capabilities.WORDS:
            raise ValueError(f"unknown capability {capability!r}")
        if asked in (None, False, "", ()):
            continue
        have = getattr(caps, capability)
        if capability == "mounts":
            if asked is True and have:
                continue
            if asked is not True and asked in have:
                continue
            kinds = ", ".join(have) if have else "none"
            what = "shared folders" if asked is True else f"{asked} shared folders"
            raise UsageError(f"The {driver} driver does not support {what} (capability 'mounts': {kinds})",
                             fix=f"Choose a mount type the driver declares ({kinds}), or a driver that supports it: "
                                 "minikube drivers list -o json")
        if not have:
            detail = "" if asked is True else f" ({asked})"
            raise UsageError(f"The {driver} driver does not support {Capabilities.WORDS[capability]}{detail}: "
                             f"it does not declare the capability '{capability}'",
                             fix=f"Use a driver that declares '{capability}' (minikube drivers list -o json shows "
                                 "capabilities)")


def _registered_info(d: DriverDef) -> DriverInfo:
    decl = Declaration(name=d.name, aliases=d.aliases, builtin=d.builtin, default=d.default, priority=d.priority,
                       platforms=d.platforms, summary=d.description, capabilities=d.capabilities, reasons=d.reasons,
                       plugin_min_version=d.plugin_min_version)
    return DriverInfo(d.name, "", "", declaration=decl)
