"""The Legacyext driver: libmachine's 18 operations over a local-process "machine".

Every operation works, so the package is useful as baked; replace :mod:`._machine` (and the
config fields) with your hypervisor.  minikube makes a new driver for every command and
restores it from its saved JSON, so everything about a machine must be found again from the
config fields (here: the machine directory under the store path).
"""

from __future__ import annotations

from dataclasses import dataclass

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

NAME = "legacyext"
#: Where the machine keeps its files: <MINIKUBE_HOME>/machines/<machine>/<this>/.
BACKEND_DIR = NAME


@dataclass
class LegacyextDriver(BaseDriver):
    """The driver's config is its dataclass fields, saved under Go-style JSON names."""

    cpus: int = json_field("CPU", 1)
    memory: int = json_field("Memory", 1024)  # MB
    disk_size: int = json_field("DiskSize", 20000)  # MB
    boot2docker_url: str = json_field("Boot2DockerURL", "")
    boot_delay: int = json_field("BootDelay", 0)  # seconds spent in Starting
    labels: list[str] = json_field("Labels", [])

    # --- identity and flags ------------------------------------------------------------------

    def driver_name(self) -> str:
        return NAME

    def get_create_flags(self) -> list[Flag]:
        """Options of ``minikube start --driver legacyext`` (lower-case-dash names, prefixed)."""
        return [
            IntFlag(f"{NAME}-boot-delay", "Seconds the machine takes to boot (it is Starting meanwhile)",
                    "LEGACYEXT_BOOT_DELAY", 0),
            StringSliceFlag(f"{NAME}-labels", "Labels recorded in the machine's definition",
                            "LEGACYEXT_LABELS", ()),
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
        """Refuse early, before minikube saves anything: here, a machine that already exists."""
        if self.machine.exists():
            raise DriverError(f'machine "{self.machine_name}" already exists in {self.machine.directory}',
                              fix=f"Delete it first: minikube delete -p {self.machine_name}")

    def create(self) -> None:
        """Define the machine (a real driver: disk, ISO, VM definition), then boot it."""
        self.machine.define({"name": self.machine_name, "cpus": self.cpus, "memory": self.memory,
                             "disk_size": self.disk_size, "iso": self.boot2docker_url, "labels": self.labels})
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
