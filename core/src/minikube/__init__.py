"""minikube's VM-driver system in Python.

The public API, re-exported from small modules: the registry (DriverDef, Priority, Health, Capabilities),
the machine layer (Driver, BaseDriver, MachineState, create flags), the cluster config and the
error hierarchy.  Names load on first use (PEP 562), so `import minikube.cli` stays cheap; importing this
package imports no driver and no third-party library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_package as _lazy_package
from ._version import DRIVER_API_VERSION, LIBMACHINE_API_VERSION, __version__

_API = {
    "._errors": "ConfigError ConfigVersionError DriverBrokenError DriverConflictError DriverError "
                "DriverIncompatibleError DriverNotFoundError HostNotRunningError IPNotSetError InvalidNameError "
                "LockedError MachineNotFoundError MinikubeError NotFoundError PluginError Reason RegistryError "
                "UsageError",
    ".config": "ClusterConfig",
    ".machine": "BaseDriver BoolFlag Driver DriverOptions Flag IntFlag MachineState=State StringFlag StringSliceFlag",
    ".registry": "Capabilities DriverDef Health Priority ~State",  # State: 1.0's name for Health
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
    from .registry import Capabilities, DriverDef, Health, Priority
    from .registry import Health as State

__all__, __getattr__, __dir__ = _lazy_package(
    __name__, _API, eager=("DRIVER_API_VERSION", "LIBMACHINE_API_VERSION", "__version__"))
