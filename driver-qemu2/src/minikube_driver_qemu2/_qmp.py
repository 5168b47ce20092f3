"""QMP, through the QEMU project's own library (``qemu.qmp``): one short session per request.

The monitor socket is ``monitor`` in the machine directory.  A Unix socket path is limited to
about 104-108 bytes, and a deep ``MINIKUBE_HOME`` exceeds that: the socket is then reached through
a short name for the directory (``/proc/self/fd/N`` on Linux, a temporary symlink elsewhere).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from minikube.machine import State

#: Seconds one QMP request may take (connect, greeting, negotiation, command).
TIMEOUT = 5.0
MAX_SUN_PATH = 100

#: QEMU's RunState -> libmachine's state.  Anything else is Error, never None: None would tell
#: minikube that the machine does not exist.
STATES = {
    "running": State.RUNNING,
    "paused": State.PAUSED,
    "suspended": State.PAUSED,
    "shutdown": State.STOPPED,
    "prelaunch": State.STARTING,
    "inmigrate": State.STARTING,
    "restore-vm": State.STARTING,
    "save-vm": State.SAVED,
}


class QMPUnavailable(Exception):
    """The monitor cannot be reached (no socket, refused, no greeting in time)."""


class QMPCommandError(Exception):
    """QEMU answered the command with an error."""


def machine_state(status: str) -> State:
    return STATES.get(status, State.ERROR)


def _connect(sock_path: Path, timeout: float) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    path = str(sock_path)
    tmp: str | None = None
    dirfd: int | None = None
    try:
        if len(path.encode()) >= MAX_SUN_PATH:
            if sys.platform.startswith("linux"):
                dirfd = os.open(sock_path.parent, os.O_RDONLY | os.O_DIRECTORY)
                path = f"/proc/self/fd/{dirfd}/{sock_path.name}"
            else:
                tmp = tempfile.mkdtemp(prefix="mkq")
                os.symlink(sock_path.parent, os.path.join(tmp, "m"))
                path = os.path.join(tmp, "m", sock_path.name)
        s.connect(path)
    except OSError as e:
        s.close()
        raise QMPUnavailable(f"{sock_path}: {e.strerror or e}") from None
    finally:
        if dirfd is not None:
            os.close(dirfd)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    s.setblocking(False)
    return s


async def _execute(sock_path: Path, command: str, args: dict[str, Any] | None, timeout: float) -> Any:
    from qemu.qmp import ConnectError, ExecInterruptedError, ExecuteError, QMPClient

    client = QMPClient("minikube")
    sock = _connect(sock_path, timeout)
    try:
        try:
            await asyncio.wait_for(client.connect(sock), timeout)
        except (ConnectError, asyncio.TimeoutError, OSError, EOFError) as e:
            raise QMPUnavailable(f"{sock_path}: {e}") from None
        try:
            return await asyncio.wait_for(client.execute(command, args), timeout)
        except ExecuteError as e:
            raise QMPCommandError(f"{command}: {e.error.error.desc}") from None
        except (ExecInterruptedError, EOFError, ConnectionError, asyncio.TimeoutError) as e:
            if command == "quit":  # QEMU may close the connection as it quits, before or after replying
                return {}
            raise QMPUnavailable(f"{sock_path}: {command}: {type(e).__name__} {e}") from None
    finally:
        try:
            await asyncio.wait_for(client.disconnect(), timeout)
        except Exception:  # noqa: BLE001 - the session is over either way
            pass
        sock.close()


def execute(sock_path: Path, command: str, args: dict[str, Any] | None = None, *, timeout: float = TIMEOUT) -> Any:
    """Run one QMP command and return its ``return`` value."""
    import logging

    logging.getLogger("qemu.qmp").setLevel(logging.CRITICAL)  # its own errors are raised as ours
    return asyncio.run(_execute(sock_path, command, args, timeout))


def query_status(sock_path: Path, *, timeout: float = TIMEOUT) -> State:
    reply = execute(sock_path, "query-status", timeout=timeout)
    return machine_state(str(reply.get("status", "")) if isinstance(reply, dict) else "")
