"""Finding drivers: entry points in ``minikube.drivers``, read without importing any driver.

A driver distribution declares an entry point ``<name> = "pkg.module:DEF"`` whose object is a
DriverDef, and ships ``minikube-driver.toml`` in its top-level package with what a listing
needs (aliases, priority, platforms, builtin, default, the driver API range).  Listing reads
that file; only the driver being used (or health-checked) is imported, through stevedore.

The index of entry points is cached per interpreter, keyed on the modification times of the
``sys.path`` entries: installing or removing a distribution adds or removes a ``.dist-info``
directory, which changes its directory's mtime.  So a warm listing costs one stat per path
entry and one small JSON read, whatever the number of installed distributions (stevedore's own
cache stats every ``entry_points.txt`` and does not write for interpreters under /tmp).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .._errors import (
    DriverBrokenError,
    DriverConflictError,
    DriverIncompatibleError,
    DriverNotFoundError,
)
from .._files import write_atomic
from .._version import DRIVER_API_VERSION, __version__
from ._types import DriverDef, Priority, supports

GROUP = "minikube.drivers"
METADATA_FILE = "minikube-driver.toml"
PLUGIN_PREFIX = "docker-machine-driver-"
_INDEX_FORMAT = 3


@dataclass
class EntryRecord:
    """One ``minikube.drivers`` entry point of one installed distribution."""

    name: str
    value: str
    distribution: str
    version: str
    path: str
    declared: dict[str, Any] | None = None  # this driver's table from minikube-driver.toml
    declared_error: str = ""
    api_ok: bool | None = None  # the API verdict for this core, cached with the index


@dataclass
class DriverInfo:
    """What a listing shows about a driver, known without importing it."""

    name: str
    distribution: str
    version: str
    entry_point: str = ""
    aliases: tuple[str, ...] = ()
    builtin: bool | None = None
    default: bool | None = None
    priority: Priority | None = None
    platforms: tuple[str, ...] = ()
    api: str = ""
    summary: str = ""
    path: str = ""
    executable: str = ""  # a bare docker-machine-driver-<name> on PATH
    conflict: tuple[str, ...] = ()  # every distribution claiming this name
    shadowed: tuple[str, ...] = ()  # same distribution, other path entries, not imported
    problems: list[str] = field(default_factory=list)
    declared: bool = False  # it ships minikube-driver.toml
    api_ok: bool | None = None  # verdict cached in the index (keyed on the core's version)

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


def api_admits(spec: str, version: str) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(spec).contains(version, prereleases=True)
    except InvalidSpecifier:
        return False


# --- the index ------------------------------------------------------------------------------

def _cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    h = hashlib.sha256()
    h.update(f"{_INDEX_FORMAT}\0{__version__}\0{sys.executable}\0{sys.prefix}".encode())
    for entry in sys.path:
        try:
            mtime = os.stat(entry or ".").st_mtime_ns
        except OSError:
            mtime = -1
        h.update(f"\0{entry}\0{mtime}".encode())
    return Path(base) / "minikube" / "drivers" / f"{h.hexdigest()[:32]}.json"


def _read_declared(dist: Any, value: str, name: str) -> tuple[dict[str, Any] | None, str]:
    """This driver's table of minikube-driver.toml, located without importing the package."""
    package = value.split(":")[0].split(".")[0].strip()
    candidates = [Path(str(dist.locate_file(f"{package}/{METADATA_FILE}")))]
    if not candidates[0].is_file():
        import importlib.util

        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        for loc in (spec.submodule_search_locations or []) if spec else []:
            candidates.append(Path(loc) / METADATA_FILE)
    for path in candidates:
        if path.is_file():
            from ..config import tomllib

            try:
                doc = tomllib.loads(path.read_text())
            except (ValueError, OSError) as e:
                return None, f"{path}: {e}"
            table = (doc.get("drivers") or {}).get(name)
            if table is None:
                return None, f"{path} has no [drivers.{name}] table"
            return dict(table), ""
    return None, ""


def scan() -> list[EntryRecord]:
    """Every ``minikube.drivers`` entry point on sys.path, in sys.path order."""
    import importlib_metadata

    records: list[EntryRecord] = []
    for dist in importlib_metadata.distributions():
        try:
            eps = [ep for ep in dist.entry_points if ep.group == GROUP]
        except Exception:  # noqa: BLE001 - a broken distribution must not hide the others
            continue
        if not eps:
            continue
        meta = dist.metadata
        path = str(getattr(dist, "_path", "")) and str(Path(str(dist._path)).parent)  # type: ignore[attr-defined]
        for ep in eps:
            declared, err = _read_declared(dist, ep.value, ep.name)
            rec = EntryRecord(ep.name, ep.value, meta["Name"] or "?", meta["Version"] or "?", path, declared, err)
            api = (declared or {}).get("api")
            if api:
                rec.api_ok = api_admits(str(api), DRIVER_API_VERSION)
            records.append(rec)
    return records


