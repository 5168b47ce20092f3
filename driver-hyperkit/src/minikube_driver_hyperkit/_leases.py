"""macOS's DHCP lease database, ``/var/db/dhcpd_leases``, as written by bootpd for vmnet.

Each lease is a block of ``key=value`` lines between ``{`` and ``}``::

    {
            name=minikube
            ip_address=192.168.64.3
            hw_address=1,8e:1:99:2a:5:b
            identifier=1,8e:1:99:2a:5:b
            lease=0x5f2b0c6e
    }

bootpd writes MAC bytes without leading zeros (``8e:1:99``), so MACs are compared as bytes.
``hw_address`` starts with the hardware type: ``1`` is Ethernet, ``ff`` a DHCP client DUID
(not a MAC at all), which never matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from minikube.machine import normalize_mac

ETHERNET = "1"


@dataclass(frozen=True)
class DHCPEntry:
    name: str = ""
    ip_address: str = ""
    hw_type: str = ""
    hw_address: str = ""  # without the type prefix, as bootpd wrote it
    identifier: str = ""
    lease: str = ""  # expiry, seconds since the epoch in hex (0x...)
    line: int = 0  # where the block starts, for messages

    @property
    def expiry(self) -> int:
        try:
            return int(self.lease, 16)
        except ValueError:
            return -1

    def mac_bytes(self) -> bytes | None:
        """The 6 MAC bytes, or None for a DUID or an unreadable address."""
        if self.hw_type != ETHERNET:
            return None
        try:
            return normalize_mac(self.hw_address)
        except ValueError:
            return None


@dataclass
class Leases:
    """The parsed file: good entries, and a note for every block that could not be read."""

    entries: list[DHCPEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


_KEYS = {"name", "ip_address", "hw_address", "identifier", "lease"}


def parse_leases(text: str) -> Leases:
    """Read every block; a malformed block is skipped (and described), not fatal.

    bootpd rewrites the file while we read it and users hand-edit it; one bad block must not
    hide the lease we are waiting for.
    """
    out = Leases()
    block: dict[str, str] | None = None
    start = 0
    bad = ""
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line == "{":
            if block is not None:
                out.problems.append(f"line {start}: block not closed before line {no}")
            block, start, bad = {}, no, ""
            continue
        if line == "}":
            if block is None:
                out.problems.append(f"line {no}: '}}' without a block")
            elif bad:
                out.problems.append(bad)
            else:
                out.entries.append(_entry(block, start))
            block = None
            continue
        if block is None:
            out.problems.append(f"line {no}: text outside a block: {line[:60]!r}")
            continue
        key, eq, value = line.partition("=")
        if not eq or not key:
            bad = bad or f"line {no}: not a key=value line: {line[:60]!r}"
        elif key in _KEYS:
            block[key] = value
    if block is not None:
        out.problems.append(f"line {start}: block not closed at end of file")
    return out


def _entry(block: dict[str, str], line: int) -> DHCPEntry:
    hw_type, _, hw = block.get("hw_address", "").partition(",")
    return DHCPEntry(name=block.get("name", ""), ip_address=block.get("ip_address", ""),
                     hw_type=hw_type.strip().lower(), hw_address=hw.strip(),
                     identifier=block.get("identifier", ""), lease=block.get("lease", ""), line=line)


def find_ip(leases: Leases, mac: str) -> str | None:
    """The IP leased to ``mac`` (any spelling); with several leases, the one that expires last."""
    want = normalize_mac(mac)
    best: DHCPEntry | None = None
    for e in leases.entries:
        if e.ip_address and e.mac_bytes() == want and (best is None or e.expiry > best.expiry):
            best = e
    return best.ip_address if best else None


def ip_from_leases_file(path: Path, mac: str) -> str:
    """The IP for ``mac`` in ``path``; LookupError says what was searched and what was skipped."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        raise LookupError(f"{path} does not exist yet (no DHCP lease has been given out)") from None
    leases = parse_leases(text)
    ip = find_ip(leases, mac)
    if ip:
        return ip
    why = f"could not find an IP address for {mac} in {path} ({len(leases.entries)} leases)"
    if leases.problems:
        why += f"; skipped unreadable blocks: {'; '.join(leases.problems[:3])}"
    raise LookupError(why)


def trim_mac(mac: str) -> str:
    """A MAC the way bootpd writes it: lower case, leading zeros dropped (``08:01`` -> ``8:1``)."""
    return ":".join(format(b, "x") for b in normalize_mac(mac))
