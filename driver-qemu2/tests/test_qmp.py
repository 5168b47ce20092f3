"""QMP through qemu.qmp against a real QEMU: state, commands, errors, a long socket path."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import CheapQEMU
from minikube.machine import State
from minikube_driver_qemu2 import _qmp


def test_states(cheap_qemu: CheapQEMU) -> None:
    cheap_qemu.start()
    assert _qmp.query_status(cheap_qemu.monitor) == State.STARTING  # -S: prelaunch
    assert _qmp.execute(cheap_qemu.monitor, "cont") == {}
    assert _qmp.query_status(cheap_qemu.monitor) == State.RUNNING
    _qmp.execute(cheap_qemu.monitor, "stop")
    assert _qmp.query_status(cheap_qemu.monitor) == State.PAUSED


def test_mapping() -> None:
    assert _qmp.machine_state("running") == State.RUNNING
    assert _qmp.machine_state("shutdown") == State.STOPPED
    assert _qmp.machine_state("internal-error") == State.ERROR
    assert _qmp.machine_state("") == State.ERROR  # never None: that would mean "no such machine"


def test_quit(cheap_qemu: CheapQEMU) -> None:
    pid = cheap_qemu.start()
    assert _qmp.execute(cheap_qemu.monitor, "quit") == {}
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not cheap_qemu.pidfile.exists()  # QEMU removed it as it quit


def test_command_error(cheap_qemu: CheapQEMU) -> None:
    cheap_qemu.start()
    with pytest.raises(_qmp.QMPCommandError, match="no-such-command"):
        _qmp.execute(cheap_qemu.monitor, "no-such-command")


def test_no_socket(tmp_path: Path) -> None:
    with pytest.raises(_qmp.QMPUnavailable):
        _qmp.query_status(tmp_path / "monitor")


def test_a_socket_nobody_serves(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "monitor"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.close()  # the file stays, nobody listens: a QEMU killed with SIGKILL leaves this
    with pytest.raises(_qmp.QMPUnavailable):
        _qmp.query_status(path)


def test_a_silent_server_times_out(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "monitor"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.listen()
    try:
        t = time.monotonic()
        with pytest.raises(_qmp.QMPUnavailable):
            _qmp.query_status(path, timeout=1.0)
        assert time.monotonic() - t < 5
    finally:
        s.close()


def test_long_socket_path(tmp_path: Path, cheap_qemu: CheapQEMU) -> None:
    """A machine directory deeper than a Unix socket path may be: QEMU binds the relative name,
    the client goes through a short name for the directory."""
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    q = CheapQEMU(deep, cheap_qemu.program)
    assert len(str(q.monitor)) > 110
    q.start()
    try:
        assert _qmp.query_status(q.monitor) == State.STARTING
    finally:
        q.stop()
    assert not any(p.name.startswith("mkq") for p in Path(os.environ.get("TMPDIR", "/tmp")).iterdir()
                   if p.is_dir() and p.stat().st_mtime > time.time() - 60)