def load_index(refresh: bool = False) -> list[EntryRecord]:
    """The scan, from the per-interpreter cache when nothing on sys.path changed."""
    use_cache = not os.environ.get("MINIKUBE_NO_DRIVER_CACHE")
    cache = _cache_file() if use_cache else None
    if cache is not None and not refresh:
        try:
            doc = json.loads(cache.read_text())
            return [EntryRecord(**r) for r in doc["records"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass
    records = scan()
    if cache is not None:
        try:
            write_atomic(cache, json.dumps({"records": [asdict(r) for r in records]}), mode=0o644)
        except OSError:
            pass
    return records


def path_plugins() -> dict[str, str]:
    """Bare ``docker-machine-driver-<name>`` executables: PATH, then this interpreter's bin."""
    found: dict[str, str] = {}
    dirs = os.environ.get("PATH", "").split(os.pathsep) + [os.path.dirname(sys.executable)]
    for d in dirs:
        try:
            names = os.listdir(d or ".")
        except OSError:
            continue
        for n in names:
            if n.startswith(PLUGIN_PREFIX) and len(n) > len(PLUGIN_PREFIX):
                full = os.path.join(d, n)
                if os.access(full, os.X_OK):
                    found.setdefault(n[len(PLUGIN_PREFIX):], full)
    return found


def _norm(dist: str) -> str:
    return dist.lower().replace("_", "-").replace(".", "-")


def _info(rec: EntryRecord) -> DriverInfo:
    info = DriverInfo(rec.name, rec.distribution, rec.version, rec.value, path=rec.path)
    d = rec.declared
    if rec.declared_error:
        info.problems.append(rec.declared_error)
    if d is None:
        info.problems.append(f"{rec.distribution} declares no {METADATA_FILE}: "
                             "no driver API range (older driver); accepted")
        return info
    info.declared = True
    try:
        info.aliases = tuple(d.get("aliases", ()))
        info.builtin = bool(d["builtin"]) if "builtin" in d else None
        info.default = bool(d["default"]) if "default" in d else None
        info.priority = Priority.parse(d["priority"]) if "priority" in d else None
        info.platforms = tuple(d.get("platforms", ()))
        info.api = str(d.get("api", ""))
        info.api_ok = rec.api_ok
        info.summary = str(d.get("summary", ""))
    except (KeyError, ValueError, TypeError) as e:
        info.problems.append(f"{METADATA_FILE} of {rec.distribution} is invalid: {e}")
    if not info.api:
        info.problems.append(f"{rec.distribution} declares no driver API range (older driver); accepted")
    return info


class Catalog:
    """The installed drivers, resolved: conflicts and shadowed copies named, nothing imported."""

    def __init__(self, refresh: bool = False, with_path_plugins: bool = True) -> None:
        self.drivers: dict[str, DriverInfo] = {}
        self.aliases: dict[str, str] = {}
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
        for info in list(self.drivers.values()):
            for alias in info.aliases:
                owner = self.aliases.get(alias) or (alias if alias in self.drivers else None)
                if owner and owner != info.name:
                    o = self.drivers[owner]
                    pair = (o.distribution, info.distribution)
                    for x in (o, info):
                        x.conflict = tuple(dict.fromkeys((*x.conflict, *pair)))
                        x.problems.append(f'alias "{alias}" is claimed by both {pair[0]} and {pair[1]}')
                else:
                    self.aliases[alias] = info.name
        if with_path_plugins:
            for name, exe in path_plugins().items():
                if name not in self.drivers and name not in self.aliases:
                    self.drivers[name] = DriverInfo(name, "", "", builtin=False, executable=exe,
                                                    summary=f"plugin binary {exe}")

    def names(self) -> list[str]:
        return sorted(self.drivers)

    def resolve(self, name: str) -> DriverInfo | None:
        return self.drivers.get(name) or self.drivers.get(self.aliases.get(name, ""))

    def all_names(self) -> list[str]:
        """Names and aliases, for completion and 'did you mean'."""
        return sorted({*self.drivers, *self.aliases})

    def check_usable(self, info: DriverInfo) -> None:
        """Conflicts and API incompatibility, checked before anything is imported."""
        if info.conflict:
            raise DriverConflictError(
                f'driver "{info.name}" is claimed by more than one distribution: '
                f"{', '.join(info.conflict)}",
                fix=f"Uninstall all but one: pip uninstall {' '.join(info.conflict[1:])}")
        if not info.api_compatible:
            raise DriverIncompatibleError(incompatible_message(info), fix=incompatible_fix(info))


def unranged_warning(info: DriverInfo) -> str:
    """The warning for an accepted driver that declares no API range (an older driver), else ""."""
    if info.api or not info.entry_point:
        return ""
    return (f'driver "{info.name}" from {info.distribution} {info.version} declares no driver API range '
            f"(an older driver): using it anyway, though minikube {__version__} cannot tell whether it "
            f"supports driver API {DRIVER_API_VERSION}")


def upgrade_target(info: DriverInfo) -> str:
    """Which side is behind: ``"minikube"`` when the driver wants a newer driver API than this core
    implements, else the driver's distribution (its range stops below this core's API, or is invalid)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    core_api = Version(DRIVER_API_VERSION)
    try:
        specs = list(SpecifierSet(info.api))
    except InvalidSpecifier:
        return info.distribution
    for s in specs:
        if s.contains(core_api, prereleases=True):
            continue
        if s.operator in (">=", ">"):
            return "minikube"
        if s.operator in ("==", "~=", "==="):
            try:
                if core_api < Version(s.version.removesuffix(".*")):
                    return "minikube"
            except InvalidVersion:
                pass
    return info.distribution


def incompatible_message(info: DriverInfo) -> str:
    """One line: the distribution, its range, the core's version and API, and what to upgrade."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(info.api)
        rng = f"supports driver API {info.api}"
    except InvalidSpecifier:
        rng = f"declares an invalid driver API range {info.api!r}"
    return (f'driver "{info.name}" from {info.distribution} {info.version} {rng}, but minikube '
            f"{__version__} implements driver API {DRIVER_API_VERSION}: upgrade {upgrade_target(info)}")


def incompatible_fix(info: DriverInfo) -> str:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(info.api)
    except InvalidSpecifier:
        return (f"Upgrade the driver: pip install -U {info.distribution} (the api range in its "
                f"{METADATA_FILE} must be a version specifier such as \">=1.0,<2\")")
    if upgrade_target(info) == "minikube":
        return (f"Upgrade minikube: pip install -U minikube (or install a release of {info.distribution} "
                f"built for driver API {DRIVER_API_VERSION})")
    return (f"Upgrade the driver: pip install -U {info.distribution} (or install a minikube release "
            f"that implements driver API {info.api})")


def load_def(info: DriverInfo) -> DriverDef:
    """Import one driver through stevedore; a broken plugin raises DriverBrokenError (quarantine)."""
    from importlib.metadata import EntryPoint  # what stevedore itself uses: no second library

    from stevedore.named import NamedExtensionManager

    failures: list[BaseException] = []
    ep = EntryPoint(info.name, info.entry_point, GROUP)

    class _One(NamedExtensionManager):
        def list_entry_points(self) -> list[Any]:
            return [ep]

    fix = (f"Reinstall it (pip install --force-reinstall {info.distribution}) "
           f"or remove it (pip uninstall {info.distribution})")
    who = f'driver "{info.name}" from {info.distribution} {info.version}'
    try:
        mgr = _One(GROUP, [info.name], on_load_failure_callback=lambda m, e, err: failures.append(err),
                   on_missing_entrypoints_callback=None)
    except Exception as e:  # noqa: BLE001 - stevedore re-raises some import errors itself
        failures.append(e)
    if failures:
        err = failures[0]
        raise DriverBrokenError(f"{who} failed to load: {type(err).__name__}: {err}", fix=fix)
    obj = mgr[info.name].plugin
    if not isinstance(obj, DriverDef):
        raise DriverBrokenError(f"{who}: entry point {info.entry_point} is a {type(obj).__name__}, "
                                "not a minikube.registry.DriverDef", fix=fix)
    if obj.name != info.name:
        raise DriverBrokenError(f'{who}: its DriverDef is named "{obj.name}", but its entry point '
                                f'is "{info.name}"', fix=fix)
    mismatch = _declared_mismatch(info, obj)
    if mismatch:
        raise DriverBrokenError(f"{who}: {METADATA_FILE} does not match its DriverDef: {mismatch}", fix=fix)
    return obj


def _declared_mismatch(info: DriverInfo, d: DriverDef) -> str:
    if not info.declared:
        return ""
    checks = [("aliases", tuple(info.aliases), tuple(d.aliases), True),
              ("builtin", info.builtin, d.builtin, info.builtin is not None),
              ("default", info.default, d.default, info.default is not None),
              ("priority", info.priority, d.priority, info.priority is not None),
              ("platforms", tuple(info.platforms), tuple(d.platforms), bool(info.platforms))]
    bad = [f"{k} declared {a!r}, def has {b!r}" for k, a, b, on in checks if on and a != b]
    return "; ".join(bad)


def not_found(name: str, catalog: Catalog) -> DriverNotFoundError:
    import difflib

    close = difflib.get_close_matches(name, catalog.all_names(), n=3, cutoff=0.6)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    return DriverNotFoundError(
        f'The driver "{name}" is not installed.{hint}',
        fix=f"Install it: pip install minikube-driver-{name} (installed drivers: "
            f"{', '.join(catalog.names()) or 'none'})")
