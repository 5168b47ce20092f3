"""A plugin binary only (like a Go docker-machine driver): minikube finds it on PATH."""

from __future__ import annotations

from dataclasses import dataclass

from minikube.machine import DriverOptions, Flag, IntFlag, StringFlag
from minikube.machine.plugin import serve
from minikube.testing import FakeDriver


@dataclass
class BareFake(FakeDriver):
    def driver_name(self) -> str:
        return "barefake"

    def get_create_flags(self) -> list[Flag]:
        return [IntFlag("barefake-memory", "Memory in MB", "BAREFAKE_MEMORY", 1024),
                IntFlag("barefake-cpu-count", "CPUs", "BAREFAKE_CPU_COUNT", 1),
                StringFlag("barefake-boot2docker-url", "Boot image", "", ""),
                StringFlag("barefake-label", "A label", "", "")]

    def set_config_from_flags(self, options: DriverOptions) -> None:
        self.swarm_master = options.bool("swarm-master")
        self.swarm_host = options.string("swarm-host")
        self.memory = options.int("barefake-memory")
        self.cpus = options.int("barefake-cpu-count")
        self.boot2docker_url = options.string("barefake-boot2docker-url")
        self.label = options.string("barefake-label")


def main() -> None:
    serve(BareFake(), version="v0.3.0", commit="test")
