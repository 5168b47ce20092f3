"""The Driver contract (libmachine's ``drivers.Driver``), BaseDriver, machine State and flags."""

from __future__ import annotations

import dataclasses
import enum
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .._errors import ConfigError, IPNotSetError

if TYPE_CHECKING:
    from ._share import Share


class State(enum.IntEnum):
    """libmachine's ``state.State``; travels on the wire as its int value."""

    NONE = 0
    RUNNING = 1
    PAUSED = 2
    SAVED = 3
    STOPPED = 4
    STOPPING = 5
    STARTING = 6
    ERROR = 7
    TIMEOUT = 8

    def __str__(self) -> str:
        return "" if self is State.NONE else self.name.title()


# --- create flags (mcnflag) -----------------------------------------------------------------

@dataclass(frozen=True)
class StringFlag:
    name: str
    usage: str = ""
    env_var: str = ""
    value: str = ""


@dataclass(frozen=True)
class StringSliceFlag:
    name: str
    usage: str = ""
    env_var: str = ""
    value: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntFlag:
    name: str
    usage: str = ""
    env_var: str = ""
    value: int = 0


@dataclass(frozen=True)
class BoolFlag:
    name: str
    usage: str = ""
    env_var: str = ""


Flag = StringFlag | StringSliceFlag | IntFlag | BoolFlag


class DriverOptions(Protocol):
    """What ``set_config_from_flags`` reads (libmachine's ``drivers.DriverOptions``)."""

    def string(self, key: str) -> str: ...
    def string_slice(self, key: str) -> list[str]: ...
    def int(self, key: str) -> int: ...
    def bool(self, key: str) -> bool: ...


class FlagValues(dict[str, Any]):
    """A dict of flag values read with typed accessors; a missing key gives the zero value."""

    def string(self, key: str) -> str:
        v = self.get(key)
        return "" if v is None else str(v)

    def string_slice(self, key: str) -> list[str]:
        v = self.get(key)
        if v is None or v == "":
            return []
        return [str(x) for x in v] if isinstance(v, (list, tuple)) else [str(v)]

    def int(self, key: str) -> int:
        v = self.get(key)
        return 0 if v in (None, "") else int(v)

    def bool(self, key: str) -> bool:
        v = self.get(key)
        if isinstance(v, str):
            return v.lower() in ("1", "true", "yes", "on")
        return bool(v)


# --- the contract ---------------------------------------------------------------------------

class Driver(ABC):
    """The 18 operations every machine driver provides, plus its raw JSON config."""

    @abstractmethod
    def create(self) -> None: ...
    @abstractmethod
    def driver_name(self) -> str: ...
    @abstractmethod
    def get_create_flags(self) -> list[Flag]: ...
    @abstractmethod
    def get_ip(self) -> str: ...
    @abstractmethod
    def get_machine_name(self) -> str: ...
    @abstractmethod
    def get_ssh_hostname(self) -> str: ...
    @abstractmethod
    def get_ssh_key_path(self) -> str: ...
    @abstractmethod
    def get_ssh_port(self) -> int: ...
    @abstractmethod
    def get_ssh_username(self) -> str: ...
    @abstractmethod
    def get_url(self) -> str: ...
    @abstractmethod
    def get_state(self) -> State: ...
    @abstractmethod
    def kill(self) -> None: ...
    @abstractmethod
    def pre_create_check(self) -> None: ...
    @abstractmethod
    def remove(self) -> None: ...
    @abstractmethod
    def restart(self) -> None: ...
    @abstractmethod
    def set_config_from_flags(self, options: DriverOptions) -> None: ...
    @abstractmethod
    def start(self) -> None: ...
    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def get_config_raw(self) -> bytes:
        """The driver's own JSON, kept raw in the host store (``GetConfigRaw``)."""

    @abstractmethod
    def set_config_raw(self, raw: bytes) -> None:
        """Restore from :meth:`get_config_raw` output (``SetConfigRaw``)."""

    def close(self) -> None:  # noqa: B027 - optional hook, not abstract
        """Release what the driver holds (connections, plugin processes)."""

    # Driver API 1.3: optional, for ``minikube mount`` on a running machine.  The shares given at
    # creation (``minikube.machine.shares_of(cc)``) need neither.
    def attach_share(self, share: Share) -> None:
        """Expose ``share`` to the running machine (the core then mounts it in the guest).
        NotImplementedError: this driver cannot; the user restarts with ``--mount-string``."""
        raise NotImplementedError(f"{self.driver_name()} cannot add a shared folder to a running machine")

    def detach_share(self, share: Share) -> None:
        """Take away what :meth:`attach_share` added (the guest has unmounted it)."""
        raise NotImplementedError(f"{self.driver_name()} cannot remove a shared folder from a running machine")


