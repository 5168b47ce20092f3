"""minikube's VM-driver system in Python.

The public API, re-exported from small modules: the registry (DriverDef, Priority, State),
the machine layer (Driver, BaseDriver, MachineState, create flags), the cluster config and the
error hierarchy.  Names load on first use (PEP 562), so `import minikube.cli` stays cheap; importing this
package imports no driver and no third-party library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_attributes as _lazy_attributes
from ._version import DRIVER_API_VERSION, LIBMACHINE_API_VERSION, __version__

_LAZY: dict[str, tuple[str, str]] = {
    "BaseDriver": (".machine", "BaseDriver"),
    "BoolFlag": (".machine", "BoolFlag"),
    "ClusterConfig": (".config", "ClusterConfig"),
    "ConfigError": ("._errors", "ConfigError"),
    "ConfigVersionError": ("._errors", "ConfigVersionError"),
    "Driver": (".machine", "Driver"),
    "DriverBrokenError": ("._errors", "DriverBrokenError"),
    "DriverConflictError": ("._errors", "DriverConflictError"),
    "DriverDef": (".registry", "DriverDef"),
    "Priority": (".registry", "Priority"),
    "State": (".registry", "State"),
    "DriverError": ("._errors", "DriverError"),
    "DriverIncompatibleError": ("._errors", "DriverIncompatibleError"),
    "DriverNotFoundError": ("._errors", "DriverNotFoundError"),
    "DriverOptions": (".machine", "DriverOptions"),
    "Flag": (".machine", "Flag"),
    "HostNotRunningError": ("._errors", "HostNotRunningError"),
    "IPNotSetError": ("._errors", "IPNotSetError"),
    "IntFlag": (".machine", "IntFlag"),
    "InvalidNameError": ("._errors", "InvalidNameError"),
    "LockedError": ("._errors", "LockedError"),
    "MachineNotFoundError": ("._errors", "MachineNotFoundError"),
    "MachineState": (".machine", "State"),
    "MinikubeError": ("._errors", "MinikubeError"),
    "NotFoundError": ("._errors", "NotFoundError"),
    "PluginError": ("._errors", "PluginError"),
    "Reason": ("._errors", "Reason"),
    "RegistryError": ("._errors", "RegistryError"),
    "StringFlag": (".machine", "StringFlag"),
    "StringSliceFlag": (".machine", "StringSliceFlag"),
    "UsageError": ("._errors", "UsageError"),
}

if TYPE_CHECKING:
    from ._errors import (
        ConfigError,
        ConfigVersionError,
        DriverBrokenError,
        DriverConflictError,
        DriverError,
        DriverIncompatibleError,
        DriverNotFoundError,
        HostNotRunningError,
        InvalidNameError,
        IPNotSetError,
        LockedError,
        MachineNotFoundError,
        MinikubeError,
        NotFoundError,
        PluginError,
        Reason,
        RegistryError,
        UsageError,
    )
    from .config import ClusterConfig
    from .machine import BaseDriver, BoolFlag, Driver, DriverOptions, Flag, IntFlag, StringFlag, StringSliceFlag
    from .machine import State as MachineState
    from .registry import DriverDef, Priority, State

__all__ = [
    "DRIVER_API_VERSION",
    "LIBMACHINE_API_VERSION",
    "BaseDriver",
    "BoolFlag",
    "ClusterConfig",
    "ConfigError",
    "ConfigVersionError",
    "Driver",
    "DriverBrokenError",
    "DriverConflictError",
    "DriverDef",
    "DriverError",
    "DriverIncompatibleError",
    "DriverNotFoundError",
    "DriverOptions",
    "Flag",
    "HostNotRunningError",
    "IPNotSetError",
    "IntFlag",
    "InvalidNameError",
    "LockedError",
    "MachineNotFoundError",
    "MachineState",
    "MinikubeError",
    "NotFoundError",
    "PluginError",
    "Priority",
    "Reason",
    "RegistryError",
    "State",
    "StringFlag",
    "StringSliceFlag",
    "UsageError",
    "__version__",
]

__getattr__, __dir__ = _lazy_attributes(__name__, _LAZY, __all__)
