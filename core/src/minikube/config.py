"""Cluster settings (``profiles/<name>/config.json``) and user settings (``config.toml``)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import localpath
from ._errors import ConfigError, MachineNotFoundError
from ._files import ensure_dir, make_private, write_atomic


def toml_module() -> Any:
    """``tomllib`` (``tomli`` before 3.11), imported when a TOML file is actually read."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib


def __getattr__(name: str) -> Any:
    if name == "tomllib":  # ``from minikube.config import tomllib`` keeps working
        return toml_module()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

DEFAULT_CPUS = 2
DEFAULT_MEMORY_MB = 2048
DEFAULT_DISK_MB = 20000
DEFAULT_PROFILE = "minikube"

#: minikube's ``ProfileNameValid``: a DNS name (labels of letters, digits and inner '-', joined by
#: '.'), at least two characters.  Checked where a profile is named anew (``start`` of a new one,
#: ``profile NAME``); commands on an existing profile accept any machine name, so one made before
#: this rule can still be stopped and deleted.
PROFILE_NAME_RE = re.compile(r"^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])\.)*"
                             r"([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\-]*[A-Za-z0-9])$")
#: minikube's reserved words (its commands), compared ignoring case: no profile is named so.
RESERVED_PROFILES = ("start", "stop", "status", "delete", "config", "open", "profile", "addons", "cache", "logs")


def profile_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a new profile, or None."""
    if len(name) < 2 or len(name) > 200 or not PROFILE_NAME_RE.match(name):
        return ("use at least 2 letters, digits, '-' and '.', starting and ending with a letter or digit, "
                "with no '..' or '.-'")
    return None


def is_reserved(name: str) -> bool:
    return name.lower() in RESERVED_PROFILES


@dataclass
class Node:
    """One machine of a profile, as minikube's ``ClusterConfig.Nodes`` records it.

    The primary node is named ``""``, the others ``m02``, ``m03``...  There is no Kubernetes in
    the guest: ``port``, ``kubernetes_version`` and ``container_runtime`` keep minikube's shape
    and stay empty; ``control_plane``/``worker`` are the roles ``node add`` was asked for."""

    name: str = ""
    ip: str = ""
    port: int = 0
    kubernetes_version: str = ""
    container_runtime: str = ""
    control_plane: bool = False
    worker: bool = True

    _JSON = {"name": "Name", "ip": "IP", "port": "Port", "kubernetes_version": "KubernetesVersion",
             "container_runtime": "ContainerRuntime", "control_plane": "ControlPlane", "worker": "Worker"}

    def to_dict(self) -> dict[str, Any]:
        return {j: getattr(self, k) for k, j in self._JSON.items()}

    @classmethod
    def from_dict(cls, doc: Any) -> Node:
        if not isinstance(doc, dict):
            raise ValueError(f'a node is {_json(doc)}, not an object')
        defaults = cls()
        values = {k: doc[j] for k, j in cls._JSON.items() if j in doc}
        for k, v in values.items():
            _check_type(cls._JSON[k], v, type(getattr(defaults, k)))
        return cls(**values)

    @property
    def number(self) -> int:
        """1 for the primary, 2 for ``m02``..."""
        return int(self.name[1:]) if NODE_NAME_RE.match(self.name) else 1


#: Names of the nodes after the first: ``m02``, ``m03``... (minikube's ``fmt.Sprintf("m%02d", n)``).
NODE_NAME_RE = re.compile(r"^m(0[2-9]|[1-9][0-9]+)$")


def primary_node() -> Node:
    return Node(name="", control_plane=True, worker=True)


def node_name(number: int) -> str:
    return f"m{number:02d}"


@dataclass
class ClusterConfig:
    """What ``minikube start`` was asked for; the driver's config creator turns it into driver config."""

    name: str = DEFAULT_PROFILE
    driver: str = ""
    cpus: int = DEFAULT_CPUS
    memory: int = DEFAULT_MEMORY_MB  # MB
    disk_size: int = DEFAULT_DISK_MB  # MB
    minikube_iso: str = ""  # the boot image entry that worked (the driver is given its local file:// copy)
    driver_options: dict[str, Any] = field(default_factory=dict)
    store_path: str = ""  # MINIKUBE_HOME when the config was made
    mount_string: str = ""  # minikube's --mount-string, as given (SRC:DST)
    mount_type: str = ""  # the kind of shared folder (--mount-type): "virtiofs" or "9p"
    #: The shared folders the machine was made with (``minikube.machine.Share.to_json`` each,
    #: tag included): the driver exposes them, the core mounts them after every boot.
    mounts: list[Any] = field(default_factory=list)
    #: Every machine of the profile, the primary first (an old profile without the key has one).
    nodes: list[Node] = field(default_factory=lambda: [primary_node()])
    multi_node_requested: bool = False  # minikube's: --nodes > 1 was asked for at start
    #: The node a driver's config creator is making a machine for (not saved): drivers name the
    #: machine ``machine_name`` and keep what the nodes share (a network) under ``name``.
    node: Node | None = None

    _JSON = {"name": "Name", "driver": "Driver", "cpus": "CPUs", "memory": "Memory",
             "disk_size": "DiskSize", "minikube_iso": "MinikubeISO",
             "driver_options": "DriverOptions", "store_path": "StorePath", "mount_string": "MountString",
             "mount_type": "MountType", "mounts": "Mounts", "nodes": "Nodes",
             "multi_node_requested": "MultiNodeRequested"}

    @property
    def machine_name(self) -> str:
        """The machine being configured: ``node``'s, or the profile's own when there is no node."""
        return self.machine_name_of(self.node) if self.node is not None else self.name

    def machine_name_of(self, node: Node) -> str:
        """minikube's ``MachineName``: the profile's name for the primary node (named ``""``), else
        ``<profile>-<node>`` (``minikube-m02``)."""
        if not node.name:
            return self.name
        return f"{self.name}-{node.name}"

    @property
    def primary(self) -> Node:
        return self.nodes[0]

    def find_node(self, name: str) -> Node | None:
        """A node by its name (``m02``) or its machine's (``minikube-m02``), as minikube accepts both."""
        return next((n for n in self.nodes if name in (n.name, self.machine_name_of(n))), None)

    def next_node_name(self) -> str:
        """``node add``'s name: the last node's number + 1."""
        return node_name(max(n.number for n in self.nodes) + 1)

    def to_json(self) -> str:
        import json

        doc = {j: getattr(self, k) for k, j in self._JSON.items()}
        doc["Nodes"] = [n.to_dict() for n in self.nodes]
        return json.dumps(doc, indent=4) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "cluster config") -> ClusterConfig:
        import json

        try:
            doc = json.loads(text)
            if not isinstance(doc, dict):
                raise ValueError("not a JSON object")
            values = {k: doc[j] for k, j in cls._JSON.items() if j in doc}
            defaults = cls()  # each field's default shows its JSON type
            for k, v in values.items():
                _check_type(cls._JSON[k], v, type(getattr(defaults, k)))
            if "nodes" in values:
                values["nodes"] = [Node.from_dict(n) for n in values["nodes"]] or [primary_node()]
            cfg = cls(**values)
            from .machine import shares_of

            shares_of(cfg)  # each mount is well formed
            return cfg
        except (ValueError, TypeError) as e:
            raise ConfigError(f"{source} is corrupt: {e}") from None


