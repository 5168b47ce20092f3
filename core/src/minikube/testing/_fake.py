"""A fake driver that keeps its whole machine in its own config: no VM, no processes.

Its state lives in the driver JSON that the host store saves after every operation, so it
survives from one ``minikube`` process to the next, like a real VM does.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass

from .._errors import DriverError, HostNotRunningError, MachineNotFoundError
from ..config import NODE_NAME_RE, ClusterConfig
from ..machine import (
    BaseDriver,
    BoolFlag,
    DriverOptions,
    Flag,
    IntFlag,
    State,
    StringFlag,
    StringSliceFlag,
    json_field,
)
from ..registry import DriverDef, Health, Priority


@dataclass
class FakeDriver(BaseDriver):
    state: int = json_field("FakeState", int(State.NONE))
    cpus: int = json_field("CPU", 1)
    memory: int = json_field("Memory", 1024)
    disk_size: int = json_field("DiskSize", 1000)
    boot2docker_url: str = json_field("Boot2DockerURL", "")
    label: str = json_field("FakeLabel", "")
    tags: list[str] = json_field("FakeTags", [])
    fail_create: bool = json_field("FakeFailCreate", False)
    exists: bool = json_field("FakeExists", False)
    create_delay: int = json_field("FakeCreateDelay", 0)
    #: Make stop / start fail (set in the saved config by tests: not create flags, so the flag list stays
    #: the one Go peers and the docs know).
    fail_stop: bool = json_field("FakeFailStop", False)
    fail_start: bool = json_field("FakeFailStart", False)

    def driver_name(self) -> str:
        return "fake"

    def get_create_flags(self) -> list[Flag]:
        return [StringFlag("fake-label", "A label kept in the driver config", "FAKE_LABEL", ""),
                StringSliceFlag("fake-tags", "Tags kept in the driver config", "FAKE_TAGS", ()),
                IntFlag("fake-cpu-count", "CPUs (overrides --cpus)", "FAKE_CPU_COUNT", 0),
                BoolFlag("fake-fail-create", "Make create fail (for tests)", "FAKE_FAIL_CREATE"),
                IntFlag("fake-create-delay", "Seconds create takes (for tests)", "FAKE_CREATE_DELAY", 0)]

    def set_config_from_flags(self, options: DriverOptions) -> None:
        super().set_config_from_flags(options)
        self.label = options.string("fake-label")
        self.tags = options.string_slice("fake-tags")
        self.cpus = options.int("fake-cpu-count") or self.cpus
        self.fail_create = options.bool("fake-fail-create")
        self.create_delay = options.int("fake-create-delay")

    def _ip(self) -> str:
        """An address from the profile's name, the next ones for its nodes (``<profile>-m02``...): the
        machines of one profile never share one."""
        profile, number = self.machine_name, 1
        head, _, node = profile.rpartition("-")
        if head and NODE_NAME_RE.match(node):
            profile, number = head, int(node[1:])
        n = (hashlib.sha256(profile.encode()).digest()[0] + number - 1) % 200 + 10
        return f"192.168.50.{n}"

    def _need(self) -> None:
        if not self.exists:
            raise MachineNotFoundError(f'Host does not exist: "{self.machine_name}"')

    def create(self) -> None:
        if self.fail_create:
            raise DriverError("fake create failed as asked (--fake-fail-create)")
        _log_create("begin", self.machine_name)
        try:
            time.sleep(self.create_delay)
        finally:
            _log_create("end", self.machine_name)
        # One machine of several (a node of a profile) fails: named in the environment, so the
        # flag list stays the one Go peers and the docs know.
        if os.environ.get("FAKE_FAIL_MACHINE") == self.machine_name:
            raise DriverError(f'fake create of "{self.machine_name}" failed as asked (FAKE_FAIL_MACHINE)')
        self.exists = True
        self.start()

    def start(self) -> None:
        self._need()
        if self.fail_start:
            raise DriverError("fake start failed as asked (FakeFailStart)")
        self.state = int(State.RUNNING)
        self.ip_address = self._ip()

    def stop(self) -> None:
        self._need()
        if self.fail_stop:
            raise DriverError("fake stop failed as asked (FakeFailStop)")
        self.state = int(State.STOPPED)

    def kill(self) -> None:
        self._need()
        self.state = int(State.STOPPED)

    def remove(self) -> None:
        self.exists = False
        self.state = int(State.NONE)
        self.ip_address = ""

    def get_state(self) -> State:
        return State(self.state) if self.exists else State.NONE

    def get_ip(self) -> str:
        if self.get_state() != State.RUNNING:
            raise HostNotRunningError()
        return super().get_ip()

    def get_ssh_username(self) -> str:
        return self.ssh_user or "docker"


def fake_config(cfg: ClusterConfig) -> FakeDriver:
    return FakeDriver(machine_name=cfg.machine_name, store_path=cfg.store_path, cpus=cfg.cpus,
                      memory=cfg.memory, disk_size=cfg.disk_size, boot2docker_url=cfg.minikube_iso)


FAKE_DEF = DriverDef(name="fake", config=fake_config, init=FakeDriver,
                     status=lambda: Health(installed=True, healthy=True, running=True),
                     default=True, priority=Priority.FALLBACK, platforms=(),
                     description="A fake driver for tests: no VM, state kept in its config.")


def _log_create(event: str, machine: str) -> None:
    """With ``FAKE_CREATE_LOG`` set, one line per create's begin and end (a test reads how many
    machines were being made at once)."""
    path = os.environ.get("FAKE_CREATE_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{event} {machine}\n")
