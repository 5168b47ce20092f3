"""Networks: free /24 subnets for the private network, and a guest's IP from leases or ARP."""

from __future__ import annotations

import ipaddress
import socket
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minikube.machine import normalize_mac

#: minikube's private networks: /24s from 192.168.39.0, every 11th (39, 50, 61, ...), 20 tries.
FIRST_SUBNET = "192.168.39.0"
SUBNET_STEP = 11
SUBNET_TRIES = 20

#: libvirt's ``VIR_IP_ADDR_TYPE_IPV4``.
IPV4 = 0


@dataclass(frozen=True)
class Subnet:
    """A /24 for a private network: gateway .1, DHCP range .2-.253 (as minikube lays it out)."""

    network: ipaddress.IPv4Network

    @property
    def gateway(self) -> str:
        return str(self.network.network_address + 1)

    @property
    def netmask(self) -> str:
        return str(self.network.netmask)

    @property
    def dhcp_start(self) -> str:
        return str(self.network.network_address + 2)

    @property
    def dhcp_end(self) -> str:
        return str(self.network.broadcast_address - 2)


def candidate_subnets(first: str = FIRST_SUBNET, step: int = SUBNET_STEP,
                      tries: int = SUBNET_TRIES) -> Iterator[Subnet]:
    base = ipaddress.IPv4Address(first)
    for i in range(tries):
        addr = base + i * step * 256
        if addr > ipaddress.IPv4Address("192.168.255.0"):
            return
        yield Subnet(ipaddress.IPv4Network(f"{addr}/24"))


def free_subnets(taken: Iterable[ipaddress.IPv4Network], first: str = FIRST_SUBNET, step: int = SUBNET_STEP,
                 tries: int = SUBNET_TRIES) -> list[Subnet]:
    """The candidates that overlap no network in ``taken``, in order."""
    used = [n for n in taken if n.prefixlen > 0]  # a default route takes nothing
    return [s for s in candidate_subnets(first, step, tries) if not any(s.network.overlaps(n) for n in used)]


def routed_networks(route_table: str) -> list[ipaddress.IPv4Network]:
    """Destinations of ``/proc/net/route``: every subnet this host has an interface or route in."""
    nets = []
    for line in route_table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        try:
            dest = socket.inet_ntoa(struct.pack("<I", int(fields[1], 16)))
            mask = socket.inet_ntoa(struct.pack("<I", int(fields[7], 16)))
            nets.append(ipaddress.IPv4Network(f"{dest}/{mask}", strict=False))
        except (ValueError, OSError):
            continue
    return nets


def host_networks(path: str = "/proc/net/route") -> list[ipaddress.IPv4Network]:
    try:
        return routed_networks(Path(path).read_text())
    except OSError:
        return []


def _same_mac(a: str, b: str) -> bool:
    try:
        return normalize_mac(a) == normalize_mac(b)
    except ValueError:
        return False


def ip_from_leases(leases: Sequence[Mapping[str, Any]], mac: str) -> str:
    """The IPv4 address a network's DHCP leases (``virNetworkGetDHCPLeases``) give ``mac``.

    Several leases for one MAC (a guest that rebooted) -> the one that expires last.
    """
    best: tuple[int, str] | None = None
    for lease in leases:
        if lease.get("type", IPV4) != IPV4 or not _same_mac(str(lease.get("mac", "")), mac):
            continue
        ip = str(lease.get("ipaddr", ""))
        if not ip:
            continue
        expiry = int(lease.get("expirytime", 0) or 0)
        if best is None or expiry >= best[0]:
            best = (expiry, ip)
    return best[1] if best else ""


def ip_from_interfaces(interfaces: Mapping[str, Mapping[str, Any]], mac: str) -> str:
    """The IPv4 address of the NIC with ``mac`` in ``virDomainInterfaceAddresses`` output (ARP source)."""
    for iface in interfaces.values():
        if not _same_mac(str(iface.get("hwaddr", "")), mac):
            continue
        for addr in iface.get("addrs") or []:
            if addr.get("type", IPV4) == IPV4 and addr.get("addr"):
                return str(addr["addr"])
    return ""
