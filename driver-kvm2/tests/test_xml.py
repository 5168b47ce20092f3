"""Domain and network XML: generated, parsed back, and accepted by libvirt's test driver."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from minikube_driver_kvm2._net import Subnet
from minikube_driver_kvm2._xml import (
    METADATA_NS,
    DomainSpec,
    VirtiofsDevice,
    device_element,
    dhcp_host_xml,
    dhcp_hosts,
    domain_xml,
    filesystem_xml,
    network_subnets,
    network_xml,
    numa_cells,
    read_domain,
)


def spec(**kw: Any) -> DomainSpec:
    base: dict[str, Any] = dict(
        name="demo", memory_mb=2048, cpus=2, virt_type="qemu", iso="/m/demo/boot2docker.iso",
        disk="/m/demo/demo.rawdisk", private_network="mk-demo", network="default",
        private_mac="16:59:31:6a:a8:77", console_log="/m/demo/console.log", owner="/m/demo")
    base.update(kw)
    return DomainSpec(**base)


def test_domain_xml_elements() -> None:
    root = ET.fromstring(domain_xml(spec(run_as=(1000, 1000))))
    assert root.get("type") == "qemu"
    assert root.findtext("name") == "demo"
    assert root.find("memory").get("unit") == "MiB" and root.findtext("memory") == "2048"  # type: ignore[union-attr]
    assert root.findtext("vcpu") == "2"
    assert [b.get("dev") for b in root.findall("./os/boot")] == ["cdrom", "hd"]
    cdrom, disk = root.findall("./devices/disk")
    assert cdrom.get("device") == "cdrom" and cdrom.find("readonly") is not None
    assert cdrom.find("source").get("file") == "/m/demo/boot2docker.iso"  # type: ignore[union-attr]
    assert cdrom.find("target").get("bus") == "scsi"  # type: ignore[union-attr]
    assert disk.find("driver").get("type") == "raw"  # type: ignore[union-attr]
    assert disk.find("target").get("bus") == "virtio"  # type: ignore[union-attr]
    assert disk.find("source").get("file") == "/m/demo/demo.rawdisk"  # type: ignore[union-attr]
    nics = root.findall("./devices/interface")
    assert [n.find("source").get("network") for n in nics] == ["mk-demo", "default"]  # type: ignore[union-attr]
    assert nics[0].find("mac").get("address") == "16:59:31:6a:a8:77"  # type: ignore[union-attr]
    assert nics[1].find("mac") is None  # libvirt assigns it; read back after define
    assert all(n.find("model").get("type") == "virtio" for n in nics)  # type: ignore[union-attr]
    serial = root.find("./devices/serial")
    assert serial.get("type") == "file" and serial.find("source").get("path") == "/m/demo/console.log"  # type: ignore[union-attr]
    assert root.find("./devices/rng").get("model") == "virtio"  # type: ignore[union-attr]
    label = root.find("seclabel")
    assert label.get("model") == "dac" and label.get("type") == "static"  # type: ignore[union-attr]
    assert label.findtext("label") == "+1000:+1000"  # type: ignore[union-attr]
    assert label.get("relabel") == "no"  # type: ignore[union-attr]  # QEMU runs as the caller, who owns the files
    qemu_user = ET.fromstring(domain_xml(spec(run_as=(64055, 64055), relabel=True))).find("seclabel")
    assert qemu_user.get("relabel") == "yes"  # type: ignore[union-attr]  # root's: libvirt hands QEMU's user the files
    assert root.find(f"./metadata/{{{METADATA_NS}}}machine").get("dir") == "/m/demo"  # type: ignore[union-attr]


SHARE = VirtiofsDevice(host_path="/home/me/src", tag="mk-0123456789abcdef0123", virtiofsd="/usr/lib/qemu/virtiofsd")


def test_every_domain_has_shared_memfd_memory() -> None:
    """Shares or not: a virtio-fs device can then be hot-attached to any running machine."""
    for root in (ET.fromstring(domain_xml(spec())), ET.fromstring(domain_xml(spec(filesystems=[SHARE])))):
        backing = root.find("memoryBacking")
        assert backing is not None
        assert backing.find("source").get("type") == "memfd"  # type: ignore[union-attr]
        assert backing.find("access").get("mode") == "shared"  # type: ignore[union-attr]
    assert read_domain(domain_xml(spec())).shared_memory
    assert not read_domain("<domain type='kvm'><name>old</name></domain>").shared_memory


def test_a_virtiofs_share_is_a_filesystem_device() -> None:
    other = VirtiofsDevice("/srv/data", "mk-other", "/usr/libexec/virtiofsd")
    root = ET.fromstring(domain_xml(spec(filesystems=[SHARE, other])))
    first, second = root.findall("./devices/filesystem")
    assert (first.get("type"), first.get("accessmode")) == ("mount", "passthrough")
    assert first.find("driver").get("type") == "virtiofs"  # type: ignore[union-attr]
    assert first.find("binary").get("path") == "/usr/lib/qemu/virtiofsd"  # type: ignore[union-attr]
    assert first.find("source").get("dir") == "/home/me/src"  # type: ignore[union-attr]
    assert first.find("target").get("dir") == "mk-0123456789abcdef0123"  # type: ignore[union-attr]
    assert second.find("binary").get("path") == "/usr/libexec/virtiofsd"  # type: ignore[union-attr]
    assert ET.tostring(first, encoding="unicode") == filesystem_xml(SHARE)  # the same element a hot attach sends
    facts = read_domain(ET.tostring(root, encoding="unicode"))
    assert facts.filesystems == {"mk-0123456789abcdef0123": "/home/me/src", "mk-other": "/srv/data"}
    assert read_domain(domain_xml(spec())).filesystems == {}


def test_device_element_finds_a_share_by_tag() -> None:
    xml = domain_xml(spec(filesystems=[SHARE]))
    found = device_element(xml, SHARE.tag)
    assert found is not None and ET.fromstring(found).find("source").get("dir") == "/home/me/src"  # type: ignore[union-attr]
    assert device_element(xml, "mk-absent") is None


def test_share_paths_are_escaped() -> None:
    odd = VirtiofsDevice("/tmp/a'b\"<c>&d", "mk-x", "/v")
    fs = ET.fromstring(domain_xml(spec(filesystems=[odd]))).find("./devices/filesystem/source")
    assert fs.get("dir") == "/tmp/a'b\"<c>&d"  # type: ignore[union-attr]


def test_cpu_mode_is_host_passthrough_only_under_kvm() -> None:
    kvm = ET.fromstring(domain_xml(spec(virt_type="kvm", hidden=True)))
    assert kvm.get("type") == "kvm"
    assert kvm.find("cpu").get("mode") == "host-passthrough"  # type: ignore[union-attr]
    assert kvm.find("./features/kvm/hidden").get("state") == "on"  # type: ignore[union-attr]
    qemu = ET.fromstring(domain_xml(spec(virt_type="qemu", hidden=True)))
    assert qemu.find("cpu") is None
    assert qemu.find("./features/kvm") is None  # hiding KVM means nothing under emulation


def test_numa_cells_split_cpus_and_memory() -> None:
    assert numa_cells(4, 4096, 2) == [("0-1", 2048), ("2-3", 2048)]
    assert numa_cells(3, 1000, 2) == [("0", 500), ("1-2", 500)]
    assert numa_cells(2, 2048, 1) == [("0-1", 2048)]
    with pytest.raises(ValueError):
        numa_cells(2, 2048, 3)
    root = ET.fromstring(domain_xml(spec(cpus=4, numa_count=2)))
    cells = root.findall("./cpu/numa/cell")
    assert [(c.get("cpus"), c.get("memory")) for c in cells] == [("0-1", "1024"), ("2-3", "1024")]


def test_extra_disks_and_pty_console() -> None:
    root = ET.fromstring(domain_xml(spec(extra_disks=["/m/x-1.rawdisk", "/m/x-2.rawdisk"], console_log="", run_as=None)))
    targets = [d.find("target").get("dev") for d in root.findall("./devices/disk[@device='disk']")]  # type: ignore[union-attr]
    assert targets == ["hda", "hdb", "hdc"]
    assert root.find("./devices/serial").get("type") == "pty"  # type: ignore[union-attr]
    assert root.find("seclabel") is None


def test_names_and_paths_are_escaped() -> None:
    root = ET.fromstring(domain_xml(spec(iso="/m/a'b\"<c>&.iso")))
    assert root.find("./devices/disk/source").get("file") == "/m/a'b\"<c>&.iso"  # type: ignore[union-attr]


def test_read_domain_back() -> None:
    xml = domain_xml(spec(mac="52:54:00:AA:BB:CC"))
    facts = read_domain(xml)
    assert facts.virt_type == "qemu"
    assert facts.macs == {"mk-demo": "16:59:31:6a:a8:77", "default": "52:54:00:aa:bb:cc"}
    assert facts.networks == ("mk-demo", "default")
    assert facts.owner == "/m/demo"
    assert read_domain("<domain type='kvm'><name>x</name></domain>").owner is None


def test_network_xml() -> None:
    subnet = Subnet(__import__("ipaddress").IPv4Network("192.168.50.0/24"))
    root = ET.fromstring(network_xml("mk-demo", subnet))
    assert root.findtext("name") == "mk-demo"
    assert root.find("dns").get("enable") == "no"  # type: ignore[union-attr]
    assert root.find("forward") is None  # isolated
    ip = root.find("ip")
    assert (ip.get("address"), ip.get("netmask")) == ("192.168.50.1", "255.255.255.0")  # type: ignore[union-attr]
    rng = root.find("./ip/dhcp/range")
    assert (rng.get("start"), rng.get("end")) == ("192.168.50.2", "192.168.50.253")  # type: ignore[union-attr]
    assert network_subnets(network_xml("x", subnet)) == ["192.168.50.0/24"]
    assert network_subnets("<network><ip address='10.1.2.1' prefix='16'/><ip family='ipv6' address='fd00::1' prefix='64'/></network>") == ["10.1.0.0/16"]


def test_dhcp_hosts() -> None:
    xml = ("<network><ip address='192.168.39.1' netmask='255.255.255.0'><dhcp>"
           + dhcp_host_xml("16:59:31:6A:A8:77", "192.168.39.169", "demo") + "</dhcp></ip></network>")
    assert dhcp_hosts(xml) == {"16:59:31:6a:a8:77": "192.168.39.169"}


@pytest.mark.parametrize("virt_type", ["qemu", "kvm"])
def test_libvirt_accepts_the_domain_and_network(test_conn: Any, virt_type: str) -> None:
    """The test driver parses and validates the XML like libvirtd does, and gives it back."""
    subnet = Subnet(__import__("ipaddress").IPv4Network("192.168.61.0/24"))
    net = test_conn.networkDefineXML(network_xml("mk-xmltest", subnet))
    dom = None
    try:
        dom = test_conn.defineXML(domain_xml(spec(name=f"xmltest-{virt_type}", virt_type=virt_type,
                                                  private_network="mk-xmltest", run_as=(0, 0),
                                                  filesystems=[SHARE])))
        facts = read_domain(dom.XMLDesc(0))
        assert facts.shared_memory and facts.filesystems == {SHARE.tag: SHARE.host_path}
        assert facts.virt_type == virt_type
        assert facts.macs["mk-xmltest"] == "16:59:31:6a:a8:77"
        assert facts.macs["default"]  # assigned by libvirt
        assert facts.owner == "/m/demo"
        assert network_subnets(net.XMLDesc(0)) == ["192.168.61.0/24"]
    finally:
        if dom is not None:
            dom.undefine()
        net.undefine()
