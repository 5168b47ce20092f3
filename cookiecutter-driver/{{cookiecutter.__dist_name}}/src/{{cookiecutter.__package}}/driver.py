"""The {{ cookiecutter.title }} driver: libmachine's 18 operations over a local-process "machine".

Every operation works, so the package is useful as baked; replace :mod:`._machine` (and the
config fields) with your hypervisor.  minikube makes a new driver for every command and
restores it from its saved JSON, so everything about a machine must be found again from the
config fields (here: the machine directory under the store path).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from minikube import DriverError, HostNotRunningError, MachineNotFoundError
from minikube.machine import (
    BaseDriver,
    DriverOptions,
    Flag,
    IntFlag,
    State,
    StringSliceFlag,
    json_field,
    wait_for,
)

from ._machine import LocalMachine

NAME = "{{ cookiecutter.driver_name }}"
#: Where the machine keeps its files: <MINIKUBE_HOME>/machines/<machine>/<this>/.
BACKEND_DIR = NAME
#: This driver's own reason ID (declared, with its exit code and fix, in minikube-driver.toml):
#: the machine's directory cannot be made or written.
MACHINE_DIR = "PR_{{ cookiecutter.__env }}_MACHINE_DIR"


@dataclass
class {{ cookiecutter.__class }}(BaseDriver):
    """The driver's config is its dataclass fields, saved under Go-style JSON names."""

    cpu: int = json_field("CPU", 1)
    memory: int = json_field("Memory", 1024)  # MB
    disk_size: int = json_field("DiskSize", 20000)  # MB
    boot2docker_url: str = json_field("Boot2DockerURL", "")
    boot_delay: int = json_field("BootDelay", 0)  # seconds spent in Starting
    labels: list[str] = json_field("Labels", [])  # noqa: RUF009 - json_field copies a list default per instance

    # --- identity and flags ------------------------------------------------------------------

    def driver_name(self) -> str:
        return NAME

    def get_create_flags(self) -> list[Flag]:
        """Options of ``minikube start --driver {{ cookiecutter.driver_name }}`` (lower-case-dash names, prefixed)."""
        return [
            IntFlag(f"{NAME}-boot-delay", "Seconds the machine takes to boot (it is Starting meanwhile)",
                    "{{ cookiecutter.__env }}_BOOT_DELAY", 0),
            StringSliceFlag(f"{NAME}-labels", "Labels recorded in the machine's definition",
                            "{{ cookiecutter.__env }}_LABELS", ()),
        ]

    def set_config_from_flags(self, options: DriverOptions) -> None:
        super().set_config_from_flags(options)
        self.boot_delay = options.int(f"{NAME}-boot-delay")
        self.labels = options.string_slice(f"{NAME}-labels")

    # --- the machine ---------------------------------------------------------------------------

    @property
    def machine(self) -> LocalMachine:
        return LocalMachine(self.resolve_store_path(BACKEND_DIR))

    def _need(self) -> LocalMachine:
        """The machine, or libmachine's not-found error (its wording survives the plugin protocol)."""
        machine = self.machine
        if not machine.exists():
            raise MachineNotFoundError(f'Host does not exist: "{self.machine_name}"')
        return machine

    def pre_create_check(self) -> None:
        """Refuse early, before minikube saves anything: a machine that already exists, or a
        machine directory that cannot be made or written (this driver's reason MACHINE_DIR)."""
        machine = self.machine
        if machine.exists():
            raise DriverError(f'machine "{self.machine_name}" already exists in {machine.directory}',
                              fix=f"Delete it first: minikube delete -p {self.machine_name}")
        problem = _unwritable(machine.directory)
        if problem:
            raise DriverError(f"cannot write the machine directory {machine.directory}: {problem}",
                              reason_id=MACHINE_DIR)

    def create(self) -> None:
        """Define the machine (a real driver: disk, ISO, VM definition), then boot it."""
        try:
            self.machine.define({"name": self.machine_name, "cpu": self.cpu, "memory": self.memory,
                                 "disk_size": self.disk_size, "iso": self.boot2docker_url, "labels": self.labels})
        except OSError as e:
            raise DriverError(f"cannot write the machine directory {self.machine.directory}: {e}",
                              reason_id=MACHINE_DIR) from None
        self.start()

    def start(self) -> None:
        """Boot; returns once the machine is Running (after its boot delay)."""
        machine = self._need()
        if machine.state() == State.STOPPED:
            machine.boot(self.boot_delay)
        wait_for(lambda: machine.state() == State.RUNNING, timeout=self.boot_delay + 60.0, interval=0.1,
                 what=f'"{self.machine_name}" to be Running')

    def stop(self) -> None:
        """Graceful: SIGTERM, then SIGKILL if it does not stop in time."""
        self._need().shutdown()

    def kill(self) -> None:
        self._need().kill()

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        """Kill and delete the machine; a missing one is success (``minikube delete`` retries)."""
        self.machine.destroy()

    def get_state(self) -> State:
        return self.machine.state()

    # --- addresses -------------------------------------------------------------------------------

    def get_ip(self) -> str:
        if self.get_state() != State.RUNNING:
            raise HostNotRunningError()
        return "127.0.0.1"

    def get_ssh_username(self) -> str:
        return self.ssh_user or "docker"


def _unwritable(directory: Path) -> str:
    """Why ``directory`` cannot be made and written ('' when it can): the nearest path on the way
    that exists must be a directory this process may write."""
    existing = directory
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a directory"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable by this user"
    return ""
