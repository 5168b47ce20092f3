"""The driver registry: DriverDef, priorities, health, and discovery of installed drivers."""

from ._discovery import (
    GROUP,
    METADATA_FILE,
    PLUGIN_PREFIX,
    Catalog,
    DriverInfo,
    EntryRecord,
    load_def,
    load_index,
    not_found,
    path_plugins,
)
from ._registry import (
    HEALTH_TIMEOUT,
    DriverState,
    Registry,
    Suggestion,
    check_all,
    check_health,
    rank,
    suggest,
)
from ._types import DriverDef, Priority, State, current_platform, supports

__all__ = [
    "GROUP",
    "HEALTH_TIMEOUT",
    "METADATA_FILE",
    "PLUGIN_PREFIX",
    "Catalog",
    "DriverDef",
    "DriverInfo",
    "DriverState",
    "EntryRecord",
    "Priority",
    "Registry",
    "State",
    "Suggestion",
    "check_all",
    "check_health",
    "current_platform",
    "load_def",
    "load_index",
    "not_found",
    "path_plugins",
    "rank",
    "suggest",
    "supports",
]
