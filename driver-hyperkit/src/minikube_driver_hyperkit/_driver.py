"""The hyperkit machine driver: one ``hyperkit`` process per VM, networking through vmnet.

minikube's Go driver (``pkg/drivers/hyperkit``) with moby/hyperkit's Go wrapper folded in:
we build hyperkit's command line ourselves (``_command``), start it in its own session (it
outlives the plugin process), and keep its pid in ``hyperkit.json`` beside the machine's other
files.  NFS sharing (exports on the host, mounts in the guest) is in ``_nfs``.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import shutil
import signal
import subprocess
import time
import uuid as _uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minikube import DriverError, MachineNotFoundError
from minikube.machine import (
    BaseDriver,
    DriverOptions,
    Flag,
    IntFlag,
    State,
    StringFlag,
    StringSliceFlag,
    copy_boot_image,
    generate_ssh_key,
    json_field,
    write_raw_disk,
)

from . import _host, _nfs
from ._command import CONSOLE_RING, PID_FILE, hyperkit_args, parse_vsock_ports
from ._iso import KERNEL_FILES, ISOError, extract_files
from ._leases import ip_from_leases_file, trim_mac
from ._vmnet import mac_for_uuid

log = logging.getLogger("minikube.driver.hyperkit")

ISO_FILENAME = "boot2docker.iso"
STATE_FILE = "hyperkit.json"
LOG_FILE = "hyperkit.log"
DEFAULT_VPNKIT_SOCK = "Library/Containers/com.docker.docker/Data/s50"
DEFAULT_NFS_SHARES_ROOT = "/nfsshares"
#: Where moby/hyperkit looks for the binary when it is not on PATH.
HYPERKIT_CANDIDATES = ("hyperkit", "com.docker.hyperkit", "/usr/local/bin/hyperkit",
                       "/Applications/Docker.app/Contents/Resources/bin/hyperkit",
                       "/Applications/Docker.app/Contents/MacOS/com.docker.hyperkit")
INSTALL_FIX = "Run 'brew install hyperkit'"


def _transient(default: Any) -> Any:
    """A setting that is not part of the saved driver JSON (timings; tests shorten them)."""
    return field(default=default, metadata={"transient": True}, repr=False, compare=False)


def find_hyperkit() -> str:
    for candidate in HYPERKIT_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise DriverError("hyperkit not found on PATH or in Docker Desktop", fix=INSTALL_FIX)


def _tail(path: Path, lines: int = 15) -> list[str]:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return []
    return list(collections.deque((ln for ln in text.splitlines() if ln.strip()), maxlen=lines))


@dataclass
class HyperkitDriver(BaseDriver):
    """minikube's hyperkit driver; the JSON field names are the Go driver's."""

    boot2docker_url: str = json_field("Boot2DockerURL", "")
    disk_size: int = json_field("DiskSize", 20000)
    cpu: int = json_field("CPU", 2)
    memory: int = json_field("Memory", 2048)
    cmdline: str = json_field("Cmdline", "")
    nfs_shares: list[str] = json_field("NFSShares", [])
    nfs_shares_root: str = json_field("NFSSharesRoot", DEFAULT_NFS_SHARES_ROOT)
    uuid: str = json_field("UUID", "")
    vpnkit_sock: str = json_field("VpnKitSock", "")
    vsock_ports: list[str] = json_field("VSockPorts", [])
    extra_disks: int = json_field("ExtraDisks", 0)

    #: IP wait: minikube polls the lease file every 2 s, 60 times.
    ip_attempts: int = _transient(60)
    ip_interval: float = _transient(2.0)
    #: Stop: SIGTERM, then 5 checks 1 s apart, then SIGKILL.
    stop_attempts: int = _transient(5)
    stop_interval: float = _transient(1.0)
    #: After launching: how long to wait for hyperkit's pid file (it writes it once the VM
    #: exists), so a hyperkit that dies at start is reported as a crash, not as a missing lease.
    launch_grace: float = _transient(3.0)
    #: minikube lets the guest's sshd and the host's nfsd settle before mounting shares.
    nfs_settle: float = _transient(30.0)

    DEFAULT_SSH_USER = "docker"

    def __post_init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None

    # --- identity and configuration ---------------------------------------------------------

    def driver_name(self) -> str:
        return "hyperkit"

    def get_create_flags(self) -> list[Flag]:
        return [
            StringSliceFlag("hyperkit-nfs-share", "Local folders to share with the guest via NFS mounts"),
            StringFlag("hyperkit-nfs-shares-root", "Where to root the NFS shares in the guest", "",
                       DEFAULT_NFS_SHARES_ROOT),
            StringFlag("hyperkit-vpnkit-sock", "Location of the VPNKit socket used for networking: empty "
                       "disables it, 'auto' uses Docker for Mac's VPNKit connection"),
            StringSliceFlag("hyperkit-vsock-ports", "Guest VSock ports that should be exposed as sockets on the host"),
            StringFlag("hyperkit-uuid", "The VM's UUID, which fixes its MAC address (default: a new random UUID)"),
            IntFlag("hyperkit-extra-disks", "Number of extra disks created and attached to the VM", "", 0),
        ]

    def set_config_from_flags(self, options: DriverOptions) -> None:
        super().set_config_from_flags(options)
        self.nfs_shares = options.string_slice("hyperkit-nfs-share")
        self.nfs_shares_root = options.string("hyperkit-nfs-shares-root") or DEFAULT_NFS_SHARES_ROOT
        self.vpnkit_sock = options.string("hyperkit-vpnkit-sock")
        self.vsock_ports = options.string_slice("hyperkit-vsock-ports")
        parse_vsock_ports(self.vsock_ports)
        self.uuid = options.string("hyperkit-uuid") or self.uuid or str(_uuid.uuid4())
        try:
            _uuid.UUID(self.uuid)
        except ValueError:
            raise DriverError(f"invalid UUID {self.uuid!r} for --hyperkit-uuid", reason_id="MK_USAGE") from None
        self.extra_disks = max(0, options.int("hyperkit-extra-disks"))

    # --- paths --------------------------------------------------------------------------------

    @property
    def machine_dir(self) -> Path:
        return Path(self.store_path) / "machines" / self.machine_name

    def _path(self, name: str) -> Path:
        return self.machine_dir / name

    @property
    def disk_path(self) -> Path:
        return self._path(f"{self.machine_name}.rawdisk")

    def extra_disk_path(self, i: int) -> Path:
        return self._path(f"extra-disk-{i}.rawdisk")

    def _exists(self) -> bool:
        """A machine exists from the moment create() made its disk until remove()."""
        return self.disk_path.exists()

    def _require_exists(self) -> None:
        if not self._exists():
            raise MachineNotFoundError(f'Host does not exist: "{self.machine_name}"',
                                       fix=f"Create it with: minikube start -p {self.machine_name}")

    # --- lifecycle ----------------------------------------------------------------------------

    def pre_create_check(self) -> None:
        _host.verify_root()

    def create(self) -> None:
        _host.verify_root()
        self.machine_dir.mkdir(parents=True, exist_ok=True)
        self._copy_iso()
        public_key = generate_ssh_key(self.get_ssh_key_path())
        if not self.disk_path.exists():
            log.info("Creating raw disk image: %s...", self.disk_path)
            write_raw_disk(self.disk_path, public_key, self.disk_size)
        for i in range(self.extra_disks):
            path = self.extra_disk_path(i)
            if not path.exists():
                with open(path, "wb") as f:
                    f.truncate(self.disk_size * 1024 * 1024)
        self._fix_permissions()
        wanted = {src: self._path(dest) for src, dest in KERNEL_FILES.items()}
        try:
            extract_files(self._path(ISO_FILENAME), wanted)
        except ISOError as e:
            raise DriverError(f"extracting kernel: {e}") from None
        self.start()

    def _copy_iso(self) -> None:
        copy_boot_image(self.boot2docker_url, self._path(ISO_FILENAME))

    def _fix_permissions(self) -> None:
        """Files made as root go back to the user who runs minikube (sudo's SUDO_UID), as minikube does."""
        from minikube.machine.plugin import invoking_user

        uid, gid = invoking_user()
        for p in [self.machine_dir, *self.machine_dir.iterdir()]:
            try:
                os.chown(p, uid, gid)
            except OSError as e:
                raise DriverError(f"fixing permissions on {p}: {e}") from None

    def start(self) -> None:
        _host.verify_root()
        self._require_exists()
        adopted = self._recover_from_unclean_shutdown()
        vsock = parse_vsock_ports(self.vsock_ports)
        exe = find_hyperkit()
        state_dir = str(self.machine_dir)
        disks = [str(self.disk_path), *(str(self.extra_disk_path(i)) for i in range(self.extra_disks))]
        iso, kernel, initrd = self._path(ISO_FILENAME), self._path("bzimage"), self._path("initrd")
        needed = [("ISO", iso), ("Kernel", kernel), ("initrd", initrd), *(("Disk image", Path(d)) for d in disks)]
        for what, path in needed:
            if not path.exists():
                raise DriverError(f"{what} {path} does not exist", reason_id="GUEST_START",
                                  fix=f"Recreate the machine: minikube delete -p {self.machine_name}, then start")
        args = hyperkit_args(state_dir=state_dir, cpus=self.cpu, memory=self.memory, uuid=self.uuid,
                             disks=disks, iso=str(iso), kernel=str(kernel), initrd=str(initrd), cmdline=self.cmdline,
                             vpnkit_sock=self._vpnkit_sock(), vsock_ports=vsock)
        command_line = " ".join([exe, *args])
        try:
            mac = trim_mac(mac_for_uuid(self.uuid))
        except (RuntimeError, OSError, ValueError) as e:
            raise DriverError(f"getting MAC address from UUID {self.uuid}: {e}", reason_id="GUEST_START") from None
        log.debug("Using UUID %s, MAC %s", self.uuid, mac)
        if adopted:
            log.info("hyperkit is already running with pid %d; using it", adopted)
        else:
            self._launch(exe, args, command_line)
            self._wait_launched(command_line)
        self._setup_ip(mac, command_line)
        self._setup_nfs()

    def _vpnkit_sock(self) -> str:
        sock = self.vpnkit_sock
        if sock == "auto":
            sock = str(Path.home() / DEFAULT_VPNKIT_SOCK)
        if sock and not os.path.exists(sock):
            raise DriverError(f"VPNKit socket {sock} does not exist", reason_id="GUEST_START")
        return sock

    def _launch(self, exe: str, args: list[str], command_line: str) -> None:
        log.debug("Starting: %s", command_line)
        with open(self._path(LOG_FILE), "ab") as out:
            try:
                self._proc = subprocess.Popen([exe, *args], stdin=subprocess.DEVNULL, stdout=out,
                                              stderr=subprocess.STDOUT, cwd=self.machine_dir,
                                              start_new_session=True)  # outlives the plugin
            except OSError as e:
                raise DriverError(f"starting hyperkit: {e}\ncommand line:\n  {command_line}",
                                  reason_id="GUEST_START") from None
        state = {"hyperkit": exe, "state_dir": str(self.machine_dir), "vpnkit_sock": self.vpnkit_sock,
                 "uuid": self.uuid, "cpus": self.cpu, "memory": self.memory,
                 "iso": str(self._path(ISO_FILENAME)), "kernel": str(self._path("bzimage")),
                 "initrd": str(self._path("initrd")), "vmnet": True,
                 "pid": self._proc.pid, "arguments": args, "cmdline": command_line}
        tmp = self._path(f".{STATE_FILE}.tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self._path(STATE_FILE))

    def _wait_launched(self, command_line: str) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.launch_grace
        while not self._path(PID_FILE).exists() and time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            time.sleep(0.02)
        if self._proc.poll() is not None:
            raise self._crashed(command_line)

    def _crashed(self, command_line: str) -> DriverError:
        parts = [f"hyperkit crashed! command line:\n  {command_line}"]
        if self._proc is not None and self._proc.poll() is not None:
            parts.append(f"exit status {self._proc.returncode}")
        for what, name in (("hyperkit output", LOG_FILE), ("console", CONSOLE_RING)):
            lines = _tail(self._path(name))
            if lines:
                parts.append(f"{what} (last lines of {self._path(name)}):\n" + "\n".join(f"  {ln}" for ln in lines))
        return DriverError("\n".join(parts), reason_id="GUEST_START",
                           fix=f"Look at {self._path(LOG_FILE)}; then minikube delete -p {self.machine_name} "
                               "and start again")

    def _setup_ip(self, mac: str, command_line: str) -> None:
        path = _host.leases_file()
        last = ""
        for attempt in range(max(1, self.ip_attempts)):
            if attempt:
                time.sleep(self.ip_interval)
            if self.get_state() != State.RUNNING:
                raise self._crashed(command_line)
            try:
                self.ip_address = ip_from_leases_file(path, mac)
                log.debug("IP: %s", self.ip_address)
                return
            except LookupError as e:
                last = str(e)
                log.debug("Attempt %d: %s", attempt, last)
        raise DriverError(f"IP address never found in dhcp leases file {path}: {last}", reason_id="GUEST_START",
                          fix="Check that vmnet's DHCP server (bootpd) runs and that no firewall blocks it")

    # --- NFS ------------------------------------------------------------------------------------

    def _setup_nfs(self) -> None:
        if not self.nfs_shares:
            return
        log.info("Setting up NFS mounts")
        time.sleep(self.nfs_settle)
        _nfs.setup_shares(self, _nfs.share_paths(self.nfs_shares, self.machine_dir), self.nfs_shares_root)

    def _cleanup_nfs_exports(self) -> None:
        if self.nfs_shares:
            _nfs.remove_shares(self.machine_name, _nfs.share_paths(self.nfs_shares, self.machine_dir))

    # --- state and stopping -----------------------------------------------------------------

    def _recorded_pid(self) -> int:
        try:
            doc = json.loads(self._path(STATE_FILE).read_text())
            return int(doc.get("pid") or 0) if isinstance(doc, dict) else 0
        except FileNotFoundError:
            return 0
        except (OSError, ValueError, TypeError) as e:
            log.warning("Error reading %s: %s", self._path(STATE_FILE), e)
            return 0

    def _pid_state(self, pid: int) -> State:
        """Running only if ``pid`` is alive and is a hyperkit ("hyper" in its name)."""
        import psutil

        if pid <= 0:
            return State.STOPPED
        if self._proc is not None and self._proc.pid == pid and self._proc.poll() is not None:
            return State.STOPPED  # our own child, now reaped
        try:
            proc = psutil.Process(pid)
            name, status = proc.name(), proc.status()
        except psutil.NoSuchProcess:
            log.debug("hyperkit pid %d missing from process table", pid)
            return State.STOPPED
        except psutil.Error as e:
            raise DriverError(f"cannot inspect hyperkit pid {pid}: {e}", reason_id="GUEST_STATUS") from None
        if status == psutil.STATUS_ZOMBIE:
            return State.STOPPED
        if "hyper" not in name:
            log.debug("pid %d is stale, and is being used by %s", pid, name)
            return State.STOPPED
        return State.RUNNING

    def _recover_from_unclean_shutdown(self) -> int:
        """A leftover pid file: adopt a live hyperkit (returns its pid), else remove the file."""
        pid_file = self._path(PID_FILE)
        try:
            content = pid_file.read_text().strip()
        except FileNotFoundError:
            return 0
        log.warning("minikube might have been shutdown in an unclean way, the hyperkit pid file still exists: %s",
                    pid_file)
        try:
            pid = int(content)
        except ValueError:
            pid = 0
        if pid and self._pid_state(pid) == State.RUNNING:
            if self._recorded_pid() == pid:
                return pid
            raise DriverError(f"another hyperkit (pid {pid}) is using {self.machine_dir}",
                              reason_id="GUEST_START", fix=f"Stop it (sudo kill {pid}), then start again")
        log.debug("Removing stale pid file %s...", pid_file)
        pid_file.unlink(missing_ok=True)
        return 0

    def get_state(self) -> State:
        _host.verify_root()
        if not self._exists():
            return State.NONE
        return self._pid_state(self._recorded_pid())

    def _signal(self, sig: signal.Signals) -> bool:
        """Signal the recorded hyperkit if it really is one; never an unrelated process."""
        pid = self._recorded_pid()
        if self._pid_state(pid) != State.RUNNING:
            return False
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return False
        except OSError as e:
            raise DriverError(f"hyperkit {sig.name.lower()} failed: {e}", reason_id="GUEST_STOP") from None
        return True

    def stop(self) -> None:
        _host.verify_root()
        self._require_exists()
        self._cleanup_nfs_exports()
        if not self._signal(signal.SIGTERM):
            return
        for _ in range(self.stop_attempts):
            time.sleep(self.stop_interval)
            if self.get_state() == State.STOPPED:
                return
        log.debug("sending sigkill")
        self.kill()

    def kill(self) -> None:
        _host.verify_root()
        self._require_exists()
        if self._signal(signal.SIGKILL) and self._proc is not None:
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                pass

    def remove(self) -> None:
        """Stop a running VM, drop its NFS exports, delete what create() made (not the store's files)."""
        _host.verify_root()
        try:
            st = self._pid_state(self._recorded_pid())
        except DriverError as e:
            log.debug("Error checking machine status: %s, assuming it has been removed already", e)
            st = State.ERROR
        if st == State.RUNNING:
            self.stop()
        else:
            self._cleanup_nfs_exports()
        made = [self.disk_path, *self.machine_dir.glob("extra-disk-*.rawdisk"),
                *(self._path(n) for n in ("bzimage", "initrd", ISO_FILENAME, STATE_FILE, PID_FILE, LOG_FILE,
                                          CONSOLE_RING, "tty", "id_rsa", "id_rsa.pub"))]
        for path in made:
            try:
                path.unlink(missing_ok=True)
            except OSError as e:
                raise DriverError(f"removing {path}: {e}", reason_id="GUEST_DELETE") from None

    def restart(self) -> None:
        _host.verify_root()
        self._require_exists()
        self.stop()
        self.start()
