"""Shared folders: ``start --mount-string`` and ``minikube mount`` (minikube's ``cmd/mount.go``).

The driver exposes a share as a device with a tag; this module mounts it in the guest over SSH
(after create, and again after every start: a reboot forgets mounts) and, for ``minikube mount``,
asks the driver to add the device to the running machine for as long as the command runs.
"""

from __future__ import annotations

import logging
import signal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .._errors import MinikubeError, UsageError
from ..machine import Share, parse_mount_string
from ..registry import MOUNT_KINDS, Registry, require
from . import _ui
from ._mount_pids import add_pid, remove_pid

if TYPE_CHECKING:
    from ..machine import Machines, MachineSession

log = logging.getLogger("minikube.cli")

#: Seconds a booted guest gets to answer SSH before its mounts are given up on.
SSH_WAIT_S = 90.0


@dataclass
class MountRequest:
    """The mount flags as given (start's ``--mount-*``, mount's ``--type`` and friends)."""

    string: str = ""
    kind: str | None = None
    version: str = "9p2000.L"
    uid: str = "docker"
    gid: str = "docker"
    msize: int = 262144
    options: list[str] = field(default_factory=list)
    ip: str = ""
    port: int = 0

    def check(self) -> None:
        """What can be checked before a driver is chosen: the kind, the numbers, the paths."""
        if self.kind is not None and self.kind not in MOUNT_KINDS:
            raise UsageError(f'unknown mount type "{self.kind}" (one of: {", ".join(MOUNT_KINDS)})',
                             fix="Use --mount-type virtiofs or --mount-type 9p")
        if self.msize <= 0:
            raise UsageError(f"the 9p msize must be a positive number of bytes, not {self.msize}",
                             fix="Leave it out for minikube's 262144, or give e.g. --mount-msize 524288")
        if not 0 <= self.port <= 65535:
            raise UsageError(f"the mount port must be a port number (0 = any), not {self.port}",
                             fix="Leave it out: shared folders here need no port")
        if self.ip or self.port:
            _ui.warn("--mount-ip and --mount-port are ignored: the share is a virtio device of the VM, "
                     "not minikube's 9p server over TCP")
        if self.string:
            self.share("9p")  # paths and options, before anything is made

    def share(self, kind: str) -> Share:
        return parse_mount_string(self.string, kind, options=self.options, version=self.version,
                                  msize=self.msize, uid=self.uid, gid=self.gid)

    def share_for(self, reg: Registry, driver: str) -> Share:
        """The share for ``driver``: the kind asked for, or the first one the driver declares
        (its preferred); a kind it does not declare is MK_USAGE."""
        kinds = reg.capabilities(driver).mounts
        kind = self.kind or (kinds[0] if kinds else "9p")
        require(driver, reg.capabilities(driver), mounts=kind)
        if kind == "9p" and "virtiofs" in kinds:  # the one kind here that cannot map owners: said, once
            _ui.warn("a 9p share shows the host's owners in the guest (--mount-uid/--mount-gid name only the "
                     "owner 9p leaves unset); for a folder the guest user owns, use --mount-type virtiofs")
        return self.share(kind)


