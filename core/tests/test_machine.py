"""The machine layer in-process: BaseDriver, flags, host store, lifecycle on the fake driver."""

from __future__ import annotations

import io
import json
import stat
import tarfile
from pathlib import Path

import pytest
from minikube import ConfigError, ConfigVersionError, DriverError, InvalidNameError, MachineNotFoundError
from minikube.config import ClusterConfig
from minikube.machine import (
    B2D_MAGIC,
    BaseDriver,
    FlagValues,
    Host,
    HostStore,
    Machines,
    State,
    disk_tar,
    mac_from_name,
    normalize_mac,
    wait_for,
    write_raw_disk,
)
from minikube.testing import FakeDriver, fake_config


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MINIKUBE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_state_values_and_names() -> None:
    assert [s.value for s in State] == list(range(9))
    assert str(State.NONE) == "" and str(State.RUNNING) == "Running" and str(State.TIMEOUT) == "Timeout"


def test_base_driver_defaults_and_json_names() -> None:
    d = FakeDriver(machine_name="m1", store_path="/store")
    assert d.get_ssh_port() == 22
    assert BaseDriver.DEFAULT_SSH_USER == "root"
    assert d.get_ssh_key_path() == "/store/machines/m1/id_rsa"
    with pytest.raises(DriverError, match="IP address is not set"):
        BaseDriver.get_ip(d)
    doc = json.loads(d.get_config_raw())
    for key in ("IPAddress", "MachineName", "SSHUser", "SSHPort", "SSHKeyPath", "StorePath",
                "SwarmMaster", "SwarmHost", "SwarmDiscovery"):
        assert key in doc
    e = FakeDriver()
    e.set_config_raw(d.get_config_raw())
    assert e == d


def test_flag_values_give_zero_values_for_missing_keys() -> None:
    o = FlagValues({"s": "x", "l": ["a", "b"], "i": "7", "b": "true"})
    assert (o.string("s"), o.string_slice("l"), o.int("i"), o.bool("b")) == ("x", ["a", "b"], 7, True)
    assert (o.string("no"), o.string_slice("no"), o.int("no"), o.bool("no")) == ("", [], 0, False)


def test_store_layout_permissions_and_atomic_replace(home: Path) -> None:
    store = HostStore()
    store.save(Host("m1", "fake", b'{"A": 1}'))
    path = home / "machines" / "m1" / "config.json"
    doc = json.loads(path.read_text())
    assert doc == {"ConfigVersion": 3, "Driver": {"A": 1}, "DriverName": "fake",
                   "HostOptions": {}, "Name": "m1"}
    assert path.read_text().startswith('{\n    "ConfigVersion": 3')
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert store.load("m1").driver_raw == b'{"A": 1}'


def test_newer_config_version_is_refused_and_untouched(home: Path) -> None:
    path = home / "machines" / "m2" / "config.json"
    path.parent.mkdir(parents=True)
    text = json.dumps({"ConfigVersion": 4, "DriverName": "fake", "Driver": {}, "Name": "m2"})
    path.write_text(text)
    with pytest.raises(ConfigVersionError, match="ConfigVersion 4"):
        HostStore().load("m2")
    assert path.read_text() == text


@pytest.mark.parametrize("content", ["", "{", '{"ConfigVersion": 3, "Driver": {', "[]", '{"ConfigVersion": 3}'])
def test_corrupt_config_names_file_and_recovery(home: Path, content: str) -> None:
    path = home / "machines" / "m3" / "config.json"
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(ConfigError) as e:
        HostStore().load("m3")
    assert str(path) in e.value.message and "minikube delete -p m3" in e.value.fix


@pytest.mark.parametrize("name", ["../x", "a/b", "-rf", ".", "", "x y", "a\x00b"])
def test_bad_names_are_refused_before_any_file(home: Path, name: str) -> None:
    with pytest.raises(InvalidNameError):
        HostStore().save(Host(name, "fake"))
    assert not home.exists()


def test_missing_machine_is_its_own_error(home: Path) -> None:
    with pytest.raises(MachineNotFoundError):
        HostStore().load("nope")


def _machines() -> Machines:
    return Machines(lambda name: FakeDriver())


def test_lifecycle_on_the_fake_driver_survives_new_processes(home: Path) -> None:
    cfg = ClusterConfig(name="life", store_path=str(home))
    raw = fake_config(cfg).get_config_raw()
    _machines().create("life", "fake", raw)
    assert _machines().status("life") == State.RUNNING  # a fresh Machines: state from the store
    ip = _machines().ip("life")
    _machines().stop("life")
    assert _machines().status("life") == State.STOPPED
    with pytest.raises(DriverError, match="not running"):
        _machines().ip("life")
    _machines().start("life")
    assert _machines().ip("life") == ip
    _machines().delete("life")
    assert not (home / "machines" / "life").exists()


def test_failed_create_leaves_a_config_that_delete_cleans(home: Path) -> None:
    d = fake_config(ClusterConfig(name="bad", store_path=str(home)))
    d.fail_create = True
    with pytest.raises(DriverError, match="fake create failed"):
        _machines().create("bad", "fake", d.get_config_raw())
    assert json.loads((home / "machines" / "bad" / "config.json").read_text())["DriverName"] == "fake"
    _machines().delete("bad")
    assert not (home / "machines" / "bad").exists()


def test_wait_for_names_the_last_error_on_timeout() -> None:
    def check() -> bool:
        raise OSError("no lease yet")

    with pytest.raises(DriverError, match="timed out after 0.2s waiting for an IP: no lease yet"):
        wait_for(check, timeout=0.2, interval=0.05, what="an IP")
    assert wait_for(lambda: "ok", timeout=1) == "ok"


def test_boot2docker_disk_holds_marker_and_keys(tmp_path: Path) -> None:
    disk = tmp_path / "d.rawdisk"
    write_raw_disk(disk, b"ssh-rsa AAAA test\n", 8)
    assert disk.stat().st_size == 8 * 1024 * 1024
    data = disk.read_bytes()
    assert data[:len(B2D_MAGIC)] == B2D_MAGIC.encode()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert tar.extractfile(B2D_MAGIC).read() == B2D_MAGIC.encode()  # type: ignore[union-attr]
        assert members[".ssh"].isdir() and members[".ssh"].mode == 0o700
        for k in (".ssh/authorized_keys", ".ssh/authorized_keys2"):
            assert members[k].mode == 0o644
            assert tar.extractfile(k).read() == b"ssh-rsa AAAA test\n"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="smaller than"):
        write_raw_disk(disk, b"k" * 10, 0)
    assert len(disk_tar(b"k")) % 512 == 0


def test_mac_from_name_is_stable_local_unicast() -> None:
    mac = mac_from_name("minikube")
    first = int(mac.split(":")[0], 16)
    assert first & 2 and not first & 1
    assert mac == mac_from_name("minikube") != mac_from_name("other")
    assert normalize_mac("8e:1:99:a:b:c") == normalize_mac("8e:01:99:0a:0b:0c")
