"""The qemu2 driver: each machine is a QEMU process of the calling user, daemonized, with a
pidfile and a QMP socket in the machine directory.  No root, no libvirt, no setuid.

Files in ``machines/<name>/`` (all made here, all removed by :meth:`QEMUDriver.remove`):
``boot2docker.iso`` (a copy of the boot image), ``id_rsa``/``id_rsa.pub``, ``disk.qcow2`` (the
boot2docker disk: the shared tar-stream disk, converted with qemu-img), ``qemu.pid``, ``monitor``
(QMP) and ``serial.log`` (the guest's console).  ``config.json`` beside them is minikube's.

Networking is QEMU's user mode (``builtin``): the guest's SSH (22) and Docker engine (2376) ports
are forwarded from two free ports on 127.0.0.1, saved in the driver config and kept across
restarts (chosen again, and saved, when another process has taken one meanwhile).  The machine's
IP, as minikube reports it, is 127.0.0.1.

Shared folders (``Shares``, from ``--mount-string``) are exposed as devices on every start
(``_cmdline.share_args``); a virtiofs share's virtiofsd (``_virtiofsd``) is started before QEMU
and stopped after it, with its pidfile, socket and log in the machine directory.  The guest
mounts them (the core does, over SSH, after every boot).  A share cannot be added to a running
machine: QEMU cannot hot-add a 9p device through QMP (``attach_share`` stays NotImplementedError).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minikube import ConfigError, DriverError, MachineNotFoundError, UsageError
from minikube.config import DEFAULT_CPUS, DEFAULT_DISK_MB, DEFAULT_MEMORY_MB
from minikube.machine import (
    BaseDriver,
    DriverOptions,
    Flag,
    IntFlag,
    Share,
    State,
    StringFlag,
    json_field,
    require_host_dirs,
)

from . import _cmdline, _ports, _process, _qmp, _virtiofsd
from ._host import (
    DOC,
    VIRT_TYPES,
    Accel,
    accel_problem,
    choose_accel,
    default_firmware,
    firmware_fix,
    host_arch,
    host_os,
    install_fix,
    needs_firmware,
    qemu_system,
)

log = logging.getLogger("minikube_driver_qemu2")

DRIVER_NAME = "qemu2"
NETWORKS = ("builtin", "user")
#: The shared-folder kinds qemu2 exposes (minikube-driver.toml's ``mounts``, in the same order).
SHARE_KINDS = ("9p", "virtiofs")
LOOPBACK = "127.0.0.1"
ENGINE_PORT = 2376
#: minikube's qemu2 waits up to 5 minutes for SSH after starting QEMU.
DEFAULT_SSH_TIMEOUT = 300
#: ACPI power button, then ``quit`` after this long (kvm2's stop waits as long).
STOP_TIMEOUT = 90.0
#: The power button is pressed again this often: a guest still booting (no acpid yet) drops it.
POWERDOWN_REPEAT = 3.0
QUIT_TIMEOUT = 10.0
POLL = 0.25
#: The template's reason for a machine directory that cannot be made or written.
MACHINE_DIR = "PR_QEMU2_MACHINE_DIR"
#: Every file the driver makes in the machine directory (extra disks are named in the config).
#: (Temporary names too: the core writes the ISO copy and the raw disk under them, then renames.)
FILES = (_cmdline.ISO, f".{_cmdline.ISO}.tmp", _cmdline.DISK, _cmdline.DISK + ".raw", _cmdline.DISK + ".raw.tmp",
         "id_rsa", "id_rsa.pub", _cmdline.MONITOR, _cmdline.PIDFILE, _cmdline.SERIAL_LOG)


@dataclass
class QEMUDriver(BaseDriver):
    """minikube's qemu2 driver; the JSON field names are the Go driver's (``VirtType`` is ours)."""

    engine_port: int = json_field("EnginePort", 0)
    first_query: bool = json_field("FirstQuery", True)
    memory: int = json_field("Memory", DEFAULT_MEMORY_MB)
    disk_size: int = json_field("DiskSize", DEFAULT_DISK_MB)
    cpu: int = json_field("CPU", DEFAULT_CPUS)
    program: str = json_field("Program", "")
    bios: bool = json_field("BIOS", True)
    cpu_type: str = json_field("CPUType", "")
    machine_type: str = json_field("MachineType", "")
    firmware: str = json_field("Firmware", "")
    network: str = json_field("Network", "builtin")
    boot2docker_url: str = json_field("Boot2DockerURL", "")
    disk_path: str = json_field("DiskPath", "")
    extra_disks: int = json_field("ExtraDisks", 0)
    virt_type: str = json_field("VirtType", "auto")
    ssh_timeout: int = json_field("SSHTimeout", DEFAULT_SSH_TIMEOUT)  # unused since driver API 1.5; kept for old configs
    #: The shared folders (``Share.to_json`` each, in order: a share's index names its device and
    #: its virtiofsd's files), fixed when the machine is made.  Ours, as VirtType is.
    shares: list[dict[str, Any]] = json_field("Shares", [])
    _said_software: bool = field(default=False, init=False, repr=False, compare=False,
                                 metadata={"transient": True})

    DEFAULT_SSH_USER = "docker"

    # --- configuration ----------------------------------------------------------------------

    def driver_name(self) -> str:
        return DRIVER_NAME

    def get_create_flags(self) -> list[Flag]:
        return [
            StringFlag("qemu-virt-type", "auto (KVM where /dev/kvm is usable and the CPU has vmx/svm, HVF on macOS, "
                       "else tcg), kvm, hvf, or tcg (software emulation)", "MINIKUBE_QEMU_VIRT_TYPE", "auto"),
            StringFlag("qemu-network", "builtin (QEMU user-mode networking; 'user' is the same)",
                       "MINIKUBE_QEMU_NETWORK", "builtin"),
            StringFlag("qemu-firmware-path", "UEFI firmware for arm64 guests (default: the distribution's)",
                       "MINIKUBE_QEMU_FIRMWARE_PATH", ""),
            IntFlag("qemu-ssh-timeout", "Deprecated, ignored: minikube start --wait-timeout bounds the wait for "
                    "the guest's SSH server (for every driver)", "MINIKUBE_QEMU_SSH_TIMEOUT", DEFAULT_SSH_TIMEOUT),
        ]

    def set_config_from_flags(self, options: DriverOptions) -> None:
        """The driver's own options only: memory, CPUs and disk come from the cluster config."""
        super().set_config_from_flags(options)
        self.virt_type = (options.string("qemu-virt-type") or "auto").strip().lower()
        network = (options.string("qemu-network") or "builtin").strip().lower()
        self.network = "builtin" if network == "user" else network
        self.firmware = options.string("qemu-firmware-path") or self.firmware
        self.ssh_timeout = options.int("qemu-ssh-timeout") or DEFAULT_SSH_TIMEOUT
        self.check_options()

    def share_list(self) -> tuple[Share, ...]:
        try:
            return tuple(Share.from_json(doc) for doc in self.shares)
        except ValueError as e:
            raise ConfigError(f'driver config: "Shares": {e}') from None

    def check_options(self) -> None:
        if self.virt_type not in VIRT_TYPES:
            raise UsageError(f"invalid value {self.virt_type!r} for --qemu-virt-type: use auto, kvm, hvf or tcg")
        if self.network not in NETWORKS:
            raise UsageError("--qemu-network with QEMU must be 'builtin' (socket_vmnet is not supported yet)")
        if self.ssh_timeout < 1:
            raise UsageError(f"invalid value {self.ssh_timeout} for --qemu-ssh-timeout: use a positive number of "
                             "seconds")

    # --- paths and addresses ----------------------------------------------------------------

    def machine_dir(self) -> Path:
        return Path(os.path.abspath(self.resolve_store_path("")))

    def path(self, name: str) -> Path:
        return self.machine_dir() / name

    def qemu_program(self) -> str:
        return self.program or qemu_system()

    def get_ip(self) -> str:
        return LOOPBACK

    def get_ssh_hostname(self) -> str:
        return LOOPBACK

    def get_url(self) -> str:
        return f"tcp://{LOOPBACK}:{self.engine_port or ENGINE_PORT}"

    def _exists(self) -> bool:
        return self.path(_cmdline.DISK).exists()

    def _require(self) -> None:
        if not self._exists():
            raise MachineNotFoundError(f'Host does not exist: "{self.machine_name}"',
                                       fix=f"Create it with: minikube start -p {self.machine_name}")

    # --- checks -----------------------------------------------------------------------------

    def accel(self) -> Accel:
        """The accelerator: ``auto`` decided here (software emulation said once, with the fix);
        an explicit one checked, since QEMU would fail late and obscurely without it."""
        problem = accel_problem(self.virt_type)
        if problem:
            message, reason = problem
            raise DriverError(message, reason_id=reason)
        choice = choose_accel(self.virt_type)
        if choice.software and self.virt_type == "auto" and not self._said_software:
            self._said_software = True
            log.info("qemu2 uses software emulation (tcg) because %s; to use hardware acceleration: %s",
                     choice.why, choice.fix)
        return choice

    def _check_tools(self) -> None:
        for tool in (self.qemu_program(), "qemu-img"):
            if shutil.which(tool) is None:
                raise DriverError(f'exec: "{tool}": executable file not found in $PATH',
                                  reason_id=f"PROVIDER_{DRIVER_NAME.upper()}_NOT_FOUND", fix=install_fix(), doc=DOC)

    def _firmware(self) -> str:
        if not needs_firmware():
            return ""
        fw = self.firmware or default_firmware()
        if not fw or not os.path.exists(fw):
            raise UsageError(f"the UEFI firmware {fw or '(none known for this host)'} does not exist",
                             fix=firmware_fix())
        return fw

    def iso_source(self) -> Path:
        from minikube.machine import boot_image_source

        return boot_image_source(self.boot2docker_url, "qemu2")

    def pre_create_check(self) -> None:
        """Everything that can be known before a file is written or QEMU started."""
        from minikube.machine import disk_tar

        self.check_options()
        problem = unwritable(self.machine_dir())
        if problem:
            raise DriverError(f"cannot write the machine directory {self.machine_dir()}: {problem}",
                              reason_id=MACHINE_DIR)
        if self._exists():
            raise DriverError(f'machine "{self.machine_name}" already exists in {self.machine_dir()}',
                              fix=f"Delete it first: minikube delete -p {self.machine_name}")
        self._check_tools()
        self.accel()
        self._firmware()
        self._check_shares()
        src = self.iso_source()
        if not src.is_file():
            raise UsageError(f"the boot image {src} does not exist", fix="Check the --iso-url path")
        if not os.access(src, os.R_OK):
            raise UsageError(f"the boot image {src} is not readable", fix=f"Run: chmod a+r {src}")
        need = -(-len(disk_tar(b"ssh-rsa " + b"A" * 400 + b" minikube\n")) // (1024 * 1024))
        if self.disk_size < need:
            raise UsageError(f"disk size {self.disk_size} MB is smaller than the boot2docker disk image it must "
                             f"hold ({need} MB)", fix="Use a bigger --disk-size, e.g. --disk-size 20000mb")

    def _check_shares(self) -> None:
        """Each share a kind this driver exposes, its folder there; virtiofs: what it needs here."""
        shares = self.share_list()
        for share in shares:
            if share.kind not in SHARE_KINDS:
                raise UsageError(f'the {DRIVER_NAME} driver cannot expose a "{share.kind}" shared folder '
                                 f"({share.spec}): it knows {' and '.join(SHARE_KINDS)}",
                                 fix="Use --mount-type 9p or --mount-type virtiofs")
            if "," in share.host_path:
                raise UsageError(f"mount source {share.host_path!r} contains ',', which QEMU and virtiofsd "
                                 "cannot carry", fix="Choose a folder without commas")
        require_host_dirs(shares, self.machine_name)
        owners = tuple(s.guest_owner for s in shares if s.kind == "virtiofs")
        if owners:
            _virtiofsd.check_host(owners)

    # --- create -----------------------------------------------------------------------------

    def create(self) -> None:
        """Copy the ISO, make the key and the qcow2 disk, start QEMU.  A failure removes every file
        made and any QEMU started, so nothing is left but minikube's own record."""
        from minikube.machine import copy_boot_image, generate_ssh_key

        mdir = self.machine_dir()
        try:
            mdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as e:
            raise DriverError(f"cannot make the machine directory {mdir}: {e.strerror or e}",
                              reason_id=MACHINE_DIR) from None
        self.program = self.qemu_program()
        self.ip_address = LOOPBACK
        self.ssh_user = self.ssh_user or self.DEFAULT_SSH_USER
        try:
            copy_boot_image(str(self.iso_source()), self.path(_cmdline.ISO))
            key = generate_ssh_key(self.get_ssh_key_path())
            self._make_disk(key)
            self.start()
        except BaseException:
            self._cleanup()
            raise

    def _make_disk(self, public_key: bytes) -> None:
        """The boot2docker disk (the core's tar stream, sparse up to DiskSize) as qcow2."""
        from minikube.machine import write_raw_disk

        raw, disk = self.path(_cmdline.DISK + ".raw"), self.path(_cmdline.DISK)
        try:
            write_raw_disk(raw, public_key, self.disk_size)
        except ValueError as e:
            raise UsageError(str(e), fix="Use a bigger --disk-size") from None
        try:
            self._qemu_img("convert", "-f", "raw", "-O", "qcow2", str(raw), str(disk))
        finally:
            raw.unlink(missing_ok=True)
        self.disk_path = str(disk)

    def _qemu_img(self, *args: str) -> None:
        try:
            p = subprocess.run(["qemu-img", *args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                               timeout=300)
        except FileNotFoundError:
            raise DriverError('exec: "qemu-img": executable file not found in $PATH', fix=install_fix()) from None
        if p.returncode != 0:
            raise DriverError(f"qemu-img {args[0]} failed: {_process.tail(p.stderr + p.stdout)}")

    def _cleanup(self) -> None:
        try:
            pid = _process.running_pid(self.path(_cmdline.PIDFILE))
            if pid is not None:
                _process.kill_hard(pid, self.path(_cmdline.PIDFILE))
            self._stop_virtiofsds(grace=0.0)
        finally:
            self._remove_files()

    def _remove_files(self) -> None:
        for name in FILES:
            self.path(name).unlink(missing_ok=True)
        for i in range(len(self.shares)):
            for name in (_virtiofsd.PIDFILE, _virtiofsd.LOG, _cmdline.VIRTIOFS_SOCKET):
                self.path(name.format(i)).unlink(missing_ok=True)
        for i in range(1, self.extra_disks + 1):
            self.path(f"{self.machine_name}-{i}.rawdisk").unlink(missing_ok=True)

    # --- state ------------------------------------------------------------------------------

    def _pid(self) -> int | None:
        pid = _process.running_pid(self.path(_cmdline.PIDFILE))
        if pid is None:
            self.path(_cmdline.MONITOR).unlink(missing_ok=True)  # QEMU's, left by a killed process
        return pid

    def get_state(self) -> State:
        if not self._exists():
            return State.NONE
        pid = self._pid()
        if pid is None:
            return State.STOPPED
        deadline = time.monotonic() + 10.0  # minikube retries query-status for 10 s
        while True:
            try:
                return _qmp.query_status(self.path(_cmdline.MONITOR))
            except (_qmp.QMPUnavailable, _qmp.QMPCommandError) as e:
                if self._pid() is None:
                    return State.STOPPED
                if time.monotonic() >= deadline:
                    log.info("QMP of %s does not answer: %s", self.machine_name, e)
                    return State.ERROR
                time.sleep(POLL)

    # --- lifecycle --------------------------------------------------------------------------

    def spec(self, accel: Accel) -> _cmdline.Spec:
        return _cmdline.Spec(
            program=self.qemu_program(), machine_dir=self.machine_dir(), name=self.machine_name,
            memory_mb=self.memory, cpus=self.cpu, accel=accel.name, ssh_port=self.ssh_port,
            engine_port=self.engine_port, arch=host_arch(), os_name=host_os(), firmware=self._firmware(),
            shares=self.share_list())

    def start(self) -> None:
        self._require()
        if self._pid() is not None:
            return
        self._check_tools()
        accel = self.accel()
        self._choose_ports()
        self.path(_cmdline.MONITOR).unlink(missing_ok=True)
        self.path(_cmdline.SERIAL_LOG).unlink(missing_ok=True)
        virtiofsd = self._prepare_shares()
        try:
            self._launch(accel, virtiofsd)
        except _process.LaunchError as e:
            if "host forwarding rule" not in e.stderr:
                raise
            # Another process bound a port between our check and QEMU's bind: choose again, once.
            log.info("a forwarded port was taken while QEMU started: choosing again")
            self.ssh_port, self.engine_port = _ports.free_ports(2, avoid=(self.ssh_port, self.engine_port))
            self._launch(accel, virtiofsd)
        # Returns with QEMU running (state Running); minikube waits for the guest's SSH server
        # itself, for every driver, and says so if QEMU exits meanwhile.

    def _prepare_shares(self) -> _virtiofsd.Virtiofsd | None:
        """Before each start: every shared folder still there, and the virtiofsd (when a share
        needs one) still installed; a virtiofsd left by a killed minikube is stopped."""
        shares = self.share_list()
        require_host_dirs(shares, self.machine_name)
        self._stop_virtiofsds(grace=0.0)
        return _virtiofsd.find() if any(s.kind == "virtiofs" for s in shares) else None

    def _launch(self, accel: Accel, virtiofsd: _virtiofsd.Virtiofsd | None) -> None:
        """The shares' virtiofsds, then QEMU (which connects to them).  QEMU failing stops them,
        and its error then carries what a virtiofsd said."""
        mdir = self.machine_dir()
        try:
            for i, share in enumerate(self.share_list()):
                if share.kind == "virtiofs" and virtiofsd is not None:
                    _virtiofsd.start(virtiofsd, mdir, i, share.host_path, _cmdline.VIRTIOFS_SOCKET.format(i),
                                     share.guest_owner)
            _process.launch(_cmdline.argv(self.spec(accel)), mdir, self.machine_name)
        except _process.LaunchError as e:
            self._stop_virtiofsds(grace=0.0)
            said = "; ".join(f"virtiofsd {i}: {t}" for i in range(len(self.shares))
                             if (t := _virtiofsd.log_tail(mdir, i)))
            if said:
                e.message = f"{e.message} ({said})"
                e.args = (e.message,)
            raise
        except BaseException:
            self._stop_virtiofsds(grace=0.0)
            raise

    def _stop_virtiofsds(self, grace: float = _virtiofsd.EXIT_GRACE) -> None:
        for i, share in enumerate(self.share_list()):
            if share.kind == "virtiofs":
                _virtiofsd.stop(self.machine_dir(), i, share.host_path, _cmdline.VIRTIOFS_SOCKET.format(i), grace)

    def _choose_ports(self) -> None:
        ssh, engine = _ports.keep_or_choose([self.ssh_port, self.engine_port])
        if (ssh, engine) != (self.ssh_port, self.engine_port) and self.ssh_port:
            log.info("forwarded ports of %s: %s -> %s (the old ones are taken)", self.machine_name,
                     (self.ssh_port, self.engine_port), (ssh, engine))
        self.ssh_port, self.engine_port = ssh, engine

    def _serial_tail(self) -> str:
        try:
            text = self.path(_cmdline.SERIAL_LOG).read_text(errors="replace")
        except OSError:
            return ""
        return _process.tail(text)

    def stop(self) -> None:
        """ACPI power button (again every few seconds), then ``quit`` after STOP_TIMEOUT."""
        self._require()
        pidfile = self.path(_cmdline.PIDFILE)
        pid = self._pid()
        if pid is None:
            return
        deadline = time.monotonic() + STOP_TIMEOUT
        pressed = 0.0
        while _process.owns(pid, pidfile):
            if time.monotonic() >= deadline:
                log.info("%s ignored the ACPI power button for %gs: quitting QEMU", self.machine_name, STOP_TIMEOUT)
                self._quit(pid)
                break
            if time.monotonic() - pressed >= POWERDOWN_REPEAT:
                pressed = time.monotonic()
                try:
                    _qmp.execute(self.path(_cmdline.MONITOR), "system_powerdown")
                except (_qmp.QMPUnavailable, _qmp.QMPCommandError) as e:
                    log.info("system_powerdown of %s: %s", self.machine_name, e)
            time.sleep(POLL)
        self._gone()

    def _quit(self, pid: int) -> None:
        """QMP ``quit``; SIGKILL when QEMU does not go within QUIT_TIMEOUT (or QMP is dead)."""
        pidfile = self.path(_cmdline.PIDFILE)
        try:
            _qmp.execute(self.path(_cmdline.MONITOR), "quit")
        except (_qmp.QMPUnavailable, _qmp.QMPCommandError) as e:
            log.info("quit of %s: %s", self.machine_name, e)
        if not _process.wait_gone(pid, pidfile, QUIT_TIMEOUT):
            log.info("QEMU of %s is still here after quit: SIGKILL", self.machine_name)
            _process.kill_hard(pid, pidfile)

    def _gone(self) -> None:
        """After QEMU exits: its pidfile and socket go too (QEMU removes them itself, not a killed
        one), and the virtiofsds it was connected to."""
        self.path(_cmdline.PIDFILE).unlink(missing_ok=True)
        self.path(_cmdline.MONITOR).unlink(missing_ok=True)
        self._stop_virtiofsds()

    def kill(self) -> None:
        self._require()
        pid = self._pid()
        if pid is not None:
            self._quit(pid)
        self._gone()

    def restart(self) -> None:
        self._require()
        self.stop()
        self.start()

    def remove(self) -> None:
        """Kill QEMU if it runs, then remove every file the driver made.  A machine already gone
        is success (``minikube delete`` after a failed or interrupted create)."""
        pid = self._pid()
        if pid is not None:
            self._quit(pid)
        self._stop_virtiofsds()
        self._remove_files()


def unwritable(directory: Path) -> str:
    """Why ``directory`` cannot be made and written ("" when it can): the nearest path on the way
    that exists must be a directory this process may write."""
    existing = directory
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a directory"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable by this user"
    return ""


def new_driver() -> QEMUDriver:
    """DriverDef.init: an empty driver, configured next by set_config_raw."""
    return QEMUDriver()
