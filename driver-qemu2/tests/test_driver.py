"""The driver's start against a guestless QEMU (the real binary with ``-M none`` behind a stand-in):
a forwarded port taken while QEMU starts, QEMU dying while the guest boots, kill and remove."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import HERE, need_qemu
from minikube import ClusterConfig, DriverError
from minikube.machine import Host, HostStore, Machines, MachineSession, State
from minikube.testing import install_standin
from minikube_driver_qemu2 import configure
from minikube_driver_qemu2._host import qemu_system


@pytest.fixture
def driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    real = need_qemu()
    bin_dir = tmp_path / "bin"
    install_standin(bin_dir, qemu_system(), HERE / "standins" / "qemu-guestless.py")
    (bin_dir / "qemu-img").symlink_to(shutil.which("qemu-img") or "/usr/bin/qemu-img")
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("QEMU_STANDIN_REAL", real)
    monkeypatch.setenv("QEMU_STANDIN_LOG", str(tmp_path / "runs.log"))
    d = configure(ClusterConfig(name="m1", driver="qemu2", store_path=str(tmp_path / "home")))
    d.program = qemu_system()  # found on PATH: the stand-in
    d.machine_dir().mkdir(parents=True)
    (d.machine_dir() / "disk.qcow2").write_bytes(b"")  # the machine exists; the guestless QEMU never reads it
    yield d
    d.remove()


def runs(tmp_path: Path) -> list[str]:
    return (tmp_path / "runs.log").read_text().splitlines()


def test_port_taken_while_qemu_starts(driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("QEMU_STANDIN_MODE", "hostfwd-once")
    driver.start()  # the first QEMU failed on its forward, the second runs; start returns with it running
    first, second = runs(tmp_path)
    assert first != second  # new ports the second time
    assert f"hostfwd=tcp:127.0.0.1:{driver.ssh_port}-:22" in second
    assert f"hostfwd=tcp:127.0.0.1:{driver.engine_port}-:2376" in second
    assert driver.get_state() == State.RUNNING


def test_qemu_dies_while_the_guest_boots(driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """start returns with QEMU running; minikube's wait for SSH (which the user waits through too)
    ends at once, in one line, when QEMU dies meanwhile, and the stale pidfile is gone."""
    monkeypatch.setenv("QEMU_STANDIN_MODE", "die")
    machines = Machines(lambda _name: driver, HostStore(Path(driver.store_path)))
    session = MachineSession(machines, Host(name="m1", driver_name="qemu2"), driver, writable=False)
    with pytest.raises(DriverError) as e:
        session.start()  # QEMU may die before the start sees it running, or while the wait for SSH runs
        session.wait_until_ready(timeout=60)
    assert e.value.reason_id == "GUEST_START" and "its driver reports it Stopped" in e.value.message, e.value
    assert driver.get_state() == State.STOPPED
    assert not (driver.machine_dir() / "qemu.pid").exists()  # stale: removed


def test_kill_and_remove(driver, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    driver.start()  # returns with QEMU running: minikube, not the driver, waits for SSH
    pid = int((driver.machine_dir() / "qemu.pid").read_text())
    assert driver.get_state() in (State.RUNNING, State.STARTING)
    driver.kill()
    assert driver.get_state() == State.STOPPED
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[-1][:3]
    driver.start()  # returns with QEMU running: minikube, not the driver, waits for SSH
    driver.remove()
    assert sorted(p.name for p in driver.machine_dir().iterdir()) == []


def test_stop_quits_a_guest_that_ignores_the_power_button(driver, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """``-M none`` has no ACPI: the power button does nothing, so stop quits QEMU after its timeout."""
    import time

    driver.start()  # returns with QEMU running: minikube, not the driver, waits for SSH
    monkeypatch.setattr("minikube_driver_qemu2._driver.STOP_TIMEOUT", 1.0)
    t = time.monotonic()
    driver.stop()
    assert time.monotonic() - t < 15
    assert driver.get_state() == State.STOPPED


def test_kill_sigkills_a_qemu_whose_monitor_is_gone(driver, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """quit cannot be sent (the socket file was removed): SIGKILL after the quit timeout."""
    driver.start()  # returns with QEMU running: minikube, not the driver, waits for SSH
    pid = int((driver.machine_dir() / "qemu.pid").read_text())
    (driver.machine_dir() / "monitor").unlink()
    monkeypatch.setattr("minikube_driver_qemu2._driver.QUIT_TIMEOUT", 0.5)
    driver.kill()
    assert driver.get_state() == State.STOPPED
    from minikube_driver_qemu2._process import owns

    assert not owns(pid, driver.machine_dir() / "qemu.pid")
