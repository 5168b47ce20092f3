"""The package's public API is exactly ``__all__``, and the registration agrees with the toml."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import minikube_driver_hyperkit as pkg
from minikube.registry import Priority
from minikube.testing import public_names
from minikube_driver_hyperkit.registration import DRIVER

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_all_is_exactly_the_public_names() -> None:
    assert public_names(pkg) == set(pkg.__all__) - {"__version__"}
    assert len(pkg.__all__) == len(set(pkg.__all__))


def test_external_setuid_def_matches_its_toml() -> None:
    assert DRIVER.name == "hyperkit" and DRIVER.init is None and not DRIVER.builtin
    assert DRIVER.plugin_min_version == "1.11.0" and DRIVER.capabilities.needs_root
    assert {r.id: r.exit_code for r in DRIVER.reasons} == {"PR_HYPERKIT_NOT_ROOT": 67, "PR_HYPERKIT_OLD_PLUGIN": 66}
    assert DRIVER.priority == Priority.DEPRECATED and DRIVER.platforms == ("darwin/amd64",)
    toml = tomllib.loads((Path(pkg.__file__).parent / "minikube-driver.toml").read_text())["drivers"]["hyperkit"]
    assert toml["builtin"] is False and toml["default"] is DRIVER.default
    assert Priority.parse(toml["priority"]) == DRIVER.priority and tuple(toml["platforms"]) == DRIVER.platforms


def test_the_config_creator_follows_minikube(tmp_path: Path) -> None:
    from minikube import ClusterConfig

    d = pkg.configure(ClusterConfig(name="p1", cpus=3, memory=3000, disk_size=9000,
                                    minikube_iso="file:///x.iso", store_path=str(tmp_path)))
    assert (d.machine_name, d.cpu, d.memory, d.disk_size, d.boot2docker_url) == ("p1", 3, 3000, 9000, "file:///x.iso")
    assert d.get_ssh_username() == "docker" and d.cmdline.endswith(" base host=p1") and len(d.uuid) == 36
    assert d.get_ssh_key_path() == str(tmp_path / "machines" / "p1" / "id_rsa")


def test_a_worker_node_is_its_own_machine_of_the_profile(tmp_path: Path) -> None:
    """minikube's hyperkit names each node's machine (``p1-m02``); the kernel's ``host=`` stays the
    profile's.  It declares ``multinode`` (not ``parallel``: nodes are made one after another)."""
    from minikube.config import ClusterConfig, Node, primary_node

    cfg = ClusterConfig(name="p1", store_path=str(tmp_path), nodes=[primary_node(), Node(name="m02")])
    d = pkg.configure(replace(cfg, node=cfg.nodes[1]))
    assert d.machine_name == "p1-m02" and d.cmdline.endswith(" base host=p1")
    assert d.get_ssh_key_path() == str(tmp_path / "machines" / "p1-m02" / "id_rsa")
    assert DRIVER.capabilities.multinode and not DRIVER.capabilities.parallel
