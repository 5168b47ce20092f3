"""SSH keys for machines, made with OpenSSH's ``ssh-keygen`` (no crypto library in core)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .._errors import DriverError
from .._files import ensure_dir


def generate_ssh_key(path: Path | str) -> bytes:
    """Create ``path`` (private, 0600) and ``path.pub`` if absent; return the public key line."""
    path = Path(path)
    pub = path.with_name(path.name + ".pub")
    if not (path.exists() and pub.exists()):
        exe = shutil.which("ssh-keygen")
        if exe is None:
            raise DriverError("ssh-keygen not found", reason_id="GUEST_PROVISION",
                              fix="Install OpenSSH's client tools (Debian: apt-get install openssh-client)")
        ensure_dir(path.parent)
        for p in (path, pub):
            p.unlink(missing_ok=True)
        proc = subprocess.run([exe, "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "minikube",
                               "-f", str(path)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise DriverError(f"ssh-keygen failed: {proc.stderr.strip()}")
        path.chmod(0o600)
    return pub.read_bytes()


#: Seconds ``minikube ssh`` gives a guest to accept the connection and greet (libmachine's
#: ConnectTimeout); also passed to OpenSSH, which otherwise waits for the kernel (minutes).
SSH_CONNECT_TIMEOUT = 10.0

#: OpenSSH options for ``minikube ssh``, as libmachine's external client uses them: a guest that
#: stops answering ends the session after about three minutes instead of hanging it for ever.
SSH_OPTIONS = ("StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "LogLevel=ERROR",
               "IdentitiesOnly=yes", "PasswordAuthentication=no", f"ConnectTimeout={SSH_CONNECT_TIMEOUT:g}",
               "ServerAliveInterval=60")


def ssh_unreachable(host: str, port: int, timeout: float = SSH_CONNECT_TIMEOUT) -> str | None:
    """Why an SSH server at ``host:port`` cannot be used, or None when it greets us.

    An SSH server speaks first (its ``SSH-2.0-...`` line), so connecting and reading one line
    tells a live guest from one that refuses, does not route, or accepts and never answers,
    within ``timeout`` seconds rather than the minutes a stuck ``ssh`` would take."""
    import socket
    import time

    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.settimeout(max(0.1, deadline - time.monotonic()))
            greeting = conn.recv(256)
    except TimeoutError:
        return f"no answer within {timeout:g}s"
    except OSError as e:
        return e.strerror or str(e)
    if not greeting:
        return "the connection was closed without an SSH greeting"
    return None


def run_over_ssh(target: tuple[str, int, str, str], command: str, *,
                 timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run one shell ``command`` in the guest as the SSH user with OpenSSH (``BatchMode``: never
    a prompt); ``target`` is ``(host, port, user, key)`` as ``MachineSession.ssh_target`` gives it.
    ssh's own failures exit 255, the command's with its own code."""
    host, port, user, key = target
    exe = shutil.which("ssh")
    if exe is None:
        raise DriverError("ssh not found", reason_id="IF_SSH_CLIENT",
                          fix="Install OpenSSH's client (Debian: apt-get install openssh-client)")
    argv = [exe, "-i", key, "-p", str(port), "-o", "BatchMode=yes"]
    for option in SSH_OPTIONS:
        argv += ["-o", option]
    argv += [f"{user}@{host}", command]
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(argv, 255, "", f"no result within {timeout:g}s")
