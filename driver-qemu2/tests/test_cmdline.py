"""QEMU's command line, as a pure function of the machine's settings."""

from __future__ import annotations

from pathlib import Path

from minikube_driver_qemu2._cmdline import Spec, argv, opt

D = Path("/home/u/.minikube/machines/m1")


def spec(**kw: object) -> Spec:
    base: dict[str, object] = dict(program="qemu-system-x86_64", machine_dir=D, name="m1", memory_mb=2048, cpus=2,
                                   accel="tcg", ssh_port=40022, engine_port=40376)
    base.update(kw)
    return Spec(**base)  # type: ignore[arg-type]


def value(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


def test_amd64_linux_tcg() -> None:
    a = argv(spec())
    assert a[0] == "qemu-system-x86_64"
    assert "-M" not in a  # the default pc machine, BIOS boot
    assert value(a, "-cpu") == "max" and value(a, "-accel") == "tcg"
    assert value(a, "-m") == "2048" and value(a, "-smp") == "2"
    assert value(a, "-display") == "none" and value(a, "-boot") == "d"
    assert value(a, "-cdrom") == f"{D}/boot2docker.iso"
    assert value(a, "-pidfile") == f"{D}/qemu.pid"
    assert value(a, "-qmp") == "unix:monitor,server=on,wait=off"  # relative: QEMU runs in the machine dir
    assert value(a, "-serial") == f"file:{D}/serial.log"
    assert "-daemonize" in a
    assert value(a, "-drive") == f"file={D}/disk.qcow2,if=virtio,format=qcow2"
    assert "pflash" not in " ".join(a)


def test_user_network_forwards_from_loopback_only() -> None:
    nic = value(argv(spec()), "-nic").split(",")
    assert nic[:2] == ["user", "model=virtio"]
    assert "hostfwd=tcp:127.0.0.1:40022-:22" in nic
    assert "hostfwd=tcp:127.0.0.1:40376-:2376" in nic
    assert "hostname=m1" in nic


def test_kvm_and_hvf() -> None:
    assert value(argv(spec(accel="kvm")), "-accel") == "kvm"
    assert value(argv(spec(accel="kvm")), "-cpu") == "max"
    a = argv(spec(accel="hvf", os_name="darwin"))
    assert value(a, "-accel") == "hvf" and value(a, "-cpu") == "host"


def test_arm64_linux() -> None:
    fw = "/usr/share/AAVMF/AAVMF_CODE.fd"
    a = argv(spec(program="qemu-system-aarch64", arch="arm64", firmware=fw))
    assert value(a, "-M") == "virt" and value(a, "-cpu") == "cortex-a72"
    assert f"file={fw},readonly=on,format=raw,if=pflash" in a
    k = argv(spec(program="qemu-system-aarch64", arch="arm64", firmware=fw, accel="kvm"))
    assert value(k, "-M") == "virt,gic-version=3" and value(k, "-cpu") == "host"


def test_arm64_darwin_highmem() -> None:
    small = argv(spec(arch="arm64", os_name="darwin", accel="hvf", memory_mb=3072, firmware="/fw"))
    assert value(small, "-M") == "virt,highmem=off"
    big = argv(spec(arch="arm64", os_name="darwin", accel="hvf", memory_mb=4096, firmware="/fw"))
    assert value(big, "-M") == "virt"
    old = argv(spec(arch="arm64", os_name="darwin", accel="hvf", memory_mb=4096, firmware="/fw",
                    qemu_version=(6, 2)))
    assert value(old, "-M") == "virt,highmem=off"


def test_commas_in_paths_are_doubled() -> None:
    d = Path("/tmp/a,b/machines/m1")
    a = argv(spec(machine_dir=d))
    assert value(a, "-drive") == "file=/tmp/a,,b/machines/m1/disk.qcow2,if=virtio,format=qcow2"
    assert value(a, "-serial") == "file:/tmp/a,,b/machines/m1/serial.log"
    assert value(a, "-pidfile") == f"{d}/qemu.pid"  # a plain argument: not escaped
    assert opt("x,y,,z") == "x,,y,,,,z"


def test_extra_disks() -> None:
    a = argv(spec(extra_disks=(f"{D}/m1-1.rawdisk",)))
    assert f"file={D}/m1-1.rawdisk,index=11,media=disk,format=raw,if=virtio" in a
