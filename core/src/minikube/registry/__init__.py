"""The driver registry: what driver authors use (DriverDef, Priority, Health, Capabilities) and the
one Registry that finds, loads, checks and suggests drivers; the machinery stays in private modules.

``State`` and ``DriverState`` are driver API 1.0's names for ``Health`` and ``DriverHealth``:
deprecated, and still working.
"""

import warnings
from typing import Any

from ._catalog import DriverInfo
from ._declaration import METADATA_FILE
from ._health import HEALTH_TIMEOUT, DriverHealth, Suggestion
from ._index import GROUP
from ._registry import Registry, require
from ._types import MOUNT_KINDS, Capabilities, DriverDef, Health, Priority, current_platform, supports

__all__ = [
    "GROUP",
    "HEALTH_TIMEOUT",
    "METADATA_FILE",
    "MOUNT_KINDS",
    "Capabilities",
    "DriverDef",
    "DriverHealth",
    "DriverInfo",
    "Health",
    "Priority",
    "Registry",
    "Suggestion",
    "current_platform",
    "require",
    "supports",
]

_DEPRECATED = {"State": Health, "DriverState": DriverHealth}


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:
        new = _DEPRECATED[name]
        warnings.warn(f"minikube.registry.{name} is deprecated: use minikube.registry.{new.__name__}",
                      DeprecationWarning, stacklevel=2)
        return new
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
