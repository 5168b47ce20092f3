"""Where VMware's DHCP server says a MAC's address is: static host blocks and lease files.

``/Library/Preferences/VMware Fusion/vmnet*/dhcpd.conf`` (ISC dhcpd syntax) may pin a MAC::

    host vmnet8 {
        hardware ethernet 00:50:56:C0:00:08;
        fixed-address 172.16.21.1;
        option domain-name-servers 0.0.0.0;
    }

``/var/db/vmware/*.leases`` holds leases; the one that ends last wins::

    lease 172.16.21.128 {
        starts 2 2020/09/01 10:01:02;
        ends 2 2020/09/01 10:31:02;
        hardware ethernet 00:0c:29:9d:6e:3a;
        client-hostname "minikube";
    }
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from minikube.machine import normalize_mac

_HOST_BEGIN = re.compile(r"^host\s+(.+?)\s*\{")
_BLOCK_END = re.compile(r"^\}")
_FIXED = re.compile(r"^\s*fixed-address\s+(.+?);\s*$")
_HW = re.compile(r"^\s*hardware\s+ethernet\s+(.+?);\s*$")
_LEASE = re.compile(r"^lease\s+(\S+)\s*\{\s*$")
_ENDS = re.compile(r"^\s*ends\s+\d\s+(.+?);\s*$")


def _mac(text: str) -> bytes | None:
    try:
        return normalize_mac(text)
    except ValueError:
        return None


def hosts_from_dhcpd_conf(text: str) -> dict[bytes, str]:
    """MAC -> fixed address of every top-level ``host`` block (inner blocks are not counted)."""
    found: dict[bytes, str] = {}
    depth = 0
    ip = mac = ""
    for line in text.splitlines():
        if _HOST_BEGIN.match(line):
            depth += 1
            continue
        if depth and _BLOCK_END.match(line):
            depth -= 1
            if depth == 0:
                key = _mac(mac)
                if key is not None and ip:
                    found[key] = ip
                ip = mac = ""
            continue
        if depth == 1:
            if m := _FIXED.match(line):
                ip = m.group(1).strip()
            elif m := _HW.match(line):
                mac = m.group(1).strip()
    return found


@dataclass(frozen=True)
class Lease:
    ip: str
    mac: str
    ends: datetime.datetime | None


def leases(text: str) -> list[Lease]:
    """Every ``lease`` block with a hardware address; unreadable end times count as oldest."""
    out: list[Lease] = []
    ip = mac = ""
    ends: datetime.datetime | None = None
    inside = False
    for line in text.splitlines():
        if m := _LEASE.match(line):
            ip, mac, ends, inside = m.group(1), "", None, True
            continue
        if not inside:
            continue
        if _BLOCK_END.match(line.strip()):
            if ip and mac:
                out.append(Lease(ip, mac, ends))
            inside = False
        elif m := _ENDS.match(line):
            try:
                ends = datetime.datetime.strptime(m.group(1).strip(), "%Y/%m/%d %H:%M:%S")
            except ValueError:
                ends = None
        elif m := _HW.match(line):
            mac = m.group(1).strip()
    return out


def ip_from_leases(text: str, mac: str) -> str | None:
    """The address of the lease for ``mac`` that ends last."""
    want = normalize_mac(mac)
    best: Lease | None = None
    oldest = datetime.datetime.min
    for lease in leases(text):
        if _mac(lease.mac) == want and (best is None or (lease.ends or oldest) > (best.ends or oldest)):
            best = lease
    return best.ip if best else None


def ip_from_files(conf_files: list[Path], lease_files: list[Path], mac: str) -> str:
    """dhcpd.conf host blocks first, then the lease files; LookupError names what was read."""
    want = normalize_mac(mac)
    for path in conf_files:
        try:
            hosts = hosts_from_dhcpd_conf(path.read_text(errors="replace"))
        except OSError:
            continue
        if want in hosts:
            return hosts[want]
    for path in lease_files:
        try:
            ip = ip_from_leases(path.read_text(errors="replace"), mac)
        except OSError:
            continue
        if ip:
            return ip
    searched = ", ".join(str(p) for p in [*conf_files, *lease_files]) or "no dhcpd.conf or lease files"
    raise LookupError(f"IP not found for MAC {mac} in DHCP leases ({searched})")
