"""The PIDs of a profile's ``minikube mount`` processes, in ``profiles/<p>/.mount-process`` (minikube's
file): each adds itself while it runs; ``mount --kill`` and ``delete`` stop them all."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from .. import localpath
from .._errors import MinikubeError
from .._files import write_atomic

PID_FILE = ".mount-process"


def pid_file(name: str) -> Path:
    return localpath.profile_dir(name) / PID_FILE


def _pids(path: Path) -> list[int]:
    try:
        return [int(w) for w in path.read_text().split() if w.isdigit()]
    except OSError:
        return []


def add_pid(name: str) -> None:
    path = pid_file(name)
    write_atomic(path, " ".join(str(p) for p in [*_pids(path), os.getpid()]) + "\n")


def remove_pid(name: str) -> None:
    path = pid_file(name)
    rest = [p for p in _pids(path) if p != os.getpid()]
    if rest:
        write_atomic(path, " ".join(map(str, rest)) + "\n")
    else:
        path.unlink(missing_ok=True)


def kill_mount_processes(name: str) -> int:
    """SIGTERM to the profile's ``minikube mount`` processes (each unmounts and exits); how many."""
    path = pid_file(name)
    killed = 0
    for pid in _pids(path):
        try:
            os.kill(pid, signal.SIGTERM)
            killed += 1
        except ProcessLookupError:
            continue
        except PermissionError as e:
            raise MinikubeError(f"cannot stop mount process {pid}: {e}", reason_id="HOST_KILL_MOUNT_PROC") from None
    path.unlink(missing_ok=True)
    return killed
