"""libmachine's plugin protocol as data: Go type shapes, gob names, method names, constants.

Everything both sides must agree on byte for byte lives here, so client and server cannot
drift apart.  Struct field names and interface names are load-bearing (Go matches on them);
struct type names are not, but we use Go's so our bytes equal Go's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._gobtypes import (
    BOOL,
    BYTES,
    INT,
    INTERFACE,
    STRING,
    UINT,
    GobError,
    GoType,
    Iface,
    map_of,
    slice_of,
    struct,
)

if TYPE_CHECKING:  # the driver module costs import time a plugin can spend later
    from .._driver import Flag

API_VERSION = 1
SERVICE = "RPCServerDriver"
SERVICE_V0 = "RpcServerDriver"  # pre-0.5.1 plugins; clients fall back to it once
ENV_TOKEN = "MACHINE_PLUGIN_TOKEN"
TOKEN = "42"
ENV_DRIVER_NAME = "MACHINE_PLUGIN_DRIVER_NAME"
RPC_PATH = "/_goRPC_"
CONNECT_LINE = b"CONNECT " + RPC_PATH.encode() + b" HTTP/1.0\n\n"
CONNECTED_STATUS = "200 Connected to Go RPC"
CONNECTED_LINE = b"HTTP/1.0 " + CONNECTED_STATUS.encode() + b"\n\n"
BANNER = f"""This is a Docker Machine plugin binary.
Plugin binaries are not intended to be invoked directly.
Please use this plugin through the main 'docker-machine' binary.
(API version: {API_VERSION})
"""  # libmachine's RegisterDriver prints exactly this
HEARTBEAT_INTERVAL = 5.0
HEARTBEAT_TIMEOUT = 10.0
DIAL_TIMEOUT = 10.0

REQUEST = struct("Request", ("ServiceMethod", STRING), ("Seq", UINT))
RESPONSE = struct("Response", ("ServiceMethod", STRING), ("Seq", UINT), ("Error", STRING))
EMPTY = struct("")  # Go's struct{}: the argument of most calls and the body of every error

_FLAG_FIELDS = (("Name", STRING), ("Usage", STRING), ("EnvVar", STRING))
STRING_FLAG = struct("StringFlag", *_FLAG_FIELDS, ("Value", STRING))
INT_FLAG = struct("IntFlag", *_FLAG_FIELDS, ("Value", INT))
BOOL_FLAG = struct("BoolFlag", *_FLAG_FIELDS)
STRING_SLICE_FLAG = struct("StringSliceFlag", *_FLAG_FIELDS, ("Value", slice_of(STRING, "[]string")))
FLAG_LIST = slice_of(INTERFACE)  # []mcnflag.Flag

OPTION_MAP = map_of(STRING, INTERFACE, "map[string]interface {}")
RPC_FLAGS = struct("RPCFlags", ("Values", OPTION_MAP))
RPC_FLAGS_NAME = "*rpcdriver.RPCFlags"
STRING_LIST = slice_of(STRING)  # []string inside an interface value

FLAG_NAMES = {  # by our flag class's name
    "StringFlag": ("*mcnflag.StringFlag", STRING_FLAG),
    "IntFlag": ("*mcnflag.IntFlag", INT_FLAG),
    "BoolFlag": ("*mcnflag.BoolFlag", BOOL_FLAG),
    "StringSliceFlag": ("*mcnflag.StringSliceFlag", STRING_SLICE_FLAG),
}
CLIENT_NAMES = frozenset(name for name, _ in FLAG_NAMES.values())  # what a client decodes
SERVER_NAMES = frozenset({RPC_FLAGS_NAME})  # what a server decodes

# What each method takes (Go's argument type) and answers.  None means struct{}.
METHODS: dict[str, tuple[GoType, GoType]] = {}
for _m in ("Close", "Heartbeat", "Create", "PreCreateCheck", "Start", "Stop", "Restart", "Kill",
           "Remove"):
    METHODS[_m] = (EMPTY, EMPTY)
for _m in ("DriverName", "GetMachineName", "GetIP", "GetSSHHostname", "GetSSHKeyPath",
           "GetSSHUsername", "GetURL"):
    METHODS[_m] = (EMPTY, STRING)
for _m in ("GetVersion", "GetSSHPort", "GetState"):
    METHODS[_m] = (EMPTY, INT)
METHODS["GetConfigRaw"] = (EMPTY, BYTES)
METHODS["SetConfigRaw"] = (BYTES, EMPTY)
METHODS["GetCreateFlags"] = (EMPTY, FLAG_LIST)
METHODS["SetConfigFromFlags"] = (INTERFACE, EMPTY)


# --- flags ----------------------------------------------------------------------------------

def flag_to_wire(flag: Flag) -> Iface:
    """A create flag as the interface value Go's ``[]mcnflag.Flag`` holds."""
    try:
        name, t = FLAG_NAMES[type(flag).__name__]
    except KeyError:
        raise TypeError(f"not a create flag: {flag!r}") from None
    value: dict[str, Any] = {"Name": flag.name, "Usage": flag.usage, "EnvVar": flag.env_var}
    if t is STRING_SLICE_FLAG:
        value["Value"] = list(flag.value)  # type: ignore[union-attr,arg-type]
    elif t is not BOOL_FLAG:
        value["Value"] = flag.value  # type: ignore[union-attr]
    return Iface(name, value, t)


