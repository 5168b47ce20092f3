"""The package's public API is exactly ``__all__``, and the registration agrees with the toml."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import minikube_driver_vmwarefusion as pkg
from minikube import ClusterConfig
from minikube.registry import Priority
from minikube.testing import public_names
from minikube_driver_vmwarefusion.registration import DRIVER

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_all_is_exactly_the_public_names() -> None:
    assert public_names(pkg) == set(pkg.__all__) - {"__version__"}
    assert len(pkg.__all__) == len(set(pkg.__all__))


def test_builtin_def_matches_its_toml() -> None:
    assert DRIVER.name == "vmwarefusion" and DRIVER.builtin and DRIVER.init is pkg.VMwareFusionDriver
    assert DRIVER.priority == Priority.DEPRECATED and DRIVER.platforms == ("darwin/amd64",) and not DRIVER.default
    toml = tomllib.loads((Path(pkg.__file__).parent / "minikube-driver.toml").read_text())["drivers"]["vmwarefusion"]
    assert toml["builtin"] is True and toml["default"] is False
    assert Priority.parse(toml["priority"]) == DRIVER.priority and tuple(toml["platforms"]) == DRIVER.platforms


def test_the_config_creator_is_the_seeds_create_vmware_fusion_host(tmp_path: Path) -> None:
    d = pkg.configure(ClusterConfig(name="p1", cpus=3, memory=3000, disk_size=9000,
                                    minikube_iso="file:///x.iso", store_path=str(tmp_path)))
    assert (d.machine_name, d.cpu, d.memory, d.disk_size, d.boot2docker_url, d.ssh_port) == (
        "p1", 3, 3000, 9000, "file:///x.iso", 22)
    assert d.iso == str(tmp_path / "machines" / "p1" / "boot2docker.iso")
    assert d.get_ssh_username() == "docker" and d.driver_name() == "vmwarefusion"


def test_a_worker_node_is_its_own_machine_of_the_profile(tmp_path: Path) -> None:
    """minikube's vmwarefusion names each node's machine (``p1-m02``), made one after another."""
    from minikube.config import Node, primary_node

    cfg = ClusterConfig(name="p1", store_path=str(tmp_path), nodes=[primary_node(), Node(name="m02")])
    d = pkg.configure(replace(cfg, node=cfg.nodes[1]))
    assert d.machine_name == "p1-m02" and d.iso == str(tmp_path / "machines" / "p1-m02" / "boot2docker.iso")
    assert DRIVER.capabilities.multinode and not DRIVER.capabilities.parallel
