"""Shared folders in the driver: the cluster's mounts into the driver config and back, what the
pre-create check refuses (one line each, before anything is made), and the virtiofsd of a share
started with QEMU and stopped with it (a guestless QEMU, as in test_driver.py)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
from pathlib import Path

import pytest
from conftest import HERE, need_qemu
from minikube import ClusterConfig, ConfigError, MinikubeError, UsageError
from minikube.machine import Share, parse_mount_string
from minikube.testing import install_standin
from minikube_driver_qemu2 import QEMUDriver, _virtiofsd, configure
from minikube_driver_qemu2._host import qemu_system


def cluster(tmp_path: Path, *shares: Share) -> ClusterConfig:
    return ClusterConfig(name="m1", driver="qemu2", store_path=str(tmp_path / "home"),
                         minikube_iso=(tmp_path / "x.iso").as_uri(), mounts=[s.to_json() for s in shares])


@pytest.fixture
def src(tmp_path: Path) -> Path:
    d = tmp_path / "src"
    d.mkdir()
    return d


def test_configure_keeps_the_shares_in_the_driver_config(tmp_path: Path, src: Path) -> None:
    nine_p = parse_mount_string(f"{src}:/mnt/src", "9p")
    vfs = parse_mount_string(f"{src}:/data", "virtiofs")
    d = configure(cluster(tmp_path, nine_p, vfs))
    assert d.share_list() == (nine_p, vfs)
    raw = json.loads(d.get_config_raw())
    assert raw["Shares"] == [nine_p.to_json(), vfs.to_json()]
    assert raw["Shares"][0]["Kind"] == "9p" and raw["Shares"][0]["Tag"] == nine_p.tag  # the tag the guest mounts
    again = QEMUDriver()
    again.set_config_raw(d.get_config_raw())
    assert again == d and again.share_list() == (nine_p, vfs)
    assert configure(cluster(tmp_path)).shares == []  # none asked: none


def test_a_config_without_shares_is_one_without_shares() -> None:
    d = QEMUDriver()
    d.set_config_raw(b'{"MachineName": "old", "StorePath": "/x"}')  # written before shares existed
    assert d.share_list() == ()


@pytest.mark.parametrize("bad", [b'{"Shares": {"Kind": "9p"}}', b'{"Shares": [{"Kind": "9p"}]}'])
def test_a_corrupt_shares_entry(bad: bytes) -> None:
    d = QEMUDriver()
    with pytest.raises(ConfigError, match="Shares"):
        d.set_config_raw(bad)
        d.share_list()


def pre_create(tmp_path: Path, *shares: Share) -> MinikubeError:
    (tmp_path / "x.iso").write_bytes(b"\0" * 4096)
    d = configure(cluster(tmp_path, *shares))
    d.virt_type = "tcg"
    with pytest.raises(MinikubeError) as e:
        d.pre_create_check()
    assert not (tmp_path / "home").exists()  # refused before anything was made
    assert "\n" not in e.value.message
    return e.value


def test_unknown_kind(tmp_path: Path, src: Path) -> None:
    e = pre_create(tmp_path, Share("nfs", str(src), "/mnt", "mk-1"))
    assert isinstance(e, UsageError) and e.reason_id == "MK_USAGE"
    assert '"nfs" shared folder' in e.message and "9p and virtiofs" in e.message


def test_missing_folder(tmp_path: Path) -> None:
    e = pre_create(tmp_path, Share("9p", str(tmp_path / "gone"), "/mnt", "mk-1"))
    assert e.reason_id == "HOST_PATH_MISSING" and str(tmp_path / "gone") in e.message


def test_comma_in_folder(tmp_path: Path) -> None:
    (tmp_path / "a,b").mkdir()
    e = pre_create(tmp_path, Share("9p", str(tmp_path / "a,b"), "/mnt", "mk-1"))
    assert e.reason_id == "MK_USAGE" and "','" in e.message


def test_virtiofsd_missing(tmp_path: Path, src: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIKUBE_VIRTIOFSD", "/nonexistent")
    e = pre_create(tmp_path, Share("virtiofs", str(src), "/mnt", "mk-1"))
    assert e.reason_id == "HOST_UNSUPPORTED" and "/nonexistent" in e.message
    assert "--mount-type 9p" in e.fix
    # 9p needs nothing on the host: the same check passes the share (and fails later, on the fake ISO)
    (tmp_path / "x.iso").write_bytes(b"\0" * 4096)
    d = configure(cluster(tmp_path, Share("9p", str(src), "/mnt", "mk-1")))
    d.virt_type = "tcg"
    d.pre_create_check()


# --- virtiofsd with the machine ---------------------------------------------------------------

@pytest.fixture
def driver(tmp_path: Path, src: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A machine with a virtiofs share and a 9p one, whose QEMU is guestless (it never connects
    to the virtiofsd, which is then stopped with SIGTERM)."""
    if not os.access("/usr/lib/qemu/virtiofsd", os.X_OK) or os.geteuid() != 0:
        pytest.skip("needs QEMU's virtiofsd and root (as an ordinary user: test_vm.py)")
    real = need_qemu()
    bin_dir = tmp_path / "bin"
    install_standin(bin_dir, qemu_system(), HERE / "standins" / "qemu-guestless.py")
    (bin_dir / "qemu-img").symlink_to(shutil.which("qemu-img") or "/usr/bin/qemu-img")
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("QEMU_STANDIN_REAL", real)
    monkeypatch.setenv("QEMU_STANDIN_LOG", str(tmp_path / "runs.log"))
    monkeypatch.setattr(_virtiofsd, "EXIT_GRACE", 0.2)
    d = configure(cluster(tmp_path, Share("9p", str(src), "/a", "mk-a"), Share("virtiofs", str(src), "/b", "mk-b")))
    d.program = qemu_system()
    d.machine_dir().mkdir(parents=True)
    (d.machine_dir() / "disk.qcow2").write_bytes(b"")
    yield d
    d.remove()


