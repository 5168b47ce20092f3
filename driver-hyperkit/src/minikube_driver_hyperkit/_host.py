"""What the driver reads from the host: well-known paths, the effective uid, the executable.

Each can be pointed elsewhere with an environment variable so tests on Linux run the real
code against stand-in files.  They are ignored when the process was elevated by the setuid
bit (real uid != effective uid): the plugin then runs as root on behalf of a user, and a user
must not be able to point it at files of their choice.

========================================  ==============================================
``MINIKUBE_HYPERKIT_LEASES_FILE``         bootpd's lease file (``/var/db/dhcpd_leases``)
``MINIKUBE_HYPERKIT_EXPORTS_FILE``        NFS exports (``/etc/exports``)
``MINIKUBE_HYPERKIT_NFSD``                nfsd (``/sbin/nfsd``)
``MINIKUBE_HYPERKIT_VMNET_PLIST``         vmnet's settings (the shared network's address)
``MINIKUBE_HYPERKIT_EUID``                the effective uid the root check sees
========================================  ==============================================
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from minikube import DriverError

LEASES_FILE = "/var/db/dhcpd_leases"
EXPORTS_FILE = "/etc/exports"
NFSD = "/sbin/nfsd"
VMNET_PLIST = "/Library/Preferences/SystemConfiguration/com.apple.vmnet.plist"

PERMISSION_ERROR = ("{base} needs to run with elevated permissions. Please run the following command, "
                    "then try again: sudo chown root:wheel {exe} && sudo chmod u+s {exe}")


def elevated_by_setuid() -> bool:
    return os.getuid() != os.geteuid()


def _override(var: str, default: str) -> str:
    if elevated_by_setuid():
        return default
    return os.environ.get(var) or default


def leases_file() -> Path:
    return Path(_override("MINIKUBE_HYPERKIT_LEASES_FILE", LEASES_FILE))


def exports_file() -> Path:
    return Path(_override("MINIKUBE_HYPERKIT_EXPORTS_FILE", EXPORTS_FILE))


def nfsd() -> str:
    return _override("MINIKUBE_HYPERKIT_NFSD", NFSD)


def vmnet_plist() -> Path:
    return Path(_override("MINIKUBE_HYPERKIT_VMNET_PLIST", VMNET_PLIST))


def effective_uid() -> int:
    value = _override("MINIKUBE_HYPERKIT_EUID", "")
    return int(value) if value.strip().lstrip("-").isdigit() else os.geteuid()


def executable() -> str:
    """This program's path, as the fix names it (the plugin binary when run as the plugin)."""
    return os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else sys.executable


def verify_root() -> None:
    """hyperkit needs vmnet.framework, and vmnet needs root: refuse early with minikube's fix."""
    if effective_uid() == 0:
        return
    exe = executable()
    raise DriverError(PERMISSION_ERROR.format(base=os.path.basename(exe), exe=exe),
                      reason_id="PR_HYPERKIT_NOT_ROOT",
                      fix=f"sudo chown root:wheel {exe} && sudo chmod u+s {exe}")


def shared_net_address() -> str:
    """The host's address on vmnet's shared network (the NFS server address for the guest)."""
    import plistlib

    path = vmnet_plist()
    try:
        with open(path, "rb") as f:
            doc = plistlib.load(f)
    except (OSError, plistlib.InvalidFileException, ValueError) as e:
        raise DriverError(f"could not get the network address for vmnet from {path}: {e}") from None
    value = doc.get("Shared_Net_Address") if isinstance(doc, dict) else None
    if not isinstance(value, str) or not value:
        raise DriverError(f"could not get the network address for vmnet: {path} has no Shared_Net_Address")
    return value
