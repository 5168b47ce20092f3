"""Free subnets, the route table, and the IP from DHCP leases or ARP, matched on the MAC."""

from __future__ import annotations

import ipaddress

from minikube_driver_kvm2._net import (
    candidate_subnets,
    free_subnets,
    ip_from_interfaces,
    ip_from_leases,
    routed_networks,
)

N = ipaddress.IPv4Network

ROUTES = """Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
virbr1\t0027A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
"""


def test_candidates_start_at_39_and_step_by_11() -> None:
    got = [str(s.network) for s in candidate_subnets()][:4]
    assert got == ["192.168.39.0/24", "192.168.50.0/24", "192.168.61.0/24", "192.168.72.0/24"]
    assert len(list(candidate_subnets())) == 20


def test_free_subnets_skip_taken_ones() -> None:
    taken = [N("192.168.39.0/24"), N("192.168.48.0/20"), N("0.0.0.0/0")]
    first = free_subnets(taken)[0]
    assert str(first.network) == "192.168.72.0/24"  # 39 taken, 50 and 61 inside 48.0/20
    assert (first.gateway, first.netmask, first.dhcp_start, first.dhcp_end) == (
        "192.168.72.1", "255.255.255.0", "192.168.72.2", "192.168.72.253")
    assert free_subnets([N("192.168.0.0/16")]) == []


def test_route_table_is_read() -> None:
    assert routed_networks(ROUTES) == [N("0.0.0.0/0"), N("192.168.0.0/24"), N("192.168.39.0/24")]
    assert routed_networks("header only\n") == []


LEASES = [
    {"iface": "virbr1", "expirytime": 1000, "type": 0, "mac": "16:59:31:6a:a8:77", "ipaddr": "192.168.39.10",
     "prefix": 24, "hostname": "minikube", "clientid": None, "iaid": None},
    {"iface": "virbr1", "expirytime": 2000, "type": 0, "mac": "16:59:31:6A:A8:77", "ipaddr": "192.168.39.11",
     "prefix": 24, "hostname": "minikube", "clientid": None, "iaid": None},
    {"iface": "virbr1", "expirytime": 3000, "type": 1, "mac": "16:59:31:6a:a8:77", "ipaddr": "fd00::5",
     "prefix": 64, "hostname": "minikube", "clientid": None, "iaid": None},
    {"iface": "virbr1", "expirytime": 4000, "type": 0, "mac": "52:54:00:00:00:01", "ipaddr": "192.168.39.99",
     "prefix": 24, "hostname": "other", "clientid": None, "iaid": None},
]


def test_lease_lookup_matches_the_mac_and_takes_the_newest_ipv4() -> None:
    assert ip_from_leases(LEASES, "16:59:31:6a:a8:77") == "192.168.39.11"
    assert ip_from_leases(LEASES, "52:54:00:00:00:01") == "192.168.39.99"
    assert ip_from_leases(LEASES, "52:54:00:00:00:02") == ""
    assert ip_from_leases([], "16:59:31:6a:a8:77") == ""
    assert ip_from_leases([{"mac": "garbage", "ipaddr": "1.2.3.4"}], "16:59:31:6a:a8:77") == ""


ARP = {
    "vnet0": {"hwaddr": "16:59:31:6a:a8:77", "addrs": [{"type": 0, "addr": "192.168.39.12", "prefix": 0}]},
    "vnet1": {"hwaddr": "52:54:00:5a:0b:9d", "addrs": [{"type": 0, "addr": "192.168.122.40", "prefix": 0}]},
    "vnet2": {"hwaddr": "52:54:00:00:00:03", "addrs": None},
}


def test_arp_lookup_matches_the_mac() -> None:
    assert ip_from_interfaces(ARP, "16:59:31:6A:A8:77") == "192.168.39.12"
    assert ip_from_interfaces(ARP, "52:54:00:5a:0b:9d") == "192.168.122.40"
    assert ip_from_interfaces(ARP, "52:54:00:00:00:03") == ""
    assert ip_from_interfaces({}, "52:54:00:00:00:03") == ""
