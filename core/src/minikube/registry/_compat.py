"""Driver API compatibility: a driver's declared range against the API this core implements.

Decided from ``minikube-driver.toml`` before the driver is imported; the messages say which side
to upgrade.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._version import DRIVER_API_VERSION, __version__
from ._declaration import METADATA_FILE

if TYPE_CHECKING:
    from ._catalog import DriverInfo


def api_admits(spec: str, version: str) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(spec).contains(version, prereleases=True)
    except InvalidSpecifier:
        return False


def unranged_warning(info: DriverInfo) -> str:
    """The warning for an accepted driver that declares no API range (an older driver), else ""."""
    if info.api or not info.entry_point:
        return ""
    return (f'driver "{info.name}" from {info.distribution} {info.version} declares no driver API range '
            f"(an older driver): using it anyway, though minikube {__version__} cannot tell whether it "
            f"supports driver API {DRIVER_API_VERSION}")


def upgrade_target(info: DriverInfo) -> str:
    """Which side is behind: ``"minikube"`` when the driver wants a newer driver API than this core
    implements, else the driver's distribution (its range stops below this core's API, or is invalid)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    core_api = Version(DRIVER_API_VERSION)
    try:
        specs = list(SpecifierSet(info.api))
    except InvalidSpecifier:
        return info.distribution
    for s in specs:
        if s.contains(core_api, prereleases=True):
            continue
        if s.operator in (">=", ">"):
            return "minikube"
        if s.operator in ("==", "~=", "==="):
            try:
                if core_api < Version(s.version.removesuffix(".*")):
                    return "minikube"
            except InvalidVersion:
                pass
    return info.distribution


def incompatible_message(info: DriverInfo) -> str:
    """One line: the distribution, its range, the core's version and API, and what to upgrade."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(info.api)
        rng = f"supports driver API {info.api}"
    except InvalidSpecifier:
        rng = f"declares an invalid driver API range {info.api!r}"
    return (f'driver "{info.name}" from {info.distribution} {info.version} {rng}, but minikube '
            f"{__version__} implements driver API {DRIVER_API_VERSION}: upgrade {upgrade_target(info)}")


def incompatible_fix(info: DriverInfo) -> str:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(info.api)
    except InvalidSpecifier:
        return (f"Upgrade the driver: pip install -U {info.distribution} (the api range in its "
                f"{METADATA_FILE} must be a version specifier such as \">=1.0,<2\")")
    if upgrade_target(info) == "minikube":
        return (f"Upgrade minikube: pip install -U minikube (or install a release of {info.distribution} "
                f"built for driver API {DRIVER_API_VERSION})")
    return (f"Upgrade the driver: pip install -U {info.distribution} (or install a minikube release "
            f"that implements driver API {info.api})")


