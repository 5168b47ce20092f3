"""Cluster settings (``profiles/<name>/config.json``) and user settings (``config.toml``)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import localpath
from ._errors import ConfigError, MachineNotFoundError
from ._files import write_atomic


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

    _JSON = {"name": "Name", "driver": "Driver", "cpus": "CPUs", "memory": "Memory",
             "disk_size": "DiskSize", "minikube_iso": "MinikubeISO",
             "driver_options": "DriverOptions", "store_path": "StorePath", "mount_string": "MountString",
             "mount_type": "MountType", "mounts": "Mounts"}

    def to_json(self) -> str:
        import json

        return json.dumps({j: getattr(self, k) for k, j in self._JSON.items()}, indent=4) + "\n"

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
                kind = type(getattr(defaults, k))
                if not isinstance(v, kind) or isinstance(v, bool):
                    raise ValueError(f'"{cls._JSON[k]}" is {json.dumps(v)}, not {_KIND_NAMES[kind]}')
            cfg = cls(**values)
            from .machine import shares_of

            shares_of(cfg)  # each mount is well formed
            return cfg
        except (ValueError, TypeError) as e:
            raise ConfigError(f"{source} is corrupt: {e}") from None


_KIND_NAMES = {str: "a string", int: "a whole number", dict: "an object", list: "an array"}


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
        raise ConfigError(e.message, fix=f"Delete it with 'minikube delete -p {name}' and start again") from None


def save_profile(cfg: ClusterConfig) -> None:
    write_atomic(profile_path(cfg.name), cfg.to_json())


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

    write_atomic(path or localpath.config_file(), tomli_w.dumps(settings), mode=0o644)
