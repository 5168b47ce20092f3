"""Fixtures for qemu2's tests.

Unit tests that need a QEMU process start a cheap one (``-M none``: no guest, no CPU), which has
a real pidfile and a real QMP socket.  Tests that boot the tiny ISO are in ``test_vm.py`` (marker
``vm``): they run as an ordinary user in a network namespace with only loopback (``vmhost.py``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from minikube_driver_qemu2._host import qemu_system

if TYPE_CHECKING:
    from vmhost import VMHost

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
ROOT = PROJECT.parent
ISO_RECIPE = ROOT / "driver-kvm2" / "iso" / "build-tiny-iso.sh"


def need_qemu() -> str:
    program = shutil.which(qemu_system())
    if program is None or shutil.which("qemu-img") is None:
        why = f"needs {qemu_system()} and qemu-img (Debian: apt-get install qemu-system-x86 qemu-utils)"
        if os.environ.get("MINIKUBE_REQUIRE_VMS"):
            pytest.fail(f"MINIKUBE_REQUIRE_VMS is set, but the QEMU tests {why}", pytrace=False)
        pytest.skip(why)
    return program


@dataclass
class CheapQEMU:
    """A daemonized QEMU without a guest (``-M none -S``): pidfile and QMP socket in ``dir``."""

    dir: Path
    program: str

    @property
    def pidfile(self) -> Path:
        return self.dir / "qemu.pid"

    @property
    def monitor(self) -> Path:
        return self.dir / "monitor"

    def start(self) -> int:
        subprocess.run([self.program, "-M", "none", "-display", "none", "-nodefaults", "-S",
                        "-qmp", "unix:monitor,server=on,wait=off", "-pidfile", str(self.pidfile), "-daemonize"],
                       cwd=self.dir, check=True, capture_output=True, timeout=30)
        return int(self.pidfile.read_text())

    def stop(self) -> None:
        import os
        import signal

        try:
            pid = int(self.pidfile.read_text())
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass


@pytest.fixture(scope="module")
def host() -> VMHost:
    """The VM tests' host (``vmhost``): the test user, its venv, the namespace and the boot image."""
    import vmhost

    why = vmhost.cannot_run()
    if why:
        if os.environ.get("MINIKUBE_REQUIRE_VMS"):  # CI (scripts/test-all.sh as root): real VMs or a failure
            pytest.fail(f"MINIKUBE_REQUIRE_VMS is set, but {why}", pytrace=False)
        pytest.skip(why)
    return vmhost.prepare()


@pytest.fixture
def home(host: VMHost) -> Iterator[Path]:
    """A fresh home of the test user's; whatever QEMU a failed test left running is killed."""
    import os
    import signal

    import vmhost

    d = host.home()
    before = set(vmhost.qemu_pids(host.uid))
    try:
        yield d
    finally:
        for pid in set(vmhost.qemu_pids(host.uid)) - before:
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def cheap_qemu(tmp_path: Path) -> Iterator[CheapQEMU]:
    q = CheapQEMU(tmp_path / "m", need_qemu())
    q.dir.mkdir()
    yield q
    q.stop()
