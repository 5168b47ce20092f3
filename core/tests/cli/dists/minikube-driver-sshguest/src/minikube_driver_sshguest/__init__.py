"""Test driver "sshguest": each machine is a local process, its "guest", that answers real SSH
(asyncssh) on 127.0.0.1 with the machine's key, as a VM's sshd would, after a boot delay.

While it boots it behaves as QEMU's user-mode network does in front of a guest whose sshd is not
up yet: TCP connections to its port are accepted and closed.  So ``minikube start`` returning
before the guest is ready shows up as a failing ``minikube ssh`` right after it.

Create flags (tests only): ``--sshguest-boot-delay`` (seconds before SSH answers, every boot) and
``--sshguest-mode``: ``ok``, ``no-sshd`` (never answers SSH: accepts and closes for ever), or
``wrong-key`` (answers, but authorizes another key than the machine's).
"""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from minikube import DriverError, MachineNotFoundError
from minikube.config import ClusterConfig
from minikube.machine import DriverOptions, Flag, IntFlag, State, StringFlag, generate_ssh_key, json_field
from minikube.registry import DriverDef, Health
from minikube.testing import FakeDriver

MODES = ("ok", "no-sshd", "wrong-key")


@dataclass
class SSHGuestDriver(FakeDriver):
    boot_delay: int = json_field("GuestBootDelay", 0)
    mode: str = json_field("GuestMode", "ok")
    pid: int = json_field("GuestPID", 0)

    def driver_name(self) -> str:
        return "sshguest"

    def get_create_flags(self) -> list[Flag]:
        return [IntFlag("sshguest-boot-delay", "Seconds each boot takes before SSH answers", "SSHGUEST_BOOT_DELAY", 0),
                StringFlag("sshguest-mode", "ok, no-sshd or wrong-key", "SSHGUEST_MODE", "ok")]

    def set_config_from_flags(self, options: DriverOptions) -> None:
        self.boot_delay = options.int("sshguest-boot-delay")
        self.mode = options.string("sshguest-mode") or "ok"
        if self.mode not in MODES:
            raise DriverError(f"--sshguest-mode must be one of {', '.join(MODES)}")

    # -- the machine: a local process ------------------------------------------------------------

    def _dir(self) -> Path:
        return Path(self.resolve_store_path(""))

    def _alive(self) -> bool:
        if not self.pid:
            return False
        try:
            os.kill(self.pid, 0)
        except OSError:
            return False
        try:  # a zombie (our own child, not yet reaped) is not a running guest
            return Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    def create(self) -> None:
        generate_ssh_key(self.get_ssh_key_path())
        with socket.socket() as s:  # a free port on loopback, kept across boots
            s.bind(("127.0.0.1", 0))
            self.ssh_port = s.getsockname()[1]
        self.exists = True
        self.start()

    def start(self) -> None:
        self._need()
        if self._alive():
            return
        log = open(self._dir() / "guest.log", "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen([sys.executable, "-m", "minikube_driver_sshguest._guest", "--port", str(self.ssh_port),
                                 "--key", self.get_ssh_key_path() + ".pub", "--delay", str(self.boot_delay),
                                 "--mode", self.mode, "--dir", str(self._dir())],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        log.close()
        self.pid = proc.pid
        self.ip_address = "127.0.0.1"
        self.state = int(State.RUNNING)

    def _end(self, sig: int) -> None:
        if self._alive():
            os.kill(self.pid, sig)
            deadline = time.monotonic() + 10
            while self._alive() and time.monotonic() < deadline:
                time.sleep(0.05)
        self.state = int(State.STOPPED)

    def stop(self) -> None:
        self._need()
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        self._need()
        self._end(signal.SIGKILL)

    def remove(self) -> None:
        if self.exists:
            self._end(signal.SIGKILL)
        super().remove()

    def get_state(self) -> State:
        if not self.exists:
            return State.NONE
        return State.RUNNING if self._alive() else State.STOPPED

    def _need(self) -> None:
        if not self.exists:
            raise MachineNotFoundError(f'Host does not exist: "{self.machine_name}"')

    def get_ip(self) -> str:
        if not self._alive():
            from minikube import HostNotRunningError

            raise HostNotRunningError()
        return "127.0.0.1"

    def get_ssh_username(self) -> str:
        return getpass.getuser()


def config(cfg: ClusterConfig) -> SSHGuestDriver:
    return SSHGuestDriver(machine_name=cfg.machine_name, store_path=cfg.store_path, cpus=cfg.cpus,
                          memory=cfg.memory, disk_size=cfg.disk_size)


DRIVER = DriverDef.declared("minikube_driver_sshguest", config=config, init=SSHGuestDriver,
                            status=lambda: Health(installed=True, healthy=True, running=True))
