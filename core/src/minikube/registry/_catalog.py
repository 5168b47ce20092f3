"""The catalog: installed drivers resolved by name and alias, with conflicts, shadowed copies and
invalid declarations named, and nothing imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .._errors import DriverBrokenError, DriverConflictError, DriverIncompatibleError, DriverNotFoundError, Reason
from .._version import DRIVER_API_VERSION
from ._compat import api_admits, incompatible_fix, incompatible_message
from ._declaration import METADATA_FILE, Declaration, parse
from ._index import EntryRecord, load_index, path_plugins
from ._types import Capabilities, Priority, supports


@dataclass
class DriverInfo:
    """What a listing shows about a driver, known without importing it."""

    name: str
    distribution: str
    version: str
    entry_point: str = ""
    path: str = ""
    executable: str = ""  # a bare docker-machine-driver-<name> on PATH
    conflict: tuple[str, ...] = ()  # every distribution claiming this name
    alias_conflicts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # alias -> claiming distributions
    shadowed: tuple[str, ...] = ()  # same distribution, other path entries, not imported
    problems: list[str] = field(default_factory=list)
    declaration: Declaration | None = None  # None: it ships no (valid) minikube-driver.toml
    invalid: str = ""  # why its minikube-driver.toml was refused (the driver is quarantined)
    api_ok: bool | None = None  # verdict cached in the index (keyed on the core's version)

    # What the declaration says (unknown without one: an older driver, or a broken file).
    @property
    def declared(self) -> bool:
        return self.declaration is not None and self.entry_point != ""

    @property
    def aliases(self) -> tuple[str, ...]:
        return self.declaration.aliases if self.declaration else ()

    @property
    def builtin(self) -> bool | None:
        return self.declaration.builtin if self.declaration else None

    @property
    def default(self) -> bool | None:
        return self.declaration.default if self.declaration else None

    @property
    def priority(self) -> Priority | None:
        return self.declaration.priority if self.declaration else None

    @property
    def platforms(self) -> tuple[str, ...]:
        return self.declaration.platforms if self.declaration else ()

    @property
    def api(self) -> str:
        return self.declaration.api if self.declaration else ""

    @property
    def summary(self) -> str:
        return self.declaration.summary if self.declaration else ""

    @property
    def capabilities(self) -> Capabilities:
        return self.declaration.capabilities if self.declaration else Capabilities()

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return self.declaration.reasons if self.declaration else ()

    @property
    def supported(self) -> bool:
        return supports(self.platforms)

    @property
    def api_compatible(self) -> bool:
        if not self.api:
            return True
        return self.api_ok if self.api_ok is not None else api_admits(self.api, DRIVER_API_VERSION)

    @property
    def kind(self) -> str:
        if self.builtin is None:
            return "unknown"
        return "builtin" if self.builtin else "external"

    @property
    def fix(self) -> str:
        """How to mend a driver whose own files are at fault (reinstall, or remove it)."""
        return (f"Reinstall it (pip install --force-reinstall {self.distribution}) "
                f"or remove it (pip uninstall {self.distribution})")

    def check_usable(self) -> None:
        """Conflicts, an invalid declaration and API incompatibility, before anything is imported."""
        if self.conflict:
            raise DriverConflictError(
                f'driver "{self.name}" is claimed by more than one distribution: {", ".join(self.conflict)}',
                fix=f"Uninstall all but one: pip uninstall {' '.join(self.conflict[1:])}")
        if self.invalid:
            raise DriverBrokenError(f'driver "{self.name}" from {self.distribution} {self.version}: {self.invalid}',
                                    fix=self.fix)
        if not self.api_compatible:
            raise DriverIncompatibleError(incompatible_message(self), fix=incompatible_fix(self))


def _info(rec: EntryRecord) -> DriverInfo:
    info = DriverInfo(rec.name, rec.distribution, rec.version, rec.value, path=rec.path, api_ok=rec.api_ok)
    if rec.declared_error:
        info.invalid = rec.declared_error
        return info
    if rec.declared is None:
        info.problems.append(f"{rec.distribution} declares no {METADATA_FILE}: "
                             "no driver API range (older driver); accepted")
        return info
    try:
        d = parse(rec.name, rec.declared)
    except ValueError as e:
        api = rec.declared.get("api")
        if isinstance(api, str) and api and not api_admits(api, DRIVER_API_VERSION):
            # A driver for a newer API may use keys this core does not know: "upgrade", not "invalid".
            info.declaration = Declaration(rec.name, api=api)
            return info
        info.invalid = f"{METADATA_FILE} is invalid: {e}"
        return info
    info.declaration = d
    info.problems.extend(d.notes)
    if not info.api:
        info.problems.append(f"{rec.distribution} declares no driver API range (older driver); accepted")
    return info


def _norm(dist: str) -> str:
    return dist.lower().replace("_", "-").replace(".", "-")


class Catalog:
    """The installed drivers, resolved: conflicts and shadowed copies named, nothing imported.

    A name claimed by two distributions is a conflict of that driver; an alias claimed by two
    is unusable as an alias only (both drivers stay usable by name).
    """

    def __init__(self, refresh: bool = False, with_path_plugins: bool = True) -> None:
        self.drivers: dict[str, DriverInfo] = {}
        self.aliases: dict[str, str] = {}
        #: alias -> the distributions that claim it (unusable as an alias)
        self.conflicted_aliases: dict[str, tuple[str, ...]] = {}
        seen_dist: dict[tuple[str, str], DriverInfo] = {}
        for rec in load_index(refresh):
            key = (_norm(rec.distribution), rec.name)
            if key in seen_dist:  # same distribution again, later on sys.path: shadowed
                first = seen_dist[key]
                first.shadowed += (f"{rec.distribution} {rec.version} in {rec.path}",)
                continue
            info = _info(rec)
            seen_dist[key] = info
            if rec.name in self.drivers:
                other = self.drivers[rec.name]
                other.conflict = tuple(dict.fromkeys((*(other.conflict or (other.distribution,)), rec.distribution)))
                continue
            self.drivers[rec.name] = info
        self._resolve_aliases()
        if with_path_plugins:
            for name, exe in path_plugins().items():
                if name not in self.drivers and name not in self.aliases and name not in self.conflicted_aliases:
                    self.drivers[name] = DriverInfo(name, "", "", executable=exe, declaration=Declaration(
                        name, builtin=False, summary=f"plugin binary {exe}"))

    def _resolve_aliases(self) -> None:
        claims: dict[str, list[DriverInfo]] = {}
        for info in self.drivers.values():
            for alias in info.aliases:
                if alias != info.name:
                    claims.setdefault(alias, []).append(info)
        for alias, owners in claims.items():
            if len(owners) == 1 and alias not in self.drivers:
                self.aliases[alias] = owners[0].name
                continue
            claimants = [self.drivers[alias]] + owners if alias in self.drivers else owners
            dists = tuple(dict.fromkeys(o.distribution for o in claimants))
            self.conflicted_aliases[alias] = dists
            for o in owners:
                o.alias_conflicts[alias] = dists
                o.problems.append(f'alias "{alias}" is claimed by both {" and ".join(dists)}: '
                                  "it is not usable as an alias")

    def names(self) -> list[str]:
        return sorted(self.drivers)

    def resolve(self, name: str) -> DriverInfo | None:
        """A driver by name or (unconflicted) alias; a conflicted alias raises DRV_CONFLICT."""
        if name in self.drivers:
            return self.drivers[name]
        if name in self.conflicted_aliases:
            dists = self.conflicted_aliases[name]
            raise DriverConflictError(
                f'alias "{name}" is claimed by more than one distribution: {", ".join(dists)}',
                fix="Use the driver's own name (minikube drivers list), or uninstall all but one of: "
                    + ", ".join(dists))
        return self.drivers.get(self.aliases.get(name, ""))

    def all_names(self) -> list[str]:
        """Names and aliases, for completion and 'did you mean'."""
        return sorted({*self.drivers, *self.aliases})

    def not_found(self, name: str) -> DriverNotFoundError:
        import difflib
        import re

        close = difflib.get_close_matches(name, self.all_names(), n=3, cutoff=0.6)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        installed = f"installed drivers: {', '.join(self.names()) or 'none'}"
        # Only a name a distribution could carry is worth a pip command (not "../x", not "a b").
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", name):
            return DriverNotFoundError(f'The driver "{name}" is not installed: no driver is named so.{hint}',
                                       fix=f"Choose one of the {installed} (see: minikube drivers list)")
        return DriverNotFoundError(f'The driver "{name}" is not installed.{hint}',
                                   fix=f"Install it: pip install minikube-driver-{name} ({installed})")
