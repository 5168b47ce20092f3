"""The machine layer: the Python counterpart of docker-machine's libmachine.

Names load on first use (PEP 562): a plugin process that imports ``minikube.machine.plugin``
pays only for what it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes as _lazy_attributes

_LAZY: dict[str, tuple[str, str]] = {
    "B2D_MAGIC": ("._b2d", "MAGIC"),
    "BaseDriver": ("._driver", "BaseDriver"),
    "BoolFlag": ("._driver", "BoolFlag"),
    "CONFIG_VERSION": ("._store", "CONFIG_VERSION"),
    "Driver": ("._driver", "Driver"),
    "DriverFactory": ("._api", "DriverFactory"),
    "DriverOptions": ("._driver", "DriverOptions"),
    "Flag": ("._driver", "Flag"),
    "FlagValues": ("._driver", "FlagValues"),
    "Host": ("._store", "Host"),
    "HostStore": ("._store", "HostStore"),
    "IntFlag": ("._driver", "IntFlag"),
    "Machines": ("._api", "Machines"),
    "State": ("._driver", "State"),
    "StringFlag": ("._driver", "StringFlag"),
    "StringSliceFlag": ("._driver", "StringSliceFlag"),
    "copy_boot_image": ("._b2d", "copy_boot_image"),
    "disk_tar": ("._b2d", "disk_tar"),
    "generate_ssh_key": ("._ssh", "generate_ssh_key"),
    "json_field": ("._driver", "json_field"),
    "load_json_dict": ("._driver", "load_json_dict"),
    "mac_from_name": ("._net", "mac_from_name"),
    "normalize_mac": ("._net", "normalize_mac"),
    "to_json_dict": ("._driver", "to_json_dict"),
    "wait_for": ("._poll", "wait_for"),
    "write_raw_disk": ("._b2d", "write_raw_disk"),
}

if TYPE_CHECKING:
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
    "copy_boot_image",
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

__getattr__, __dir__ = _lazy_attributes(__name__, _LAZY, __all__)
