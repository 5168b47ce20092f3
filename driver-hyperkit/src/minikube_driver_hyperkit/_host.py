"""What the driver reads from the host: well-known paths, the effective uid, the executable.

Each can be pointed elsewhere with an environment variable so tests on Linux run the real
code against stand-in files.  They are ignored when the process runs as root on behalf of a
user (started through sudo, as minikube does, or setuid): a user must not be able to point it
at files of their choice.

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

PERMISSION_ERROR = ("{base} needs to run with elevated permissions: minikube starts it as root with "
                    "sudo -n, which must be allowed without a password")
SUDOERS_FILE = "/etc/sudoers.d/minikube-hyperkit"


def elevated_for_a_user() -> bool:
    """Root on a user's behalf: through sudo (which sets SUDO_UID) or the setuid bit."""
    return os.getuid() != os.geteuid() or (os.geteuid() == 0 and "SUDO_UID" in os.environ)


def _override(var: str, default: str) -> str:
    if elevated_for_a_user():
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
    from minikube.machine.plugin import sudoers_fix

    exe = executable()
    raise DriverError(PERMISSION_ERROR.format(base=os.path.basename(exe), exe=exe),
                      reason_id="PR_HYPERKIT_NOT_ROOT", fix=sudoers_fix(exe, "hyperkit", "minikube-driver-hyperkit"))


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
