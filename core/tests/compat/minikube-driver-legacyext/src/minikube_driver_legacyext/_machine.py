"""The stand-in "virtual machine": a local process, started and stopped like a VM.

Its directory holds the definition (``machine.json``), the pid, a lock the process holds for
as long as it lives, and its console log.  Running is "the lock is held" (so a dead process,
even an unreaped zombie, is never Running) and "it has finished booting"; the pid is only used
to signal it.  Replace this module with calls to your hypervisor.

Run as ``python -m minikube_driver_legacyext._machine <dir> <boot delay>``, it *is* the machine.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from minikube import DriverError
from minikube.machine import State, wait_for


class LocalMachine:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.definition = self.directory / "machine.json"
        self.pid_file = self.directory / "machine.pid"
        self.lock_file = self.directory / "machine.lock"
        self.ready_file = self.directory / "machine.ready"
        self.console = self.directory / "console.log"

    def exists(self) -> bool:
        return self.definition.is_file()

    def define(self, spec: dict[str, object]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.definition.with_suffix(".tmp")
        tmp.write_text(json.dumps(spec, indent=4))
        os.replace(tmp, self.definition)

    # --- state -----------------------------------------------------------------------------------

    def _alive(self) -> bool:
        """Someone holds the lock: the machine process is alive."""
        try:
            fd = os.open(self.lock_file, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing releases our shared lock, if we got it
        return False

    def _pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text())
        except (OSError, ValueError):
            return None

    def _reap(self) -> None:
        """If we started the machine in this process, collect its exit status (no zombies)."""
        pid = self._pid()
        if pid is not None:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass

    def state(self) -> State:
        if not self.exists():
            return State.NONE
        self._reap()
        if not self._alive():
            return State.STOPPED
        return State.RUNNING if self.ready_file.exists() else State.STARTING

    # --- operations ------------------------------------------------------------------------------

    def boot(self, boot_delay: float = 0) -> None:
        """Start the machine process in its own session, so it outlives minikube's command."""
        self.ready_file.unlink(missing_ok=True)
        argv = [sys.executable, "-m", __name__, str(self.directory), str(boot_delay)]
        with open(self.console, "ab") as log:
            pid = os.posix_spawn(sys.executable, argv, dict(os.environ), setsid=True, file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, log.fileno(), 1),
                (os.POSIX_SPAWN_DUP2, log.fileno(), 2),
            ])
        self.pid_file.write_text(str(pid))

        def up() -> bool:
            if self._alive():
                return True
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done:
                tail = self.console.read_text(errors="replace").strip().splitlines()[-3:]
                raise DriverError(f"the machine process exited at boot ({status}): {' | '.join(tail)}",
                                  reason_id="GUEST_START")
            return False

        wait_for(up, timeout=30.0, interval=0.05, what="the machine process to start")

    def _signal(self, sig: signal.Signals) -> None:
        pid = self._pid()
        if pid is not None and self._alive():  # never signal a pid that is no longer ours
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def _wait_down(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._reap()
            if not self._alive():
                return True
            time.sleep(0.05)
        return False

    def shutdown(self, grace: float = 30.0) -> None:
        """Ask it to stop (a real driver: ACPI shutdown), then force it after ``grace`` seconds."""
        self._signal(signal.SIGTERM)
        if not self._wait_down(grace):
            self.kill()

    def kill(self) -> None:
        self._signal(signal.SIGKILL)
        if not self._wait_down(10.0):
            raise DriverError(f"the machine process {self._pid()} did not die", reason_id="GUEST_STOP")

    def destroy(self) -> None:
        if self.exists():
            self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


def main(argv: list[str]) -> int:
    """The machine process: hold the lock for life, 'boot', then wait for a signal."""
    directory, boot_delay = Path(argv[0]), float(argv[1])
    lock = open(directory / "machine.lock", "a")  # noqa: SIM115 - held until the process ends
    for _ in range(100):  # a state check may hold a shared lock for an instant
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            time.sleep(0.02)
    else:
        print(f"another machine is running in {directory}", flush=True)
        return 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"booting (pid {os.getpid()})", flush=True)
    ready = directory / "machine.ready"
    try:
        time.sleep(boot_delay)
        ready.write_text(str(os.getpid()))
        print("running", flush=True)
        while True:
            signal.pause()
    finally:
        ready.unlink(missing_ok=True)
        print("stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
