"""The pidfile: a live QEMU of this machine is believed; a missing process, a reused pid or a
corrupt file is stale and removed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CheapQEMU
from minikube import DriverError
from minikube_driver_qemu2._process import LaunchError, kill_hard, launch, owns, read_pid, running_pid, tail


def test_no_pidfile(tmp_path: Path) -> None:
    assert read_pid(tmp_path / "qemu.pid") is None
    assert running_pid(tmp_path / "qemu.pid") is None


@pytest.mark.parametrize("text", ["", "garbage", "-5", "0", "1", "\x00\x01", "12x"])
def test_corrupt_pidfile_is_stale(tmp_path: Path, text: str) -> None:
    f = tmp_path / "qemu.pid"
    f.write_text(text)
    assert read_pid(f) is None
    assert running_pid(f) is None
    assert not f.exists()


def test_dead_pid_is_stale(tmp_path: Path) -> None:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    f = tmp_path / "qemu.pid"
    f.write_text(f"{p.pid}\n")
    assert running_pid(f) is None and not f.exists()


def test_reused_pid_is_stale(tmp_path: Path) -> None:
    """A live process that is not this machine's QEMU (here: this test's own interpreter)."""
    f = tmp_path / "qemu.pid"
    f.write_text(f"{os.getpid()}\n")
    assert not owns(os.getpid(), f)
    assert running_pid(f) is None and not f.exists()


def test_a_process_with_our_pidfile_but_not_qemu_is_stale(tmp_path: Path) -> None:
    f = tmp_path / "qemu.pid"
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "-pidfile", str(f)])
    try:
        f.write_text(str(p.pid))
        assert running_pid(f) is None
    finally:
        p.kill()
        p.wait()


def test_another_machines_qemu_is_not_ours(cheap_qemu: CheapQEMU, tmp_path: Path) -> None:
    pid = cheap_qemu.start()
    other = tmp_path / "other.pid"
    other.write_text(str(pid))
    assert running_pid(other) is None
    assert running_pid(cheap_qemu.pidfile) == pid


def test_live_qemu_then_sigkill(cheap_qemu: CheapQEMU) -> None:
    pid = cheap_qemu.start()
    assert owns(pid, cheap_qemu.pidfile)
    kill_hard(pid, cheap_qemu.pidfile)
    assert running_pid(cheap_qemu.pidfile) is None  # a killed QEMU leaves its pidfile: stale now
    assert not cheap_qemu.pidfile.exists()


def test_launch_failure_is_one_line_with_stderr(cheap_qemu: CheapQEMU) -> None:
    with pytest.raises(LaunchError) as e:
        launch([cheap_qemu.program, "-M", "none", "-display", "none", "-no-such-option"], cheap_qemu.dir, "m1")
    msg = e.value.message
    assert "\n" not in msg and e.value.reason_id == "PR_QEMU_EXITED"
    assert 'QEMU exited at start of "m1" (status 1)' in msg and "no-such-option" in msg


def test_launch_of_a_missing_program(tmp_path: Path) -> None:
    with pytest.raises(DriverError, match="not found"):
        launch([str(tmp_path / "qemu-system-none")], tmp_path, "m1")


def test_tail() -> None:
    assert tail("a\n\nb  c\nd\ne\n") == "b c | d | e"
    assert tail("x" * 1000).startswith("...") and len(tail("x" * 1000)) == 403


def test_daemonized_launch(cheap_qemu: CheapQEMU) -> None:
    t = time.monotonic()
    launch([cheap_qemu.program, "-M", "none", "-display", "none", "-nodefaults", "-S", "-qmp",
            "unix:monitor,server=on,wait=off", "-pidfile", str(cheap_qemu.pidfile), "-daemonize"],
           cheap_qemu.dir, "m1")
    assert time.monotonic() - t < 30
    assert running_pid(cheap_qemu.pidfile) is not None and cheap_qemu.monitor.exists()


def test_a_command_line_as_one_string(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS's ps gives the command line as one string: the pidfile must appear in it as a word."""
    from minikube_driver_qemu2 import _process

    f = tmp_path / "my machine" / "qemu.pid"
    line = f"/opt/homebrew/bin/qemu-system-aarch64 -M virt -pidfile {f} -daemonize"
    monkeypatch.setattr(_process, "_command_line", lambda pid: [line])
    assert owns(os.getpid(), f)
    assert not owns(os.getpid(), tmp_path / "my" / "qemu.pid")
    monkeypatch.setattr(_process, "_command_line", lambda pid: [f"/usr/bin/python3 x.py -pidfile {f}"])
    assert not owns(os.getpid(), f)
