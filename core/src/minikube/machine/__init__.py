"""The machine layer: the Python counterpart of docker-machine's libmachine."""

from ._api import DriverFactory, Machines
from ._b2d import MAGIC as B2D_MAGIC
from ._b2d import disk_tar, write_raw_disk
from ._driver import (
    BaseDriver,
    BoolFlag,
    Driver,
    DriverOptions,
    Flag,
    FlagValues,
    IntFlag,
    State,
    StringFlag,
    StringSliceFlag,
    json_field,
    load_json_dict,
    to_json_dict,
)
from ._net import mac_from_name, normalize_mac
from ._poll import wait_for
from ._ssh import generate_ssh_key
from ._store import CONFIG_VERSION, Host, HostStore

__all__ = [
    "B2D_MAGIC",
    "CONFIG_VERSION",
    "DriverFactory",
    "Host",
    "HostStore",
    "Machines",
    "disk_tar",
    "generate_ssh_key",
    "mac_from_name",
    "normalize_mac",
    "wait_for",
    "write_raw_disk",
    "BaseDriver",
    "BoolFlag",
    "Driver",
    "DriverOptions",
    "Flag",
    "FlagValues",
    "IntFlag",
    "State",
    "StringFlag",
    "StringSliceFlag",
    "json_field",
    "load_json_dict",
    "to_json_dict",
]
