"""Loopback ports for QEMU's user-mode forwards: free ones chosen by the kernel, and whether a
saved one is still free."""

from __future__ import annotations

import socket
from collections.abc import Iterable

from minikube import DriverError

HOST = "127.0.0.1"


def is_free(port: int, host: str = HOST) -> bool:
    """Whether ``host:port`` can be bound now (as QEMU will bind it, with SO_REUSEADDR)."""
    if not 0 < port < 65536:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_ports(count: int, *, avoid: Iterable[int] = (), host: str = HOST) -> list[int]:
    """``count`` distinct free ports: each bound to port 0 (the kernel picks), all held until every
    one is known, so two picks can never be the same port."""
    held: list[socket.socket] = []
    avoid = set(avoid)
    ports: list[int] = []
    try:
        for _ in range(count + 64):
            if len(ports) == count:
                break
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.append(s)
            try:
                s.bind((host, 0))
            except OSError as e:
                raise DriverError(f"no free TCP port on {host}: {e.strerror or e}", reason_id="PR_QEMU_NO_PORT") from None
            port = s.getsockname()[1]
            if port not in avoid:
                ports.append(port)
    finally:
        for s in held:
            s.close()
    if len(ports) < count:
        raise DriverError(f"could not find {count} free TCP ports on {host}", reason_id="PR_QEMU_NO_PORT")
    return ports


def keep_or_choose(ports: list[int], host: str = HOST) -> list[int]:
    """The saved ports where each is still free, else new ones in place of those taken."""
    taken = [p for p in ports if not p or not is_free(p, host)]
    if not taken:
        return list(ports)
    fresh = iter(free_ports(len(taken), avoid=ports, host=host))
    return [next(fresh) if (not p or p in taken) else p for p in ports]
