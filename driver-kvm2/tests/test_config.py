"""Config creator, flags and the driver's JSON (Go's field names)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from minikube import ClusterConfig, ConfigError, UsageError
from minikube.config import Node, primary_node
from minikube.machine import BoolFlag, FlagValues, IntFlag, StringFlag, parse_mount_string
from minikube_driver_kvm2 import KVMDriver, configure


def cluster(**kw: object) -> ClusterConfig:
    base: dict[str, object] = dict(name="demo", driver="kvm2", cpus=3, memory=3072, disk_size=12345,
                                   minikube_iso="file:///isos/tiny.iso", store_path="/tmp/mkhome")
    base.update(kw)
    return ClusterConfig(**base)  # type: ignore[arg-type]


def spec_mac(name: str) -> str:
    b = bytearray(hashlib.sha256(("minikube-mac-" + name).encode()).digest()[:6])
    b[0] = (b[0] | 2) & 0xFE
    return ":".join(f"{x:02x}" for x in b)


def test_config_creator_maps_every_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIBVIRT_DEFAULT_URI", raising=False)
    d = configure(cluster())
    assert (d.machine_name, d.store_path, d.memory, d.cpu, d.disk_size) == ("demo", "/tmp/mkhome", 3072, 3, 12345)
    assert d.boot2docker_url == "file:///isos/tiny.iso"
    assert d.network == "default"
    assert d.private_network == "mk-demo"
    assert d.disk_path == "/tmp/mkhome/machines/demo/demo.rawdisk"
    assert d.iso == "/tmp/mkhome/machines/demo/boot2docker.iso"
    assert d.private_mac == spec_mac("demo")
    assert d.connection_uri == "qemu:///system"
    assert (d.gpu, d.hidden, d.numa_node_count, d.extra_disks) == (False, False, 1, 0)
    assert d.virt_type == "auto"
    assert d.get_ssh_username() == "docker"
    assert d.get_ssh_key_path() == "/tmp/mkhome/machines/demo/id_rsa"
    assert d.driver_name() == "kvm2"
    assert d.shares == [] and d.configured_shares() == ()


def test_mac_derivation_is_a_stable_local_unicast_address() -> None:
    mac = configure(cluster(name="minikube")).private_mac
    assert mac == spec_mac("minikube")
    first = int(mac.split(":")[0], 16)
    assert first & 2 and not first & 1
    assert configure(cluster(name="other")).private_mac != mac


def test_uri_default_follows_libvirt_default_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBVIRT_DEFAULT_URI", "qemu:///session")
    assert configure(cluster()).connection_uri == "qemu:///session"
    flags = {f.name: f for f in KVMDriver().get_create_flags()}
    assert flags["kvm-qemu-uri"].value == "qemu:///session"  # type: ignore[union-attr]


def _defaults(d: KVMDriver) -> FlagValues:
    out = FlagValues()
    for f in d.get_create_flags():
        out[f.name] = False if isinstance(f, BoolFlag) else f.value
    return out


def test_flag_defaults_equal_the_config_creators_defaults() -> None:
    plain = configure(cluster())
    flagged = configure(cluster())
    flagged.set_config_from_flags(_defaults(flagged))
    assert flagged.get_config_raw() == plain.get_config_raw()


def test_flags_are_declared_with_types_and_env_vars() -> None:
    flags = {f.name: f for f in KVMDriver().get_create_flags()}
    assert set(flags) == {"kvm-network", "kvm-qemu-uri", "kvm-gpu", "kvm-hidden", "kvm-numa-count",
                          "kvm-virt-type", "kvm-ip-timeout"}
    assert isinstance(flags["kvm-gpu"], BoolFlag) and isinstance(flags["kvm-hidden"], BoolFlag)
    assert isinstance(flags["kvm-numa-count"], IntFlag) and isinstance(flags["kvm-ip-timeout"], IntFlag)
    assert isinstance(flags["kvm-virt-type"], StringFlag) and flags["kvm-virt-type"].value == "auto"
    assert all(f.env_var == "MINIKUBE_" + f.name.upper().replace("-", "_") for f in flags.values())


def test_set_config_from_flags_sets_driver_options_only() -> None:
    d = configure(cluster())
    d.set_config_from_flags(FlagValues({
        "kvm-network": "other", "kvm-qemu-uri": "qemu:///session", "kvm-gpu": True, "kvm-hidden": "true",
        "kvm-numa-count": 2, "kvm-virt-type": "QEMU", "kvm-ip-timeout": 7,
        # values minikube never sends to a driver's flags: they must not leak in
        "memory": 1, "cpus": 1, "disk-size": 1}))
    assert (d.network, d.connection_uri, d.gpu, d.hidden) == ("other", "qemu:///session", True, True)
    assert (d.numa_node_count, d.virt_type, d.ip_timeout) == (2, "qemu", 7)
    assert (d.memory, d.cpu, d.disk_size) == (3072, 3, 12345)


def test_the_core_applies_the_driver_options_once() -> None:
    from minikube.registry import Registry

    options = {"kvm-network": "nat2", "kvm-virt-type": "kvm"}
    assert configure(cluster(driver_options=options)).network == "default"  # configure leaves them to the core
    d = Registry().configure("kvm2", cluster(), options)
    assert isinstance(d, KVMDriver) and (d.network, d.virt_type) == ("nat2", "kvm")


@pytest.mark.parametrize("options, words", [
    ({"kvm-virt-type": "xen"}, "--kvm-virt-type"),
    ({"kvm-numa-count": 4}, "--kvm-numa-count"),  # more NUMA nodes than the 3 CPUs
    ({"kvm-ip-timeout": -1}, "--kvm-ip-timeout"),
])
def test_bad_option_values_are_usage_errors(options: dict[str, object], words: str) -> None:
    d = configure(cluster())
    with pytest.raises(UsageError) as e:
        d.set_config_from_flags(FlagValues(options))
    assert words in e.value.message and e.value.reason.id == "MK_USAGE"


def test_json_uses_go_names_and_round_trips() -> None:
    d = configure(cluster())
    doc = json.loads(d.get_config_raw())
    for key in ("Memory", "CPU", "Network", "PrivateNetwork", "DiskSize", "DiskPath", "Boot2DockerURL", "ISO",
                "MAC", "PrivateMAC", "GPU", "Hidden", "ConnectionURI", "NUMANodeCount", "ExtraDisks",
                "MachineName", "StorePath", "SSHUser", "IPAddress", "VirtType", "IPTimeout", "Shares"):
        assert key in doc, key
    assert "_conn" not in doc  # the live connection is never saved
    again = KVMDriver()
    again.set_config_raw(d.get_config_raw())
    assert again == d


def test_shares_come_from_the_cluster_and_round_trip_through_json(tmp_path: Path) -> None:
    share = parse_mount_string(f"{tmp_path}:/mnt/src", "virtiofs")
    d = configure(cluster(mounts=[share.to_json()]))
    assert d.configured_shares() == (share,)
    doc = json.loads(d.get_config_raw())
    assert doc["Shares"] == [{"Kind": "virtiofs", "HostPath": str(tmp_path), "GuestPath": "/mnt/src",
                              "Tag": share.tag, "Options": [], "UID": 1000, "GID": 1000}]  # docker's
    again = KVMDriver()
    again.set_config_raw(d.get_config_raw())
    assert again == d and again.configured_shares() == (share,)


def test_a_bad_saved_share_is_a_config_error() -> None:
    d = configure(cluster())
    doc = json.loads(d.get_config_raw())
    doc["Shares"] = [{"Kind": "virtiofs", "HostPath": "/x"}]  # no GuestPath, no Tag
    again = KVMDriver()
    again.set_config_raw(json.dumps(doc).encode())
    with pytest.raises(ConfigError) as e:
        again.configured_shares()
    assert '"Shares"' in e.value.message and "GuestPath" in e.value.message


# --- the nodes of a multi-node profile ------------------------------------------------------------

def test_a_worker_node_is_its_own_machine_on_the_profiles_network(tmp_path: Path) -> None:
    """``configure`` for node m02 of profile p: machine p-m02 with its own MAC and disk in its own
    directory, on the profile's network mk-p; the profile's shares are the primary's only."""
    share = parse_mount_string(f"{tmp_path}:/mnt/src", "virtiofs")
    nodes = [primary_node(), Node(name="m02")]
    d = configure(cluster(name="p", nodes=nodes, node=Node(name="m02"), mounts=[share.to_json()]))
    assert d.machine_name == "p-m02"
    assert d.private_network == "mk-p"
    assert d.network == "default"
    assert d.private_mac == spec_mac("p-m02")
    assert d.disk_path == "/tmp/mkhome/machines/p-m02/p-m02.rawdisk"
    assert d.iso == "/tmp/mkhome/machines/p-m02/boot2docker.iso"
    assert d.get_ssh_key_path() == "/tmp/mkhome/machines/p-m02/id_rsa"
    assert d.shares == [] and d.configured_shares() == ()
    assert (d.memory, d.cpu, d.disk_size) == (3072, 3, 12345)  # the profile's sizes, as the primary's

    primary = configure(cluster(name="p", nodes=nodes, node=nodes[0], mounts=[share.to_json()]))
    assert primary.machine_name == "p" and primary.private_network == "mk-p"
    assert primary.private_mac == spec_mac("p") != d.private_mac
    assert primary.disk_path == "/tmp/mkhome/machines/p/p.rawdisk"
    assert primary.configured_shares() == (share,)


def test_every_node_gets_its_own_mac_on_the_same_network() -> None:
    nodes = [primary_node(), Node(name="m02"), Node(name="m03")]
    drivers = [configure(cluster(name="p", nodes=nodes, node=n)) for n in nodes]
    assert [d.machine_name for d in drivers] == ["p", "p-m02", "p-m03"]
    assert {d.private_network for d in drivers} == {"mk-p"}
    assert len({d.private_mac for d in drivers}) == 3
    assert len({d.disk_path for d in drivers}) == 3
