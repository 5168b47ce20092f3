"""NFS shares for the guest (``--hyperkit-nfs-share``): exports on the host, mounts in the guest.

Two layers, both here so that all of hyperkit's NFS sharing lives in one module rather than in
the driver class:

* ``/etc/exports`` entries between markers, checked and reloaded with nfsd, in the same file
  format as the Go library minikube uses (johanneswuerbach/nfsexports)::

      # BEGIN: minikube-hyperkit minikube-/Users
      /Users 192.168.64.3 -alldirs -mapall=alice
      # END: minikube-hyperkit minikube-/Users

  so shares made by either can be removed by the other;
* the driver's shares: one export per share for the guest's IP, mounted in the guest over SSH
  once it has booted (:func:`setup_shares`), and the exports dropped again on stop or remove
  (:func:`remove_shares`).
"""

from __future__ import annotations

import logging
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from minikube import DriverError
from minikube.machine import BaseDriver

from . import _host

log = logging.getLogger("minikube.driver.hyperkit")


class NFSError(RuntimeError):
    """An exports change was refused or nfsd failed; the message says which."""


def _entry(identifier: str, export: str) -> str:
    return f"# BEGIN: {identifier}\n{export}\n# END: {identifier}\n"


def _write(path: Path, data: str) -> None:
    tmp = path.with_name(f".{path.name}.minikube.tmp")
    tmp.write_text(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def exists(exports_file: Path, identifier: str) -> bool:
    try:
        text = exports_file.read_text()
    except FileNotFoundError:
        return False
    return f"# BEGIN: {identifier}\n" in text


def add(exports_file: Path, identifier: str, export: str, nfsd: str) -> bool:
    """Add an export unless present (False then); nfsd checks the new file before it is written."""
    try:
        text = exports_file.read_text()
    except FileNotFoundError:
        text = ""
    if f"# BEGIN: {identifier}\n" in text:
        return False
    if text and not text.endswith("\n"):
        text += "\n"
    new = text + _entry(identifier, export)
    _check(new, nfsd)
    _write(exports_file, new)
    return True


def remove(exports_file: Path, identifier: str) -> bool:
    """Remove an export; False if it was not there."""
    try:
        text = exports_file.read_text()
    except FileNotFoundError:
        return False
    begin = text.find(f"# BEGIN: {identifier}\n")
    end_mark = f"# END: {identifier}\n"
    end = text.find(end_mark, begin)
    if begin == -1 or end == -1:
        return False
    new = (text[:begin] + text[end + len(end_mark):]).strip()
    _write(exports_file, new + "\n" if new else "")
    return True


def _check(text: str, nfsd: str) -> None:
    with tempfile.NamedTemporaryFile("w", prefix="exports", delete=False) as f:
        f.write(text)
    try:
        proc = _run([nfsd, "-F", f.name, "checkexports"])
    finally:
        os.unlink(f.name)
    if proc.returncode != 0:
        raise NFSError(f"Export verification failed:\n{proc.stderr.strip()}")


def reload_daemon(nfsd: str) -> None:
    proc = _run([nfsd, "restart"])
    if proc.returncode != 0:
        raise NFSError(f"Reloading nfsd failed: {proc.stderr.strip() or f'exit {proc.returncode}'}")


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise NFSError(f"could not run {' '.join(argv)}: {e}") from None


# --- the driver's shares ----------------------------------------------------------------------------

def share_paths(shares: Iterable[str], machine_dir: Path) -> list[str]:
    """The shares as host paths: a relative one is under the machine's directory."""
    return [s if os.path.isabs(s) else str(machine_dir / s) for s in shares]


def export_id(machine: str, share: str) -> str:
    return f"minikube-hyperkit {machine}-{share}"


def setup_shares(driver: BaseDriver, shares: list[str], shares_root: str) -> None:
    """Export each share to the guest's IP (a conflicting export is skipped, as minikube does),
    reload nfsd, then mount them all under ``shares_root`` in the guest."""
    try:
        from minikube.machine.plugin import invoking_user

        user = pwd.getpwuid(invoking_user()[0]).pw_name  # the user minikube runs as, not sudo's root
        host_ip = _host.shared_net_address()
        script = ["set -e"]
        for share in shares:
            export = f"{share} {driver.ip_address} -alldirs -mapall={user}"
            try:
                add(_host.exports_file(), export_id(driver.machine_name, share), export, _host.nfsd())
            except NFSError as e:
                if "conflicts with existing export" in str(e):
                    log.info("Conflicting NFS Share not setup and ignored: %s", e)
                    continue
                raise
            target = shlex.quote(f"{shares_root}/{share}")
            script += [f"sudo mkdir -p {target}",
                       f"sudo mount -t nfs -o noacl,async {shlex.quote(f'{host_ip}:{share}')} {target}"]
        reload_daemon(_host.nfsd())
        run_in_guest(driver, "\n".join(script) + "\n")
    except (NFSError, OSError, KeyError) as e:
        raise DriverError(f"NFS setup failed: {e}", reason_id="GUEST_START") from None


def run_in_guest(driver: BaseDriver, script: str) -> None:
    """Run ``script`` with ``sh`` in the guest, over SSH with the driver's key, port, user and IP."""
    ssh = shutil.which("ssh")
    if ssh is None:
        raise NFSError("ssh not found (install OpenSSH's client)")
    argv = [ssh, "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=quiet", "-o", "ConnectTimeout=10",
            "-o", "IdentitiesOnly=yes", "-i", driver.get_ssh_key_path(), "-p", str(driver.get_ssh_port()),
            f"{driver.get_ssh_username()}@{driver.get_ip()}", "sh"]
    try:
        proc = subprocess.run(argv, input=script, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise NFSError(f"mounting the shares in the guest: {e}") from None
    if proc.returncode != 0:
        raise NFSError(f"mounting the shares in the guest failed ({proc.returncode}): "
                       f"{(proc.stderr or proc.stdout).strip()[:500]}")


def remove_shares(machine: str, shares: list[str]) -> None:
    """Drop the machine's exports and reload nfsd if any was there; failures are only logged."""
    removed = False
    for share in shares:
        try:
            removed |= remove(_host.exports_file(), export_id(machine, share))
        except OSError as e:
            log.error("failed removing nfs share (%s): %s", share, e)
    if removed:
        try:
            reload_daemon(_host.nfsd())
        except NFSError as e:
            log.error("failed to reload the nfs daemon: %s", e)