def flag_from_wire(v: Any) -> Flag:
    """The inverse of :func:`flag_to_wire`, checking the shape (GobError if it is wrong)."""
    from .._driver import BoolFlag, IntFlag, StringFlag, StringSliceFlag

    if not isinstance(v, Iface) or not isinstance(v.value, Mapping):
        raise GobError(f"expected a create flag, got {v!r}")
    f = v.value
    try:
        common = {"name": _str(f["Name"]), "usage": _str(f["Usage"]), "env_var": _str(f["EnvVar"])}
        if v.name == "*mcnflag.StringFlag":
            return StringFlag(**common, value=_str(f["Value"]))
        if v.name == "*mcnflag.IntFlag":
            return IntFlag(**common, value=_int(f["Value"]))
        if v.name == "*mcnflag.BoolFlag":
            return BoolFlag(**common)
        if v.name == "*mcnflag.StringSliceFlag":
            return StringSliceFlag(**common, value=tuple(_str(x) for x in f["Value"] or ()))
    except KeyError as e:
        raise GobError(f"{v.name} without field {e}") from None
    raise GobError(f"unknown create flag type {v.name!r}")


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise GobError(f"expected a string, got {v!r}")
    return v


def _int(v: Any) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise GobError(f"expected an int, got {v!r}")
    return v


# --- SetConfigFromFlags options ---------------------------------------------------------------

def option_to_wire(key: str, v: Any) -> Iface | None:
    """One option value with the gob name Go's builtins use (``string``, ``int``...)."""
    if v is None:
        return None
    if isinstance(v, bool):
        return Iface("bool", v, BOOL)
    if isinstance(v, int):
        return Iface("int", v, INT)
    if isinstance(v, str):
        return Iface("string", v, STRING)
    if isinstance(v, float):
        return Iface("float64", v)
    if isinstance(v, (list, tuple)):
        return Iface("[]string", [str(x) for x in v], STRING_LIST)
    raise TypeError(f"option {key!r}: cannot send a {type(v).__name__} to a plugin")


def options_to_wire(values: Mapping[str, Any]) -> Iface:
    """The ``*rpcdriver.RPCFlags`` interface value SetConfigFromFlags takes."""
    return Iface(RPC_FLAGS_NAME, {"Values": {k: option_to_wire(k, v) for k, v in values.items()}},
                 RPC_FLAGS)


def options_from_wire(v: Any) -> dict[str, Any]:
    """Plain Python values back from an RPCFlags interface value."""
    if not isinstance(v, Iface) or v.name != RPC_FLAGS_NAME or not isinstance(v.value, Mapping):
        raise GobError(f"expected {RPC_FLAGS_NAME}, got {v!r}")
    values = v.value.get("Values") or {}
    if not isinstance(values, Mapping):
        raise GobError("RPCFlags.Values is not a map")
    return {str(k): (x.value if isinstance(x, Iface) else x) for k, x in values.items()}
