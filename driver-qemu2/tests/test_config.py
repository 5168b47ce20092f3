"""The driver config: minikube's cluster settings in, Go's JSON names out, the driver's own options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from minikube import ClusterConfig, UsageError
from minikube.machine import FlagValues, State
from minikube_driver_qemu2 import QEMUDriver, configure


def cluster(tmp_path: Path) -> ClusterConfig:
    return ClusterConfig(name="m1", driver="qemu2", cpus=3, memory=3000, disk_size=5000,
                         minikube_iso="file:///x/tiny.iso", store_path=str(tmp_path))


def test_configure(tmp_path: Path) -> None:
    d = configure(cluster(tmp_path))
    assert (d.machine_name, d.cpu, d.memory, d.disk_size) == ("m1", 3, 3000, 5000)
    assert d.boot2docker_url == "file:///x/tiny.iso" and d.get_ssh_username() == "docker"
    assert d.disk_path == str(tmp_path / "machines/m1/disk.qcow2")
    assert d.program.startswith("qemu-system-")
    assert d.get_ip() == "127.0.0.1" and d.get_ssh_hostname() == "127.0.0.1"


def test_go_json_names(tmp_path: Path) -> None:
    d = configure(cluster(tmp_path))
    d.ssh_port, d.engine_port = 40022, 40376
    raw = json.loads(d.get_config_raw())
    for key in ("MachineName", "SSHUser", "SSHPort", "StorePath", "EnginePort", "FirstQuery", "Memory", "DiskSize",
                "CPU", "Program", "BIOS", "CPUType", "MachineType", "Firmware", "Network", "Boot2DockerURL",
                "DiskPath", "ExtraDisks", "VirtType"):
        assert key in raw, key
    assert "_said_software" not in raw and raw["SSHPort"] == 40022 and raw["EnginePort"] == 40376
    again = QEMUDriver()
    again.set_config_raw(d.get_config_raw())
    assert again == d
    assert again.get_url() == "tcp://127.0.0.1:40376"


def test_options(tmp_path: Path) -> None:
    d = configure(cluster(tmp_path))
    d.set_config_from_flags(FlagValues({"qemu-virt-type": "TCG", "qemu-network": "user", "qemu-ssh-timeout": 30}))
    assert (d.virt_type, d.network, d.ssh_timeout) == ("tcg", "builtin", 30)
    d.set_config_from_flags(FlagValues({}))  # every option at its zero value: the defaults
    assert (d.virt_type, d.network, d.ssh_timeout) == ("auto", "builtin", 300)


@pytest.mark.parametrize(("opts", "says"), [
    ({"qemu-virt-type": "xen"}, "--qemu-virt-type"),
    ({"qemu-network": "socket_vmnet"}, "must be 'builtin'"),
    ({"qemu-network": "bridge"}, "must be 'builtin'"),
    ({"qemu-ssh-timeout": -1}, "--qemu-ssh-timeout"),
])
def test_bad_options(tmp_path: Path, opts: dict[str, object], says: str) -> None:
    with pytest.raises(UsageError, match=says):
        configure(cluster(tmp_path)).set_config_from_flags(FlagValues(opts))


def test_a_machine_never_made(tmp_path: Path) -> None:
    d = configure(cluster(tmp_path))
    assert d.get_state() == State.NONE
    d.remove()  # nothing to remove: success
    assert not (tmp_path / "machines").exists()


def test_stopped_with_a_stale_pidfile(tmp_path: Path) -> None:
    d = configure(cluster(tmp_path))
    mdir = tmp_path / "machines/m1"
    mdir.mkdir(parents=True)
    (mdir / "disk.qcow2").write_bytes(b"")
    (mdir / "qemu.pid").write_text("not a pid")
    (mdir / "monitor").write_bytes(b"")  # a socket file left by a killed QEMU
    assert d.get_state() == State.STOPPED
    assert not (mdir / "qemu.pid").exists() and not (mdir / "monitor").exists()


def test_remove_deletes_every_file_it_made(tmp_path: Path) -> None:
    d = configure(cluster(tmp_path))
    mdir = tmp_path / "machines/m1"
    mdir.mkdir(parents=True)
    made = ["boot2docker.iso", ".boot2docker.iso.tmp", "disk.qcow2", "disk.qcow2.raw", "disk.qcow2.raw.tmp", "id_rsa",
            "id_rsa.pub", "monitor", "qemu.pid", "serial.log"]
    for name in [*made, "config.json"]:
        (mdir / name).write_text("x")
    d.remove()
    assert sorted(p.name for p in mdir.iterdir()) == ["config.json"]  # minikube's own record is the core's to remove
