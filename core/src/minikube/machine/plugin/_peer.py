"""Whom a plugin works for (:func:`invoking_user`), and who is on the other end of its loopback
connection, so a root plugin answers only that user.

libmachine's protocol has no authentication: a plugin answers whoever connects to its port
first.  For a plugin run as root on a user's behalf (through sudo, or setuid) that would let any
other local user call ``Remove`` as root, so such a plugin accepts a connection only from the
user it works for, or root.  A plugin not running as root is unchanged (it has nothing to
give away that its user does not already have), as are Go plugins, which the core drives the
same way.

Linux: the peer's socket is the one whose local address is the connection's remote one and whose
remote address is ours; ``/proc/net/tcp`` (``tcp6`` for a v4-mapped socket) lists its owner.
Elsewhere there is no such table to read without extra privileges or tools, so the owner is
unknown and the connection is accepted, as before (documented as a limit).
"""

from __future__ import annotations

import os
import socket
import struct
import sys


def allowed_uids() -> frozenset[int] | None:
    """The uids a plugin in this process may answer, or None for anyone (not running as root)."""
    if os.geteuid() != 0:
        return None
    return frozenset({0, invoking_user()[0], os.getuid()})


def _hex4(address: str) -> str:
    """An IPv4 address as /proc/net/tcp prints it (the in-memory word in host byte order)."""
    return f"{struct.unpack('=I', socket.inet_aton(address))[0]:08X}"


def _hex6(address: str) -> str:
    return "".join(f"{w:08X}" for w in struct.unpack("=4I", socket.inet_pton(socket.AF_INET6, address)))


def _owner_in(table: str, local: str, remote: str) -> int | None:
    try:
        with open(table, encoding="ascii") as f:
            next(f, None)  # the header
            for line in f:
                cols = line.split()
                if len(cols) > 7 and cols[1] == local and cols[2] == remote:
                    return int(cols[7])
    except OSError:
        return None
    return None


def peer_uid(conn: socket.socket) -> int | None:
    """The uid owning the other end of a loopback TCP connection, None when it cannot be told."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        (peer_addr, peer_port), (our_addr, our_port) = conn.getpeername()[:2], conn.getsockname()[:2]
    except OSError:
        return None
    found = _owner_in("/proc/net/tcp", f"{_hex4(peer_addr)}:{peer_port:04X}", f"{_hex4(our_addr)}:{our_port:04X}")
    if found is None:  # the client's socket is an IPv6 one, connected through a v4-mapped address
        found = _owner_in("/proc/net/tcp6", f"{_hex6('::ffff:' + peer_addr)}:{peer_port:04X}",
                          f"{_hex6('::ffff:' + our_addr)}:{our_port:04X}")
    return found


def refusal(conn: socket.socket, allowed: frozenset[int] | None) -> str:
    """Why ``conn`` is not to be served ('' when it is)."""
    if allowed is None:
        return ""
    uid = peer_uid(conn)
    if uid is None:
        if sys.platform.startswith("linux"):
            return "its owner could not be found in /proc/net/tcp"
        return ""  # no way to tell here: served, as before (documented)
    return "" if uid in allowed else f"it belongs to uid {uid}, not to the user this plugin runs for"


def invoking_user() -> tuple[int, int]:
    """The uid and gid of the user the plugin works for: who ran ``sudo`` when sudo made it root
    (``SUDO_UID``/``SUDO_GID``, which sudo sets), else its real ids (setuid keeps them).

    A root plugin gives what it makes under the user's ``MINIKUBE_HOME`` back to this user
    (``os.chown``), so the user's later commands (``minikube delete``) can remove it.
    """
    uid, gid = os.getuid(), os.getgid()
    if uid == 0 and os.geteuid() == 0:
        sudo_uid, sudo_gid = os.environ.get("SUDO_UID", ""), os.environ.get("SUDO_GID", "")
        if sudo_uid.isdigit() and sudo_gid.isdigit():
            return int(sudo_uid), int(sudo_gid)
    return uid, gid