def virtiofsd_pid(d: QEMUDriver) -> int | None:
    return _virtiofsd.running(d.machine_dir(), 1, d.share_list()[1].host_path)


def test_virtiofsd_starts_before_qemu_and_stops_after(driver: QEMUDriver) -> None:
    driver.start()  # returns with QEMU running: minikube, not the driver, waits for SSH
    pid = virtiofsd_pid(driver)
    assert pid is not None and (driver.machine_dir() / "virtiofsd-1.sock").exists()
    assert not (driver.machine_dir() / "virtiofsd-0.pid").exists()  # the 9p share needs none
    driver.kill()  # QEMU quits (stop would too, after the power button's timeout: -M none has no ACPI)
    assert virtiofsd_pid(driver) is None
    assert not (driver.machine_dir() / "virtiofsd-1.sock").exists()
    driver.start()  # returns with QEMU running: minikube, not the driver, waits for SSH
    again = virtiofsd_pid(driver)
    assert again is not None and again != pid
    driver.remove()  # QEMU, virtiofsd and every file
    assert virtiofsd_pid(driver) is None and list(driver.machine_dir().iterdir()) == []


def test_a_virtiofsd_left_by_a_killed_minikube_is_replaced(driver: QEMUDriver) -> None:
    driver.start()  # returns with QEMU running: minikube, not the driver, waits for SSH
    pid = virtiofsd_pid(driver)
    assert pid is not None
    pidfile = driver.machine_dir() / "qemu.pid"
    orphan = int(pidfile.read_text())
    pidfile.unlink()  # QEMU gone for minikube, its virtiofsd still there
    try:
        driver.start()  # returns with QEMU running: minikube, not the driver, waits for SSH
        assert not _virtiofsd.owns(pid, driver.share_list()[1].host_path)
        assert virtiofsd_pid(driver) not in (None, pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(orphan, signal.SIGKILL)  # the QEMU no pidfile names any more: the fixture cannot


def test_port_retry_restarts_the_virtiofsd(driver: QEMUDriver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QEMU_STANDIN_MODE", "hostfwd-once")
    driver.start()  # the first QEMU failed, the second runs (with one virtiofsd for it) and start returns
    assert len(virtiofsds(driver.share_list()[1].host_path)) == 1  # the first QEMU's was stopped


def virtiofsds(source: str) -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _virtiofsd.owns(int(p.name), source)]


def test_folder_gone_before_a_start(driver: QEMUDriver, src: Path) -> None:
    src.rmdir()
    with pytest.raises(MinikubeError) as e:
        driver.start()
    assert e.value.reason_id == "HOST_PATH_MISSING" and "minikube delete -p m1" in e.value.fix
    assert not (driver.machine_dir() / "qemu.pid").exists() and virtiofsd_pid(driver) is None
