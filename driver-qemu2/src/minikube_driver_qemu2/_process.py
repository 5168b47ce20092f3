"""The QEMU process of one machine: launching it daemonized, and knowing it again from its pidfile.

A pidfile is believed only when the process it names is alive, is ours to signal, and was started
with that very pidfile on its command line: a pid that was reused by an unrelated process (after
a reboot, or a QEMU killed long ago) is recognised as stale, as is a file that holds no pid.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from minikube import DriverError

log = logging.getLogger("minikube_driver_qemu2")

#: Seconds QEMU may take to daemonize (its parent returns once the child has set everything up).
LAUNCH_TIMEOUT = 60.0
#: Lines and characters of QEMU's stderr kept for a one-line error.
TAIL_LINES = 3
TAIL_CHARS = 400


def read_pid(pidfile: Path) -> int | None:
    """The pid in the file, or None when there is no file or it holds no pid (corrupt)."""
    try:
        text = pidfile.read_text(errors="replace").strip()
    except FileNotFoundError:
        return None
    except OSError as e:
        log.info("cannot read %s: %s", pidfile, e)
        return None
    try:
        pid = int(text.split()[0]) if text else 0
    except ValueError:
        pid = 0
    if pid <= 1:
        log.info("%s is corrupt (%r): ignored", pidfile, text[:40])
        return None
    return pid


def _command_line(pid: int) -> list[str] | None:
    """The process's argv, or None when it is gone (or a zombie)."""
    if sys.platform.startswith("linux"):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            if stat.rpartition(")")[2].split()[:1] == ["Z"]:
                return None
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        return [a.decode(errors="replace") for a in raw.split(b"\0") if a]
    try:
        out = subprocess.run(["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True,
                             timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return [out] if out else None  # one string: ps does not say where arguments with spaces end


def owns(pid: int, pidfile: Path) -> bool:
    """Whether ``pid`` is a live QEMU of ours that was started with ``pidfile``."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # another user's process: not a QEMU we started
    argv = _command_line(pid)
    if not argv:
        return False
    want = str(pidfile)
    if len(argv) == 1:  # the whole command line as one string (macOS's ps)
        line = f" {argv[0]} "
        return f" {want} " in line and "qemu-system" in line.split(" -", 1)[0]
    return any(a == want for a in argv) and "qemu" in Path(argv[0]).name


def running_pid(pidfile: Path) -> int | None:
    """The machine's live QEMU, or None; a stale pidfile is removed."""
    pid = read_pid(pidfile)
    if pid is not None and owns(pid, pidfile):
        return pid
    if pidfile.exists():
        log.info("stale pidfile %s (pid %s is not this machine's QEMU): removed", pidfile, pid)
        pidfile.unlink(missing_ok=True)
    return None


def tail(text: str, lines: int = TAIL_LINES, chars: int = TAIL_CHARS) -> str:
    """The last few non-empty lines of ``text``, as one line."""
    kept = [" ".join(line.split()) for line in text.splitlines() if line.strip()][-lines:]
    one = " | ".join(kept)
    return one if len(one) <= chars else "..." + one[-chars:]


class LaunchError(DriverError):
    """QEMU exited instead of daemonizing; ``stderr`` is what it said."""

    def __init__(self, message: str, stderr: str, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.stderr = stderr


def launch(argv: list[str], cwd: Path, name: str) -> None:
    """Run QEMU with ``-daemonize``: it returns once the VM is set up (pidfile and QMP socket in
    place), or fails with its stderr."""
    log.info("starting QEMU: %s", " ".join(argv))
    try:
        proc = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, errors="replace", timeout=LAUNCH_TIMEOUT,
                              start_new_session=True)
    except FileNotFoundError:
        raise DriverError(f"{argv[0]} not found", reason_id="PR_QEMU_EXITED") from None
    except subprocess.TimeoutExpired as e:
        raise LaunchError(f'QEMU did not finish starting "{name}" within {LAUNCH_TIMEOUT:g}s',
                          str(e.stderr or ""), reason_id="PR_QEMU_EXITED") from None
    err = (proc.stderr or "") + (proc.stdout or "")
    if proc.returncode != 0:
        raise LaunchError(f'QEMU exited at start of "{name}" (status {proc.returncode}): '
                          f"{tail(err) or 'no message'}", err, reason_id="PR_QEMU_EXITED")
    if err.strip():
        log.info("QEMU said: %s", tail(err))


def signal_pid(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def wait_gone(pid: int, pidfile: Path, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while owns(pid, pidfile):
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


def kill_hard(pid: int, pidfile: Path, timeout: float = 10.0) -> None:
    """SIGKILL, and wait until the process is gone."""
    if owns(pid, pidfile):
        signal_pid(pid, signal.SIGKILL)
    if not wait_gone(pid, pidfile, timeout):
        raise DriverError(f"QEMU (pid {pid}) survived SIGKILL for {timeout:g}s", reason_id="GUEST_STOP")
