"""The kvm2 driver: each machine is a persistent libvirt domain booting the minikube ISO.

Layout (as minikube's Go driver): a private isolated network ``mk-<name>`` (DHCP, no DNS) on
the first NIC, the named network (``default``: NAT) on the second, the ISO copied to
``machines/<name>/boot2docker.iso`` on a SCSI cdrom, the boot2docker raw disk
``machines/<name>/<name>.rawdisk`` on virtio, the serial console in
``machines/<name>/console.log``.  The IP is the private NIC's DHCP lease (ARP as a fallback),
then reserved as a static DHCP host so the machine keeps it across restarts.

Two things differ from the Go driver, both for hosts like ours:

* QEMU runs as the user who runs minikube (a per-domain static DAC label), not as the
  ``libvirt-qemu`` user of /etc/libvirt/qemu.conf: machine directories are 0700, which that user
  cannot enter (the "ISO unreadable by the qemu user" complaint).
* ``--kvm-virt-type auto`` picks software emulation (``qemu``) where KVM would not work, and the
  CPU mode is host-passthrough only under KVM.

libvirt is imported on first use, never at import time: listing and health checks stay cheap.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from minikube import DriverError, IPNotSetError, MachineNotFoundError, UsageError
from minikube.config import DEFAULT_CPUS, DEFAULT_DISK_MB, DEFAULT_MEMORY_MB
from minikube.machine import (
    BaseDriver,
    BoolFlag,
    DriverOptions,
    Flag,
    IntFlag,
    State,
    StringFlag,
    copy_boot_image,
    disk_tar,
    generate_ssh_key,
    json_field,
    mac_from_name,
    wait_for,
    write_raw_disk,
)

from ._gpu import gpu_devices_xml
from ._host import (
    DEV_KVM,
    VIRT_TYPES,
    Identity,
    VirtChoice,
    blocking_directory,
    choose_virt_type,
    default_uri,
    dev_kvm_fix,
    dev_kvm_problem,
    is_local_system_uri,
)
from ._net import free_subnets, host_networks, ip_from_interfaces, ip_from_leases
from ._xml import (
    DomainSpec,
    dhcp_host_xml,
    dhcp_hosts,
    domain_xml,
    network_subnets,
    network_xml,
    read_domain,
)

log = logging.getLogger("minikube_driver_kvm2")

DRIVER_NAME = "kvm2"
DEFAULT_NETWORK = "default"
DEFAULT_IP_TIMEOUT = 90
RUNNING_TIMEOUT = 30.0
STOP_TIMEOUT = 90.0
DESTROY_TIMEOUT = 30.0
SHUTDOWN_REPEAT = 3.0
#: Polling interval for state and leases: SPEC's 2 s would add a second to every start on average.
POLL = 0.25
MIB = 1024 * 1024

#: libvirt's virDomainState -> machine State (SPEC 5).
_STATES = {1: State.RUNNING, 2: State.ERROR, 3: State.PAUSED, 4: State.STOPPING, 5: State.STOPPED,
           6: State.ERROR, 7: State.SAVED}


def machine_state(libvirt_state: int) -> State:
    """RUNNING -> Running; BLOCKED, CRASHED -> Error; PAUSED -> Paused; SHUTDOWN -> Stopping;
    SHUTOFF -> Stopped; PMSUSPENDED -> Saved; anything else (NOSTATE) -> None."""
    return _STATES.get(libvirt_state, State.NONE)


def _quiet(_ctx: object, _err: object) -> None:
    """libvirt prints every error on stderr by default; ours become one clear line instead."""


def libvirt_module() -> Any:
    try:
        import libvirt
    except ImportError as e:  # pragma: no cover - a dependency of this distribution
        raise DriverError(f"libvirt-python cannot be imported: {e}", reason_id="PROVIDER_KVM2_NOT_FOUND",
                          fix="pip install libvirt-python (it builds against libvirt-dev with pkg-config and gcc)") from None
    libvirt.registerErrorHandler(_quiet, None)
    return libvirt


def connection_error(uri: str, message: str) -> DriverError:
    """Why libvirt at ``uri`` cannot be used, as the reason minikube users need."""
    text = " ".join(message.split())
    if any(s in text for s in ("Failed to connect socket", "Connection refused", "No such file or directory")):
        return DriverError(f"libvirtd is not running (or not listening) for {uri}: {text}",
                           reason_id="PR_KVM_NOT_RUNNING",
                           fix="Start libvirtd: virtlogd -d && libvirtd -d (or: systemctl start libvirtd); "
                               "as root, driver-kvm2/scripts/setup-host.sh installs and starts everything")
    if "authentication" in text.lower() or "Permission denied" in text:
        return DriverError(f"not allowed to use libvirt at {uri}: {text}", reason_id="PR_KVM_USER_PERMISSION")
    return DriverError(f"cannot connect to libvirt at {uri}: {text}", reason_id="PR_KVM_URI")


def open_connection(uri: str) -> Any:
    lv = libvirt_module()
    try:
        return lv.open(uri)
    except lv.libvirtError as e:
        raise connection_error(uri, str(e)) from None


def _transient(default: Any = None) -> Any:
    return field(default=default, init=False, repr=False, compare=False, metadata={"transient": True})


@dataclass
class KVMDriver(BaseDriver):
    """libmachine's kvm2 driver: the JSON field names are the Go driver's."""

    memory: int = json_field("Memory", DEFAULT_MEMORY_MB)
    cpu: int = json_field("CPU", DEFAULT_CPUS)
    network: str = json_field("Network", DEFAULT_NETWORK)
    private_network: str = json_field("PrivateNetwork", "")
    disk_size: int = json_field("DiskSize", DEFAULT_DISK_MB)
    disk_path: str = json_field("DiskPath", "")
    boot2docker_url: str = json_field("Boot2DockerURL", "")
    iso: str = json_field("ISO", "")
    mac: str = json_field("MAC", "")
    private_mac: str = json_field("PrivateMAC", "")
    gpu: bool = json_field("GPU", False)
    hidden: bool = json_field("Hidden", False)
    devices_xml: str = json_field("DevicesXML", "")
    connection_uri: str = json_field("ConnectionURI", "")
    numa_node_count: int = json_field("NUMANodeCount", 1)
    numa_node_xml: str = json_field("NUMANodeXML", "")
    extra_disks: int = json_field("ExtraDisks", 0)
    extra_disk_paths: list[str] = json_field("ExtraDiskPaths", [])
    virt_type: str = json_field("VirtType", "auto")
    ip_timeout: int = json_field("IPTimeout", DEFAULT_IP_TIMEOUT)

    _conn: Any = _transient()

    DEFAULT_SSH_USER = "docker"

    # --- configuration ----------------------------------------------------------------------

    def driver_name(self) -> str:
        return DRIVER_NAME

    @property
    def uri(self) -> str:
        return self.connection_uri or default_uri()

    def get_create_flags(self) -> list[Flag]:
        return [
            StringFlag("kvm-network", "The libvirt network the VM's second NIC joins (NAT to the outside)",
                       "MINIKUBE_KVM_NETWORK", DEFAULT_NETWORK),
            StringFlag("kvm-qemu-uri", "The libvirt connection URI", "MINIKUBE_KVM_QEMU_URI", default_uri()),
            BoolFlag("kvm-gpu", "Pass the host's NVIDIA GPUs (bound to vfio-pci) through to the VM",
                     "MINIKUBE_KVM_GPU"),
            BoolFlag("kvm-hidden", "Hide the KVM hypervisor signature from the guest (under KVM only)",
                     "MINIKUBE_KVM_HIDDEN"),
            IntFlag("kvm-numa-count", "NUMA nodes to simulate (1 to the number of CPUs)",
                    "MINIKUBE_KVM_NUMA_COUNT", 1),
            StringFlag("kvm-virt-type", "auto (kvm where /dev/kvm is usable and the CPU has vmx/svm, else "
                       "qemu), kvm, or qemu (software emulation)", "MINIKUBE_KVM_VIRT_TYPE", "auto"),
            IntFlag("kvm-ip-timeout", "Seconds to wait for the VM's DHCP lease", "MINIKUBE_KVM_IP_TIMEOUT",
                    DEFAULT_IP_TIMEOUT),
        ]

    def set_config_from_flags(self, options: DriverOptions) -> None:
        """The driver's own options only: memory, CPUs and disk come from the cluster config."""
        super().set_config_from_flags(options)
        self.network = options.string("kvm-network") or DEFAULT_NETWORK
        self.connection_uri = options.string("kvm-qemu-uri") or default_uri()
        self.gpu = options.bool("kvm-gpu")
        self.hidden = options.bool("kvm-hidden")
        self.numa_node_count = options.int("kvm-numa-count") or 1
        self.virt_type = (options.string("kvm-virt-type") or "auto").strip().lower()
        self.ip_timeout = options.int("kvm-ip-timeout") or DEFAULT_IP_TIMEOUT
        self.check_options()

    def check_options(self) -> None:
        if self.virt_type not in VIRT_TYPES:
            raise UsageError(f"invalid value {self.virt_type!r} for --kvm-virt-type: use auto, kvm or qemu")
        if not 1 <= self.numa_node_count <= max(1, self.cpu):
            raise UsageError(f"invalid value {self.numa_node_count} for --kvm-numa-count: use 1 to the number "
                             f"of CPUs ({self.cpu})")
        if self.ip_timeout < 1:
            raise UsageError(f"invalid value {self.ip_timeout} for --kvm-ip-timeout: use a positive number of seconds")

    def check_disk_size(self, image_bytes: int) -> None:
        """The disk must hold the boot2docker tar, and a disk smaller than the boot image itself is
        a unit mistake (``--disk-size 20`` is 20 MB, not 20 GB)."""
        tar = len(disk_tar(b"ssh-rsa " + b"A" * 400 + b" minikube\n"))
        need_mb = max(-(-tar // MIB), -(-image_bytes // MIB))
        if self.disk_size < need_mb:
            raise UsageError(f"disk size {self.disk_size} MB is smaller than the boot image ({need_mb} MB) "
                             "and the boot2docker disk image it must hold",
                             fix="Use a bigger --disk-size, e.g. --disk-size 20000mb (a bare number is MB)")

    # --- paths ------------------------------------------------------------------------------

    def machine_dir(self) -> Path:
        return Path(os.path.abspath(self.resolve_store_path("")))

    def console_log(self) -> str:
        return str(self.machine_dir() / "console.log")

    def iso_source(self) -> Path:
        """The boot image to copy: Boot2DockerURL as a ``file://`` URL or a path."""
        url = self.boot2docker_url
        if not url:
            raise UsageError("the kvm2 driver needs a boot image: pass --iso-url <path of a minikube ISO>",
                             fix="Build a small one with: bash driver-kvm2/iso/build-tiny-iso.sh (it prints the path)")
        parts = urlsplit(url)
        if parts.scheme == "file":
            return Path(unquote(parts.path))
        if parts.scheme == "":
            return Path(url).expanduser()
        raise UsageError(f"the kvm2 driver boots a local image, not {url}",
                         fix="Let minikube start download it (--iso-url https://...), or pass a local path")

    # --- libvirt ----------------------------------------------------------------------------

    def _connect(self) -> Any:
        if self._conn is None:
            self._conn = open_connection(self.uri)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - closing a dead connection is not an error
                pass
            self._conn = None

    def _lookup(self, conn: Any) -> Any:
        lv = libvirt_module()
        try:
            return conn.lookupByName(self.machine_name)
        except lv.libvirtError as e:
            if e.get_error_code() == lv.VIR_ERR_NO_DOMAIN:
                return None
            raise DriverError(f'cannot look up the domain "{self.machine_name}": {e}', reason_id="GUEST_STATUS") from None

    def _domain(self, conn: Any) -> Any:
        dom = self._lookup(conn)
        if dom is None:
            raise MachineNotFoundError(f'Host does not exist: "{self.machine_name}"',
                                       fix=f"Create it with: minikube start -p {self.machine_name}")
        return dom

    def _network(self, conn: Any, name: str) -> Any:
        lv = libvirt_module()
        try:
            return conn.networkLookupByName(name)
        except lv.libvirtError as e:
            if e.get_error_code() == lv.VIR_ERR_NO_NETWORK:
                return None
            raise DriverError(f"cannot look up the libvirt network {name!r}: {e}") from None

    def _named_network(self, conn: Any) -> Any:
        net = self._network(conn, self.network)
        if net is None:
            have = ", ".join(sorted(n.name() for n in conn.listAllNetworks())) or "none"
            fix = (f"Create it (as root: virsh net-define /usr/share/libvirt/networks/default.xml && virsh "
                   f"net-start {self.network}), or name an existing one with --kvm-network (networks: {have})")
            raise DriverError(f"the libvirt network {self.network!r} does not exist at {self.uri}",
                              reason_id="PR_KVM_NETWORK", fix=fix)
        return net

    def _activate(self, net: Any) -> None:
        lv = libvirt_module()
        try:
            if not net.isActive():
                net.create()
            if not net.autostart():
                net.setAutostart(1)
        except lv.libvirtError as e:
            raise DriverError(f"cannot start the libvirt network {net.name()!r}: {e}", reason_id="PR_KVM_NETWORK",
                              fix=f"Check it with: virsh net-start {net.name()}") from None

    def _ensure_private_network(self, conn: Any) -> Any:
        """``mk-<name>``: reuse it if it exists, else the first free /24 from 192.168.39.0."""
        lv = libvirt_module()
        net = self._network(conn, self.private_network)
        if net is not None:
            return net
        taken = host_networks()
        for other in conn.listAllNetworks():
            taken += [ipaddress.IPv4Network(s) for s in network_subnets(other.XMLDesc(0))]
        last: Exception | None = None
        for subnet in free_subnets(taken):
            try:
                net = conn.networkDefineXML(network_xml(self.private_network, subnet))
            except lv.libvirtError as e:
                raced = self._network(conn, self.private_network)  # made meanwhile by another create
                if raced is not None:
                    return raced
                last = e
                continue
            try:
                net.create()
                net.setAutostart(1)
                log.info("created network %s on %s", self.private_network, subnet.network)
                return net
            except lv.libvirtError as e:  # the subnet is in use where libvirtd runs: next one
                last = e
                try:
                    net.undefine()
                except lv.libvirtError:
                    pass
        raise DriverError(f"no free /24 subnet for the private network {self.private_network!r}"
                          + (f": {last}" if last else ""), reason_id="PR_KVM_NETWORK",
                          fix="Remove unused libvirt networks (virsh net-list --all)")

    def _capabilities(self, conn: Any) -> ET.Element:
        return ET.fromstring(conn.getCapabilities())

    def run_as(self, conn: Any) -> tuple[int, int] | None:
        """The uid:gid QEMU is told to run as: ours, on a local system libvirtd with DAC labels."""
        if not is_local_system_uri(self.uri):
            return None
        models = {m.text for m in self._capabilities(conn).findall("./host/secmodel/model")}
        return (os.geteuid(), os.getegid()) if "dac" in models else None

    def qemu_identity(self, conn: Any) -> Identity:
        if self.run_as(conn) is not None or not is_local_system_uri(self.uri):
            return Identity.current()
        return Identity("root", 0, 0, frozenset({0}))  # a system libvirtd without DAC runs QEMU as root

    def virt_choice(self) -> VirtChoice:
        """The domain type: ``auto`` decided here; ``kvm`` checked, since it cannot work without /dev/kvm."""
        who = Identity.current()
        choice = choose_virt_type(self.virt_type, who)
        if choice.virt_type == "kvm" and self.virt_type == "kvm":
            if not os.path.exists(DEV_KVM):
                raise DriverError(f"--kvm-virt-type kvm: there is no {DEV_KVM} on this host", reason_id="PR_KVM_CAPABILITIES",
                                  fix="Load kvm_intel or kvm_amd, or use --kvm-virt-type auto (software emulation)")
            problem = dev_kvm_problem(who, DEV_KVM)
            if problem:
                raise DriverError(f"--kvm-virt-type kvm: {problem}", reason_id="PR_KVM_DEVICE_PERMISSION",
                                  fix=dev_kvm_fix(who))
        if choice.software and self.virt_type == "auto":
            log.info("kvm2 uses software emulation (qemu) because %s; to use KVM: %s", choice.why, choice.fix)
        return choice

    # --- create -----------------------------------------------------------------------------

    def pre_create_check(self) -> None:
        """Everything that can be known before a file is written or a network made."""
        self.check_options()
        src = self.iso_source()
        if not src.is_file():
            raise UsageError(f"the boot image {src} does not exist", fix="Check the --iso-url path")
        if not os.access(src, os.R_OK):
            raise DriverError(f"the boot image {src} is not readable by {Identity.current().name}",
                              reason_id="PR_KVM_ISO_PERMISSION", fix=f"Run: chmod a+r {src}")
        self.check_disk_size(src.stat().st_size)
        choice = self.virt_choice()
        conn = self._connect()
        if choice.virt_type == "kvm":
            lv = libvirt_module()
            try:
                conn.getDomainCapabilities(None, None, None, "kvm", 0)
            except lv.libvirtError as e:
                raise DriverError(f"libvirt cannot run KVM domains here: {e}", reason_id="PR_KVM_CAPABILITIES") from None
        self._named_network(conn)
        dom = self._lookup(conn)
        if dom is not None:
            owner = read_domain(dom.XMLDesc(0)).owner
            whose = ("it was not made by minikube" if owner is None else
                     f"minikube made it for {owner}" if owner != str(self.machine_dir()) else
                     "it is a leftover of this machine")
            raise DriverError(f'a libvirt domain named "{self.machine_name}" already exists at {self.uri} ({whose})',
                              reason_id="PR_KVM_DOMAIN_EXISTS",
                              fix=f"Use another profile name (minikube start -p NAME), or remove that domain: "
                                  f"virsh -c {self.uri} undefine {self.machine_name}")
        who = self.qemu_identity(conn)
        blocked = blocking_directory(self.machine_dir() / "boot2docker.iso", who)
        if blocked is not None:
            raise DriverError(
                f"QEMU runs as {who.name}, which cannot enter {blocked} (mode {oct(blocked.stat().st_mode & 0o777)}), "
                f"so it could not open the ISO and disk in {self.machine_dir()}",
                reason_id="PR_KVM_ISO_PERMISSION",
                fix=f"Use a MINIKUBE_HOME that {who.name} can reach, or set user = \"root\" in "
                    "/etc/libvirt/qemu.conf and restart libvirtd")
        if self.gpu:
            gpu_devices_xml()

    def create(self) -> None:
        conn = self._connect()
        mdir = self.machine_dir()
        mdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._activate(self._named_network(conn))
        self._activate(self._ensure_private_network(conn))
        self._copy_iso()
        self.write_disks(generate_ssh_key(self.get_ssh_key_path()))
        if self.gpu:
            self.devices_xml = gpu_devices_xml()
        choice = self.virt_choice()
        self.private_mac = self.private_mac or mac_from_name(self.machine_name)
        spec = DomainSpec(
            name=self.machine_name, memory_mb=self.memory, cpus=self.cpu, virt_type=choice.virt_type,
            iso=self.iso, disk=self.disk_path, extra_disks=list(self.extra_disk_paths),
            private_network=self.private_network, network=self.network, private_mac=self.private_mac,
            mac=self.mac, console_log=self.console_log(), hidden=self.hidden, numa_count=self.numa_node_count,
            devices_xml=self.devices_xml, run_as=self.run_as(conn), owner=str(mdir))
        lv = libvirt_module()
        try:
            dom = conn.defineXML(domain_xml(spec))
        except lv.libvirtError as e:
            raise DriverError(f"libvirt refused the domain definition: {e}") from None
        facts = read_domain(dom.XMLDesc(0))
        self.mac = facts.macs.get(self.network, self.mac)
        self.private_mac = facts.macs.get(self.private_network, self.private_mac)
        self.start()

    def write_disks(self, public_key: bytes) -> None:
        """The boot2docker disk (tar stream with the SSH key, then sparse up to DiskSize) and any
        extra disks (empty, sparse)."""
        mdir = self.machine_dir()
        self.disk_path = self.disk_path or str(mdir / f"{self.machine_name}.rawdisk")
        try:
            write_raw_disk(Path(self.disk_path), public_key, self.disk_size)
        except ValueError as e:
            raise UsageError(str(e), fix="Use a bigger --disk-size") from None
        self.extra_disk_paths = []
        for i in range(1, self.extra_disks + 1):
            path = mdir / f"{self.machine_name}-{i}.rawdisk"
            with open(path, "wb") as f:
                f.truncate(self.disk_size * MIB)
            self.extra_disk_paths.append(str(path))

    def _copy_iso(self) -> None:
        dst = self.machine_dir() / "boot2docker.iso"
        self.iso = str(dst)
        copy_boot_image(str(self.iso_source()), dst)

    # --- lifecycle --------------------------------------------------------------------------

    def get_state(self) -> State:
        dom = self._lookup(self._connect())
        if dom is None:
            return State.NONE
        return machine_state(dom.state()[0])

    def start(self) -> None:
        lv = libvirt_module()
        conn = self._connect()
        dom = self._domain(conn)
        self._activate(self._named_network(conn))
        private = self._network(conn, self.private_network)
        if private is None:
            private = self._ensure_private_network(conn)
        self._activate(private)
        mac = self._private_mac(dom)
        before = self._lease_expiry(private, mac)
        if not dom.isActive():
            try:
                dom.create()
            except lv.libvirtError as e:
                raise self._start_error(str(e)) from None
        wait_for(lambda: machine_state(dom.state()[0]) == State.RUNNING, timeout=RUNNING_TIMEOUT, interval=POLL,
                 what=f'"{self.machine_name}" to be Running')
        self.ip_address = self._wait_for_ip(dom, private, mac, before)
        self._reserve(private, mac, self.ip_address)

    def _start_error(self, message: str) -> DriverError:
        text = " ".join(message.split())
        if "Permission denied" in text and ("Could not open" in text or "could not open" in text):
            return DriverError(f"QEMU cannot open the machine's files: {text}", reason_id="PR_KVM_ISO_PERMISSION")
        if "KVM_CREATE_VM" in text and "busy" in text:
            return DriverError(f"KVM is in use by another hypervisor: {text}", reason_id="GUEST_START",
                               fix="Stop the other hypervisor (e.g. VirtualBox), or use --kvm-virt-type qemu")
        return DriverError(f'cannot start the domain "{self.machine_name}": {text}', reason_id="GUEST_START",
                           fix=f"See {self.console_log()} and libvirt's log /var/log/libvirt/qemu/{self.machine_name}.log")

    def _private_mac(self, dom: Any) -> str:
        facts = read_domain(dom.XMLDesc(0))
        mac = facts.macs.get(self.private_network) or self.private_mac
        if not mac:
            raise DriverError(f'the domain "{self.machine_name}" has no NIC on {self.private_network!r}')
        self.private_mac = mac
        return mac

    def _leases(self, net: Any) -> list[dict[str, Any]]:
        lv = libvirt_module()
        try:
            return list(net.DHCPLeases() or [])
        except lv.libvirtError as e:
            log.debug("DHCP leases of %s: %s", net.name(), e)
            return []

    def _lease_expiry(self, net: Any, mac: str) -> int:
        """The expiry time of the newest lease ``mac`` has now (0: none): a new boot renews it."""
        times = [int(le.get("expirytime", 0) or 0) for le in self._leases(net)
                 if ip_from_leases([le], mac)]
        return max(times, default=0)

    def _arp_ip(self, dom: Any, mac: str) -> str:
        lv = libvirt_module()
        try:
            return ip_from_interfaces(dom.interfaceAddresses(lv.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP, 0) or {}, mac)
        except lv.libvirtError as e:
            log.debug("ARP addresses of %s: %s", self.machine_name, e)
            return ""

    def _wait_for_ip(self, dom: Any, net: Any, mac: str, lease_before: int) -> str:
        """A lease newer than the one from before this boot; ARP only when there never was a lease."""
        def lookup() -> str:
            if machine_state(dom.state()[0]) != State.RUNNING:
                raise DriverError(f'"{self.machine_name}" stopped while waiting for its IP address',
                                  reason_id="GUEST_START", fix=f"See the guest's console log: {self.console_log()}")
            fresh = [le for le in self._leases(net) if int(le.get("expirytime", 0) or 0) > lease_before]
            ip = ip_from_leases(fresh, mac)
            if not ip and lease_before == 0:
                ip = self._arp_ip(dom, mac)
            return ip

        try:
            return wait_for(lookup, timeout=self.ip_timeout, interval=POLL,
                            what=f'an IP address for "{self.machine_name}"', reason_id="DRV_NO_IP")
        except DriverError as e:
            if e.reason.id != "DRV_NO_IP":
                raise
            raise DriverError(
                f"Machine didn't return an IP after {self.ip_timeout} seconds: no DHCP lease for {mac} on "
                f"network {self.private_network!r} and no ARP entry", reason_id="DRV_NO_IP",
                fix=f"The guest must run DHCP on its first NIC: see its console log {self.console_log()}. "
                    "Check your firewall rules, and run 'virt-host-validate' to check for KVM configuration "
                    f"issues. Then: minikube delete -p {self.machine_name}") from None

    def _reserve(self, net: Any, mac: str, ip: str) -> None:
        """A static DHCP host for (mac, ip), so the next boot gets the same address."""
        lv = libvirt_module()
        try:
            hosts = dhcp_hosts(net.XMLDesc(0))
            if hosts.get(mac.lower()) == ip:
                return
            command = lv.VIR_NETWORK_UPDATE_COMMAND_MODIFY if mac.lower() in hosts else lv.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST
            net.update(command, lv.VIR_NETWORK_SECTION_IP_DHCP_HOST, -1,
                       dhcp_host_xml(mac, ip, self.machine_name),
                       lv.VIR_NETWORK_UPDATE_AFFECT_LIVE | lv.VIR_NETWORK_UPDATE_AFFECT_CONFIG)
        except lv.libvirtError as e:
            log.info("could not reserve %s for %s on %s: %s", ip, mac, net.name(), e)

    def get_ip(self) -> str:
        conn = self._connect()
        dom = self._domain(conn)
        net = self._network(conn, self.private_network)
        mac = self._private_mac(dom)
        ip = (ip_from_leases(self._leases(net), mac) if net is not None else "") or self._arp_ip(dom, mac)
        if not ip:
            raise IPNotSetError(f'"{self.machine_name}" has no IP address yet (no DHCP lease for {mac})')
        self.ip_address = ip
        return ip

    def stop(self) -> None:
        """ACPI shutdown, up to 90 s; then destroy, up to 30 s (as the Go driver)."""
        lv = libvirt_module()
        dom = self._domain(self._connect())
        if not dom.isActive():
            return
        pressed = [0.0]

        def off() -> bool:
            # Press the power button again every few seconds: a guest still booting (no acpid
            # yet) drops the first press, and would otherwise wait out the whole timeout.
            if time.monotonic() - pressed[0] >= SHUTDOWN_REPEAT:
                pressed[0] = time.monotonic()
                try:
                    dom.shutdown()
                except lv.libvirtError as e:
                    log.info("ACPI shutdown of %s: %s", self.machine_name, e)
            return machine_state(dom.state()[0]) == State.STOPPED

        try:
            wait_for(off, timeout=STOP_TIMEOUT, interval=POLL, what=f'"{self.machine_name}" to shut down',
                     reason_id="GUEST_STOP")
        except DriverError:
            log.info("%s ignored the ACPI shutdown for %gs: destroying it", self.machine_name, STOP_TIMEOUT)
            self._destroy(dom)

    def _await_off(self, dom: Any, timeout: float, what: str) -> None:
        wait_for(lambda: machine_state(dom.state()[0]) == State.STOPPED, timeout=timeout, interval=POLL,
                 what=f'"{self.machine_name}" {what}', reason_id="GUEST_STOP")

    def _destroy(self, dom: Any) -> None:
        lv = libvirt_module()
        try:
            if dom.isActive():
                dom.destroy()
        except lv.libvirtError as e:
            if dom.isActive():
                raise DriverError(f'cannot destroy "{self.machine_name}": {e}', reason_id="GUEST_STOP") from None
        self._await_off(dom, DESTROY_TIMEOUT, "to power off")

    def kill(self) -> None:
        self._destroy(self._domain(self._connect()))

    def remove(self) -> None:
        """Destroy and undefine the domain (ours only), then the private network unless in use.

        A missing domain is success: ``minikube delete`` after a failed or interrupted create.
        """
        lv = libvirt_module()
        conn = self._connect()
        dom = self._lookup(conn)
        if dom is not None:
            owner = read_domain(dom.XMLDesc(0)).owner
            if owner is not None and owner != str(self.machine_dir()):
                log.info('domain "%s" belongs to %s, not %s: left alone', self.machine_name, owner, self.machine_dir())
            elif owner is None:
                log.info('domain "%s" was not made by minikube: left alone', self.machine_name)
            else:
                self._destroy(dom)
                try:
                    try:
                        dom.undefineFlags(lv.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | lv.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
                    except lv.libvirtError:
                        dom.undefine()  # drivers without those flags
                except lv.libvirtError as e:
                    if self._lookup(conn) is not None:
                        raise DriverError(f'cannot undefine "{self.machine_name}": {e}', reason_id="GUEST_DELETE") from None
        self._remove_private_network(conn)

    def _remove_private_network(self, conn: Any) -> None:
        lv = libvirt_module()
        net = self._network(conn, self.private_network)
        if net is None:
            return
        users = [d.name() for d in conn.listAllDomains() if self.private_network in read_domain(d.XMLDesc(0)).networks]
        try:
            if users:
                log.info("network %s is still used by %s: kept", self.private_network, ", ".join(users))
                self._unreserve(net)
                return
            if net.isActive():
                net.destroy()
            net.undefine()
        except lv.libvirtError as e:
            if self._network(conn, self.private_network) is not None:
                raise DriverError(f"cannot remove the network {self.private_network!r}: {e}",
                                  reason_id="GUEST_DELETE") from None

    def _unreserve(self, net: Any) -> None:
        lv = libvirt_module()
        mac = (self.private_mac or "").lower()
        ip = dhcp_hosts(net.XMLDesc(0)).get(mac)
        if not mac or ip is None:
            return
        flags = lv.VIR_NETWORK_UPDATE_AFFECT_CONFIG | (lv.VIR_NETWORK_UPDATE_AFFECT_LIVE if net.isActive() else 0)
        net.update(lv.VIR_NETWORK_UPDATE_COMMAND_DELETE, lv.VIR_NETWORK_SECTION_IP_DHCP_HOST, -1,
                   dhcp_host_xml(mac, ip, self.machine_name), flags)


def new_driver() -> KVMDriver:
    """DriverDef.init: an empty driver, configured next by set_config_raw."""
    return KVMDriver()

