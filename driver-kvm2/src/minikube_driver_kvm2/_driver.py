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
  cannot enter (the "ISO unreadable by the qemu user" complaint).  Except for root: QEMU never
  runs as root, so then it runs as libvirt's QEMU user, libvirt relabels the machine's files for
  it, and an ACL entry lets that user search the directories down to the machine's (``_acl``).
* ``--kvm-virt-type auto`` picks software emulation (``qemu``) where KVM would not work, and the
  CPU mode is host-passthrough only under KVM.

Beside it: ``_libvirt`` (the lazy import, connections, errors), ``_network`` (networks, leases,
the IP), ``_disk`` (boot image, disks) and ``_shares`` (shared folders as virtio-fs devices).
libvirt is imported on first use, never at import time.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minikube import ConfigError, DriverError, IPNotSetError, MachineNotFoundError, UsageError
from minikube.config import DEFAULT_CPUS, DEFAULT_DISK_MB, DEFAULT_MEMORY_MB
from minikube.machine import (
    BaseDriver,
    BoolFlag,
    DriverOptions,
    Flag,
    IntFlag,
    Share,
    State,
    StringFlag,
    json_field,
    wait_for,
)

from ._host import (
    DEV_KVM,
    VIRT_TYPES,
    Identity,
    VirtChoice,
    choose_virt_type,
    default_uri,
    dev_kvm_fix,
    dev_kvm_problem,
)
from ._libvirt import libvirt_module, machine_state, open_connection, qemu_identity, qemu_run_as, start_error

log = logging.getLogger("minikube_driver_kvm2")

