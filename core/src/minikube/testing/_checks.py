"""The conformance checks as plain functions: each raises ContractViolation naming its contract.

They take plain objects (a DriverDef, a factory of configured drivers, a MINIKUBE_HOME) so they
run the same under pytest, in a script, or against a plugin process.  The pytest face of the
kit is :class:`minikube.testing.DriverConformance`.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import json
import os
import re
import stat
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from .._errors import DriverBrokenError, MinikubeError
from ..config import ClusterConfig
from ..machine import (
    BoolFlag,
    Driver,
    Flag,
    FlagValues,
    Host,
    HostStore,
    IntFlag,
    Machines,
    State,
    StringFlag,
    StringSliceFlag,
)
from ..machine._store import default_host_options
from ..registry import HEALTH_TIMEOUT, METADATA_FILE, Catalog, DriverDef, DriverInfo, Priority, load_def
from ..registry import State as Health
from ._contracts import (
    CONFIG_ROUND_TRIP,
    CREATE_FLAGS,
    CREATE_RUNNING,
    DEF_VALID,
    ENTRY_POINT,
    HEALTH,
    KILL_STOPPED,
    METADATA,
    MISSING_MACHINE,
    PLUGIN_BINARY,
    REMOVE_GONE,
    RESTART_RUNNING,
    RUNNING_ADDRESS,
    START_RUNNING,
    STATE_PERSISTS,
    STOP_STOPPED,
    STORE_LIFECYCLE,
    Contract,
    ContractViolation,
)

#: A driver name: lower-case letters and digits in dash-separated words (also used by the template).
DRIVER_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
FLAG_NAME_RE = DRIVER_NAME_RE
ENV_VAR_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
REASON_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
PLATFORM_RE = re.compile(r"^[a-z0-9]+(?:/(?:[a-z0-9]+|\*))?$")
#: ``minikube start``'s own options and libmachine's swarm flags: a driver flag may not reuse them.
RESERVED_FLAGS = frozenset({
    "driver", "d", "profile", "p", "cpus", "memory", "disk-size", "iso-url", "force", "explain",
    "help", "h", "v", "alsologtostderr", "version", "output", "o",
    "swarm-master", "swarm-host", "swarm-discovery",
})
NOT_FOUND = "GUEST_NOT_FOUND"

DriverFactory = Callable[[], Driver]


def _fail(contract: Contract, detail: str, cause: BaseException | None = None) -> ContractViolation:
    err = ContractViolation(contract, detail)
    err.__cause__ = cause
    return err


def _raised(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


@contextmanager
def _contract(contract: Contract, what: str) -> Iterator[None]:
    """Any exception in the block (but a violation) becomes a violation of ``contract``."""
    __tracebackhide__ = True
    try:
        yield
    except ContractViolation:
        raise
    except Exception as e:  # noqa: BLE001 - every driver failure is reported as the contract it broke
        raise _fail(contract, f"{what} raised {_raised(e)}", e) from e


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
        problems.append("status (the health check: () -> minikube.registry.State) must be callable")
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
    """Found by the real discovery (entry point + minikube-driver.toml) and loaded by ``load_def``."""
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
        d = load_def(info)
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


# --- health, flags, config --------------------------------------------------------------------

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
        raise _fail(HEALTH, f"the status check returned a {type(st).__name__}, not a minikube.registry.State")
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


def flag_defaults(flags: Sequence[Flag]) -> FlagValues:
    """Every flag at its default, as ``minikube start`` passes them when none is given."""
    values = FlagValues({"swarm-master": False, "swarm-host": "", "swarm-discovery": ""})
    for f in flags:
        if isinstance(f, BoolFlag):
            values[f.name] = False
        elif isinstance(f, StringSliceFlag):
            values[f.name] = list(f.value)
        else:
            values[f.name] = f.value
    return values


def check_flags(driver: Driver) -> list[Flag]:
    """Unique lower-case-dash names that do not shadow minikube's options, typed defaults, env vars."""
    __tracebackhide__ = True
    with _contract(CREATE_FLAGS, "get_create_flags()"):
        flags = driver.get_create_flags()
    if not isinstance(flags, (list, tuple)):
        raise _fail(CREATE_FLAGS, f"get_create_flags() returned a {type(flags).__name__}, not a list")
    problems: list[str] = []
    seen: set[str] = set()
    envs: set[str] = set()
    kinds = (StringFlag, StringSliceFlag, IntFlag, BoolFlag)
    for f in flags:
        if not isinstance(f, kinds):
            problems.append(f"{f!r} is not a StringFlag, StringSliceFlag, IntFlag or BoolFlag")
            continue
        n = f.name
        if not isinstance(n, str) or not FLAG_NAME_RE.match(n):
            problems.append(f"flag name {n!r} is not lower-case words joined by dashes (like kvm-network)")
        elif n in RESERVED_FLAGS:
            problems.append(f"flag --{n} would shadow minikube's own option --{n}")
        if n in seen:
            problems.append(f"flag --{n} is declared twice")
        seen.add(n)
        if not isinstance(f.usage, str) or not f.usage.strip():
            problems.append(f"flag --{n} has no usage text (minikube start --help shows it)")
        if not isinstance(f.env_var, str) or (f.env_var and not ENV_VAR_RE.match(f.env_var)):
            problems.append(f"flag --{n}: env var {f.env_var!r} is not UPPER_CASE")
        elif f.env_var:
            if f.env_var in envs:
                problems.append(f"env var {f.env_var} is used by two flags")
            envs.add(f.env_var)
        if isinstance(f, StringFlag) and not isinstance(f.value, str):
            problems.append(f"StringFlag --{n} has a {type(f.value).__name__} default, not a str")
        if isinstance(f, IntFlag) and (not isinstance(f.value, int) or isinstance(f.value, bool)):
            problems.append(f"IntFlag --{n} has a {type(f.value).__name__} default, not an int")
        if isinstance(f, StringSliceFlag) and (not isinstance(f.value, (tuple, list))
                                               or not all(isinstance(x, str) for x in f.value)):
            problems.append(f"StringSliceFlag --{n} default {f.value!r} is not a tuple of str")
    if problems:
        raise _fail(CREATE_FLAGS, "; ".join(problems))
    with _contract(CREATE_FLAGS, "set_config_from_flags(<every flag at its default>)"):
        driver.set_config_from_flags(flag_defaults(flags))
    return list(flags)


