"""Test driver "elevated": the fake driver served by a plugin that declares ``needs_root``.

Its create records, in its machine directory, who the plugin ran as (``plugin-ids.json``: the
effective and real uid, and sudo's ``SUDO_UID``), so a test can prove the plugin was root; that
file is given back to the invoking user, as a root plugin must, while ``root-owned.log`` is left
root's, as files a root hypervisor writes are.  ``--elevated-create-delay`` keeps the plugin
alive long enough for a test to see it in ``ps``.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from minikube.config import ClusterConfig
from minikube.machine import BaseDriver, DriverOptions, Flag, IntFlag
from minikube.registry import DriverDef
from minikube.testing import FakeDriver


@dataclass
class ElevatedDriver(FakeDriver):
    def driver_name(self) -> str:
        return "elevated"

    def get_create_flags(self) -> list[Flag]:
        return [IntFlag("elevated-create-delay", "Seconds create takes (for tests)", "ELEVATED_CREATE_DELAY", 0)]

    def set_config_from_flags(self, options: DriverOptions) -> None:
        BaseDriver.set_config_from_flags(self, options)
        self.create_delay = options.int("elevated-create-delay")

    def create(self) -> None:
        from minikube.machine.plugin import invoking_user

        machine_dir = Path(self.resolve_store_path(""))
        ids = machine_dir / "plugin-ids.json"
        ids.write_text(json.dumps({"euid": os.geteuid(), "uid": os.getuid(),
                                   "sudo_uid": os.environ.get("SUDO_UID", "")}))
        os.chown(ids, *invoking_user())
        (machine_dir / "root-owned.log").write_text("written by the plugin, left as it is\n")
        time.sleep(self.create_delay)
        self.exists = True
        self.start()


def config(cfg: ClusterConfig) -> ElevatedDriver:
    return ElevatedDriver(machine_name=cfg.name, store_path=cfg.store_path, cpus=cfg.cpus, memory=cfg.memory,
                          disk_size=cfg.disk_size)


def main() -> NoReturn:
    from minikube.machine.plugin import serve

    serve(ElevatedDriver(), version="v1.0.0", commit="minikube-driver-elevated test")


DRIVER = DriverDef.declared("minikube_driver_elevated", config=config)
