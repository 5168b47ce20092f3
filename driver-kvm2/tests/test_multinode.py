"""A multi-node profile on the real libvirtd, through the real ``minikube`` console script.

One test for every step, since each boot under software emulation costs: ``start --nodes 2``
makes both machines at once on the profile's private network, each with its own MAC and reserved
address; the nodes reach each other there; ``ssh``/``ip``/``status`` see both; ``node add`` and
``node delete`` make and remove a third while the network stays; ``delete`` leaves nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import Leftovers, Minikube, virsh
from minikube_driver_kvm2._xml import dhcp_hosts, read_domain
from test_integration import SMALL, assert_nothing_left, ssh_once

pytestmark = pytest.mark.libvirt


def running(domain: str) -> bool:
    return virsh("domstate", domain).stdout.strip() == "running"


def reservations(network: str) -> dict[str, str]:
    """The network's static DHCP hosts, MAC -> IP (libvirt's persistent definition and the live one)."""
    live = dhcp_hosts(virsh("net-dumpxml", network).stdout)
    assert dhcp_hosts(virsh("net-dumpxml", "--inactive", network).stdout) == live
    return live


def test_nodes_share_the_private_network(minikube: Minikube, tiny_iso: Path, leftovers: Leftovers) -> None:
    name = leftovers.profile("mkn")
    m02, m03 = f"{name}-m02", f"{name}-m03"
    leftovers.domains.update({m02, m03})
    net = f"mk-{name}"

    began = time.monotonic()
    p = minikube("start", "-p", name, "--driver", "kvm2", "--kvm-virt-type", "qemu", "--nodes", "2",
                 "--iso-url", str(tiny_iso), *SMALL)
    took = time.monotonic() - began
    assert p.returncode == 0, p.stderr
    # right after start, both nodes answer `minikube ssh` the first time
    assert ssh_once(minikube, name, "hostname").strip() and ssh_once(minikube, name, "true", node="m02") == ""
    print(f"start --nodes 2: {took:.1f}s")
    said = p.stderr
    made = [said.index(f'Creating kvm2 machine "{m}"') for m in (name, m02)]
    assert max(made) < said.index(" is running at "), said  # at once: both made before either is up
    assert running(name) and running(m02)
    macs = {m: read_domain(virsh("dumpxml", m).stdout).macs.get(net, "").lower() for m in (name, m02)}
    assert all(macs.values()) and macs[name] != macs[m02], macs  # both NICs on mk-P, each its own MAC
    ips = {name: minikube("ip", "-p", name).stdout.strip(), m02: minikube("ip", "-p", name, "-n", "m02").stdout.strip()}
    assert ips[name] and ips[m02] and ips[name] != ips[m02], ips
    assert reservations(net) == {macs[name]: ips[name], macs[m02]: ips[m02]}  # both reserved

    # node 1 reaches node 2's SSH server over the private network; ssh -n reaches node 2 itself
    banner = ssh_once(minikube, name, f"echo | nc -w 5 {ips[m02]} 22 | head -n 1")
    assert banner.startswith("SSH-2.0-"), banner
    out = ssh_once(minikube, name, "ip", "-4", "addr", "show", "eth0", node="m02")
    assert f"inet {ips[m02]}/" in out and ips[name] not in out, out

    p = minikube("status", "-p", name)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.count("host: Running") == 2 and name in p.stdout and m02 in p.stdout, p.stdout

    began = time.monotonic()
    p = minikube("node", "add", "-p", name)
    print(f"node add: {time.monotonic() - began:.1f}s")
    assert p.returncode == 0, p.stderr
    assert ssh_once(minikube, name, "true", node="m03") == ""  # right after node add
    assert running(m03)
    mac3 = read_domain(virsh("dumpxml", m03).stdout).macs.get(net, "").lower()
    ip3 = minikube("ip", "-p", name, "-n", "m03").stdout.strip()
    assert mac3 not in macs.values() and ip3 not in ips.values()
    assert reservations(net) == {macs[name]: ips[name], macs[m02]: ips[m02], mac3: ip3}

    p = minikube("node", "delete", "m03", "-p", name)
    assert p.returncode == 0, p.stderr
    assert m03 not in virsh("list", "--all", "--name").stdout.split()
    assert not (minikube.home / "machines" / m03).exists()
    assert net in virsh("net-list", "--name").stdout.split()  # still there, still active
    assert reservations(net) == {macs[name]: ips[name], macs[m02]: ips[m02]}  # only m03's went
    assert running(name) and running(m02)

    p = minikube("delete", "-p", name)
    assert p.returncode == 0, p.stderr
    assert_nothing_left(minikube, name)
    assert not {m02, m03} & set(virsh("list", "--all", "--name").stdout.split())
    assert not (minikube.home / "machines" / m02).exists()
