"""The public API, the DriverDef and its minikube-driver.toml, and cheap imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import minikube_driver_kvm2
from minikube.config import tomllib
from minikube.registry import Priority
from minikube.testing import public_names
from minikube_driver_kvm2 import DRIVER, KVMDriver, configure, registration, status

PACKAGE = Path(minikube_driver_kvm2.__file__).parent


def test_public_api_is_exactly_all() -> None:
    assert public_names(minikube_driver_kvm2) == set(minikube_driver_kvm2.__all__) - {"__version__"}
    assert sorted(minikube_driver_kvm2.__all__) == [
        "DRIVER", "KVMDriver", "VirtChoice", "__version__", "choose_virt_type", "configure", "cpu_has_hw_virt",
        "default_uri", "machine_state", "status"]


def test_driver_def() -> None:
    assert DRIVER.name == "kvm2"
    assert DRIVER.aliases == ("kvm",)
    assert DRIVER.platforms == ("linux/amd64",)
    assert DRIVER.default is True
    assert DRIVER.priority is Priority.PREFERRED
    assert DRIVER.builtin and DRIVER.vm
    assert DRIVER.config is configure and DRIVER.status is status
    assert isinstance(DRIVER.init(), KVMDriver)  # type: ignore[misc]


def test_metadata_file_matches_the_def() -> None:
    table = tomllib.loads((PACKAGE / "minikube-driver.toml").read_text())["drivers"]["kvm2"]
    assert table["aliases"] == list(DRIVER.aliases)
    assert table["builtin"] is DRIVER.builtin
    assert table["default"] is DRIVER.default
    assert Priority.parse(table["priority"]) is DRIVER.priority
    assert table["platforms"] == list(DRIVER.platforms)
    assert table["api"] == ">=1.6,<2"  # share owners (Share.uid/gid, a virtiofsd in a user namespace): 1.6
    assert table["capabilities"]["boot_image"] is True and DRIVER.capabilities.boot_image
    assert table["capabilities"]["mounts"] == ["virtiofs"] and DRIVER.capabilities.mounts == ("virtiofs",)


def test_a_def_states_its_facts_once_through_its_declaration() -> None:

    d = registration.DRIVER
    assert (d.name, d.aliases, d.priority, d.platforms, d.builtin) == (
        "kvm2", ("kvm",), Priority.PREFERRED, ("linux/amd64",), True)
    assert d.capabilities.parallel and d.capabilities.multinode
    assert {r.id for r in d.reasons} >= {"PR_KVM_NOT_RUNNING", "PR_KVM_URI"}
    assert d.config is registration.configure and d.status is registration.status


def test_declared_reasons_print_like_the_cores() -> None:
    import minikube_driver_kvm2  # noqa: F401 - importing the driver declares its reasons
    from minikube import DriverError

    e = DriverError("libvirtd is down", reason_id="PR_KVM_NOT_RUNNING")
    assert e.exit_code == 63 and "libvirtd -d" in e.fix


def test_entry_point_is_the_def() -> None:
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="minikube.drivers") if e.name == "kvm2"]
    assert ep.load() is DRIVER


def test_importing_the_shim_and_checking_health_imports_no_libvirt() -> None:
    code = ("import sys, minikube_driver_kvm2 as m; m.status(); "
            "print('libvirt' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_version_is_single_sourced() -> None:
    from importlib.metadata import version

    assert version("minikube-driver-kvm2") == minikube_driver_kvm2.__version__
