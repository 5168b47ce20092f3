"""The public API, the DriverDef and its minikube-driver.toml, and cheap imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import minikube_driver_kvm2
from minikube.config import tomllib
from minikube.registry import Priority
from minikube_driver_kvm2 import DRIVER, KVMDriver, create_config, health

PACKAGE = Path(minikube_driver_kvm2.__file__).parent


def test_public_api_is_exactly_all() -> None:
    public = {n for n in dir(minikube_driver_kvm2) if not n.startswith("_")} - {
        "annotations"}
    modules = {n for n in public if type(getattr(minikube_driver_kvm2, n)).__name__ == "module"}
    assert public - modules == set(minikube_driver_kvm2.__all__) - {"__version__"}
    assert sorted(minikube_driver_kvm2.__all__) == [
        "DRIVER", "KVMDriver", "VirtChoice", "__version__", "choose_virt_type", "cpu_has_hw_virt",
        "create_config", "default_uri", "health", "machine_state"]


def test_driver_def() -> None:
    assert DRIVER.name == "kvm2"
    assert DRIVER.aliases == ("kvm",)
    assert DRIVER.platforms == ("linux/amd64",)
    assert DRIVER.default is True
    assert DRIVER.priority is Priority.PREFERRED
    assert DRIVER.builtin and DRIVER.vm
    assert DRIVER.config is create_config and DRIVER.status is health
    assert isinstance(DRIVER.init(), KVMDriver)  # type: ignore[misc]


def test_metadata_file_matches_the_def() -> None:
    table = tomllib.loads((PACKAGE / "minikube-driver.toml").read_text())["drivers"]["kvm2"]
    assert table["aliases"] == list(DRIVER.aliases)
    assert table["builtin"] is DRIVER.builtin
    assert table["default"] is DRIVER.default
    assert Priority.parse(table["priority"]) is DRIVER.priority
    assert table["platforms"] == list(DRIVER.platforms)
    assert table["api"] == ">=1.0,<2"


def test_entry_point_is_the_def() -> None:
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="minikube.drivers") if e.name == "kvm2"]
    assert ep.load() is DRIVER


def test_importing_the_shim_and_checking_health_imports_no_libvirt() -> None:
    code = ("import sys, minikube_driver_kvm2 as m; m.health(); "
            "print('libvirt' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_version_is_single_sourced() -> None:
    from importlib.metadata import version

    assert version("minikube-driver-kvm2") == minikube_driver_kvm2.__version__
