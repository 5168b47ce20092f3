"""Shared folders: the checks before a machine is made, and hot attach/detach against a stand-in domain.

The stand-in is needed because libvirt's test driver cannot attach devices; the real thing is
test_integration.py's shared-folder test (start --mount-string, minikube mount).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import libvirt
import pytest
from minikube import DriverError, MinikubeError, UsageError
from minikube.machine import Share
from minikube_driver_kvm2 import KVMDriver
from minikube_driver_kvm2._shares import attach, detach, wrapper_text
from minikube_driver_kvm2._xml import DomainSpec, VirtiofsDevice, domain_xml, filesystem_xml, read_domain

TEST_URI = "test:///default"
URI = "qemu:///system"


@pytest.fixture
def virtiofsd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A virtiofsd that runs (answers --version), whatever the host has."""
    path = tmp_path / "virtiofsd"
    path.write_text("#!/bin/sh\necho 'virtiofsd version 0 (stand-in)'\n")
    path.chmod(0o755)
    monkeypatch.setenv("MINIKUBE_VIRTIOFSD", str(path))
    return str(path)


def share(host: Path, kind: str = "virtiofs", tag: str = "mk-unit0123456789") -> Share:
    return Share(kind=kind, host_path=str(host), guest_path="/mnt/unit", tag=tag)


def driver(tmp_path: Path, *shares: Share, name: str = "shareunit") -> KVMDriver:
    iso = tmp_path / "boot.iso"
    iso.write_bytes(b"\0" * 4096)
    return KVMDriver(machine_name=name, store_path=str(tmp_path / "home"), connection_uri=TEST_URI,
                     boot2docker_url=iso.as_uri(), private_network=f"mk-{name}", disk_size=4, virt_type="qemu",
                     memory=256, cpu=1, shares=[s.to_json() for s in shares])


def pre_create_error(d: KVMDriver) -> MinikubeError:
    with pytest.raises(MinikubeError) as e:
        d.pre_create_check()
    d.close()
    return e.value


# --- before anything is made -------------------------------------------------------------------------

def test_pre_create_check_passes_with_a_share_and_a_virtiofsd(test_conn: Any, tmp_path: Path, virtiofsd: str) -> None:
    d = driver(tmp_path, share(tmp_path))
    d.pre_create_check()
    d.close()


