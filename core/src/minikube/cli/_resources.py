"""``--memory``, ``--cpus`` and ``--disk-size`` as minikube reads and checks them.

Reading: a size is a number with an optional binary suffix (``b``, ``k``, ``m``, ``g``, ``t``,
``p``, each optionally followed by ``b`` or ``ib``); a bare number is MB.  ``max`` is the host's
memory less 1024 MB, or its CPU count.  ``no-limit`` is for container drivers, which we have none
of.  A parser raises ValueError; the settings turn that into an error naming the flag, variable or
config.toml key.  Arithmetic is exact: ``1.5g`` is 1536 MB and a 23-digit number stays what it is.

Checking, before anything is made: less memory or fewer CPUs than Kubernetes needs, more than this
computer has, a disk under 2000 MB.  Each is a refusal in minikube's words, or with ``--force`` a
warning, and the start goes on; what no machine can have is refused even then.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from .. import _host
from .._errors import MinikubeError, UsageError


class Resolved(Protocol):
    """A setting's value and where it came from (``_settings.Resolved``): the fixes name that place."""

    @property
    def value(self) -> Any: ...

    @property
    def source(self) -> str: ...

MIN_MEMORY_MB = 1800
RECOMMENDED_MEMORY_MB = 1900
OVERHEAD_MB = 1024  # what ``max`` and the overhead warning leave to the host
MIN_CPUS = 2
MIN_DISK_MB = 2000
MAX_MB = 1 << 30  # 1 PiB: more memory or disk than any machine has, refused even with --force
MAX_CPUS = 4096  # the most vCPUs a hypervisor gives one VM, refused even with --force
#: Nodes one ``start`` makes without ``--force``: each node is a whole VM, brought up at most
#: :func:`minikube.machine.machines_at_once` at a time (minikube has no bound; its nodes are lighter).
MAX_NODES = 20
#: Refused even with ``--force``: past it a profile is no cluster anyone runs on one host.
MAX_NODES_FORCED = 500
FORCE_WARNING = "minikube skips various validations when --force is supplied; this may lead to unexpected behavior"

_SIZE = re.compile(r"(\d+)(?:\.(\d+))?\s*(?:([kmgtp])(?:i?b)?|(b))?", re.IGNORECASE | re.ASCII)
_SHIFT = {"k": 10, "m": 20, "g": 30, "t": 40, "p": 50}
_MAX_TEXT = 40  # characters: longer is no size anyone means, and keeps the arithmetic small
_NO_LIMIT = "no-limit is only for the docker and podman drivers; give a number or max"


def toml_type(raw: Any) -> str:
    """What a config.toml value is, in TOML's words."""
    names = {bool: "a boolean", int: "an integer", float: "a number", list: "an array", dict: "a table"}
    return names.get(type(raw), "a date" if hasattr(raw, "isoformat") else type(raw).__name__)


def toml_value(raw: Any) -> str:
    """A config.toml value as it was written (near enough): ``'4g'``, ``5``, ``true``, ``[1]``."""
    if isinstance(raw, str):
        return repr(raw)
    if isinstance(raw, (bool, list, dict)):
        import json

        return json.dumps(raw, default=str)
    return str(raw)


def _word(raw: Any) -> str:
    return raw.strip().lower() if isinstance(raw, str) else ""


