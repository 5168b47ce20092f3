"""The driver's operations against libvirt's test driver (test:///default), and its disk."""

from __future__ import annotations

import ipaddress
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest
from minikube import DriverError, MachineNotFoundError, MinikubeError, UsageError
from minikube.machine import B2D_MAGIC, State
from minikube_driver_kvm2 import KVMDriver
from minikube_driver_kvm2._libvirt import connection_error
from minikube_driver_kvm2._net import free_subnets, host_networks
from minikube_driver_kvm2._network import activate, ensure_private_network
from minikube_driver_kvm2._xml import DomainSpec, dhcp_hosts, domain_xml, read_domain

TEST_URI = "test:///default"
KEY = b"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 minikube\n"


def driver(tmp_path: Path, name: str = "unit", **kw: Any) -> KVMDriver:
    iso = tmp_path / "boot.iso"
    if not iso.exists():
        iso.write_bytes(b"\0" * 4096)
    base: dict[str, Any] = dict(machine_name=name, store_path=str(tmp_path / "home"), connection_uri=TEST_URI,
                                boot2docker_url=iso.as_uri(), private_network=f"mk-{name}", disk_size=4,
                                virt_type="qemu", memory=256, cpu=1)
    base.update(kw)
    return KVMDriver(**base)


# --- the disk ---------------------------------------------------------------------------------

def test_disk_is_the_boot2docker_tar_then_sparse(tmp_path: Path) -> None:
    d = driver(tmp_path, extra_disks=2)
    d.machine_dir().mkdir(parents=True)
    d.write_disks(KEY)
    disk = Path(d.disk_path)
    assert disk == d.machine_dir() / "unit.rawdisk"
    assert disk.stat().st_size == 4 * 1024 * 1024
    assert disk.stat().st_blocks * 512 < 1024 * 1024  # sparse: only the tar is written
    with tarfile.open(disk, mode="r:") as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert list(members) == [B2D_MAGIC, ".ssh", ".ssh/authorized_keys", ".ssh/authorized_keys2"]
        assert tar.extractfile(B2D_MAGIC).read() == B2D_MAGIC.encode()  # type: ignore[union-attr]
        assert members[".ssh"].isdir() and members[".ssh"].mode == 0o700
        for name in (".ssh/authorized_keys", ".ssh/authorized_keys2"):
            assert members[name].mode == 0o644
            assert tar.extractfile(name).read() == KEY  # type: ignore[union-attr]
    assert [Path(p).name for p in d.extra_disk_paths] == ["unit-1.rawdisk", "unit-2.rawdisk"]
    assert all(Path(p).stat().st_size == 4 * 1024 * 1024 for p in d.extra_disk_paths)


def test_disk_smaller_than_the_boot_image_is_refused(tmp_path: Path) -> None:
    d = driver(tmp_path, disk_size=2)
    with pytest.raises(UsageError) as e:
        d.check_disk_size(14 * 1024 * 1024)
    assert "2 MB is smaller than the boot image (14 MB)" in e.value.message
    assert "--disk-size" in e.value.fix
    d.check_disk_size(1024 * 1024)


# --- connecting ---------------------------------------------------------------------------------

@pytest.mark.parametrize("uri, reason", [
    ("qemu:///system?socket=/nonexistent/libvirt-sock", "PR_KVM_NOT_RUNNING"),
    ("bogus:///nothing", "PR_KVM_URI"),
    ("qemu:///bogus", "PR_KVM_URI"),
])
def test_connection_errors_have_reasons(tmp_path: Path, uri: str, reason: str) -> None:
    d = driver(tmp_path, connection_uri=uri)
    with pytest.raises(DriverError) as e:
        d.get_state()
    assert e.value.reason.id == reason
    assert uri in e.value.message and e.value.fix


def test_connection_error_classification() -> None:
    assert connection_error("u", "authentication failed: polkit").reason.id == "PR_KVM_USER_PERMISSION"
    assert connection_error("u", "Failed to connect socket to '/x': Connection refused").reason.id == "PR_KVM_NOT_RUNNING"


# --- state and lifecycle of a domain that exists ---------------------------------------------------

def test_state_of_the_test_drivers_running_domain(test_conn: Any, tmp_path: Path) -> None:
    d = driver(tmp_path, name="test")
    try:
        assert d.get_state() is State.RUNNING
        d.kill()
        assert d.get_state() is State.STOPPED
        d.kill()  # killing a stopped machine is a no-op
    finally:
        dom = test_conn.lookupByName("test")
        if not dom.isActive():
            dom.create()
        d.close()


