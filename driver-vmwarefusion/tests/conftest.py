"""Fixtures: stand-in vmrun and vmware-vdiskmanager first on PATH, a store in tmp, real venvs."""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from minikube.testing import Venv, Wheelhouse, install_standin
from minikube_driver_vmwarefusion import VMwareFusionDriver

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
STANDINS = HERE / "standins"
PROJECT = HERE.parent
CORE = PROJECT.parent / "core"


@dataclass
class Fusion:
    """The stand-in VMware Fusion: what it was asked to do, and what the guest received."""

    root: Path
    bin: Path
    vmrun_record: Path
    vdisk_record: Path
    guest_root: Path
    #: the guests' sshd: one loopback listener per guest address, all on one port
    sshds: list[socket.socket]

    @property
    def ssh(self) -> socket.socket:
        """The first guest's sshd (on 127.0.0.1)."""
        return self.sshds[0]

    @property
    def ssh_port(self) -> int:
        return int(self.ssh.getsockname()[1])

    @property
    def guest_ips(self) -> list[str]:
        """The addresses the stand-in vmrun gives the VMs, the first VM started 127.0.0.1."""
        return [str(s.getsockname()[0]) for s in self.sshds]

    def vmrun_calls(self) -> list[list[str]]:
        if not self.vmrun_record.exists():
            return []
        return [json.loads(ln) for ln in self.vmrun_record.read_text().splitlines()]

    def vdisk_calls(self) -> list[list[str]]:
        if not self.vdisk_record.exists():
            return []
        return [json.loads(ln) for ln in self.vdisk_record.read_text().splitlines()]


#: How many VMs may run at once with an address (and a listening sshd) of their own.
GUESTS = 4


def guest_sshds(count: int = GUESTS) -> list[socket.socket]:
    """Listeners on 127.0.0.1, 127.0.0.2, ... (loopback only, never a wildcard address), all on
    the port the kernel picked for the first: a guest's sshd is at <its own address>:<that port>."""
    for _ in range(50):
        socks: list[socket.socket] = []
        try:
            for i in range(1, count + 1):
                s = socket.socket()
                socks.append(s)
                s.bind((f"127.0.0.{i}", socks[0].getsockname()[1] if i > 1 else 0))
                s.listen(16)
            return socks
        except OSError:  # that port is taken on one of the other addresses: another port
            for s in socks:
                s.close()
    raise RuntimeError(f"no port free on 127.0.0.1-127.0.0.{count} (is all of 127.0.0.0/8 loopback here?)")


@pytest.fixture
def fusion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fusion]:
    root = tmp_path / "fusion"
    sshds = guest_sshds()
    f = Fusion(root=root, bin=root / "bin", vmrun_record=root / "vmrun.calls", vdisk_record=root / "vdisk.calls",
               guest_root=root / "guest", sshds=sshds)
    install_standin(f.bin, "vmrun", STANDINS / "vmrun.py")
    install_standin(f.bin, "vmware-vdiskmanager", STANDINS / "vmware-vdiskmanager.py")
    (root / "vmnet8").mkdir()
    shutil.copyfile(FIXTURES / "dhcpd.conf", root / "vmnet8" / "dhcpd.conf")
    (root / "leases").mkdir()
    shutil.copyfile(FIXTURES / "vmnet-dhcpd-vmnet8.leases", root / "leases" / "vmnet-dhcpd-vmnet8.leases")
    monkeypatch.setenv("PATH", f"{f.bin}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("STANDIN_VMRUN_STATE", str(root / "vmrun.state"))
    monkeypatch.setenv("STANDIN_VMRUN_RECORD", str(f.vmrun_record))
    monkeypatch.setenv("STANDIN_VDISKMANAGER_RECORD", str(f.vdisk_record))
    monkeypatch.setenv("STANDIN_VMRUN_GUEST_ROOT", str(f.guest_root))
    monkeypatch.setenv("STANDIN_VMRUN_GUEST_IPS", ",".join(f.guest_ips))  # each VM its own, in this order
    monkeypatch.setenv("MINIKUBE_VMWAREFUSION_DHCPD_CONF_GLOB", str(root / "vmnet*" / "dhcpd.conf"))
    monkeypatch.setenv("MINIKUBE_VMWAREFUSION_LEASES_GLOB", str(root / "leases" / "*.leases"))
    yield f
    for s in sshds:
        s.close()


@pytest.fixture
def iso_file(tmp_path: Path) -> Path:
    iso = tmp_path / "minikube.iso"
    iso.write_bytes(b"stand-in ISO: Fusion is not running anything\n" * 100)
    return iso


@pytest.fixture
def make_driver(tmp_path: Path, iso_file: Path, fusion: Fusion) -> Callable[..., VMwareFusionDriver]:
    """A configured driver whose guest sshd listens on the fixture's port (on its guest's address); short waits."""

    def make(name: str = "vmw", **kw: object) -> VMwareFusionDriver:
        base: dict[str, object] = dict(machine_name=name, store_path=str(tmp_path / "mkhome"), ssh_user="docker",
                                       boot2docker_url=iso_file.as_uri(), disk_size=20000, cpu=2, memory=2048,
                                       ssh_port=fusion.ssh_port, ip_interval=0.05, ip_attempts=20,
                                       guest_ip_timeout=10.0, no_share=True)
        base.update(kw)
        return VMwareFusionDriver(**base)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """A real venv with the core and this distribution installed from wheels (a real pip install)."""
    wh = Wheelhouse.build(tmp_path_factory.mktemp("wheelhouse"), CORE, PROJECT)
    v = Venv.create(tmp_path_factory.mktemp("venv"), wh)
    v.install("minikube", "minikube-driver-vmwarefusion")
    return v
