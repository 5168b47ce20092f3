"""virtiofsd, the process that serves a virtiofs share's files to QEMU, run as the calling user.

One per virtiofs share, started before QEMU (QEMU connects to its socket while it starts) and
stopped after QEMU exits (it also exits by itself when QEMU hangs up).  The listening socket is
made here and handed to virtiofsd as ``--fd``: QEMU can connect the moment virtiofsd is started
(no waiting for a socket file to appear), the path may be as deep as ``MINIKUBE_HOME`` is (bound
through ``/proc/self/fd`` like the QMP socket), and the C virtiofsd then takes no lock file in
``/var/run/virtiofsd`` (which only root may create).

Two virtiofsds exist, told apart by ``--version``: the **Rust** one (``/usr/libexec/virtiofsd``,
the only one since QEMU 8.0), run with ``--sandbox none`` by an ordinary user, and **QEMU's C**
one (``/usr/lib/qemu/virtiofsd``, QEMU <= 7.2), which wants root's powers.

Either runs in the core's one-id user namespace (``minikube.machine.userns_argv``): the user
running minikube is the only host id it knows, seen as the share's guest owner (``docker``'s
1000:1000, or ``--mount-uid/--mount-gid``), with the namespace's capabilities.  So the guest user
sees the user's files (a 0700 folder too) as its own, what it makes is the user's on the host,
and guest root, unmapped, can neither make files nor ``chown`` anything to another owner.  An
ordinary user needs subordinate ids for the outer namespace that clears its supplementary groups
(``unshare --map-users=auto``, through ``newuidmap``/``newgidmap``); root needs nothing more.
"""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from minikube import MinikubeError

from . import _process

log = logging.getLogger("minikube_driver_qemu2")

PIDFILE = "virtiofsd-{}.pid"
LOG = "virtiofsd-{}.log"
#: After QEMU exits, virtiofsd follows within this long; then SIGTERM, then SIGKILL.
EXIT_GRACE = 3.0
TERM_TIMEOUT = 5.0
#: Subordinate ids an ordinary user needs (the outer namespace maps them, as ``--map-users=auto``).
SUBID_COUNT = 65536
SUBID_FILES = ("/etc/subuid", "/etc/subgid")
MAX_SUN_PATH = 100


def unsupported(message: str, fix: str) -> MinikubeError:
    return MinikubeError(message, reason_id="HOST_UNSUPPORTED", fix=fix)


FALLBACK_9P = "or use --mount-type 9p (QEMU serves it itself: nothing to install)"


@dataclass(frozen=True)
class Virtiofsd:
    """A virtiofsd found on this host, and which of the two it is."""

    path: str
    rust: bool
    version: str = ""

    def argv(self, fd: int, source: str, owner: tuple[int, int]) -> list[str]:
        """The command that serves ``source`` on the listening socket ``fd``, the user's files
        seen as ``owner`` (guest uid, gid) and no other host id known."""
        from minikube.machine import userns_argv

        if self.rust:
            sandbox = [] if os.geteuid() == 0 else ["--sandbox=none"]
            own = [self.path, f"--fd={fd}", f"--shared-dir={source}", *sandbox]
        else:  # -o takes a comma-separated list: a share's path has no comma (checked when it is made)
            own = [self.path, f"--fd={fd}", "-o", f"source={source}"]
        return [*userns_argv(owner), *own]


def identify(path: str) -> Virtiofsd:
    """Which virtiofsd ``path`` is: QEMU's C one says "virtiofsd version X (...)" and names the
    QEMU project and the FUSE interface (run by an ordinary user it says only that
    ``setgroups()`` failed); the Rust one says "virtiofsd X.Y.Z"."""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10,
                             stdin=subprocess.DEVNULL)
        text = out.stdout + out.stderr
    except (OSError, subprocess.SubprocessError):
        text = ""
    first = text.strip().splitlines()[0] if text.strip() else ""
    c = any(w in text for w in ("QEMU", "FUSE kernel interface", "setgroups")) or first.startswith("virtiofsd version")
    return Virtiofsd(path, rust=not c, version="" if "setgroups" in first else first)


def find() -> Virtiofsd:
    """The host's virtiofsd (the core's ``find_virtiofsd``: ``MINIKUBE_VIRTIOFSD``, PATH, the
    packages' places), or HOST_UNSUPPORTED; which kind it is, from its ``--version``."""
    from minikube.machine import find_virtiofsd

    return identify(find_virtiofsd())


def check_host(owners: tuple[tuple[int, int], ...] = ((1000, 1000),)) -> Virtiofsd:
    """Everything virtiofs needs here, before anything is made: the virtiofsd, and the user
    namespace it runs in for each guest owner (tried for real, with its ``--version``)."""
    if not sys.platform.startswith("linux"):
        raise unsupported(f"virtiofs shared folders need a Linux host (vhost-user); this is {sys.platform}",
                          "Use --mount-type 9p")
    v = find()
    user = pwd.getpwuid(os.getuid()).pw_name
    for owner in dict.fromkeys(owners):
        problem = probe_userns(v, owner)
        if problem is not None:
            raise userns_problem(v, user, problem)
    return v


def probe_userns(v: Virtiofsd, owner: tuple[int, int]) -> str | None:
    """Run the virtiofsd's ``--version`` inside its user namespace: None when it works, else why."""
    from minikube.machine import userns_failure

    return userns_failure(owner, [v.path, "--version"])


