"""The checks of a configured driver: its create flags, and its config's round trip through the store.

``minikube start`` turns a ClusterConfig and the command line into a driver config that every
later command restores from the host store; these checks prove nothing is lost on the way.
They make drivers but never create a machine (that is ``_check_lifecycle``).
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import ClusterConfig
from ..machine import (
    BoolFlag,
    Driver,
    Flag,
    FlagValues,
    Host,
    HostStore,
    IntFlag,
    StringFlag,
    StringSliceFlag,
)
from ..machine._store import default_host_options
from ..registry import DriverDef
from ._check_base import DriverFactory, _contract, _fail
from ._check_def import DRIVER_NAME_RE
from ._contracts import CONFIG_ROUND_TRIP, CREATE_FLAGS, SHARES_KEPT

FLAG_NAME_RE = DRIVER_NAME_RE
ENV_VAR_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
#: ``minikube start``'s own options and libmachine's swarm flags: a driver flag may not reuse them.
RESERVED_FLAGS = frozenset({
    "driver", "d", "profile", "p", "cpus", "memory", "disk-size", "iso-url", "force", "explain",
    "help", "h", "v", "alsologtostderr", "version", "output", "o", "mount", "mount-string", "mount-type",
    "mount-9p-version", "mount-uid", "mount-gid", "mount-msize", "mount-options", "mount-ip", "mount-port",
    "swarm-master", "swarm-host", "swarm-discovery",
})


# --- flags -----------------------------------------------------------------------------------

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

# --- config ----------------------------------------------------------------------------------

def check_config(d: DriverDef, new_driver: DriverFactory, cluster: ClusterConfig, store: HostStore,
                 options: dict[str, Any] | None = None) -> bytes:
    """Config creator -> JSON -> driver -> flags -> host store -> a new driver: nothing is lost.

    Returns the configured raw config (the one ``minikube start`` would save) for the lifecycle.
    """
    __tracebackhide__ = True
    from ..registry._driving import config_raw

    assert d.config is not None
    machine = cluster.machine_name  # the profile's name, or <profile>-m02 for a node's machine
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
        if mname != machine:
            node = f' (node "{cluster.node.name}")' if cluster.node is not None and cluster.node.name else ""
            raise _fail(CONFIG_ROUND_TRIP, f'get_machine_name() is "{mname}" for the machine "{machine}" of the '
                                           f'cluster "{cluster.name}"{node}: the config creator must set '
                                           "MachineName from ClusterConfig.machine_name")
        values = flag_defaults(driver.get_create_flags())
        values.update(options or {})
        with _contract(CREATE_FLAGS, f"set_config_from_flags({dict(values)!r})"):
            driver.set_config_from_flags(values)
        with _contract(CONFIG_ROUND_TRIP, "get_config_raw() after set_config_from_flags"):
            configured = driver.get_config_raw()
        flagged = _json_object(configured, "get_config_raw() after set_config_from_flags")
    finally:
        driver.close()
    host = Host(name=machine, driver_name=d.name, driver_raw=configured,
                host_options=default_host_options(store.machine_dir(machine)))
    with _contract(CONFIG_ROUND_TRIP, "saving it in the host store"):
        store.save(host)
    path = store.config_path(machine)
    if stat.S_IMODE(path.stat().st_mode) != 0o600:
        raise _fail(CONFIG_ROUND_TRIP, f"{path} is not 0600")
    with _contract(CONFIG_ROUND_TRIP, "loading it back from the host store"):
        loaded = store.load(machine)
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
    store.remove(machine)
    return configured



# --- shared folders ----------------------------------------------------------------------------

def check_shares(d: DriverDef, new_driver: DriverFactory, cluster: ClusterConfig, store: HostStore,
                 options: dict[str, Any] | None = None) -> bytes:
    """A driver that declares ``mounts`` keeps each share of a new machine (one per declared kind)
    in its saved config: every later command, each start included, restores the driver from it,
    so a share the config creator dropped could never be exposed again.  The config must also
    round-trip (:func:`check_config`).  Returns the configured raw config."""
    __tracebackhide__ = True
    from ..machine import Share

    shares = []
    for kind in d.capabilities.mounts:
        src = Path(cluster.store_path) / f"conformance-share-{kind}"
        src.mkdir(parents=True, exist_ok=True)
        shares.append(Share(kind, str(src), f"/mnt/{kind}", f"mk-conformance-{kind}"))
    raw = check_config(d, new_driver, replace(cluster, mounts=[s.to_json() for s in shares]), store, options)
    lost = [f"{s.kind} ({s.tag})" for s in shares if s.tag not in raw.decode(errors="replace")]
    if lost:
        raise _fail(SHARES_KEPT, f"the config creator, given shared folders (ClusterConfig.mounts), kept none of "
                                 f"{', '.join(lost)} in the driver's config: read them with "
                                 "minikube.machine.shares_of(cluster) and keep them")
    return raw