def test_operations_on_a_missing_machine(test_conn: Any, tmp_path: Path) -> None:
    d = driver(tmp_path, name="never-made")
    assert d.get_state() is State.NONE
    for op in (d.start, d.stop, d.kill, d.restart, d.get_ip):
        with pytest.raises(MachineNotFoundError) as e:
            op()
        assert e.value.message.startswith('Host does not exist: "never-made"')
    d.remove()  # a missing domain is success
    d.close()


def test_remove_leaves_a_foreign_domain_alone(test_conn: Any, tmp_path: Path) -> None:
    d = driver(tmp_path, name="test")  # the test driver's own domain, not made by minikube
    d.remove()
    assert test_conn.lookupByName("test").isActive()
    d.close()


def _define_ours(conn: Any, d: KVMDriver, network: str) -> Any:
    spec = DomainSpec(name=d.machine_name, memory_mb=256, cpus=1, virt_type="qemu", iso="/x.iso", disk="/x.raw",
                      private_network=network, network="default", private_mac="16:00:00:00:00:01",
                      owner=str(d.machine_dir()))
    return conn.defineXML(domain_xml(spec))


def test_private_network_create_reserve_and_remove(test_conn: Any, tmp_path: Path) -> None:
    d = driver(tmp_path, name="netunit")
    net = d._ensure_private_network(test_conn)
    try:
        taken = host_networks() + [ipaddress.IPv4Network("192.168.122.0/24")]
        want = free_subnets(taken)[0]
        assert net.name() == "mk-netunit" and net.isActive() and net.autostart()
        assert f"address='{want.gateway}'" in net.XMLDesc(0)
        assert "<dns enable='no'/>" in net.XMLDesc(0)
        assert d._ensure_private_network(test_conn).name() == "mk-netunit"  # reused, not made twice
        d._reserve(net, "16:00:00:00:00:01", want.dhcp_start)
        assert dhcp_hosts(net.XMLDesc(0)) == {"16:00:00:00:00:01": want.dhcp_start}
        d._reserve(net, "16:00:00:00:00:01", want.dhcp_start)  # idempotent
        # another domain still uses the network: remove keeps it, but drops our reservation
        other = _define_ours(test_conn, driver(tmp_path, name="neighbour"), "mk-netunit")
        d.private_mac = "16:00:00:00:00:01"
        d.remove()
        assert test_conn.networkLookupByName("mk-netunit")
        assert dhcp_hosts(net.XMLDesc(0)) == {}
        other.undefine()
        d.remove()
        assert "mk-netunit" not in [n.name() for n in test_conn.listAllNetworks()]
    finally:
        if "mk-netunit" in [n.name() for n in test_conn.listAllNetworks()]:
            net.destroy()
            net.undefine()
        d.close()


def test_activate_accepts_a_network_another_command_started_meanwhile() -> None:
    """Two nodes starting the same new network: libvirt refuses the second ``create`` ("network is
    already active"), which is no failure: the network is up."""
    import libvirt

    class Raced:
        active = False
        auto = False

        def isActive(self) -> bool:  # noqa: N802 - libvirt's names
            return self.active

        def create(self) -> None:
            self.active = True  # the other command's create won
            raise libvirt.libvirtError("Requested operation is not valid: network is already active")

        def autostart(self) -> bool:
            return self.auto

        def setAutostart(self, on: int) -> None:  # noqa: N802
            self.auto = bool(on)

        def name(self) -> str:
            return "mk-raced"

    net = Raced()
    activate(net)
    assert net.active and net.auto

    class Broken(Raced):
        def create(self) -> None:
            raise libvirt.libvirtError("the bridge cannot be made")

    with pytest.raises(DriverError) as e:
        activate(Broken())
    assert e.value.reason.id == "PR_KVM_NETWORK" and "the bridge cannot be made" in e.value.message


def test_the_nodes_of_a_profile_make_one_private_network_at_once(test_conn: Any) -> None:
    """Threads (the nodes of one ``start --nodes``) ensuring the same new network: one network,
    active, every thread given it."""
    import threading

    got: list[str] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(4)

    def one() -> None:
        barrier.wait()
        try:
            got.append(ensure_private_network(test_conn, "mk-together").UUIDString())
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors and len(got) == 4 and len(set(got)) == 1
        net = test_conn.networkLookupByName("mk-together")
        assert net.isActive() and net.autostart()
    finally:
        for n in test_conn.listAllNetworks():
            if n.name() == "mk-together":
                n.destroy()
                n.undefine()


