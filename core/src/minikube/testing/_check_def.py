"""The checks that need no machine: the DriverDef, its discovery and metadata, its health check.

These are what ``minikube drivers list`` and driver selection rely on before any driver is
made, so they live apart from the checks that configure and run machines.  Each raises a
ContractViolation naming its contract.
"""

from __future__ import annotations

import concurrent.futures
import re

from .._errors import DriverBrokenError
from ..registry import HEALTH_TIMEOUT, METADATA_FILE, DriverDef, DriverInfo, Health, Priority
from ..registry._catalog import Catalog
from ..registry._loading import load_def, with_declaration
from ._check_base import _fail, _raised
from ._contracts import DEF_VALID, ENTRY_POINT, HEALTH, METADATA

#: A driver name: lower-case letters and digits in dash-separated words (also used by the template).
DRIVER_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
REASON_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
PLATFORM_RE = re.compile(r"^[a-z0-9]+(?:/(?:[a-z0-9]+|\*))?$")


# --- the definition and its discovery ---------------------------------------------------------

def check_def(d: object) -> DriverDef:
    """A DriverDef with a valid name, aliases, priority, platforms and callables."""
    __tracebackhide__ = True
    if not isinstance(d, DriverDef):
        raise _fail(DEF_VALID, f"the entry point's object is a {type(d).__name__}, not a minikube.registry.DriverDef")
    problems = []
    if not isinstance(d.name, str) or not DRIVER_NAME_RE.match(d.name):
        problems.append(f"name {d.name!r} is not lower-case letters and digits in dash-separated words")
    aliases = list(d.aliases) if isinstance(d.aliases, (tuple, list)) else None
    if aliases is None:
        problems.append(f"aliases must be a tuple of names, not {type(d.aliases).__name__}")
    else:
        for a in aliases:
            if not isinstance(a, str) or not DRIVER_NAME_RE.match(a):
                problems.append(f"alias {a!r} is not a valid driver name")
        if len(set(aliases)) != len(aliases):
            problems.append(f"aliases {aliases!r} repeat a name")
        if d.name in aliases:
            problems.append(f"alias {d.name!r} repeats the driver's own name")
    if not isinstance(d.priority, Priority) or d.priority in (Priority.UNKNOWN, Priority.UNHEALTHY):
        problems.append(f"priority {d.priority!r} must be a minikube.registry.Priority other than "
                        "UNKNOWN (unset) and UNHEALTHY (only minikube assigns it)")
    platforms = list(d.platforms) if isinstance(d.platforms, (tuple, list)) else None
    if platforms is None:
        problems.append(f"platforms must be a tuple like ('linux/amd64',), not {type(d.platforms).__name__}")
    else:
        for p in platforms:
            if not isinstance(p, str) or not PLATFORM_RE.match(p):
                problems.append(f"platform {p!r} is not 'os/arch', 'os/*' or 'os' (e.g. 'linux/amd64')")
    if not callable(d.config):
        problems.append("config (the config creator: ClusterConfig -> driver config) must be callable")
    if not callable(d.status):
        problems.append("status (the health check: () -> minikube.registry.Health) must be callable")
    if d.init is not None and not callable(d.init):
        problems.append("init must be callable (builtin) or None (external)")
    for attr in ("default", "vm", "plugin_setuid"):
        if not isinstance(getattr(d, attr), bool):
            problems.append(f"{attr} must be a bool, not {type(getattr(d, attr)).__name__}")
    if d.plugin_min_version or d.plugin_setuid:
        if d.init is not None:
            problems.append("plugin_min_version and plugin_setuid only apply to external drivers (init=None)")
        if d.plugin_min_version:
            from packaging.version import InvalidVersion, Version

            try:
                Version(d.plugin_min_version)
            except InvalidVersion:
                problems.append(f"plugin_min_version {d.plugin_min_version!r} is not a version")
    if problems:
        raise _fail(DEF_VALID, f'DriverDef "{getattr(d, "name", "?")}": ' + "; ".join(problems))
    return d


