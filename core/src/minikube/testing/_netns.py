"""Run part of a test inside a network namespace that the tests made (``ip netns add NAME``).

A driver whose guests live on a private network inside a test namespace (kvm2's libvirtd runs in
one, so every packet to a guest stays there) still has checks that run in the test process and
reach the guest: the wait for SSH, one SSH command.  This moves the calling thread, and every
process it starts, into the namespace for the length of a ``with`` block (Linux ``setns(2)``,
which needs root), and back again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

_CLONE_NEWNET = 0x40000000


def _setns(fd: int) -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, _CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


@contextmanager
def network_namespace(name: str) -> Iterator[None]:
    """The calling thread inside the namespace ``name`` (``/run/netns/NAME``, as ``ip netns``
    makes it); an empty name is this process's own namespace (nothing changes)."""
    if not name:
        yield
        return
    here = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        there = os.open(f"/run/netns/{name}", os.O_RDONLY)
        try:
            _setns(there)
        finally:
            os.close(there)
        try:
            yield
        finally:
            _setns(here)
    finally:
        os.close(here)