def _json_object(raw: object, what: str) -> dict[str, Any]:
    __tracebackhide__ = True
    if not isinstance(raw, (bytes, bytearray)):
        raise _fail(CONFIG_ROUND_TRIP, f"{what} is a {type(raw).__name__}, not bytes")
    try:
        doc = json.loads(raw)
    except ValueError as e:
        raise _fail(CONFIG_ROUND_TRIP, f"{what} is not JSON: {e}: {bytes(raw)[:200]!r}") from None
    if not isinstance(doc, dict):
        raise _fail(CONFIG_ROUND_TRIP, f"{what} is JSON but not an object: {doc!r:.200}")
    return doc


def _lost(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [f"{k}: {before[k]!r} -> {after[k]!r}" if k in after else f"{k} dropped"
            for k in before if after.get(k, object()) != before[k]]


def check_config(d: DriverDef, new_driver: DriverFactory, cluster: ClusterConfig, store: HostStore,
                 options: dict[str, Any] | None = None) -> bytes:
    """Config creator -> JSON -> driver -> flags -> host store -> a new driver: nothing is lost.

    Returns the configured raw config (the one ``minikube start`` would save) for the lifecycle.
    """
    __tracebackhide__ = True
    from .._runtime import config_raw

    assert d.config is not None
    with _contract(CONFIG_ROUND_TRIP, f"the config creator, given {cluster!r},"):
        obj = d.config(cluster)
    try:
        raw = config_raw(obj)
    except (TypeError, ValueError) as e:
        raise _fail(CONFIG_ROUND_TRIP, f"the config creator returned a {type(obj).__name__} that is not "
                                       f"JSON-serialisable: {e}", e) from e
    created = _json_object(raw, "the config creator's output")
    driver = new_driver()
    try:
        with _contract(CONFIG_ROUND_TRIP, "set_config_raw(<the config creator's output>)"):
            driver.set_config_raw(raw)
        with _contract(CONFIG_ROUND_TRIP, "get_config_raw()"):
            kept = _json_object(driver.get_config_raw(), "get_config_raw()")
        lost = _lost(created, kept)
        if lost:
            raise _fail(CONFIG_ROUND_TRIP, "the driver does not keep what its config creator set: " + "; ".join(lost))
        with _contract(CONFIG_ROUND_TRIP, "driver_name()/get_machine_name()"):
            dname, mname = driver.driver_name(), driver.get_machine_name()
        if dname != d.name:
            raise _fail(CONFIG_ROUND_TRIP, f'driver_name() is "{dname}", but the driver is registered as "{d.name}"')
        if mname != cluster.name:
            raise _fail(CONFIG_ROUND_TRIP, f'get_machine_name() is "{mname}" for the cluster "{cluster.name}": '
                                           "the config creator must set MachineName from ClusterConfig.name")
        values = flag_defaults(driver.get_create_flags())
        values.update(options or {})
        with _contract(CREATE_FLAGS, f"set_config_from_flags({dict(values)!r})"):
            driver.set_config_from_flags(values)
        with _contract(CONFIG_ROUND_TRIP, "get_config_raw() after set_config_from_flags"):
            configured = driver.get_config_raw()
        flagged = _json_object(configured, "get_config_raw() after set_config_from_flags")
    finally:
        driver.close()
    host = Host(name=cluster.name, driver_name=d.name, driver_raw=configured,
                host_options=default_host_options(store.machine_dir(cluster.name)))
    with _contract(CONFIG_ROUND_TRIP, "saving it in the host store"):
        store.save(host)
    path = store.config_path(cluster.name)
    if stat.S_IMODE(path.stat().st_mode) != 0o600:
        raise _fail(CONFIG_ROUND_TRIP, f"{path} is not 0600")
    with _contract(CONFIG_ROUND_TRIP, "loading it back from the host store"):
        loaded = store.load(cluster.name)
    if loaded.driver_name != d.name or _json_object(loaded.driver_raw, "the stored Driver") != flagged:
        raise _fail(CONFIG_ROUND_TRIP, f"{path} does not give back what was saved")
    again = new_driver()
    try:
        with _contract(CONFIG_ROUND_TRIP, "set_config_raw(<the stored config>)"):
            again.set_config_raw(loaded.driver_raw)
        with _contract(CONFIG_ROUND_TRIP, "get_config_raw() of a driver restored from the store"):
            restored = _json_object(again.get_config_raw(), "get_config_raw() of a driver restored from the store")
    finally:
        again.close()
    lost = _lost(flagged, restored)
    if lost:
        raise _fail(CONFIG_ROUND_TRIP, "a driver restored from the host store differs from the one saved: "
                                       + "; ".join(lost))
    store.remove(cluster.name)
    return configured


# --- the machine lifecycle --------------------------------------------------------------------

def _state(driver: Driver, contract: Contract, when: str) -> State:
    __tracebackhide__ = True
    with _contract(contract, f"get_state() {when}"):
        st = driver.get_state()
    try:
        return State(st)
    except ValueError:
        raise _fail(contract, f"get_state() {when} returned {st!r}, not a minikube.machine.State") from None


def await_state(driver: Driver, want: State, contract: Contract, when: str, timeout: float,
                interval: float = 0.2) -> None:
    """Poll get_state() until ``want``; a driver may pass through Starting/Stopping on the way."""
    __tracebackhide__ = True
    deadline = time.monotonic() + timeout
    while True:
        st = _state(driver, contract, when)
        if st == want:
            return
        if time.monotonic() >= deadline:
            raise _fail(contract, f"{when}, get_state() is {st.name.title()}, want {want.name.title()} "
                                  f"(waited {timeout:g}s)")
        time.sleep(interval)


#: libmachine's ``ErrHostDoesNotExist`` wording: it keeps its meaning across the plugin protocol,
#: where errors travel as plain strings.
NOT_FOUND_PREFIX = "Host does not exist"


def _is_not_found(e: BaseException) -> bool:
    """A GUEST_NOT_FOUND error, or (through a plugin) libmachine's 'Host does not exist: "x"'."""
    if not isinstance(e, MinikubeError):
        return False
    return e.reason.id == NOT_FOUND or e.message.startswith(NOT_FOUND_PREFIX)


def _gone(driver: Driver, contract: Contract, when: str) -> None:
    __tracebackhide__ = True
    try:
        st = driver.get_state()
    except Exception as e:  # noqa: BLE001
        if _is_not_found(e):
            return
        raise _fail(contract, f"get_state() {when} raised {_raised(e)}; want State.NONE or a "
                              f"{NOT_FOUND} error", e) from e
    if st != State.NONE:
        raise _fail(contract, f"{when}, get_state() is {State(st).name.title()}, want None (the machine is gone)")


def check_address(driver: Driver) -> None:
    """A Running machine has an IP, a docker URL and SSH coordinates."""
    __tracebackhide__ = True
    values: dict[str, Any] = {}
    for op in ("get_ip", "get_url", "get_ssh_hostname", "get_ssh_port", "get_ssh_username", "get_ssh_key_path"):
        with _contract(RUNNING_ADDRESS, f"{op}() on a Running machine"):
            values[op] = getattr(driver, op)()
    problems = []
    ip = values["get_ip"]
    if not isinstance(ip, str) or not ip:
        problems.append(f"get_ip() is {ip!r}")
    else:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            problems.append(f"get_ip() {ip!r} is not an IP address")
    for op in ("get_url", "get_ssh_hostname", "get_ssh_username"):
        if not isinstance(values[op], str) or not values[op]:
            problems.append(f"{op}() is {values[op]!r}")
    port = values["get_ssh_port"]
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        problems.append(f"get_ssh_port() is {port!r}, not a port number")
    if not isinstance(values["get_ssh_key_path"], str):
        problems.append(f"get_ssh_key_path() is {values['get_ssh_key_path']!r}")
    if problems:
        raise _fail(RUNNING_ADDRESS, "; ".join(problems))


def _remove_quietly(new_driver: DriverFactory, driver: Driver, raw: bytes) -> None:
    """After a failed check, take the machine down anyway (with a fresh driver if need be)."""
    for make in (lambda: driver, new_driver):
        d = None
        try:
            d = make()
            if d is not driver:
                d.set_config_raw(raw)
            d.remove()
            return
        except Exception:  # noqa: BLE001, S112 - the failure being reported matters more
            continue
        finally:
            if d is not None and d is not driver:
                d.close()


def check_lifecycle(new_driver: DriverFactory, raw: bytes, timeout: float) -> None:
    """create -> Running -> stop -> Stopped -> start -> restart -> kill -> start -> remove -> gone."""
    __tracebackhide__ = True
    driver = new_driver()
    last_raw = raw
    created = False
    try:
        with _contract(CREATE_RUNNING, "set_config_raw(<the configured config>)"):
            driver.set_config_raw(raw)
        with _contract(CREATE_RUNNING, "pre_create_check() on a healthy host"):
            driver.pre_create_check()
        created = True
        with _contract(CREATE_RUNNING, "create()"):
            driver.create()
        await_state(driver, State.RUNNING, CREATE_RUNNING, "after create()", timeout)
        check_address(driver)
        with _contract(STATE_PERSISTS, "get_config_raw() after create()"):
            last_raw = saved = driver.get_config_raw()
        restored = new_driver()
        try:
            with _contract(STATE_PERSISTS, "set_config_raw(<the config saved after create()>)"):
                restored.set_config_raw(saved)
            st = _state(restored, STATE_PERSISTS, "of a new driver restored from the config saved after create()")
            if st != State.RUNNING:
                raise _fail(STATE_PERSISTS, f"a new driver restored from the config saved after create() sees "
                                            f"{st.name.title()}, want Running: minikube makes a new driver for "
                                            "every command, so the machine must be found from the saved config")
        finally:
            restored.close()
        for op, want, contract in (("stop", State.STOPPED, STOP_STOPPED),
                                   ("start", State.RUNNING, START_RUNNING),
                                   ("restart", State.RUNNING, RESTART_RUNNING),
                                   ("kill", State.STOPPED, KILL_STOPPED),
                                   ("start", State.RUNNING, START_RUNNING)):
            with _contract(contract, f"{op}()"):
                getattr(driver, op)()
            await_state(driver, want, contract, f"after {op}()", timeout)
        with _contract(REMOVE_GONE, "remove() of a Running machine"):
            driver.remove()
        _gone(driver, REMOVE_GONE, "after remove()")
        with _contract(REMOVE_GONE, "a second remove() (of a machine already gone: `minikube delete` retries)"):
            driver.remove()
        created = False
    finally:
        try:
            if created:
                try:
                    last_raw = driver.get_config_raw()
                except Exception:  # noqa: BLE001, S110
                    pass
                _remove_quietly(new_driver, driver, last_raw)
        finally:
            driver.close()


def check_missing_machine(new_driver: DriverFactory, raw: bytes) -> None:
    """A machine never created: state None, start/stop/kill/restart raise GUEST_NOT_FOUND, remove succeeds."""
    __tracebackhide__ = True
    driver = new_driver()
    try:
        with _contract(MISSING_MACHINE, "set_config_raw(<a config whose machine was never created>)"):
            driver.set_config_raw(raw)
        _gone(driver, MISSING_MACHINE, "of a machine never created")
        for op in ("start", "stop", "kill", "restart"):
            try:
                getattr(driver, op)()
            except Exception as e:  # noqa: BLE001
                if not _is_not_found(e):
                    rid = e.reason.id if isinstance(e, MinikubeError) else "no reason ID"
                    raise _fail(MISSING_MACHINE, f"{op}() of a machine never created raised {_raised(e)} "
                                                 f"({rid}); raise minikube.MachineNotFoundError("
                                                 f"'{NOT_FOUND_PREFIX}: \"<machine>\"')", e) from e
            else:
                _remove_quietly(new_driver, driver, raw)
                raise _fail(MISSING_MACHINE, f"{op}() of a machine never created succeeded; raise "
                                             f"minikube.MachineNotFoundError('{NOT_FOUND_PREFIX}: \"<machine>\"')")
        with _contract(MISSING_MACHINE, "remove() of a machine never created (must succeed)"):
            driver.remove()
    finally:
        driver.close()


def check_store_lifecycle(name: str, new_driver: DriverFactory, raw: bytes, store: HostStore,
                          machine: str, timeout: float) -> None:
    """What the ``minikube`` commands do: a new driver per operation, config saved in between."""
    __tracebackhide__ = True
    machines = Machines(lambda _name: new_driver(), store)

    def step(what: str, fn: Callable[[], object]) -> object:
        __tracebackhide__ = True
        with _contract(STORE_LIFECYCLE, what):
            return fn()

    def status(want: State, when: str) -> None:
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout
        while True:
            st = State(cast(int, step(f"minikube status {when}", lambda: machines.status(machine))))
            if st == want:
                return
            if time.monotonic() >= deadline:
                raise _fail(STORE_LIFECYCLE, f"minikube status {when} is {st.name.title()}, want "
                                             f"{want.name.title()} (waited {timeout:g}s)")
            time.sleep(0.2)

    try:
        step("minikube start (create: pre_create_check, save, create, save, wait for Running)",
             lambda: machines.create(machine, name, raw, wait_timeout=timeout))
        status(State.RUNNING, "after start")
        step("minikube ip", lambda: machines.ip(machine))
        step("minikube stop", lambda: machines.stop(machine))
        status(State.STOPPED, "after stop")
        step("minikube start (of the stopped machine)", lambda: machines.start(machine))
        status(State.RUNNING, "after the second start")
        step("kill", lambda: machines.kill(machine))
        status(State.STOPPED, "after kill")
        step("minikube delete", lambda: machines.delete(machine))
        if store.machine_dir(machine).exists():
            raise _fail(STORE_LIFECYCLE, f"minikube delete left {store.machine_dir(machine)}")
    finally:
        if store.exists(machine):
            try:
                machines.delete(machine)
            except Exception:  # noqa: BLE001, S110 - cleanup after a failure already reported
                pass


# --- external drivers -------------------------------------------------------------------------

def check_plugin_binary(name: str, executable: str | os.PathLike[str], timeout: float = 30.0) -> None:
    """Refuses to run without minikube's token, answers ``version``, and serves the right driver."""
    __tracebackhide__ = True
    from ..machine.plugin import PluginDriver
    from ..machine.plugin._proto import BANNER, ENV_DRIVER_NAME, ENV_TOKEN

    exe = str(executable)
    if not Path(exe).is_file() or not os.access(exe, os.X_OK):
        raise _fail(PLUGIN_BINARY, f"{exe} is not an executable file")
    env = {k: v for k, v in os.environ.items() if k not in (ENV_TOKEN, ENV_DRIVER_NAME)}
    try:
        bare = subprocess.run([exe], capture_output=True, text=True, env=env, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        version = subprocess.run([exe, "version"], capture_output=True, text=True, env=env,
                                 timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise _fail(PLUGIN_BINARY, f"{exe} did not exit within {timeout:g}s when run {e.cmd!r} "
                                   "without the plugin token") from None
    if bare.returncode != 1 or BANNER not in bare.stderr:
        raise _fail(PLUGIN_BINARY, f"{exe} run without MACHINE_PLUGIN_TOKEN exited {bare.returncode} with "
                                   f"stderr {bare.stderr.strip()[-300:]!r}; want exit 1 and libmachine's "
                                   "banner (serve it with minikube.machine.plugin.serve)")
    if version.returncode != 0 or not re.search(r"^version: v?\d+(\.\d+)*", version.stdout, re.M):
        raise _fail(PLUGIN_BINARY, f"`{exe} version` exited {version.returncode} printing "
                                   f"{version.stdout.strip()[:200]!r}; want 'version: vX.Y.Z'")
    with _contract(PLUGIN_BINARY, f"launching {exe} as a plugin"):
        driver = PluginDriver.launch(name, executable=exe)
    try:
        with _contract(PLUGIN_BINARY, "DriverName over the plugin protocol"):
            served = driver.driver_name()
    finally:
        driver.close()
    if served != name:
        raise _fail(PLUGIN_BINARY, f'{exe} serves the driver "{served}", want "{name}"')
