"""QEMU's command line for one machine: a pure function of the machine's settings, so it is tested
without starting anything.

As minikube's qemu2 lays it out (amd64: BIOS, ``-cpu max``; arm64: ``-M virt`` with UEFI firmware
on pflash), with three deliberate differences: the forwarded ports listen on 127.0.0.1 only, the
disk is a virtio drive with its format stated (no probing), and the QMP socket is named relative
to the machine directory (QEMU runs there), so a deep ``MINIKUBE_HOME`` cannot exceed the 108
bytes a Unix socket path may have.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MONITOR = "monitor"
PIDFILE = "qemu.pid"
SERIAL_LOG = "serial.log"
ISO = "boot2docker.iso"
DISK = "disk.qcow2"
SSH_GUEST_PORT = 22
ENGINE_GUEST_PORT = 2376


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


def opt(value: object) -> str:
    """A value inside a QEMU ``key=value,...`` option: commas are doubled."""
    return str(value).replace(",", ",,")


def hostfwd(host_port: int, guest_port: int) -> str:
    return f"hostfwd=tcp:127.0.0.1:{host_port}-:{guest_port}"


def argv(s: Spec) -> list[str]:
    d = s.machine_dir
    args = [s.program]
    if s.arch == "arm64":
        machine = "virt"
        if s.os_name == "darwin" and (s.qemu_version < (7, 0) or s.memory_mb <= 3072):
            machine += ",highmem=off"
        elif s.os_name == "linux" and s.accel == "kvm":
            machine += ",gic-version=3"
        args += ["-M", machine, "-cpu", "host" if s.accel in ("kvm", "hvf") else "cortex-a72"]
        if s.firmware:
            args += ["-drive", f"file={opt(s.firmware)},readonly=on,format=raw,if=pflash"]
    else:
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
    return args