def json_field(json_name: str, default: Any = dataclasses.MISSING, **kw: Any) -> Any:
    """A dataclass field that is saved under Go's JSON name (``IPAddress``...)."""
    meta: dict[str, Any] = {"json": json_name}
    if type(default) in _KINDS:
        meta["kind"] = type(default)  # a saved value of another JSON type is refused on load
    if default is not dataclasses.MISSING and isinstance(default, (list, dict)):
        kw["default_factory"] = lambda d=default: type(d)(d)
        default = dataclasses.MISSING
    return field(default=default, metadata=meta, **kw)


#: A field's default type -> (what a saved value may be, how to say it).
_KINDS: dict[type, tuple[tuple[type, ...], str]] = {
    str: ((str,), "a string"), bool: ((bool,), "true or false"), int: ((int, float), "a number"),
    float: ((int, float), "a number"), list: ((list,), "an array"), dict: ((dict,), "an object")}


def to_json_dict(obj: Any) -> dict[str, Any]:
    """A dataclass as a flat dict under its fields' JSON names."""
    return {f.metadata.get("json", f.name): _plain(getattr(obj, f.name))
            for f in dataclasses.fields(obj) if not f.metadata.get("transient")}


def _plain(v: Any) -> Any:
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, tuple):
        return list(v)
    return v


def load_json_dict(obj: Any, data: Mapping[str, Any]) -> None:
    """Set a dataclass's fields from a dict under their JSON names; unknown keys are ignored."""
    for f in dataclasses.fields(obj):
        key = f.metadata.get("json", f.name)
        if key in data and not f.metadata.get("transient"):
            value, kind = data[key], _KINDS.get(f.metadata.get("kind", type(None)))
            if kind and value is not None and (not isinstance(value, kind[0]) or
                                               (isinstance(value, bool) and bool not in kind[0])):
                raise ConfigError(f'driver config: "{key}" is {json.dumps(value)}, not {kind[1]}')
            setattr(obj, f.name, value)


@dataclass
class BaseDriver(Driver):
    """libmachine's BaseDriver: the fields every driver has, with Go's JSON names and defaults."""

    ip_address: str = json_field("IPAddress", "")
    machine_name: str = json_field("MachineName", "")
    ssh_user: str = json_field("SSHUser", "")
    ssh_port: int = json_field("SSHPort", 0)
    ssh_key_path: str = json_field("SSHKeyPath", "")
    store_path: str = json_field("StorePath", "")
    swarm_master: bool = json_field("SwarmMaster", False)
    swarm_host: str = json_field("SwarmHost", "")
    swarm_discovery: str = json_field("SwarmDiscovery", "")

    DEFAULT_SSH_USER = "root"
    DEFAULT_SSH_PORT = 22

    def get_machine_name(self) -> str:
        return self.machine_name

    def get_ssh_hostname(self) -> str:
        return self.get_ip()

    def get_ssh_key_path(self) -> str:
        return self.ssh_key_path or self.resolve_store_path("id_rsa")

    def get_ssh_port(self) -> int:
        return self.ssh_port or self.DEFAULT_SSH_PORT

    def get_ssh_username(self) -> str:
        return self.ssh_user or self.DEFAULT_SSH_USER

    def get_ip(self) -> str:
        if not self.ip_address:
            raise IPNotSetError()
        return self.ip_address

    def get_url(self) -> str:
        return f"tcp://{self.get_ip()}:2376"

    def pre_create_check(self) -> None:
        return None

    def get_create_flags(self) -> list[Flag]:
        return []

    def set_config_from_flags(self, options: DriverOptions) -> None:
        self.swarm_master = options.bool("swarm-master")
        self.swarm_host = options.string("swarm-host")
        self.swarm_discovery = options.string("swarm-discovery")

    def restart(self) -> None:
        self.stop()
        self.start()

    def resolve_store_path(self, file: str) -> str:
        """``<StorePath>/machines/<MachineName>/<file>``, as libmachine lays it out."""
        return str(Path(self.store_path) / "machines" / self.machine_name / file)

    def get_config_raw(self) -> bytes:
        return json.dumps(to_json_dict(self), indent=4, sort_keys=True).encode()

    def set_config_raw(self, raw: bytes) -> None:
        try:
            data = json.loads(raw or b"{}")
        except ValueError as e:
            raise ConfigError(f"driver config is not valid JSON: {e}") from None
        if not isinstance(data, dict):
            raise ConfigError("driver config is not a JSON object")
        load_json_dict(self, data)
