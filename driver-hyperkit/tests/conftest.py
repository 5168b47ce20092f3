"""Fixtures: stand-in executables first on PATH, a machine store in tmp, real venvs."""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from minikube.testing import Venv, Wheelhouse, install_standin
from minikube_driver_hyperkit import HyperkitDriver

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
STANDINS = HERE / "standins"
PROJECT = HERE.parent
CORE = PROJECT.parent / "core"

#: The UUID whose stand-in vmnet MAC is 8e:01:99:2a:05:0b, which the fixture leases hold
#: (as ``8e:1:99:2a:5:b``, with two leases: the later one is 192.168.64.7).
UUID = "c0ffee00-0000-4000-8000-8e01992a050b"
IP = "192.168.64.7"


@dataclass
class Host:
    """The stand-in host: where the stand-ins record what they were asked to do."""

    root: Path
    bin: Path
    leases: Path
    exports: Path
    hyperkit_record: Path
    nfsd_record: Path
    ssh_record: Path
    vmnet_plist: Path

    def hyperkit_calls(self) -> list[list[str]]:
        import json

        if not self.hyperkit_record.exists():
            return []
        return [json.loads(ln) for ln in self.hyperkit_record.read_text().splitlines()]


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Host:
    """Stand-in hyperkit (playing bootpd too), nfsd and ssh first on PATH; leases, exports and vmnet
    files in tmp."""
    import plistlib

    root = tmp_path / "host"
    h = Host(root=root, bin=root / "bin", leases=root / "dhcpd_leases", exports=root / "exports",
             hyperkit_record=root / "hyperkit.calls", nfsd_record=root / "nfsd.calls",
             ssh_record=root / "ssh.calls", vmnet_plist=root / "com.apple.vmnet.plist")
    install_standin(h.bin, "hyperkit", STANDINS / "hyperkit.py")
    install_standin(h.bin, "nfsd", STANDINS / "nfsd.py")
    install_standin(h.bin, "ssh", STANDINS / "ssh.py")
    shutil.copyfile(FIXTURES / "dhcpd_leases", h.leases)
    h.vmnet_plist.write_bytes(plistlib.dumps({"Shared_Net_Address": "192.168.64.1",
                                              "Shared_Net_Mask": "255.255.255.0"}))
    monkeypatch.setenv("PATH", f"{h.bin}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("MINIKUBE_HYPERKIT_LEASES_FILE", str(h.leases))
    monkeypatch.setenv("MINIKUBE_HYPERKIT_EXPORTS_FILE", str(h.exports))
    monkeypatch.setenv("MINIKUBE_HYPERKIT_NFSD", str(h.bin / "nfsd"))
    monkeypatch.setenv("MINIKUBE_HYPERKIT_VMNET_PLIST", str(h.vmnet_plist))
    monkeypatch.setenv("MINIKUBE_HYPERKIT_EUID", "0")  # the root check passes, whoever runs the tests
    monkeypatch.setenv("STANDIN_HYPERKIT_RECORD", str(h.hyperkit_record))
    # the stand-in hyperkit plays bootpd too: a VM whose MAC has no lease gets one (a test that
    # wants bootpd silent unsets this)
    monkeypatch.setenv("STANDIN_HYPERKIT_BOOTPD_LEASES", str(h.leases))
    monkeypatch.setenv("STANDIN_NFSD_RECORD", str(h.nfsd_record))
    monkeypatch.setenv("STANDIN_SSH_RECORD", str(h.ssh_record))
    return h


@pytest.fixture(scope="session")
def iso_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Rock Ridge + Joliet fixture ISO, unpacked."""
    dest = tmp_path_factory.mktemp("iso") / "minikube.iso"
    with gzip.open(FIXTURES / "tiny-rr-joliet.iso.gz") as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out)
    return dest


@pytest.fixture
def make_driver(tmp_path: Path, iso_file: Path) -> Iterator[Callable[..., HyperkitDriver]]:
    """A configured driver with short waits; every VM it started is SIGKILLed at teardown."""
    made: list[HyperkitDriver] = []

    def make(name: str = "hk", **kw: object) -> HyperkitDriver:
        base: dict[str, object] = dict(machine_name=name, store_path=str(tmp_path / "mkhome"), ssh_user="docker",
                                       boot2docker_url=iso_file.as_uri(), disk_size=4, cpu=2, memory=1024,
                                       uuid=UUID, cmdline=f"console=ttyS0 host={name}", ip_interval=0.1,
                                       ip_attempts=30, stop_interval=0.1, nfs_settle=0.0)
        base.update(kw)
        d = HyperkitDriver(**base)  # type: ignore[arg-type]
        made.append(d)
        return d

    yield make
    for d in made:
        _kill_recorded(d)


def _kill_recorded(d: HyperkitDriver) -> None:
    import json
    import signal

    try:
        pid = int(json.loads((d.machine_dir / "hyperkit.json").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return
    try:
        import psutil

        if "hyper" in psutil.Process(pid).name():
            os.kill(pid, signal.SIGKILL)
    except Exception:
        pass


@pytest.fixture(scope="session")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """A real venv with the core and this distribution installed from wheels (a real pip install)."""
    wh = Wheelhouse.build(tmp_path_factory.mktemp("wheelhouse"), CORE, PROJECT)
    v = Venv.create(tmp_path_factory.mktemp("venv"), wh)
    v.install("minikube", "minikube-driver-hyperkit")
    return v
