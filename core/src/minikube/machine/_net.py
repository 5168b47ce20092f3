"""Network helpers shared by drivers."""

from __future__ import annotations

import hashlib


def mac_from_name(name: str, salt: str = "minikube-mac-") -> str:
    """A stable, locally administered unicast MAC derived from a machine name."""
    b = bytearray(hashlib.sha256((salt + name).encode()).digest()[:6])
    b[0] = (b[0] | 2) & 0xFE
    return ":".join(f"{x:02x}" for x in b)


def normalize_mac(mac: str) -> bytes:
    """A MAC as 6 bytes, accepting macOS's dropped leading zeros (``8e:1:99:...``)."""
    parts = mac.strip().lower().replace("-", ":").split(":")
    if len(parts) != 6:
        raise ValueError(f"not a MAC address: {mac!r}")
    return bytes(int(p, 16) for p in parts)