_KIND_NAMES = {str: "a string", int: "a whole number", dict: "an object", list: "an array", bool: "true or false"}


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


def _check_type(key: str, value: Any, kind: type) -> None:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ValueError(f'"{key}" is {_json(value)}, not {_KIND_NAMES[kind]}')


def profile_path(name: str) -> Path:
    return localpath.profile_dir(name) / "config.json"


def load_profile(name: str) -> ClusterConfig:
    path = profile_path(name)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise MachineNotFoundError(f'Profile "{name}" not found',
                                   fix=f"Create it with: minikube start -p {name}") from None
    try:
        return ClusterConfig.from_json(text, str(path))
    except ConfigError as e:
        raise ConfigError(e.message, fix=f"Restore {path} from a copy, or remove the profile and its machines "
                                         f"with: minikube delete -p {name}") from None


def save_profile(cfg: ClusterConfig) -> None:
    write_atomic(profile_path(cfg.name), cfg.to_json())


@contextmanager
def profile_lock(name: str) -> Iterator[None]:
    """Serialise changes to one profile's config across processes (``node add`` twice at once gets
    two names); each machine keeps its own lock for its own work.

    As a machine's lock, it leaves no file behind for a profile that does not exist when the work
    is done (deleted, or never made): unlinked while held; a waiter that got the unlinked file's
    lock takes the lock again on the new file."""
    from filelock import FileLock

    from .machine._store import _holds_current_file

    path = localpath.minikube_home() / "locks" / "profiles" / f"{localpath.validate_name(name)}.lock"
    ensure_dir(path.parent)
    lock = FileLock(str(path), mode=0o600)
    lock.acquire()
    while not _holds_current_file(lock, path):
        lock.release()
        lock.acquire()
    make_private(path)
    try:
        yield
    finally:
        try:
            if not profile_path(name).exists():
                path.unlink(missing_ok=True)
        finally:
            lock.release()


def remove_profile(name: str) -> None:
    """Remove a profile's directory (its config and events), under its lock."""
    import shutil

    with profile_lock(name):
        shutil.rmtree(localpath.profile_dir(name), ignore_errors=True)


def update_profile(name: str, change: Callable[[ClusterConfig], None]) -> ClusterConfig:
    """Load, change and save a profile's config under its lock (a read-modify-write no other
    command can interleave with); returns what was saved."""
    with profile_lock(name):
        cfg = load_profile(name)
        change(cfg)
        save_profile(cfg)
        return cfg


def list_profiles() -> list[str]:
    root = localpath.minikube_home() / "profiles"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if (p / "config.json").is_file() and localpath.NAME_RE.match(p.name))


def load_settings(path: Path | None = None) -> dict[str, Any]:
    """The user's ``config.toml``; a syntax error names the file and line."""
    path = path or localpath.config_file()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    tomllib = toml_module()
    try:
        return dict(tomllib.loads(data.decode()))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path} is not valid TOML: {e}", reason_id="MK_CONFIG_INVALID",
                          fix=f"Fix or remove {path}") from None


def save_settings(settings: dict[str, Any], path: Path | None = None) -> None:
    import tomli_w

    write_atomic(path or localpath.config_file(), tomli_w.dumps(settings))
