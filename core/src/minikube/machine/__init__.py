"""The machine layer: the Python counterpart of docker-machine's libmachine.

Names load on first use (PEP 562): a plugin process that imports ``minikube.machine.plugin``
pays only for what it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_package as _lazy_package

_API = {
    "._api": "DriverFactory Machines MachineSession",
    "._b2d": "B2D_MAGIC=MAGIC boot_image_source copy_boot_image disk_tar write_raw_disk",
    "._driver": "BaseDriver BoolFlag Driver DriverOptions Flag FlagValues IntFlag State StringFlag StringSliceFlag "
                "json_field load_json_dict to_json_dict",
    "._hwvirt": "cpu_has_hw_virt read_cpuinfo",
    "._idmap": "check_userns userns_argv userns_failure",
    "._net": "mac_from_name normalize_mac",
    "._poll": "wait_for",
    "._pool": "BoundedPool machines_at_once",
    "._ready": "ACTION_STATES DEFAULT_WAIT_TIMEOUT await_state run_action wait_for_ssh",
    "._share": "Share find_virtiofsd parse_mount_string require_host_dirs shares_of",
    "._ssh": "generate_ssh_key run_over_ssh",
    "._store": "CONFIG_VERSION Host HostStore",
}

if TYPE_CHECKING:
    from ._api import DriverFactory, Machines, MachineSession
    from ._b2d import MAGIC as B2D_MAGIC
    from ._b2d import boot_image_source, copy_boot_image, disk_tar, write_raw_disk
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
    from ._hwvirt import cpu_has_hw_virt, read_cpuinfo
    from ._idmap import check_userns, userns_argv, userns_failure
    from ._net import mac_from_name, normalize_mac
    from ._poll import wait_for
    from ._pool import BoundedPool, machines_at_once
    from ._ready import ACTION_STATES, DEFAULT_WAIT_TIMEOUT, await_state, run_action, wait_for_ssh
    from ._share import Share, find_virtiofsd, parse_mount_string, require_host_dirs, shares_of
    from ._ssh import generate_ssh_key, run_over_ssh
    from ._store import CONFIG_VERSION, Host, HostStore

__all__, __getattr__, __dir__ = _lazy_package(__name__, _API)
