"""SSH "guests" for the kit's own tests: asyncssh servers on 127.0.0.1 that play a VM's sshd.

A guest authorizes the machine's public key (``<machine dir>/id_rsa.pub``, made with
``minikube.machine.generate_ssh_key``) and runs each command with ``/bin/sh -c``, so the real
OpenSSH client that minikube runs logs in and runs it.  Its port is bound from the moment the
machine boots, so connections are refused (not sent elsewhere) until the guest listens, which is at
once or ``delay`` seconds after the boot (a guest whose sshd comes up after ``start()`` returned).
Only loopback is ever bound or dialled.

Modes: ``ok``; ``none`` (no sshd: its port refuses every connection); ``wrong-key`` (answers, but
authorizes another key than the machine's); ``once`` (answers one session, then its sshd is gone:
a guest that restarts or reboots after its first login).

``SSHGuestDriver`` is a fake driver whose machine is such a guest: it reports 127.0.0.1 and the
guest's port, boots the guest in ``start()`` and halts it in ``stop()``, ``kill()`` and
``remove()``.  The guests of a test live in one :class:`Guests` (one event loop in a thread); the
driver finds it through :func:`use`.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncssh
from minikube.machine import generate_ssh_key, json_field
from minikube.testing import FakeDriver

T = TypeVar("T")
LOOPBACK = "127.0.0.1"
MODES = ("ok", "none", "wrong-key", "once")


@dataclass
class _Guest:
    sock: socket.socket
    server: asyncssh.SSHAcceptor | None = None
    timer: asyncio.TimerHandle | None = None
    sessions: int = 0


@dataclass
class Guests:
    """Every guest of one test, served by one event loop in a daemon thread."""

    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    guests: dict[int, _Guest] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self.loop.run_forever, name="ssh-guests", daemon=True)
        self.thread.start()
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def boot(self, port: int, key: Path, *, delay: float = 0.0, mode: str = "ok") -> int:
        """Bind ``127.0.0.1:port`` (0: any free port) now and serve SSH on it now or after ``delay``;
        returns the port."""
        return self._call(self._boot(port, key, delay, mode))

    def halt(self, port: int) -> None:
        """The guest on ``port`` is gone: its listener closed, its port free (refused) again."""
        self._call(self._halt(port))

    def close(self) -> None:
        for port in list(self.guests):
            self.halt(port)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        self.loop.close()

    async def _boot(self, port: int, key: Path, delay: float, mode: str) -> int:
        await self._halt(port)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, port))  # bound but not listening: connections are refused until sshd is up
        port = sock.getsockname()[1]
        guest = self.guests[port] = _Guest(sock)
        authorized = asyncssh.import_authorized_keys(
            key.read_text() if mode != "wrong-key"
            else asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode())

        async def listen() -> None:
            guest.timer = None
            guest.server = await asyncssh.listen(sock=sock, server_host_keys=[self.host_key],
                                                 authorized_client_keys=authorized,
                                                 process_factory=lambda p: self._run(p, port, mode))

        if mode == "none":
            pass
        elif delay > 0:
            guest.timer = self.loop.call_later(delay, lambda: self.loop.create_task(listen()))
        else:
            await listen()
        return port

    async def _halt(self, port: int) -> None:
        guest = self.guests.pop(port, None)
        if guest is None:
            return
        if guest.timer is not None:
            guest.timer.cancel()
        if guest.server is not None:
            guest.server.close()
            await guest.server.wait_closed()
        guest.sock.close()

    async def _run(self, process: asyncssh.SSHServerProcess[str], port: int, mode: str) -> None:
        proc = await asyncio.create_subprocess_shell(
            process.command or "exit 0", stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate()
        process.stdout.write(out.decode(errors="replace"))
        process.stderr.write(err.decode(errors="replace"))
        process.exit(proc.returncode or 0)
        if mode == "once":
            await self._halt(port)


_CURRENT: list[Guests] = []


def use(guests: Guests | None) -> None:
    """Make ``guests`` the one :class:`SSHGuestDriver` machines boot in (None: none)."""
    _CURRENT[:] = [guests] if guests is not None else []


def current() -> Guests:
    if not _CURRENT:
        raise RuntimeError("no SSH guests: use the ssh_guests fixture")
    return _CURRENT[0]


@dataclass
class SSHGuestDriver(FakeDriver):
    """A fake whose machine answers real SSH on 127.0.0.1 while it runs."""

    boot_delay: float = json_field("GuestBootDelay", 0.0)
    mode: str = json_field("GuestMode", "ok")
    #: ``mode`` holds from this boot on (1: the first boot; 2: from the start after a stop), ``ok`` before.
    mode_from_boot: int = json_field("GuestModeFromBoot", 1)
    boots: int = json_field("GuestBoots", 0)

    def _ip(self) -> str:
        return LOOPBACK

    def create(self) -> None:
        generate_ssh_key(self.get_ssh_key_path())
        super().create()

    def start(self) -> None:
        super().start()
        self.boots += 1
        mode = self.mode if self.boots >= self.mode_from_boot else "ok"
        self.ssh_port = current().boot(self.ssh_port, Path(self.get_ssh_key_path() + ".pub"),
                                       delay=self.boot_delay, mode=mode)

    def stop(self) -> None:
        super().stop()
        current().halt(self.ssh_port)

    def kill(self) -> None:
        super().kill()
        current().halt(self.ssh_port)

    def remove(self) -> None:
        if self.ssh_port and _CURRENT:
            current().halt(self.ssh_port)
        super().remove()