def userns_problem(v: Virtiofsd, user: str, probe: str) -> MinikubeError:
    """Why the virtiofsd cannot run in its user namespace here, with the fix for that cause (an
    ordinary user's namespace also needs ``newuidmap``/``newgidmap`` and subordinate ids)."""
    intro = f"{v.path} ({v.version or 'virtiofsd'}) runs as {user} in a user namespace"
    if shutil.which("unshare") is None:
        return unsupported(f"{intro}, which needs unshare", f"Install util-linux (>= 2.38), {FALLBACK_9P}")
    missing = [t for t in ("newuidmap", "newgidmap") if shutil.which(t) is None and os.geteuid() != 0]
    if missing:
        return unsupported(f"{intro}, which needs {' and '.join(missing)}",
                           f"Install them: sudo apt-get install uidmap (Fedora: shadow-utils), {FALLBACK_9P}")
    lacking = [f for f in SUBID_FILES if os.geteuid() != 0 and not has_subids(f, user, os.getuid())]
    if lacking:
        return unsupported(f"{intro}, which needs subordinate ids for {user} ({SUBID_COUNT} of them) in "
                           f"{' and '.join(lacking)}",
                           f"Give {user} a range: sudo usermod --add-subuids 100000-165535 --add-subgids "
                           f"100000-165535 {user}, {FALLBACK_9P}")
    if "unrecognized option" in probe or "map-users" in probe:
        return unsupported(f"{intro}, which needs util-linux >= 2.38 (unshare --map-users): {probe}",
                           f"Upgrade util-linux, {FALLBACK_9P}")
    return unsupported(f"{intro}, and that fails here: {probe}",
                       "Allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu "
                       f"kernel.apparmor_restrict_unprivileged_userns=0), {FALLBACK_9P}")


def has_subids(path: str, user: str, uid: int, need: int = SUBID_COUNT) -> bool:
    """Whether ``path`` (/etc/subuid or /etc/subgid) gives the user (by name or uid) a range of at
    least ``need`` ids."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return False
    for line in lines:
        parts = line.strip().split(":")
        if len(parts) == 3 and parts[0] in (user, str(uid)):
            try:
                if int(parts[2]) >= need:
                    return True
            except ValueError:
                continue
    return False


# --- the processes -------------------------------------------------------------------------

#: The virtiofsds this process started (pid -> process, source): one that exited is reaped (not
#: left a zombie), and one not yet through exec (its command line still Python's) is known.
_children: dict[int, tuple[subprocess.Popen[bytes], str]] = {}


def _listen(path: Path) -> socket.socket:
    """A listening Unix socket at ``path``, however long the path is (through the directory's
    ``/proc/self/fd`` entry when it is too long to bind directly)."""
    path.unlink(missing_ok=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        if len(str(path).encode()) < MAX_SUN_PATH or not sys.platform.startswith("linux"):
            s.bind(str(path))
        else:
            dirfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                s.bind(f"/proc/self/fd/{dirfd}/{path.name}")
            finally:
                os.close(dirfd)
        s.listen(1)
    except BaseException:
        s.close()
        raise
    return s


def start(v: Virtiofsd, machine_dir: Path, index: int, source: str, socket_name: str,
          owner: tuple[int, int] = (1000, 1000)) -> int:
    """Start the virtiofsd of share ``index`` (its pid is also written to its pidfile)."""
    sock = _listen(machine_dir / socket_name)
    try:
        fd = sock.fileno()
        argv = v.argv(fd, source, owner)
        log.info("starting virtiofsd: %s", " ".join(argv))
        with open(machine_dir / LOG.format(index), "wb") as out:
            p = subprocess.Popen(argv, cwd=machine_dir, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                 pass_fds=(fd,), start_new_session=True)
    finally:
        sock.close()  # virtiofsd holds it now
    _children[p.pid] = (p, source)
    (machine_dir / PIDFILE.format(index)).write_text(f"{p.pid}\n")
    return p.pid


def owns(pid: int, source: str) -> bool:
    """Whether ``pid`` is a live virtiofsd of ours serving ``source`` (or the ``unshare`` or
    ``setpriv`` that is about to become one)."""
    child = _children.get(pid)
    if child is not None:
        if child[0].poll() is None:
            return child[1] == source
        del _children[pid]  # reaped
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    argv = _process._command_line(pid)
    if not argv:
        return False
    if len(argv) == 1:  # macOS's ps: one string
        return "virtiofsd" in argv[0] and source in argv[0]
    return (Path(argv[0]).name in ("virtiofsd", "unshare", "setpriv") and any("virtiofsd" in a for a in argv)
            and any(a.endswith(source) for a in argv))


def running(machine_dir: Path, index: int, source: str) -> int | None:
    """The share's live virtiofsd, or None (a stale pidfile is removed)."""
    pidfile = machine_dir / PIDFILE.format(index)
    pid = _process.read_pid(pidfile)
    if pid is not None and owns(pid, source):
        return pid
    pidfile.unlink(missing_ok=True)
    return None


def stop(machine_dir: Path, index: int, source: str, socket_name: str, grace: float = EXIT_GRACE) -> None:
    """Let the share's virtiofsd exit (it does once QEMU hangs up), else SIGTERM, then SIGKILL."""
    pid = running(machine_dir, index, source)
    if pid is not None:
        for sig, wait in ((None, grace), (signal.SIGTERM, TERM_TIMEOUT), (signal.SIGKILL, TERM_TIMEOUT)):
            if sig is not None:
                log.info("virtiofsd %d of share %d is still here: %s", pid, index, signal.Signals(sig).name)
                _process.signal_pid(pid, sig)
            deadline = time.monotonic() + wait
            while owns(pid, source) and time.monotonic() < deadline:
                time.sleep(0.05)
            if not owns(pid, source):
                break
    (machine_dir / PIDFILE.format(index)).unlink(missing_ok=True)
    (machine_dir / socket_name).unlink(missing_ok=True)


def log_tail(machine_dir: Path, index: int) -> str:
    try:
        return _process.tail((machine_dir / LOG.format(index)).read_text(errors="replace"))
    except OSError:
        return ""
