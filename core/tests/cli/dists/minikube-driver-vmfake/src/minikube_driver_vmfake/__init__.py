"""Test driver "vmfake": the fake driver, declaring the ``boot_image`` capability, so ``minikube
start`` gives it minikube's default ISO.  Its create insists on a ``file://`` image that exists, as
a VM driver copying its boot image would."""

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from minikube import DriverError
from minikube.config import ClusterConfig
from minikube.registry import DriverDef, Health
from minikube.testing import FakeDriver


@dataclass
class VMFakeDriver(FakeDriver):
    def driver_name(self) -> str:
        return "vmfake"

    def create(self) -> None:
        url = self.boot2docker_url
        if not url.startswith("file://") or not Path(unquote(urlsplit(url).path)).is_file():
            raise DriverError(f"vmfake boots a local file:// image, not {url!r}")
        super().create()


def config(cfg: ClusterConfig) -> VMFakeDriver:
    return VMFakeDriver(machine_name=cfg.name, store_path=cfg.store_path, cpus=cfg.cpus, memory=cfg.memory,
                        disk_size=cfg.disk_size, boot2docker_url=cfg.minikube_iso)


DRIVER = DriverDef.declared("minikube_driver_vmfake", config=config, init=VMFakeDriver,
                            status=lambda: Health(installed=True, healthy=True, running=True))
