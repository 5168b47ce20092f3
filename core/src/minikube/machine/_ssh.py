"""SSH keys for machines, made with OpenSSH's ``ssh-keygen`` (no crypto library in core)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .._errors import DriverError


def generate_ssh_key(path: Path | str) -> bytes:
    """Create ``path`` (private, 0600) and ``path.pub`` if absent; return the public key line."""
    path = Path(path)
    pub = path.with_name(path.name + ".pub")
    if not (path.exists() and pub.exists()):
        exe = shutil.which("ssh-keygen")
        if exe is None:
            raise DriverError("ssh-keygen not found", reason_id="GUEST_PROVISION",
                              fix="Install OpenSSH's client tools (Debian: apt-get install openssh-client)")
        path.parent.mkdir(parents=True, exist_ok=True)
        for p in (path, pub):
            p.unlink(missing_ok=True)
        proc = subprocess.run([exe, "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "minikube",
                               "-f", str(path)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise DriverError(f"ssh-keygen failed: {proc.stderr.strip()}")
        path.chmod(0o600)
    return pub.read_bytes()
