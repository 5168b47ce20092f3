"""The machine's files: the boot image it copies, the disks it writes, and whether QEMU can open them.

Split out of the driver because none of this talks to libvirt: it is file preparation (and the
checks that go with it) done before a domain is defined, with its own user-facing errors
(``--iso-url``, ``--disk-size``, directory permissions).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from minikube import DriverError, UsageError
from minikube.machine import boot_image_source, disk_tar, write_raw_disk

from ._host import Identity, blocking_directory

if TYPE_CHECKING:
    from ._acl_grants import Grants

MIB = 1024 * 1024


def iso_source(url: str) -> Path:
    """The boot image to copy (the core's rule for every VM driver, with kvm2's offline hint)."""
    return boot_image_source(url, "kvm2", offline_fix="an offline test image: minikube-tiny-iso (prints its path)")


def check_boot_image(src: Path) -> None:
    """The boot image must exist and be readable by whoever runs minikube (it copies it)."""
    if not src.is_file():
        raise UsageError(f"the boot image {src} does not exist", fix="Check the --iso-url path")
    if not os.access(src, os.R_OK):
        raise DriverError(f"the boot image {src} is not readable by {Identity.current().name}",
                          reason_id="PR_KVM_ISO_PERMISSION", fix=f"Run: chmod a+r {src}")


def check_disk_size(disk_mb: int, image_bytes: int) -> None:
    """The disk must hold the boot2docker tar, and a disk smaller than the boot image itself is
    a unit mistake (``--disk-size 20`` is 20 MB, not 20 GB)."""
    tar = len(disk_tar(b"ssh-rsa " + b"A" * 400 + b" minikube\n"))
    need_mb = max(-(-tar // MIB), -(-image_bytes // MIB))
    if disk_mb < need_mb:
        raise UsageError(f"disk size {disk_mb} MB is smaller than the boot image ({need_mb} MB) "
                         "and the boot2docker disk image it must hold",
                         fix="Use a bigger --disk-size, e.g. --disk-size 20000mb (a bare number is MB)")


def check_qemu_access(machine_dir: Path, who: Identity) -> None:
    """QEMU, running as ``who``, must be able to reach the ISO and disks in ``machine_dir``."""
    blocked = blocking_directory(machine_dir / "boot2docker.iso", who)
    if blocked is not None:
        raise DriverError(
            f"QEMU runs as {who.name}, which cannot enter {blocked} (mode {oct(blocked.stat().st_mode & 0o777)}), "
            f"so it could not open the ISO and disk in {machine_dir}",
            reason_id="PR_KVM_ISO_PERMISSION",
            fix=f"Use a MINIKUBE_HOME that {who.name} can reach, or set user = \"root\" in "
                "/etc/libvirt/qemu.conf and restart libvirtd")


def open_path_for(machine_dir: Path, who: Identity) -> None:
    """Let ``who`` (libvirt's QEMU user, when minikube runs as root) search every directory down
    to ``machine_dir``: an ACL entry for that one user on each directory that stops it, the
    machine directory included.  Nothing else is opened: the files QEMU uses are handed to it by
    libvirt while the VM runs, and the SSH key stays root's alone."""
    from ._acl_grants import held

    blocked: list[Path] = []
    with held() as grants:  # each entry recorded, so the last machine's delete takes it back
        grants.keep(machine_dir)
        while (d := blocking_directory(machine_dir / "boot2docker.iso", who)) is not None:
            if d in blocked:
                break
            blocked.append(d)
            _grant(grants, d, who, machine_dir)
    if blocked:
        check_qemu_access(machine_dir, who)


def release_path_for(machine_dir: Path) -> None:
    """``machine_dir`` is deleted: the ACL entries only it still needed go (``_acl_grants``)."""
    from ._acl_grants import held, record_path

    if not record_path().exists():  # kvm2 never added an entry here (not root, say): nothing to do
        return
    with held() as grants:
        grants.release(machine_dir)


def _grant(grants: Grants, d: Path, who: Identity, machine_dir: Path) -> None:
    try:
        grants.grant(d, who.uid, 1, machine_dir)
    except OSError as e:
        raise DriverError(f"QEMU runs as {who.name}, which cannot enter {d}, and minikube could not let it "
                          f"(an ACL entry): {e.strerror}", reason_id="PR_KVM_ISO_PERMISSION",
                          fix=f"Use a MINIKUBE_HOME on a filesystem with ACLs, or one that {who.name} can "
                              f"reach (chmod o+x on each directory down to {machine_dir})") from None


def write_boot_disk(path: Path, public_key: bytes, size_mb: int) -> None:
    """The boot2docker disk: a tar stream with the SSH key, then sparse up to ``size_mb``."""
    try:
        write_raw_disk(path, public_key, size_mb)
    except ValueError as e:
        raise UsageError(str(e), fix="Use a bigger --disk-size") from None


def write_empty_disk(path: Path, size_mb: int) -> None:
    """An extra disk: empty and sparse."""
    with open(path, "wb") as f:
        f.truncate(size_mb * MIB)
