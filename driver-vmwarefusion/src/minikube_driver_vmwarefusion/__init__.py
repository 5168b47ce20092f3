"""minikube's VMware Fusion driver (macOS): a builtin driver that drives ``vmrun``."""

from ._dhcp import Lease, hosts_from_dhcpd_conf, ip_from_files, ip_from_leases, leases
from ._driver import VMwareFusionDriver, dhcpd_conf_files, lease_files, mount_command
from ._tools import FUSION_LIBRARY, find_tool, running_vmx_paths
from ._version import __version__
from ._vmx import VMXSettings, generated_mac, parse_vmx, render_vmx
from .registration import DRIVER, configure, status

__all__ = [
    "DRIVER",
    "FUSION_LIBRARY",
    "Lease",
    "VMXSettings",
    "VMwareFusionDriver",
    "__version__",
    "configure",
    "dhcpd_conf_files",
    "find_tool",
    "generated_mac",
    "hosts_from_dhcpd_conf",
    "ip_from_files",
    "ip_from_leases",
    "lease_files",
    "leases",
    "mount_command",
    "parse_vmx",
    "render_vmx",
    "running_vmx_paths",
    "status",
]