def _number_text(raw: Any) -> str:
    """The text of a flag, variable or TOML value; booleans, arrays and tables are no numbers."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise ValueError("use a number or text, not " + toml_type(raw))
    return str(raw).strip()


def parse_size_mb(raw: Any) -> int:
    """``2048``, ``2048mb``, ``2g``, ``1.5gb``, ``4096MiB`` -> MB (a bare number is MB, as in minikube)."""
    text = _number_text(raw)
    m = _SIZE.fullmatch(text) if len(text) <= _MAX_TEXT else None
    if m is None:
        raise ValueError("use a positive size such as 4096, 4096mb or 4g")
    whole, frac, unit, byte = m.groups()
    frac = frac or ""
    shift = 0 if byte else _SHIFT[unit.lower()] if unit else 20
    mb = (int(whole + frac) << shift) // (10 ** len(frac) << 20)
    if mb < 1:
        raise ValueError("use a positive size such as 4096, 4096mb or 4g (at least 1mb)")
    return mb


def parse_memory(raw: Any) -> int:
    """A size, or ``max``: the host's memory less 1024 MB."""
    word = _word(raw)
    if word == "no-limit":
        raise ValueError(_NO_LIMIT)
    if word == "max":
        host = _host.memory_mb()
        if host is None:
            raise ValueError("this computer does not say how much memory it has; give a size")
        return max(host - OVERHEAD_MB, 1)
    return parse_size_mb(raw)


def parse_count(raw: Any) -> int:
    text = _number_text(raw)
    if not re.fullmatch(r"\+?\d{1,30}", text, re.ASCII) or int(text) < 1:
        raise ValueError("use a whole number of at least 1, or max")
    return int(text)


def parse_cpus(raw: Any) -> int:
    """A count, or ``max``: the host's CPUs."""
    word = _word(raw)
    if word == "no-limit":
        raise ValueError(_NO_LIMIT)
    if word == "max":
        host = _host.cpus()
        if host is None:
            raise ValueError("this computer does not say how many CPUs it has; give a number")
        return host
    return parse_count(raw)


