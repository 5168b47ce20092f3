"""QEMU's command line for one machine: a pure function of the machine's settings, so it is tested
without starting anything.

As minikube's qemu2 lays it out (amd64: BIOS, ``-cpu max``; arm64: ``-M virt`` with UEFI firmware
on pflash), with three deliberate differences: the forwarded ports listen on 127.0.0.1 only, the
disk is a virtio drive with its format stated (no probing), and the QMP socket is named relative
to the machine directory (QEMU runs there), so a deep ``MINIKUBE_HOME`` cannot exceed the 108
bytes a Unix socket path may have.

Shared folders (``--mount-string``) are devices with the share's tag, which the guest mounts by
name: 9p through ``-virtfs`` (QEMU itself serves the files), virtiofs through a
``vhost-user-fs-pci`` device whose files a virtiofsd process serves over a Unix socket
(``_virtiofsd``).  vhost-user needs the guest's RAM shared with that process, so a machine with a
virtiofs share gets its memory from a shared memfd.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from minikube.machine import Share

MONITOR = "monitor"
PIDFILE = "qemu.pid"
SERIAL_LOG = "serial.log"
ISO = "boot2docker.iso"
DISK = "disk.qcow2"
SSH_GUEST_PORT = 22
ENGINE_GUEST_PORT = 2376
#: virtiofsd's socket for the share with this index (relative: QEMU runs in the machine dir).
VIRTIOFS_SOCKET = "virtiofsd-{}.sock"
#: The memory backend a virtiofs machine's RAM comes from.
SHARED_MEMORY = "mem"


@dataclass(frozen=True)
class Spec:
    """Everything the command line depends on."""

    program: str
    machine_dir: Path
    name: str
    memory_mb: int
    cpus: int
    accel: str  # kvm, hvf, tcg
    ssh_port: int
    engine_port: int
    arch: str = "amd64"
    os_name: str = "linux"
    firmware: str = ""
    qemu_version: tuple[int, int] = (7, 2)
    extra_disks: tuple[str, ...] = ()
    shares: tuple[Share, ...] = ()

    @property
    def shared_memory(self) -> bool:
        """Whether the guest's RAM must be shared with another process (a virtiofsd)."""
        return any(s.kind == "virtiofs" for s in self.shares)


def opt(value: object) -> str:
    """A value inside a QEMU ``key=value,...`` option: commas are doubled."""
    return str(value).replace(",", ",,")


def hostfwd(host_port: int, guest_port: int) -> str:
    return f"hostfwd=tcp:127.0.0.1:{host_port}-:{guest_port}"


def share_args(index: int, share: Share) -> list[str]:
    """The device that exposes one share to the guest under its tag; ``index`` names it (fsN,
    vfsN) and, for virtiofs, its virtiofsd's socket."""
    if share.kind == "9p":
        # security_model=none: QEMU, an ordinary user's process, reads and writes the files as
        # that user, and a file the guest makes belongs to that user on the host (guest chown and
        # chmod of ownership are ignored).  It is what works without root, and Lima's default for
        # 9p; "passthrough" needs root to set owners, "mapped-xattr" keeps guest owners in xattrs
        # the host does not understand.
        return ["-virtfs", f"local,path={opt(share.host_path)},mount_tag={opt(share.tag)},security_model=none,"
                           f"id=fs{index}"]
    if share.kind == "virtiofs":
        return ["-chardev", f"socket,id=vfs{index},path={opt(VIRTIOFS_SOCKET.format(index))}",
                "-device", f"vhost-user-fs-pci,chardev=vfs{index},tag={opt(share.tag)}"]
    raise ValueError(f"unknown shared folder kind {share.kind!r}")


def argv(s: Spec) -> list[str]:
    d = s.machine_dir
    args = [s.program]
    backend = f"memory-backend={SHARED_MEMORY}" if s.shared_memory else ""
    if s.arch == "arm64":
        machine = "virt"
        if s.os_name == "darwin" and (s.qemu_version < (7, 0) or s.memory_mb <= 3072):
            machine += ",highmem=off"
        elif s.os_name == "linux" and s.accel == "kvm":
            machine += ",gic-version=3"
        if backend:
            machine += f",{backend}"
        args += ["-M", machine, "-cpu", "host" if s.accel in ("kvm", "hvf") else "cortex-a72"]
        if s.firmware:
            args += ["-drive", f"file={opt(s.firmware)},readonly=on,format=raw,if=pflash"]
    else:
        if backend:  # the default machine (pc), with its RAM from the shared backend
            args += ["-machine", backend]
        args += ["-cpu", "host" if s.accel == "hvf" else "max"]
    args += ["-display", "none", "-accel", s.accel, "-m", str(s.memory_mb), "-smp", str(s.cpus),
             "-boot", "d", "-cdrom", str(d / ISO),
             "-qmp", f"unix:{MONITOR},server=on,wait=off",
             "-pidfile", str(d / PIDFILE),
             "-nic", ",".join(["user", "model=virtio", hostfwd(s.ssh_port, SSH_GUEST_PORT),
                               hostfwd(s.engine_port, ENGINE_GUEST_PORT), f"hostname={opt(s.name)}"]),
             "-daemonize",
             "-serial", f"file:{opt(d / SERIAL_LOG)}",
             "-drive", f"file={opt(d / DISK)},if=virtio,format=qcow2"]
    for i, path in enumerate(s.extra_disks, start=1):
        args += ["-drive", f"file={opt(path)},index={10 + i},media=disk,format=raw,if=virtio"]
    if s.shared_memory:
        args += ["-object", f"memory-backend-memfd,id={SHARED_MEMORY},size={s.memory_mb}M,share=on"]
    for i, share in enumerate(s.shares):
        args += share_args(i, share)
    return args