def mount_in_guest(session: MachineSession, shares: tuple[Share, ...] | list[Share], *, ready: bool = False) -> None:
    """Mount each share in the running guest (``sudo mkdir -p DST && sudo mount ...``); unless
    ``ready`` (``start`` waited for SSH already), first wait for the guest to answer SSH."""
    if not shares:
        return
    from ..machine import run_over_ssh

    if not ready:
        try:
            session.wait_until_ready(timeout=SSH_WAIT_S)
        except MinikubeError as e:
            if e.reason_id not in ("IF_SSH_TIMEOUT", "IF_SSH_AUTH"):
                raise
            raise MinikubeError(f"cannot mount shared folders: {e.message}", reason_id="GUEST_MOUNT_COULD_NOT_CONNECT",
                                fix=f"Check it with: minikube status -p {session.name}; then run: minikube start -p "
                                    f"{session.name}") from None
    target = session.ssh_target()
    for share in shares:
        _ui.info(f"* Creating mount {share.spec} ...")
        proc = run_over_ssh(target, share.mount_command())
        if proc.returncode != 0:
            said = (proc.stderr.strip() or proc.stdout.strip() or f"exit status {proc.returncode}").splitlines()[-1]
            raise MinikubeError(f"mount {share.spec} in the guest failed: {said}", reason_id="GUEST_MOUNT",
                                fix=f"Check the guest with: minikube ssh -p {session.name}; the guest needs sudo and "
                                    f"{share.kind} support")
        log.info("mounted %s (%s, tag %s)", share.spec, share.kind, share.tag)


# --- minikube mount --------------------------------------------------------------------------

def run_mount(profile: str | None, spec: str, request: MountRequest, kill: bool) -> None:
    from ._lookup import existing
    from ._settings import profile_name

    if kill:
        from ._mount_pids import kill_mount_processes

        killed = kill_mount_processes(profile_name(profile))
        _ui.info(f"* Killed {killed} mount process(es)." if killed else "* No mount processes to kill.")
        return
    if not spec:
        raise UsageError("minikube mount needs SRC:DST", fix="Run: minikube mount /host/dir:/guest/dir")
    request.string = spec
    request.check()
    name, machines = existing(profile)
    reg = Registry()
    dname = machines.load(name).driver_name
    share = request.share_for(reg, dname)
    with machines.session(name) as s:
        s.ip()  # a stopped machine: GUEST_NOT_RUNNING
        try:
            s.driver.attach_share(share)
        except NotImplementedError as e:
            log.info("%s", e)  # the driver's own words (-v 1)
            raise MinikubeError(f"The {dname} driver cannot add a shared folder to a running machine",
                                reason_id="GUEST_MOUNT",
                                fix=f"Make the machine with it: minikube delete -p {name} && minikube start -p {name} "
                                    f"--driver {dname} --mount-string {share.spec}") from None
    add_pid(name)
    stop = _StopSignals()
    try:
        with machines.session(name, lock=False) as s:
            mount_in_guest(s, [share])
        _ui.info(f"* Successfully mounted {share.host_path} to {share.guest_path}")
        _ui.info("* NOTE: This process must stay alive for the mount to be accessible ...")
        stop.wait()
    finally:
        stop.restore()
        _ui.info(f"* Unmounting {share.guest_path} ...")
        _take_down(machines, name, share)
        remove_pid(name)
    raise MinikubeError(f"{spec}: unmounted ({stop.why})", reason_id="MK_INTERRUPTED")


def _take_down(machines: Machines, name: str, share: Share) -> None:
    """Unmount in the guest, then take the device away; a machine stopped meanwhile has neither."""
    from ..machine import State, run_over_ssh

    try:
        with machines.session(name) as s:
            if s.state() != State.RUNNING:
                return
            run_over_ssh(s.ssh_target(), share.unmount_command(), timeout=30)
            s.driver.detach_share(share)
    except (MinikubeError, NotImplementedError) as e:
        _ui.warn(f"could not take the shared folder away: {e}")


class _StopSignals:
    """Ctrl-C, SIGTERM (``minikube mount --kill``, ``minikube delete``) and SIGHUP end the wait."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.why = ""
        self.old = {s: signal.signal(s, self._stop) for s in self.SIGNALS}

    def _stop(self, signum: int, _frame: object) -> None:
        self.why = signal.Signals(signum).name
        raise KeyboardInterrupt

    def wait(self) -> None:
        try:
            while True:
                signal.pause()
        except KeyboardInterrupt:
            self.why = self.why or "SIGINT"

    def restore(self) -> None:
        for s, old in self.old.items():
            signal.signal(s, old)