def suggested_memory_mb(host_mb: int | None) -> int:
    """minikube's default: a quarter of the host's memory in 100 MB steps, within 3072..6144 MB
    (all of it on a host with less than 3072 MB)."""
    fallback, maximum = 3072, 6144
    if host_mb is None:
        return fallback
    if host_mb < fallback:
        return host_mb
    return min(max(host_mb // 400 * 100, fallback), maximum)


def default_memory_mb() -> int:
    return suggested_memory_mb(_host.memory_mb())


class _Checker:
    """One start's checks: refusals raise, or with ``--force`` become warnings."""

    def __init__(self, force: bool, config: Path | None) -> None:
        self.force, self.config = force, config

    def refuse(self, err: MinikubeError, *, forceable: bool = True) -> None:
        if not (self.force and forceable):
            raise err
        from . import _ui

        _ui.warn(f"{err.reason_id}: {err.message} (ignored because of --force)")

    def how(self, key: str, r: Resolved, good: str) -> str:
        """The command that gives ``good`` instead, where the value came from."""
        if r.source == "config.toml":
            return f"minikube config set {key} {good} (it is set in {self.config or 'config.toml'})"
        if r.source.startswith("MINIKUBE_"):
            return f"{r.source}={good} minikube start (or unset {r.source})"
        return f"minikube start --{key}={good}"


def check(wanted: Mapping[str, Resolved], *, force: bool, driver: str | None, config: Path | None = None) -> None:
    """minikube's checks of the disk size (when given), CPUs and memory, in that order."""
    from . import _ui

    if force:
        _ui.warn(FORCE_WARNING)
    c = _Checker(force, config)
    disk = wanted.get("disk-size")
    if disk is not None and disk.source != "default":
        _check_disk(c, disk)
    if "cpus" in wanted:
        _check_cpus(c, wanted["cpus"], driver)
    if "memory" in wanted:
        _check_memory(c, wanted["memory"])


def check_nodes(count: int, *, force: bool, profile: str) -> None:
    """A node count this host can be asked for: up to :data:`MAX_NODES`, more with ``--force``
    (and a warning), never more than :data:`MAX_NODES_FORCED`.  Checked before any name is looked
    up or anything is made, so a mistyped ``--nodes 50000000`` costs nothing."""
    c = _Checker(force, None)
    fix = (f"Start fewer: minikube start -p {profile} --nodes {MAX_NODES}; add more later with: "
           f"minikube node add -p {profile}")
    if count > MAX_NODES_FORCED:
        c.refuse(UsageError(f"--nodes {count} is more than the maximum of {MAX_NODES_FORCED} nodes", fix=fix),
                 forceable=False)
    if count > MAX_NODES:
        c.refuse(UsageError(f"--nodes {count} is more than {MAX_NODES} nodes, each a virtual machine on this "
                            "computer", fix=fix + "; or, to make them anyway, add --force"))


def _check_disk(c: _Checker, r: Resolved) -> None:
    if r.value < MIN_DISK_MB:
        c.refuse(UsageError(f"Requested disk size {r.value} is less than minimum of {MIN_DISK_MB}",
                            fix=f"Give at least {MIN_DISK_MB}mb: " + c.how("disk-size", r, f"{MIN_DISK_MB}mb")))
    if r.value > MAX_MB:
        c.refuse(UsageError(f"Requested disk size {r.value} is more than the maximum of {MAX_MB}",
                            fix="Give a smaller size: " + c.how("disk-size", r, "20000mb")), forceable=False)


def _check_cpus(c: _Checker, r: Resolved, driver: str | None) -> None:
    host, n = _host.cpus(), r.value
    cores = "RSRC_INSUFFICIENT_CORES"
    if host is not None and host < MIN_CPUS:
        c.refuse(MinikubeError(f"{driver or 'This computer'} has less than {MIN_CPUS} CPUs available, but "
                               f"Kubernetes requires at least {MIN_CPUS} to be available", reason_id=cores,
                               fix=f"Use a computer with at least {MIN_CPUS} CPUs, or --force to try anyway"))
    if n < MIN_CPUS:
        c.refuse(MinikubeError(f"Requested cpu count {n} is less than the minimum allowed of {MIN_CPUS}",
                               reason_id=cores, fix=f"Give at least {MIN_CPUS} CPUs: " + c.how("cpus", r, str(MIN_CPUS))))
    limit = min(host or MAX_CPUS, MAX_CPUS)
    if n > limit:
        c.refuse(MinikubeError(f"Requested cpu count {n} is greater than the available cpus of {limit}",
                               reason_id=cores, fix=f"Give at most {limit} CPUs: " + c.how("cpus", r, "max")), forceable=n <= MAX_CPUS)


def _check_memory(c: _Checker, r: Resolved) -> None:
    from . import _ui

    host, req = _host.memory_mb(), r.value
    if host is not None and host < MIN_MEMORY_MB:
        c.refuse(MinikubeError(f"System only has {host}MiB available, less than the required {MIN_MEMORY_MB}MiB "
                               "for Kubernetes", reason_id="RSRC_INSUFFICIENT_SYS_MEMORY",
                               fix=f"Use a computer with at least {MIN_MEMORY_MB}MB of memory, or --force to "
                                   "try anyway"))
    advised = suggested_memory_mb(host)
    if req < MIN_MEMORY_MB:
        c.refuse(MinikubeError(f"Requested memory allocation {req}MiB is less than the usable minimum of "
                               f"{MIN_MEMORY_MB}MB", reason_id="RSRC_INSUFFICIENT_REQ_MEMORY",
                               fix=f"Give at least {MIN_MEMORY_MB}MB: "
                                   + c.how("memory", r, f"{max(advised, MIN_MEMORY_MB)}mb")))
    elif req < RECOMMENDED_MEMORY_MB:
        _ui.warn(f"Requested memory allocation ({req}MB) is less than the recommended minimum "
                 f"{RECOMMENDED_MEMORY_MB}MB. Deployments may fail.")
    limit = min(host or MAX_MB, MAX_MB)
    if req > limit:
        c.refuse(MinikubeError(f"Requested memory allocation {req}MB is more than your system limit {limit}MB.",
                               reason_id="RSRC_OVER_ALLOC_MEM",
                               fix="Start minikube with less memory allocated: "
                                   + c.how("memory", r, f"{advised}mb")), forceable=req <= MAX_MB)
    elif host is not None and req > host - OVERHEAD_MB:
        _ui.warn(f"The requested memory allocation of {req}MiB does not leave room for system overhead (total "
                 f"system memory: {host}MiB). You may face stability issues.")
