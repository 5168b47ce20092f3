"""libvirt XML for kvm2's domains and networks, built and read with ElementTree (no templates,
so names and paths are always escaped)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ._net import Subnet

#: The namespace of kvm2's ``<metadata>`` element: it marks a domain as one this driver made,
#: for which machine directory, so that ``remove`` never touches somebody else's domain.
METADATA_NS = "https://github.com/minikube-py/minikube-py/driver-kvm2"
METADATA_PREFIX = "mk"
ET.register_namespace(METADATA_PREFIX, METADATA_NS)


@dataclass(frozen=True)
class VirtiofsDevice:
    """One shared folder as the guest sees it: a virtio-fs device whose tag the guest mounts,
    served by a virtiofsd that libvirt starts (as root) for ``host_path``."""

    host_path: str
    tag: str
    virtiofsd: str  # what libvirt runs as its virtiofsd (kvm2's script: ``_shares.wrapper_text``)


@dataclass
class DomainSpec:
    """Everything the domain XML says, decided by the driver."""

    name: str
    memory_mb: int
    cpus: int
    virt_type: str  # "kvm" or "qemu"
    iso: str
    disk: str
    private_network: str
    network: str
    private_mac: str = ""
    mac: str = ""
    console_log: str = ""
    extra_disks: list[str] = field(default_factory=list)
    hidden: bool = False
    numa_count: int = 1
    devices_xml: str = ""  # <hostdev> elements for GPU passthrough
    run_as: tuple[int, int] | None = None  # a static DAC label: QEMU runs as this uid:gid
    relabel: bool = False  # libvirt hands the disks, ISO and console log to run_as while the VM runs
    owner: str = ""  # the machine directory, written into <metadata>
    filesystems: list[VirtiofsDevice] = field(default_factory=list)  # the shares made with the machine

    @property
    def cpu_mode(self) -> str:
        """host-passthrough only under KVM: TCG cannot pass the host CPU through (QEMU aborts)."""
        return "host-passthrough" if self.virt_type == "kvm" else ""


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def numa_cells(cpus: int, memory_mb: int, count: int) -> list[tuple[str, int]]:
    """(cpu range, MiB) per NUMA cell: CPUs and memory split evenly, the last cell takes the rest."""
    if count < 1 or count > cpus:
        raise ValueError(f"NUMA node count {count} must be between 1 and the CPU count {cpus}")
    per_cpu, per_mem = cpus // count, memory_mb // count
    cells = []
    for i in range(count):
        first = i * per_cpu
        last = cpus - 1 if i == count - 1 else first + per_cpu - 1
        mem = memory_mb - per_mem * (count - 1) if i == count - 1 else per_mem
        cells.append((f"{first}-{last}" if last > first else str(first), mem))
    return cells


def domain_xml(spec: DomainSpec) -> str:
    dom = ET.Element("domain", type=spec.virt_type)
    _sub(dom, "name", spec.name)
    if spec.owner:
        meta = _sub(dom, "metadata")
        ET.SubElement(meta, f"{{{METADATA_NS}}}machine", {"name": spec.name, "dir": spec.owner})
    _sub(dom, "memory", str(spec.memory_mb), unit="MiB")
    _sub(dom, "vcpu", str(spec.cpus))
    _shared_memory(dom)
    features = _sub(dom, "features")
    for f in ("acpi", "apic", "pae"):
        _sub(features, f)
    if spec.hidden and spec.virt_type == "kvm":
        _sub(_sub(features, "kvm"), "hidden", state="on")
    if spec.cpu_mode or spec.numa_count > 1:
        cpu = _sub(dom, "cpu", **({"mode": spec.cpu_mode, "check": "none", "migratable": "on"} if spec.cpu_mode else {}))
        if spec.numa_count > 1:
            numa = _sub(cpu, "numa")
            for i, (cpus, mem) in enumerate(numa_cells(spec.cpus, spec.memory_mb, spec.numa_count)):
                _sub(numa, "cell", id=str(i), cpus=cpus, memory=str(mem), unit="MiB")
    os_el = _sub(dom, "os")
    _sub(os_el, "type", "hvm")
    _sub(os_el, "boot", dev="cdrom")
    _sub(os_el, "boot", dev="hd")
    _sub(os_el, "bootmenu", enable="no")
    devices = _sub(dom, "devices")
    cdrom = _sub(devices, "disk", type="file", device="cdrom")
    _sub(cdrom, "source", file=spec.iso)
    _sub(cdrom, "target", dev="hdc", bus="scsi")
    _sub(cdrom, "readonly")
    for i, path in enumerate([spec.disk, *spec.extra_disks]):
        disk = _sub(devices, "disk", type="file", device="disk")
        _sub(disk, "driver", name="qemu", type="raw", cache="default", io="threads")
        _sub(disk, "source", file=path)
        _sub(disk, "target", dev="hd" + chr(ord("a") + i), bus="virtio")
    _sub(devices, "controller", type="scsi", index="0", model="lsilogic")
    for net, mac in ((spec.private_network, spec.private_mac), (spec.network, spec.mac)):
        nic = _sub(devices, "interface", type="network")
        _sub(nic, "source", network=net)
        if mac:
            _sub(nic, "mac", address=mac)
        _sub(nic, "model", type="virtio")
    if spec.console_log:
        serial = _sub(devices, "serial", type="file")
        _sub(serial, "source", path=spec.console_log, append="on")
        _sub(serial, "target", port="0")
    else:
        _sub(_sub(devices, "serial", type="pty"), "target", port="0")
    _sub(_sub(devices, "rng", model="virtio"), "backend", "/dev/random", model="random")
    for fs in spec.filesystems:
        devices.append(filesystem_element(fs))
    if spec.devices_xml:
        for el in ET.fromstring(f"<devices>{spec.devices_xml}</devices>"):
            devices.append(el)
    if spec.run_as is not None:
        label = _sub(dom, "seclabel", type="static", model="dac", relabel="yes" if spec.relabel else "no")
        _sub(label, "label", f"+{spec.run_as[0]}:+{spec.run_as[1]}")
    return ET.tostring(dom, encoding="unicode")


def _shared_memory(dom: ET.Element) -> None:
    """Every domain's memory is a shared memfd, shares or not.

    virtiofsd (a separate process, the vhost-user backend) reads and writes the guest's buffers
    directly, so libvirt refuses a virtio-fs device, at boot or hot-attached, unless guest memory
    is shared; and the memory backing of a running domain cannot change.  Giving it to every
    domain is what lets ``minikube mount`` attach a share to any running machine, not only to one
    made with ``--mount-string``.  memfd needs no hugepages or file path on the host.  The price,
    paid by every machine: guest memory is shared memory (shmem) rather than anonymous memory,
    so transparent huge pages follow the host's shmem setting (``shmem_enabled``, often off)
    instead of the anonymous one; QEMU maps it lazily all the same.
    """
    backing = _sub(dom, "memoryBacking")
    _sub(backing, "source", type="memfd")
    _sub(backing, "access", mode="shared")


def filesystem_element(fs: VirtiofsDevice) -> ET.Element:
    """``<filesystem>`` for one virtio-fs share (in the domain, or alone for a hot attach).

    ``passthrough``: virtiofsd keeps the guest's owners and modes on the host's files, within the
    ids its user namespace maps (``_shares``: the invoking user only, as the guest's owner)."""
    el = ET.Element("filesystem", type="mount", accessmode="passthrough")
    _sub(el, "driver", type="virtiofs")
    _sub(el, "binary", path=fs.virtiofsd)
    _sub(el, "source", dir=fs.host_path)
    _sub(el, "target", dir=fs.tag)
    return el


def filesystem_xml(fs: VirtiofsDevice) -> str:
    return ET.tostring(filesystem_element(fs), encoding="unicode")


def network_xml(name: str, subnet: Subnet) -> str:
    """An isolated network with DHCP and no DNS (minikube's private network)."""
    net = ET.Element("network")
    _sub(net, "name", name)
    _sub(net, "dns", enable="no")
    ip = _sub(net, "ip", address=subnet.gateway, netmask=subnet.netmask)
    _sub(_sub(ip, "dhcp"), "range", start=subnet.dhcp_start, end=subnet.dhcp_end)
    return ET.tostring(net, encoding="unicode")


def dhcp_host_xml(mac: str, ip: str, name: str) -> str:
    return ET.tostring(ET.Element("host", mac=mac, name=name, ip=ip), encoding="unicode")


# --- reading libvirt's XML back -----------------------------------------------------------------

@dataclass(frozen=True)
class DomainFacts:
    """What kvm2 reads back from a defined domain."""

    virt_type: str
    macs: dict[str, str]  # network name -> MAC (first NIC on that network)
    networks: tuple[str, ...]
    owner: str | None  # the machine directory in kvm2's metadata; None: not made by kvm2
    shared_memory: bool = False  # memory another process may map: needed by virtio-fs devices
    filesystems: dict[str, str] = field(default_factory=dict)  # virtio-fs tag -> host directory


def read_domain(xml: str) -> DomainFacts:
    root = ET.fromstring(xml)
    macs: dict[str, str] = {}
    networks: list[str] = []
    for nic in root.findall("./devices/interface"):
        src = nic.find("source")
        mac = nic.find("mac")
        net = src.get("network", "") if src is not None else ""
        if net:
            networks.append(net)
            if mac is not None and net not in macs:
                macs[net] = mac.get("address", "").lower()
    marker = root.find(f"./metadata/{{{METADATA_NS}}}machine")
    owner = marker.get("dir", "") if marker is not None else None
    shared = root.find("./memoryBacking/access[@mode='shared']") is not None
    return DomainFacts(root.get("type", ""), macs, tuple(networks), owner, shared, virtiofs_devices(root))


def virtiofs_devices(root: ET.Element) -> dict[str, str]:
    """The domain's virtio-fs devices: tag -> host directory."""
    out = {}
    for fs in root.findall("./devices/filesystem"):
        driver, source, target = fs.find("driver"), fs.find("source"), fs.find("target")
        if driver is not None and driver.get("type") == "virtiofs" and target is not None:
            out[target.get("dir", "")] = source.get("dir", "") if source is not None else ""
    return out


def device_element(xml: str, tag: str) -> str | None:
    """The domain's ``<filesystem>`` with virtio-fs tag ``tag``, as libvirt wrote it (what
    ``detachDeviceFlags`` matches), or None."""
    for fs in ET.fromstring(xml).findall("./devices/filesystem"):
        target = fs.find("target")
        if target is not None and target.get("dir") == tag:
            return ET.tostring(fs, encoding="unicode")
    return None


def network_subnets(xml: str) -> list[str]:
    """The IPv4 subnets (CIDR) a network's XML declares."""
    import ipaddress

    out = []
    for ip in ET.fromstring(xml).findall("./ip"):
        if ip.get("family", "ipv4") != "ipv4" or not ip.get("address"):
            continue
        mask = ip.get("netmask") or ip.get("prefix") or "24"
        try:
            out.append(str(ipaddress.IPv4Network(f"{ip.get('address')}/{mask}", strict=False)))
        except ValueError:
            continue
    return out


def dhcp_hosts(xml: str) -> dict[str, str]:
    """MAC (lower case) -> IP of a network's static DHCP host entries."""
    return {h.get("mac", "").lower(): h.get("ip", "") for h in ET.fromstring(xml).findall("./ip/dhcp/host")
            if h.get("mac")}