def _norm(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


def check_discovery(name: str, catalog: Catalog | None = None) -> tuple[DriverInfo, DriverDef]:
    """Found by the real discovery (entry point + minikube-driver.toml) and loaded as the registry loads it."""
    __tracebackhide__ = True
    catalog = catalog or Catalog(refresh=True)
    info = catalog.drivers.get(name)
    if info is None or not info.entry_point:
        if name in catalog.aliases:
            raise _fail(ENTRY_POINT, f'"{name}" is an alias of the driver "{catalog.aliases[name]}", '
                                     "not a driver of its own")
        found = ", ".join(n for n in catalog.names() if catalog.drivers[n].entry_point) or "none"
        raise _fail(ENTRY_POINT, f'no installed distribution declares an entry point "{name}" in the group '
                                 f'"minikube.drivers" (drivers found: {found}); is the package installed '
                                 "(pip install -e .)?")
    if info.conflict:
        raise _fail(ENTRY_POINT, f'"{name}" is claimed by more than one distribution: {", ".join(info.conflict)}')
    want = f"minikube-driver-{name}"
    if _norm(info.distribution) != want:
        raise _fail(ENTRY_POINT, f'the driver "{name}" comes from the distribution "{info.distribution}"; '
                                 f'name it "{want}" (minikube tells users to pip install that name)')
    _check_declared(info)
    try:
        d = with_declaration(info, load_def(info))
    except DriverBrokenError as e:
        contract = METADATA if f"{METADATA_FILE} does not match" in e.message else ENTRY_POINT
        if "is a " in e.message and "not a minikube.registry.DriverDef" in e.message:
            contract = DEF_VALID
        raise _fail(contract, f"minikube cannot load it: {e.message}", e) from e
    check_def(d)
    if d.builtin != info.builtin:
        raise _fail(METADATA, f"{METADATA_FILE} declares builtin = {str(info.builtin).lower()}, but the "
                              f"DriverDef is {'builtin (init set)' if d.builtin else 'external (init=None)'}")
    return info, d


def _check_declared(info: DriverInfo) -> None:
    __tracebackhide__ = True
    from .._version import DRIVER_API_VERSION

    where = f"{info.distribution} {info.version}"
    if info.invalid:
        raise _fail(METADATA, f"{where}: {info.invalid}")
    if not info.declared:
        raise _fail(METADATA, f"{where} ships no {METADATA_FILE} with a [drivers.{info.name}] table beside its "
                              "package's __init__.py; minikube lists drivers from it without importing them"
                              + (f" ({'; '.join(info.problems)})" if info.problems else ""))
    missing = [k for k, v in (("builtin", info.builtin), ("default", info.default),
                              ("priority", info.priority), ("api", info.api or None),
                              ("summary", info.summary or None)) if v is None]
    problems = [p for p in info.problems if "older driver" not in p]
    if missing:
        problems.append(f"[drivers.{info.name}] lacks {', '.join(missing)}")
    if info.api and not info.api_compatible:
        problems.append(f"api = {info.api!r} does not admit this core's driver API {DRIVER_API_VERSION}")
    if problems:
        raise _fail(METADATA, f"{METADATA_FILE} of {where}: " + "; ".join(problems))


# --- health ----------------------------------------------------------------------------------

def check_health(d: DriverDef, timeout: float = HEALTH_TIMEOUT) -> Health:
    """The status check answers a State within minikube's timeout, consistently filled in."""
    __tracebackhide__ = True
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="health")
    try:
        future = pool.submit(d.health)
        try:
            st = future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            raise _fail(HEALTH, f"the status check took longer than {timeout:g}s; minikube counts that "
                                "as not installed") from None
        except Exception as e:  # noqa: BLE001
            raise _fail(HEALTH, f"the status check raised {_raised(e)}; report problems as "
                                "State(installed=..., error=..., fix=...) instead", e) from e
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    if not isinstance(st, Health):
        raise _fail(HEALTH, f"the status check returned a {type(st).__name__}, not a minikube.registry.Health")
    problems = []
    for f in ("installed", "healthy", "running", "needs_improvement"):
        if not isinstance(getattr(st, f), bool):
            problems.append(f"{f} is a {type(getattr(st, f)).__name__}, not a bool")
    for f in ("error", "reason", "fix", "doc", "version"):
        if not isinstance(getattr(st, f), str):
            problems.append(f"{f} is a {type(getattr(st, f)).__name__}, not a str")
    if problems:
        raise _fail(HEALTH, "the State's fields have the wrong types: " + "; ".join(problems))
    if st.healthy and not st.installed:
        problems.append("healthy but not installed")
    if not st.healthy and not st.error:
        problems.append("not healthy but no error says why")
    if not st.healthy and not st.fix:
        problems.append("not healthy but no fix tells the user what to do")
    if st.needs_improvement and not st.fix:
        problems.append("needs_improvement without a fix (minikube prints 'For improved <driver> performance, <fix>')")
    if st.reason and not REASON_RE.match(st.reason):
        problems.append(f"reason {st.reason!r} is not a reason ID like PROVIDER_FOO_NOT_RUNNING")
    if problems:
        raise _fail(HEALTH, f"the status check returned {st}: " + "; ".join(problems))
    return st