def test_remove_destroys_and_undefines_our_domain(test_conn: Any, tmp_path: Path) -> None:
    d = driver(tmp_path, name="ours")
    dom = _define_ours(test_conn, d, "default")
    dom.create()
    assert d.get_state() is State.RUNNING
    assert read_domain(dom.XMLDesc(0)).owner == str(d.machine_dir())
    d.remove()
    assert d.get_state() is State.NONE
    assert "default" in [n.name() for n in test_conn.listAllNetworks()]  # not ours: kept
    d.close()


# --- pre-create checks ------------------------------------------------------------------------------

def _pre_create_error(d: KVMDriver) -> MinikubeError:
    with pytest.raises(MinikubeError) as e:
        d.pre_create_check()
    d.close()
    return e.value


def test_pre_create_check_passes_on_a_good_config(test_conn: Any, tmp_path: Path) -> None:
    d = driver(tmp_path, name="fine")
    d.pre_create_check()
    d.close()


def test_pre_create_check_bad_inputs(test_conn: Any, tmp_path: Path) -> None:
    e = _pre_create_error(driver(tmp_path, network="nope"))
    assert e.reason.id == "PR_KVM_NETWORK" and "'nope' does not exist" in e.message and "default" in e.fix
    e = _pre_create_error(driver(tmp_path, name="test"))
    assert e.reason.id == "PR_KVM_DOMAIN_EXISTS" and "not made by minikube" in e.message
    e = _pre_create_error(driver(tmp_path, boot2docker_url=(tmp_path / "absent.iso").as_uri()))
    assert e.reason.id == "MK_USAGE" and "absent.iso does not exist" in e.message
    e = _pre_create_error(driver(tmp_path, boot2docker_url=""))
    assert e.reason.id == "MK_USAGE" and "minikube-tiny-iso" in e.fix and "--iso-url" in e.fix
    e = _pre_create_error(driver(tmp_path, boot2docker_url="https://example.invalid/x.iso"))
    assert e.reason.id == "MK_USAGE"
    big = tmp_path / "big.iso"
    with open(big, "wb") as f:
        f.truncate(9 * 1024 * 1024)
    e = _pre_create_error(driver(tmp_path, boot2docker_url=big.as_uri(), disk_size=5))
    assert e.reason.id == "MK_USAGE" and "smaller than the boot image (9 MB)" in e.message


def test_explicit_kvm_needs_dev_kvm(test_conn: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("minikube_driver_kvm2._driver.DEV_KVM", str(tmp_path / "no-kvm"))
    e = _pre_create_error(driver(tmp_path, virt_type="kvm"))
    assert e.reason.id == "PR_KVM_CAPABILITIES" and "no-kvm" in e.message
    fake = tmp_path / "not-a-device"
    fake.write_text("")
    monkeypatch.setattr("minikube_driver_kvm2._driver.DEV_KVM", str(fake))
    e = _pre_create_error(driver(tmp_path, virt_type="kvm"))
    assert e.reason.id == "PR_KVM_DEVICE_PERMISSION" and e.fix.startswith("Run: chgrp kvm /dev/kvm")


def test_explicit_kvm_is_checked_for_the_user_qemu_runs_as(test_conn: Any, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """minikube run by root: QEMU runs as libvirt's user, so that user must open /dev/kvm, not root."""
    import stat

    from minikube_driver_kvm2._host import Identity

    dev = tmp_path / "kvm"
    try:
        os.mknod(dev, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError as e:
        pytest.skip(f"cannot make a device node here: {e}")
    qemu = Identity("libvirt-qemu", 64055, 64055, frozenset({64055}))
    monkeypatch.setattr(KVMDriver, "qemu_identity", lambda self, conn: qemu)
    monkeypatch.setattr("minikube_driver_kvm2._driver.DEV_KVM", str(dev))
    e = _pre_create_error(driver(tmp_path, virt_type="kvm"))
    assert e.reason.id == "PR_KVM_DEVICE_PERMISSION" and "by libvirt-qemu, the user QEMU runs as" in e.message
    assert "usermod --append --groups kvm libvirt-qemu" in e.fix


def test_create_flags_round_trip_through_json(tmp_path: Path) -> None:
    d = driver(tmp_path)
    again = KVMDriver()
    again.set_config_raw(d.get_config_raw())
    assert again.uri == TEST_URI and again.machine_dir() == d.machine_dir()
    assert os.path.isabs(again.machine_dir())