DRIVER_NAME = "kvm2"
DEFAULT_NETWORK = "default"
DEFAULT_IP_TIMEOUT = 90
RUNNING_TIMEOUT = 30.0
STOP_TIMEOUT = 90.0
DESTROY_TIMEOUT = 30.0
SHUTDOWN_REPEAT = 3.0
#: Polling interval for state and leases: minikube's 2 s would add a second to every start on average.
POLL = 0.25


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
    #: The shared folders the machine is made with (``Share.to_json`` each): virtio-fs devices.
    shares: list[dict[str, Any]] = json_field("Shares", [])

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
        """The disk must hold the boot2docker tar and be no smaller than the boot image."""
        from ._disk import check_disk_size

        check_disk_size(self.disk_size, image_bytes)

    def configured_shares(self) -> tuple[Share, ...]:
        """The saved ``Shares`` as the core's Share objects; a malformed entry is a ConfigError."""
        try:
            return tuple(Share.from_json(doc) for doc in self.shares)
        except ValueError as e:
            raise ConfigError(f'the kvm2 config of "{self.machine_name}" has a bad "Shares" entry: {e}') from None

    # --- paths ------------------------------------------------------------------------------

    def machine_dir(self) -> Path:
        return Path(os.path.abspath(self.resolve_store_path("")))

    def console_log(self) -> str:
        return str(self.machine_dir() / "console.log")

    def iso_source(self) -> Path:
        """The boot image to copy: Boot2DockerURL as a ``file://`` URL or a path."""
        from ._disk import iso_source

        return iso_source(self.boot2docker_url)

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

    def _ensure_private_network(self, conn: Any) -> Any:
        from ._network import ensure_private_network

        return ensure_private_network(conn, self.private_network)

    def _reserve(self, net: Any, mac: str, ip: str) -> None:
        from ._network import reserve

        reserve(net, mac, ip, self.machine_name)

    def run_as(self, conn: Any) -> tuple[int, int] | None:
        """The uid:gid QEMU is told to run as (a local system libvirtd with DAC labels): ours, or
        libvirt's unprivileged QEMU user when we are root."""
        return qemu_run_as(conn, self.uri)

    def _open_path(self, conn: Any) -> tuple[tuple[int, int] | None, bool]:
        """The DAC label for the domain, and whether libvirt relabels the machine's files for it:
        when we are root and QEMU is libvirt's user, which is then let through every directory down
        to the machine's.  Done again before each boot: a ``chmod`` on the way clears what an ACL
        entry grants (its mask), and one comes after every boot (the host store keeps the machine
        directory 0700; pytest does the same to its base directory).  QEMU opens its files at
        boot, so that is when the way must be open."""
        from ._disk import open_path_for

        run_as = self.run_as(conn)
        relabel = run_as is not None and run_as[0] != os.geteuid()
        if relabel:
            open_path_for(self.machine_dir(), self.qemu_identity(conn))
        return run_as, relabel

    def qemu_identity(self, conn: Any) -> Identity:
        return qemu_identity(conn, self.uri)

    def virt_choice(self, who: Identity | None = None) -> VirtChoice:
        """The domain type: ``auto`` decided here; ``kvm`` checked, since it cannot work without /dev/kvm.

        ``who`` is the user QEMU runs as (libvirt's own when we are root), who must open /dev/kvm."""
        who = who or Identity.current()
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
        from ._disk import check_boot_image, check_qemu_access
        from ._gpu import gpu_devices_xml
        from ._network import named_network
        from ._shares import check_shares
        from ._xml import read_domain

        self.check_options()
        check_shares(self.configured_shares(), self.machine_name)
        src = self.iso_source()
        check_boot_image(src)
        self.check_disk_size(src.stat().st_size)
        conn = self._connect()
        choice = self.virt_choice(self.qemu_identity(conn))
        if choice.virt_type == "kvm":
            lv = libvirt_module()
            try:
                conn.getDomainCapabilities(None, None, None, "kvm", 0)
            except lv.libvirtError as e:
                raise DriverError(f"libvirt cannot run KVM domains here: {e}", reason_id="PR_KVM_CAPABILITIES") from None
        named_network(conn, self.network, self.uri)
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
        if os.geteuid() != 0:  # root opens the way for QEMU's user itself, in create
            check_qemu_access(self.machine_dir(), self.qemu_identity(conn))
        if self.gpu:
            gpu_devices_xml()

    def create(self) -> None:
        from minikube.machine import generate_ssh_key, mac_from_name

        from ._gpu import gpu_devices_xml
        from ._network import activate, named_network
        from ._shares import check_shares, devices
        from ._xml import DomainSpec, domain_xml, read_domain

        shares = self.configured_shares()
        virtiofsd = check_shares(shares, self.machine_name)
        conn = self._connect()
        mdir = self.machine_dir()
        mdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        run_as, relabel = self._open_path(conn)
        activate(named_network(conn, self.network, self.uri))
        self._ensure_private_network(conn)
        self._copy_iso()
        self.write_disks(generate_ssh_key(self.get_ssh_key_path()))
        if self.gpu:
            self.devices_xml = gpu_devices_xml()
        choice = self.virt_choice(self.qemu_identity(conn))
        self.private_mac = self.private_mac or mac_from_name(self.machine_name)
        spec = DomainSpec(
            name=self.machine_name, memory_mb=self.memory, cpus=self.cpu, virt_type=choice.virt_type,
            iso=self.iso, disk=self.disk_path, extra_disks=list(self.extra_disk_paths),
            private_network=self.private_network, network=self.network, private_mac=self.private_mac,
            mac=self.mac, console_log=self.console_log(), hidden=self.hidden, numa_count=self.numa_node_count,
            devices_xml=self.devices_xml, run_as=run_as, relabel=relabel, owner=str(mdir),
            filesystems=devices(shares, virtiofsd, mdir, self.uri))
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
        from ._disk import write_boot_disk, write_empty_disk

        mdir = self.machine_dir()
        self.disk_path = self.disk_path or str(mdir / f"{self.machine_name}.rawdisk")
        write_boot_disk(Path(self.disk_path), public_key, self.disk_size)
        self.extra_disk_paths = []
        for i in range(1, self.extra_disks + 1):
            path = mdir / f"{self.machine_name}-{i}.rawdisk"
            write_empty_disk(path, self.disk_size)
            self.extra_disk_paths.append(str(path))

    def _copy_iso(self) -> None:
        from minikube.machine import copy_boot_image

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
        from minikube.machine import require_host_dirs

        from ._network import activate, lease_expiry, named_network, wait_for_ip

        lv = libvirt_module()
        conn = self._connect()
        dom = self._domain(conn)
        if not dom.isActive():
            require_host_dirs(self.configured_shares(), self.machine_name)  # before a network is touched
        activate(named_network(conn, self.network, self.uri))
        private = self._ensure_private_network(conn)  # active, made again if it went
        mac = self._private_mac(dom)
        before = lease_expiry(private, mac)
        if not dom.isActive():
            self._open_path(conn)
            try:
                dom.create()
            except lv.libvirtError as e:
                raise start_error(self.machine_name, str(e), self.console_log()) from None
        wait_for(lambda: machine_state(dom.state()[0]) == State.RUNNING, timeout=RUNNING_TIMEOUT, interval=POLL,
                 what=f'"{self.machine_name}" to be Running')
        self.ip_address = wait_for_ip(dom, private, mac, before, machine=self.machine_name,
                                      network=self.private_network, timeout=self.ip_timeout, interval=POLL,
                                      console_log=self.console_log())
        self._reserve(private, mac, self.ip_address)

    def _private_mac(self, dom: Any) -> str:
        from ._xml import read_domain

        facts = read_domain(dom.XMLDesc(0))
        mac = facts.macs.get(self.private_network) or self.private_mac
        if not mac:
            raise DriverError(f'the domain "{self.machine_name}" has no NIC on {self.private_network!r}')
        self.private_mac = mac
        return mac

    def get_ip(self) -> str:
        from ._network import current_ip, lookup_network

        conn = self._connect()
        dom = self._domain(conn)
        net = lookup_network(conn, self.private_network)
        mac = self._private_mac(dom)
        ip = current_ip(dom, net, mac, self.machine_name)
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

    # --- shared folders (driver API 1.3) --------------------------------------------------------

    def attach_share(self, share: Share) -> None:
        """``minikube mount`` on a running machine: a virtio-fs device, live only (``_shares.attach``)."""
        from ._shares import attach

        attach(self._domain(self._connect()), share, self.machine_name, self.machine_dir(), self.uri)

    def detach_share(self, share: Share) -> None:
        from ._shares import detach

        detach(self._domain(self._connect()), share, self.machine_name, self.machine_dir())

    def remove(self) -> None:
        """Destroy and undefine the domain (ours only), then the private network unless in use.

        A missing domain is success: ``minikube delete`` after a failed or interrupted create.
        """
        from ._network import remove_private_network
        from ._xml import read_domain

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
        remove_private_network(conn, self.private_network, self.private_mac, self.machine_name)
        from ._disk import release_path_for

        release_path_for(self.machine_dir())  # QEMU's user's ACL entries that only this machine needed


def new_driver() -> KVMDriver:
    """DriverDef.init: an empty driver, configured next by set_config_raw."""
    return KVMDriver()

