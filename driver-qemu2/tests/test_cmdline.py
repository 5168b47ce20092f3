"""QEMU's command line, as a pure function of the machine's settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from minikube.machine import Share
from minikube_driver_qemu2._cmdline import Spec, argv, opt, share_args

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


NINE_P = Share("9p", "/home/u/src", "/mnt/src", "mk-aaa", ("trans=virtio",))
VIRTIOFS = Share("virtiofs", "/home/u/data", "/data", "mk-bbb")


def test_9p_share_is_a_virtfs_device_qemu_serves_as_the_user() -> None:
    a = argv(spec(shares=(NINE_P,)))
    assert value(a, "-virtfs") == "local,path=/home/u/src,mount_tag=mk-aaa,security_model=none,id=fs0"
    assert "memory-backend" not in " ".join(a)  # 9p needs no shared RAM
    assert "-machine" not in a and "-chardev" not in a


def test_virtiofs_share_is_a_vhost_user_device_on_shared_memory() -> None:
    a = argv(spec(shares=(VIRTIOFS,), memory_mb=3000))
    assert value(a, "-machine") == "memory-backend=mem"
    assert value(a, "-object") == "memory-backend-memfd,id=mem,size=3000M,share=on"  # the size is -m's
    assert value(a, "-m") == "3000"
    assert value(a, "-chardev") == "socket,id=vfs0,path=virtiofsd-0.sock"  # relative: QEMU runs in the dir
    assert value(a, "-device") == "vhost-user-fs-pci,chardev=vfs0,tag=mk-bbb"
    assert "-virtfs" not in a


def test_shares_are_numbered_in_order() -> None:
    a = argv(spec(shares=(NINE_P, VIRTIOFS, Share("9p", "/x", "/y", "mk-ccc"))))
    assert [x for x in a if x.startswith("local,")] == [
        "local,path=/home/u/src,mount_tag=mk-aaa,security_model=none,id=fs0",
        "local,path=/x,mount_tag=mk-ccc,security_model=none,id=fs2"]
    assert value(a, "-chardev") == "socket,id=vfs1,path=virtiofsd-1.sock"
    assert a.count("-object") == 1  # one shared backend, however many virtiofs shares


def test_virtiofs_on_arm64_names_the_backend_on_its_machine() -> None:
    a = argv(spec(program="qemu-system-aarch64", arch="arm64", firmware="/fw", accel="kvm", shares=(VIRTIOFS,)))
    assert value(a, "-M") == "virt,gic-version=3,memory-backend=mem"
    assert "-machine" not in a


def test_share_paths_and_tags_are_escaped() -> None:
    (flag, val) = share_args(0, Share("9p", "/a,b", "/g", "t,1"))
    assert val == "local,path=/a,,b,mount_tag=t,,1,security_model=none,id=fs0"


def test_unknown_share_kind() -> None:
    with pytest.raises(ValueError, match="nfs"):
        argv(spec(shares=(Share("nfs", "/a", "/b", "t"),)))
