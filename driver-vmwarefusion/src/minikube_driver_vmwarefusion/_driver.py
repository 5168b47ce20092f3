"""The VMware Fusion machine driver: a .vmx, a vmdk, and ``vmrun`` for everything else.

docker-machine's ``drivers/vmwarefusion`` (the driver minikube registered as builtin), with
its silently ignored ``vmrun`` failures turned into errors.  The SSH key reaches the guest
the way that driver does it: the boot2docker key tar (the core's ``disk_tar``) is copied in
as ``/var/lib/boot2docker/userdata.tar`` through vmrun's guest operations, because a sparse
vmdk made by ``vmware-vdiskmanager`` is not a raw disk whose first bytes we could write.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minikube import DriverError, HostNotRunningError, MachineNotFoundError
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
)

from . import _dhcp, _tools, _vmx

log = logging.getLogger("minikube.driver.vmwarefusion")

ISO_FILENAME = "boot2docker.iso"
USERDATA_TAR = "userdata.tar"
B2D_USER = "docker"
B2D_PASS = "tcuser"
DHCPD_CONF_GLOB = "/Library/Preferences/VMware Fusion/vmnet*/dhcpd.conf"
LEASES_GLOB = "/var/db/vmware/*.leases"
SHARE_NAME, SHARE_DIR = "Users", "/Users"
_IPV4 = re.compile(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")


def _transient(default: Any) -> Any:
    """A setting that is not part of the saved driver JSON (timings; tests shorten them)."""
    return field(default=default, metadata={"transient": True}, repr=False, compare=False)


def dhcpd_conf_files() -> list[Path]:
    """``MINIKUBE_VMWAREFUSION_DHCPD_CONF_GLOB`` replaces the Fusion path (tests use it)."""
    return [Path(p) for p in sorted(glob.glob(os.environ.get("MINIKUBE_VMWAREFUSION_DHCPD_CONF_GLOB")
                                              or DHCPD_CONF_GLOB))]


def lease_files() -> list[Path]:
    """``MINIKUBE_VMWAREFUSION_LEASES_GLOB`` replaces ``/var/db/vmware/*.leases`` (tests use it)."""
    return [Path(p) for p in sorted(glob.glob(os.environ.get("MINIKUBE_VMWAREFUSION_LEASES_GLOB") or LEASES_GLOB))]


def mount_command(share_name: str, share_dir: str) -> str:
    """docker-machine's shared-folder mount: bind /mnt/hgfs, else vmhgfs-fuse, else vmhgfs."""
    return (f"[ ! -d {share_dir} ]&& sudo mkdir {share_dir}; sudo mount --bind /mnt/hgfs/{share_dir} {share_dir} || "
            f"[ -f /usr/local/bin/vmhgfs-fuse ]&& sudo /usr/local/bin/vmhgfs-fuse -o allow_other "
            f".host:/{share_name} {share_dir} || sudo mount -t vmhgfs -o uid=$(id -u),gid=$(id -g) "
            f".host:/{share_name} {share_dir}")


@dataclass
class VMwareFusionDriver(BaseDriver):
    """docker-machine's vmwarefusion driver; the JSON field names are the Go driver's."""

    memory: int = json_field("Memory", 1024)
    disk_size: int = json_field("DiskSize", 20000)
    cpu: int = json_field("CPU", 1)
    iso: str = json_field("ISO", "")
    boot2docker_url: str = json_field("Boot2DockerURL", "")
    ssh_password: str = json_field("SSHPassword", B2D_PASS)
    config_drive_iso: str = json_field("ConfigDriveISO", "")
    config_drive_url: str = json_field("ConfigDriveURL", "")
    no_share: bool = json_field("NoShare", False)

    #: As minikube: start waits up to 120 s (60 x 2 s) for an IP and SSH.
    ip_attempts: int = _transient(60)
    ip_interval: float = _transient(2.0)
    #: ``vmrun getGuestIPAddress -wait`` blocks until VMware Tools answers: bound it.
    guest_ip_timeout: float = _transient(10.0)

    DEFAULT_SSH_USER = B2D_USER

    def driver_name(self) -> str:
        return "vmwarefusion"

    # --- flags --------------------------------------------------------------------------------

    def get_create_flags(self) -> list[Flag]:
        """docker-machine's flags; zero values keep what the cluster settings gave the driver."""
        return [
            StringFlag("vmwarefusion-boot2docker-url", "Fusion URL for boot2docker image", "FUSION_BOOT2DOCKER_URL"),
            StringFlag("vmwarefusion-configdrive-url", "Fusion URL for cloud-init configdrive", "FUSION_CONFIGDRIVE_URL"),
            IntFlag("vmwarefusion-cpu-count", "number of CPUs for the machine (-1 to use the number of CPUs "
                    "available; 0 keeps --cpus)", "FUSION_CPU_COUNT", 0),
            IntFlag("vmwarefusion-memory-size", "Fusion size of memory for host VM (in MB; 0 keeps --memory)",
                    "FUSION_MEMORY_SIZE", 0),
            IntFlag("vmwarefusion-disk-size", "Fusion size of disk for host VM (in MB; 0 keeps --disk-size)",
                    "FUSION_DISK_SIZE", 0),
            StringFlag("vmwarefusion-ssh-user", "SSH user", "FUSION_SSH_USER", ""),
            StringFlag("vmwarefusion-ssh-password", "SSH password", "FUSION_SSH_PASSWORD", ""),
            BoolFlag("vmwarefusion-no-share", "Disable the mount of your home directory", "FUSION_NO_SHARE"),
            IntFlag("vmwarefusion-ssh-port", "The guest's SSH port (default 22; not in docker-machine)",
                    "FUSION_SSH_PORT", 0),
        ]

    def set_config_from_flags(self, options: DriverOptions) -> None:
        super().set_config_from_flags(options)
        self.memory = options.int("vmwarefusion-memory-size") or self.memory
        self.cpu = options.int("vmwarefusion-cpu-count") or self.cpu
        self.disk_size = options.int("vmwarefusion-disk-size") or self.disk_size
        self.boot2docker_url = options.string("vmwarefusion-boot2docker-url") or self.boot2docker_url
        self.config_drive_url = options.string("vmwarefusion-configdrive-url")
        self.iso = self.resolve_store_path(ISO_FILENAME)
        self.config_drive_iso = self.resolve_store_path("configdrive.iso")
        self.ssh_user = options.string("vmwarefusion-ssh-user") or self.ssh_user or B2D_USER
        self.ssh_password = options.string("vmwarefusion-ssh-password") or self.ssh_password or B2D_PASS
        self.ssh_port = options.int("vmwarefusion-ssh-port") or 22
        self.no_share = options.bool("vmwarefusion-no-share")
        # Virtual Hardware 10 allows at most 16 vCPUs.
        if self.cpu < 1:
            self.cpu = os.cpu_count() or 1
        self.cpu = min(self.cpu, 16)

    # --- paths --------------------------------------------------------------------------------

    @property
    def machine_dir(self) -> Path:
        return Path(self.store_path) / "machines" / self.machine_name

    @property
    def vmx_path(self) -> Path:
        return self.machine_dir / f"{self.machine_name}.vmx"

    @property
    def vmdk_path(self) -> Path:
        return self.machine_dir / f"{self.machine_name}.vmdk"

    def _require_exists(self) -> None:
        if not self.vmx_path.exists():
            raise MachineNotFoundError(f'Host does not exist: "{self.machine_name}"',
                                       fix=f"Create it with: minikube start -p {self.machine_name}")

    def _vmrun(self, *args: str, reason_id: str = "GUEST_PROVISION", timeout: float = 120.0) -> _tools.Result:
        return _tools.check("vmrun", *args, reason_id=reason_id, timeout=timeout)

    def _guest(self, *args: str) -> _tools.Result:
        """A vmrun guest operation, logged in as the boot2docker user (needs VMware Tools in the guest)."""
        return self._vmrun("-gu", self.get_ssh_username(), "-gp", self.ssh_password, *args)

    # --- lifecycle ----------------------------------------------------------------------------

    def pre_create_check(self) -> None:
        _tools.require_tool("vmrun")
        _tools.require_tool("vmware-vdiskmanager")
        if self.vmx_path.exists():
            raise DriverError(f"machine already exists: {self.vmx_path}", reason_id="GUEST_PROVISION",
                              fix=f"Delete it first: minikube delete -p {self.machine_name}")

    def create(self) -> None:
        self.machine_dir.mkdir(parents=True, exist_ok=True)
        if self.vmx_path.exists():
            raise DriverError(f"machine already exists: {self.vmx_path}", reason_id="GUEST_PROVISION",
                              fix=f"Delete it first: minikube delete -p {self.machine_name}")
        self._copy_iso()
        log.info("Creating SSH key...")
        public_key = generate_ssh_key(self.get_ssh_key_path())
        log.info("Creating VM...")
        settings = _vmx.VMXSettings(display_name=self.machine_name, iso=self.iso or str(self.machine_dir / ISO_FILENAME),
                                    vmdk=self.vmdk_path.name, memory_mb=self.memory, cpus=self.cpu)
        tmp = self.vmx_path.with_name(f".{self.vmx_path.name}.tmp")
        tmp.write_text(_vmx.render_vmx(settings))
        os.replace(tmp, self.vmx_path)
        if not self.vmdk_path.exists():
            _tools.check("vmware-vdiskmanager", "-c", "-t", "0", "-s", f"{self.disk_size}MB", "-a", "lsilogic",
                         str(self.vmdk_path))
            if not self.vmdk_path.exists():
                raise DriverError(f"vmware-vdiskmanager reported success but made no {self.vmdk_path}")
        # The boot2docker key bundle, the same tar the raw-disk drivers put at their disk's start.
        bundle = self.machine_dir / USERDATA_TAR
        bundle.write_bytes(disk_tar(public_key))
        self._boot()
        self._install_key_bundle(bundle)
        self._share_home(add=True)

    def _copy_iso(self) -> None:
        dest = Path(self.iso or self.machine_dir / ISO_FILENAME)
        self.iso = str(dest)
        copy_boot_image(self.boot2docker_url, dest)

    def _boot(self) -> None:
        """``vmrun start``, then wait (60 x 2 s) for an IP and for SSH to accept connections."""
        log.info("Starting %s...", self.machine_name)
        self._vmrun("start", str(self.vmx_path), "nogui", reason_id="GUEST_START")
        last = ""
        for attempt in range(max(1, self.ip_attempts)):
            if attempt:
                time.sleep(self.ip_interval)
            try:
                ip = self.get_ip()
            except DriverError as e:
                if self.get_state() != State.RUNNING:
                    raise DriverError(f"{self.machine_name} stopped while booting: {e.message}",
                                      reason_id="GUEST_START") from None
                last = e.message
                continue
            try:
                with socket.create_connection((ip, self.get_ssh_port()), timeout=2):
                    return
            except OSError as e:
                last = f"SSH daemon not responding yet at {ip}:{self.get_ssh_port()}: {e}"
        waited = self.ip_attempts * self.ip_interval
        raise DriverError(f"Machine didn't return an IP after {waited:g} seconds, aborting: {last}",
                          reason_id="GUEST_START")

    def _install_key_bundle(self, bundle: Path) -> None:
        log.info("Copying the SSH key to %s...", self.machine_name)
        vmx = str(self.vmx_path)
        try:
            self._guest("directoryExistsInGuest", vmx, "/var/lib/boot2docker")
            self._guest("CopyFileFromHostToGuest", vmx, str(bundle), f"/home/{B2D_USER}/{USERDATA_TAR}")
            self._guest("runScriptInGuest", vmx, "/bin/sh",
                        f'sudo sh -c "tar xvf /home/{B2D_USER}/{USERDATA_TAR} -C /home/{B2D_USER} > '
                        f'/var/log/userdata.log 2>&1 && chown -R {B2D_USER}:staff /home/{B2D_USER}"')
            self._guest("runScriptInGuest", vmx, "/bin/sh",
                        f"sudo /bin/mv /home/{B2D_USER}/{USERDATA_TAR} /var/lib/boot2docker/{USERDATA_TAR}")
        except DriverError as e:
            raise DriverError(f"copying the SSH key into the guest failed (the guest needs VMware Tools): "
                              f"{e.message}", reason_id="GUEST_PROVISION") from None

    def _share_home(self, add: bool) -> None:
        """Mount the host's /Users in the guest, as docker-machine does; failures are warnings."""
        if self.no_share or not os.path.isdir(SHARE_DIR):
            return
        vmx = str(self.vmx_path)
        try:
            if add:
                self._guest("enableSharedFolders", vmx)
                self._guest("addSharedFolder", vmx, SHARE_NAME, SHARE_DIR)
            self._guest("runScriptInGuest", vmx, "/bin/sh", mount_command(SHARE_NAME, SHARE_DIR))
        except DriverError as e:
            log.warning("Sharing %s with the guest failed: %s", SHARE_DIR, e.message)

    def start(self) -> None:
        self._require_exists()
        self._boot()
        self._share_home(add=False)

    def stop(self) -> None:
        self._require_exists()
        self._vmrun("stop", str(self.vmx_path), "nogui", reason_id="GUEST_STOP")

    def kill(self) -> None:
        self._require_exists()
        self._vmrun("stop", str(self.vmx_path), "hard", "nogui", reason_id="GUEST_STOP")

    def restart(self) -> None:
        """Stop (when running), then start: a stopped VM restarts instead of failing on stop."""
        if self.get_state() == State.RUNNING:
            self.stop()
        else:
            self._require_exists()
        self.start()

    def remove(self) -> None:
        """Kill if running, then ``vmrun deleteVM``; a VM vmrun cannot delete is left to the store."""
        try:
            st = self.get_state()
        except DriverError as e:
            log.warning("Could not read the state of %s (%s); deleting anyway", self.machine_name, e.message)
            st = State.ERROR
        if st == State.RUNNING:
            try:
                self.kill()
            except DriverError as e:
                raise DriverError(f"Error stopping VM before deletion: {e.message}", reason_id="GUEST_DELETE") from None
        if not self.vmx_path.exists():
            return
        log.info("Deleting %s...", self.machine_name)
        res = _tools.run("vmrun", "deleteVM", str(self.vmx_path), "nogui")
        if res.code != 0:
            log.warning("vmrun deleteVM failed (exit status %d): %s; deleting the VM's files", res.code, res.message)
            for path in (self.vmx_path, self.vmdk_path):
                path.unlink(missing_ok=True)

    # --- state and addresses ----------------------------------------------------------------

    def get_state(self) -> State:
        """Running when ``vmrun list`` names this .vmx; no .vmx means there is no VM."""
        if not self.vmx_path.exists():
            return State.NONE
        res = self._vmrun("list", reason_id="GUEST_STATUS", timeout=60)
        wanted = {str(self.vmx_path), os.path.realpath(self.vmx_path)}
        running = set(_tools.running_vmx_paths(res.stdout))
        return State.RUNNING if wanted & running else State.STOPPED

    def get_ip(self) -> str:
        """vmrun's guest IP, else the .vmx's MAC in dhcpd.conf host blocks, then in the leases."""
        if self.get_state() != State.RUNNING:
            raise HostNotRunningError()
        try:
            res: _tools.Result | None = _tools.run("vmrun", "getGuestIPAddress", str(self.vmx_path), "-wait",
                                                   timeout=self.guest_ip_timeout)
        except DriverError as e:  # VMware Tools did not answer in time: ask DHCP instead
            log.debug("getGuestIPAddress: %s", e.message)
            res = None
        match = _IPV4.search(res.stdout) if res is not None and res.code == 0 else None
        if match:
            self.ip_address = match.group(0)
            return self.ip_address
        try:
            text = self.vmx_path.read_text(errors="replace")
        except OSError as e:
            raise DriverError(f"reading {self.vmx_path}: {e}", reason_id="GUEST_STATUS") from None
        mac = _vmx.generated_mac(text)
        if mac is None:
            raise DriverError(f"couldn't find MAC address in VMX file {self.vmx_path}", reason_id="GUEST_STATUS")
        try:
            self.ip_address = _dhcp.ip_from_files(dhcpd_conf_files(), lease_files(), mac)
        except LookupError as e:
            raise DriverError(str(e), reason_id="GUEST_STATUS") from None
        return self.ip_address

    def get_ssh_hostname(self) -> str:
        return self.get_ip()