def test_missing_virtiofsd_is_one_line_with_the_fix_before_anything_is_made(
        test_conn: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIKUBE_VIRTIOFSD", "/nonexistent")
    d = driver(tmp_path, share(tmp_path))
    e = pre_create_error(d)
    assert e.reason.id == "HOST_UNSUPPORTED" and e.exit_code == 36
    assert "\n" not in e.message and "/nonexistent: not found" in e.message
    assert "apt-get install" in e.fix and "MINIKUBE_VIRTIOFSD" in e.fix
    assert not d.machine_dir().exists()
    assert "mk-shareunit" not in [n.name() for n in test_conn.listAllNetworks()]


def test_no_share_needs_no_virtiofsd(test_conn: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIKUBE_VIRTIOFSD", "/nonexistent")
    d = driver(tmp_path)
    d.pre_create_check()
    d.close()


def test_a_9p_share_is_refused(test_conn: Any, tmp_path: Path, virtiofsd: str) -> None:
    e = pre_create_error(driver(tmp_path, share(tmp_path, kind="9p")))
    assert isinstance(e, UsageError) and e.reason.id == "MK_USAGE"
    assert '"9p"' in e.message and "virtiofs only" in e.message and "--mount-type virtiofs" in e.fix


def test_a_missing_host_directory_is_refused(test_conn: Any, tmp_path: Path, virtiofsd: str) -> None:
    e = pre_create_error(driver(tmp_path, share(tmp_path / "gone")))
    assert e.reason.id == "HOST_PATH_MISSING" and str(tmp_path / "gone") in e.message


def test_start_refuses_a_share_whose_folder_went_away(test_conn: Any, tmp_path: Path, virtiofsd: str) -> None:
    """Between a stop and a start: one line naming the folder, not virtiofsd dying inside libvirt."""
    d = driver(tmp_path, share(tmp_path / "gone"), name="test")  # the test driver's own domain
    try:
        d.kill()
        with pytest.raises(MinikubeError) as e:
            d.start()
        assert e.value.reason.id == "HOST_PATH_MISSING" and str(tmp_path / "gone") in e.value.message
        assert not test_conn.lookupByName("test").isActive()
        assert "mk-test" not in [n.name() for n in test_conn.listAllNetworks()]  # refused before networks
    finally:
        dom = test_conn.lookupByName("test")
        if not dom.isActive():
            dom.create()
        d.close()


# --- hot attach and detach, against a stand-in domain --------------------------------------------------

class StandInDomain:
    """The few virDomain calls attach/detach make, with libvirt's semantics for live devices."""

    def __init__(self, xml: str, *, active: bool = True, cgroup: bool = True, unplug_delay: int = 0) -> None:
        self.inactive = xml
        self.live = ET.fromstring(xml)
        self.active = active
        self.cgroup = cgroup
        self.unplug_delay = unplug_delay  # XMLDesc calls until the guest has let an unplugged device go
        self.pending: ET.Element | None = None
        self.calls: list[tuple[str, str, int]] = []

    def isActive(self) -> bool:  # noqa: N802 - libvirt's name
        return self.active

    def XMLDesc(self, flags: int) -> str:  # noqa: N802
        if flags & libvirt.VIR_DOMAIN_XML_INACTIVE:
            return self.inactive
        if self.pending is not None:
            if self.unplug_delay == 0:
                self.live.find("devices").remove(self.pending)  # type: ignore[union-attr]
                self.pending = None
            self.unplug_delay -= 1
        return ET.tostring(self.live, encoding="unicode")

    def schedulerParameters(self) -> dict[str, int]:  # noqa: N802
        if not self.cgroup:
            raise libvirt.libvirtError("Requested operation is not valid: cgroup CPU controller is not mounted")
        return {"cpu_shares": 1024}

    def attachDeviceFlags(self, xml: str, flags: int) -> None:  # noqa: N802
        self.calls.append(("attach", xml, flags))
        self.live.find("devices").append(ET.fromstring(xml))  # type: ignore[union-attr]

    def detachDeviceFlags(self, xml: str, flags: int) -> None:  # noqa: N802
        self.calls.append(("detach", xml, flags))
        tag = ET.fromstring(xml).find("target").get("dir")  # type: ignore[union-attr]
        self.pending = next(fs for fs in self.live.findall("./devices/filesystem")
                            if fs.find("target").get("dir") == tag)  # type: ignore[union-attr]


def domain(*filesystems: VirtiofsDevice) -> str:
    return domain_xml(DomainSpec(name="hot", memory_mb=256, cpus=1, virt_type="qemu", iso="/x.iso", disk="/x.raw",
                                 private_network="mk-hot", network="default", filesystems=list(filesystems)))


def test_attach_adds_a_live_virtiofs_device(tmp_path: Path, virtiofsd: str) -> None:
    dom = StandInDomain(domain())
    s = share(tmp_path)
    attach(dom, s, "hot", tmp_path, URI)
    ((op, xml, flags),) = dom.calls
    assert op == "attach" and flags == libvirt.VIR_DOMAIN_AFFECT_LIVE  # live only: gone at the next boot
    wrapper = tmp_path / f"virtiofsd-{s.tag}.sh"
    assert xml == filesystem_xml(VirtiofsDevice(str(tmp_path), s.tag, str(wrapper)))  # libvirt runs the script
    assert read_domain(dom.XMLDesc(0)).filesystems == {s.tag: str(tmp_path)}
    attach(dom, s, "hot", tmp_path, URI)  # the same share again: nothing to do
    assert len(dom.calls) == 1


def test_attach_refuses_where_libvirt_would_crash(tmp_path: Path, virtiofsd: str) -> None:
    dom = StandInDomain(domain(), cgroup=False)
    with pytest.raises(NotImplementedError) as e:
        attach(dom, share(tmp_path), "hot", tmp_path, URI)
    assert "without a cgroup" in str(e.value) and "--mount-string" in str(e.value)
    assert dom.calls == []


def test_attach_refusals(tmp_path: Path, virtiofsd: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DriverError) as e:
        attach(StandInDomain(domain(), active=False), share(tmp_path), "hot", tmp_path, URI)
    assert e.value.reason.id == "GUEST_MOUNT" and "not running" in e.value.message
    taken = VirtiofsDevice("/elsewhere", "mk-unit0123456789", virtiofsd)
    with pytest.raises(DriverError) as e:
        attach(StandInDomain(domain(taken)), share(tmp_path), "hot", tmp_path, URI)
    assert e.value.reason.id == "GUEST_MOUNT_CONFLICT" and "/elsewhere" in e.value.message
    old = StandInDomain("<domain type='qemu'><name>hot</name><devices/></domain>")  # made before shared memory
    with pytest.raises(DriverError) as e:
        attach(old, share(tmp_path), "hot", tmp_path, URI)
    assert e.value.reason.id == "GUEST_MOUNT" and "shared memory" in e.value.message and "minikube delete" in e.value.fix
    assert old.calls == []
    with pytest.raises(UsageError):
        attach(StandInDomain(domain()), share(tmp_path, kind="9p"), "hot", tmp_path, URI)
    monkeypatch.setenv("MINIKUBE_VIRTIOFSD", "/nonexistent")
    with pytest.raises(MinikubeError) as e:
        attach(StandInDomain(domain()), share(tmp_path), "hot", tmp_path, URI)
    assert e.value.reason.id == "HOST_UNSUPPORTED"


def test_detach_removes_the_device_and_waits_for_the_guest(tmp_path: Path, virtiofsd: str) -> None:
    dom = StandInDomain(domain(), unplug_delay=3)
    s = share(tmp_path)
    attach(dom, s, "hot", tmp_path, URI)
    detach(dom, s, "hot", tmp_path)
    op, xml, flags = dom.calls[-1]
    assert op == "detach" and flags == libvirt.VIR_DOMAIN_AFFECT_LIVE
    assert ET.fromstring(xml).find("target").get("dir") == s.tag  # type: ignore[union-attr]
    assert read_domain(dom.XMLDesc(0)).filesystems == {}
    assert not (tmp_path / f"virtiofsd-{s.tag}.sh").exists()  # its script goes with it
    detach(dom, s, "hot")  # gone already (or the machine rebooted since): nothing to do
    assert len(dom.calls) == 2
    detach(StandInDomain(domain(), active=False), s, "hot")


def test_detach_leaves_a_share_of_the_machines_definition_alone(tmp_path: Path, virtiofsd: str) -> None:
    made_with = VirtiofsDevice(str(tmp_path), "mk-unit0123456789", virtiofsd)
    dom = StandInDomain(domain(made_with))
    detach(dom, share(tmp_path), "hot")
    assert dom.calls == [] and read_domain(dom.XMLDesc(0)).filesystems


def test_driver_methods_reach_the_domain(test_conn: Any, tmp_path: Path, virtiofsd: str) -> None:
    """The driver looks its domain up: a missing machine is MachineNotFoundError, as for every operation."""
    from minikube import MachineNotFoundError

    d = driver(tmp_path, name="never-made")
    for op in (d.attach_share, d.detach_share):
        with pytest.raises(MachineNotFoundError):
            op(share(tmp_path))
    d.close()


# --- the script libvirt runs as the virtiofsd -------------------------------------------------------

def test_the_wrapper_drops_to_the_user_and_maps_only_it(tmp_path: Path) -> None:
    s = Share(kind="virtiofs", host_path=str(tmp_path), guest_path="/x", tag="mk-abc", uid=1001, gid=1002)
    text = wrapper_text(s, "/usr/lib/qemu/virtiofsd", URI)
    assert text.startswith("#!/bin/sh\n") and text.endswith(' /usr/lib/qemu/virtiofsd "$@"\n')
    assert f"--reuid={os.getuid()} --regid={os.getgid()} --clear-groups" in text  # system libvirtd: root drops
    assert "--map-user=1001 --map-group=1002 --keep-caps" in text and "--map-users=auto" not in text
    if os.getuid() != 0:  # a session libvirtd runs it as the user: groups cleared in an outer namespace
        assert "--map-users=auto" in wrapper_text(s, "/v", "qemu:///session")


def test_a_tag_minikube_did_not_make_is_refused_before_a_file_is_written(test_conn: Any, tmp_path: Path,
                                                                         virtiofsd: str) -> None:
    e = pre_create_error(driver(tmp_path, share(tmp_path, tag="../../etc/x")))
    assert isinstance(e, UsageError) and "not one minikube makes" in e.message
    assert not list(tmp_path.rglob("*.sh"))


@pytest.mark.skipif(os.geteuid() != 0 or not os.access("/usr/lib/qemu/virtiofsd", os.X_OK),
                    reason="root runs the script as libvirt does, with QEMU's virtiofsd")
def test_the_wrapper_answers_libvirts_capability_probe(tmp_path: Path) -> None:
    """libvirt probes ``<binary>`` with --print-capabilities: the script passes it through."""
    import json
    import subprocess

    from minikube_driver_kvm2._shares import write_wrapper

    path = write_wrapper(tmp_path, share(tmp_path), "/usr/lib/qemu/virtiofsd", URI)
    p = subprocess.run([path, "--print-capabilities"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["type"] == "fs"
