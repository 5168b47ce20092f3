"""minikube's hyperkit driver (macOS): an external driver served as ``docker-machine-driver-hyperkit``."""

from ._driver import HyperkitDriver, find_hyperkit, hyperkit_args
from ._hkversion import MINIMUM_VERSION, is_recent_enough, version_date, version_from_output
from ._host import PERMISSION_ERROR, verify_root
from ._iso import KERNEL_FILES, ISOError, extract_files
from ._leases import DHCPEntry, Leases, find_ip, ip_from_leases_file, parse_leases, trim_mac
from ._version import PLUGIN_VERSION, __version__
from ._vmnet import mac_for_uuid, standin_mac_for_uuid
from .registration import DRIVER, configure, status

__all__ = [
    "DRIVER",
    "KERNEL_FILES",
    "MINIMUM_VERSION",
    "PERMISSION_ERROR",
    "PLUGIN_VERSION",
    "DHCPEntry",
    "HyperkitDriver",
    "ISOError",
    "Leases",
    "__version__",
    "configure",
    "extract_files",
    "find_hyperkit",
    "find_ip",
    "hyperkit_args",
    "ip_from_leases_file",
    "is_recent_enough",
    "mac_for_uuid",
    "parse_leases",
    "standin_mac_for_uuid",
    "status",
    "trim_mac",
    "verify_root",
    "version_date",
    "version_from_output",
]
