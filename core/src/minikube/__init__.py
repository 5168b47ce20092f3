"""minikube's VM-driver system in Python.

The public API, re-exported from small modules: the registry (DriverDef, Priority, State),
the machine layer (Driver, BaseDriver, MachineState, create flags), the cluster config and the
error hierarchy.  Importing this package imports no driver and no third-party library.
"""

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
from ._version import DRIVER_API_VERSION, LIBMACHINE_API_VERSION, __version__
from .config import ClusterConfig
from .machine import (
    BaseDriver,
    BoolFlag,
    Driver,
    DriverOptions,
    Flag,
    IntFlag,
    StringFlag,
    StringSliceFlag,
)
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
