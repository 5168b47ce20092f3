"""libvirt networks: the private network's lifecycle, DHCP leases and reservations, the guest's IP.

Everything the driver does to libvirt *networks* (as opposed to domains): look up and start
the named network, define ``mk-<name>`` on a free /24, wait for the guest's DHCP lease (ARP as
a fallback), reserve that address as a static DHCP host, and undo it all on remove.

It is its own module, not part of ``_net``, because ``_net`` is the pure layer underneath: the
subnet and lease arithmetic that ``_xml`` builds on and that is tested without libvirtd.  This
module talks to libvirtd (through ``_libvirt``'s lazy import) and uses both.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from typing import Any

from minikube import DriverError
from minikube.machine import State, wait_for

from ._libvirt import libvirt_module, machine_state
from ._net import free_subnets, host_networks, ip_from_interfaces, ip_from_leases
from ._xml import dhcp_host_xml, dhcp_hosts, network_subnets, network_xml, read_domain

log = logging.getLogger("minikube_driver_kvm2")


def lookup_network(conn: Any, name: str) -> Any:
    """The libvirt network ``name``, or None when there is none."""
    lv = libvirt_module()
    try:
        return conn.networkLookupByName(name)
    except lv.libvirtError as e:
        if e.get_error_code() == lv.VIR_ERR_NO_NETWORK:
            return None
        raise DriverError(f"cannot look up the libvirt network {name!r}: {e}") from None


def named_network(conn: Any, name: str, uri: str) -> Any:
    """The network the second NIC joins (``--kvm-network``): it must exist already."""
    net = lookup_network(conn, name)
    if net is None:
        have = ", ".join(sorted(n.name() for n in conn.listAllNetworks())) or "none"
        fix = (f"Create it (as root: virsh net-define /usr/share/libvirt/networks/default.xml && virsh "
               f"net-start {name}), or name an existing one with --kvm-network (networks: {have})")
        raise DriverError(f"the libvirt network {name!r} does not exist at {uri}",
                          reason_id="PR_KVM_NETWORK", fix=fix)
    return net


def activate(net: Any) -> None:
    """Start ``net`` and mark it autostart, unless it already is.  Another command (or another node
    of this one) starting it meanwhile is no error: libvirt refuses the second ``create``
    ("network is already active"), and the network is what was wanted."""
    lv = libvirt_module()
    try:
        if not net.isActive():
            try:
                net.create()
            except lv.libvirtError:
                if not net.isActive():
                    raise
        if not net.autostart():
            net.setAutostart(1)
    except lv.libvirtError as e:
        raise DriverError(f"cannot start the libvirt network {net.name()!r}: {e}", reason_id="PR_KVM_NETWORK",
                          fix=f"Check it with: virsh net-start {net.name()}") from None


#: One lock per private network name: the nodes of one command (threads) make and start their
#: shared network one at a time; other commands' races are handled by libvirt's refusals.
_NETWORK_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


def _network_lock(name: str) -> threading.Lock:
    with _LOCKS_LOCK:
        return _NETWORK_LOCKS.setdefault(name, threading.Lock())


def ensure_private_network(conn: Any, name: str) -> Any:
    """``mk-<name>``, active: reuse it if it exists, else define it on the first free /24 from
    192.168.39.0.  Every node of a profile calls this for the same network, maybe at once: the
    threads of one command take turns; another command defining it first is reused, and one that
    gives up on its definition (its subnet in use) while we hold it is looked up again."""
    with _network_lock(name):
        for attempt in range(3):
            net = lookup_network(conn, name) or _define_private_network(conn, name)
            try:
                activate(net)
                return net
            except DriverError:
                now = lookup_network(conn, name)
                if attempt == 2 or (now is not None and now.UUIDString() == net.UUIDString()):
                    raise
                log.info("network %s was undefined or redefined meanwhile: looking it up again", name)
        raise AssertionError("unreachable")


def _define_private_network(conn: Any, name: str) -> Any:
    """Define and start ``name`` on the first free /24; the network another command made meanwhile
    (libvirt refuses a second definition of the name) is returned instead."""
    lv = libvirt_module()
    taken = host_networks()
    for other in conn.listAllNetworks():
        taken += [ipaddress.IPv4Network(s) for s in network_subnets(other.XMLDesc(0))]
    last: Exception | None = None
    for subnet in free_subnets(taken):
        try:
            net = conn.networkDefineXML(network_xml(name, subnet))
        except lv.libvirtError as e:
            raced = lookup_network(conn, name)  # made meanwhile by another create
            if raced is not None:
                return raced
            last = e
            continue
        try:
            net.create()
            net.setAutostart(1)
            log.info("created network %s on %s", name, subnet.network)
            return net
        except lv.libvirtError as e:  # the subnet is in use where libvirtd runs: next one
            if net.isActive():  # another command started our definition: it is up
                return net
            last = e
            try:
                net.undefine()
            except lv.libvirtError:
                pass
    raise DriverError(f"no free /24 subnet for the private network {name!r}"
                      + (f": {last}" if last else ""), reason_id="PR_KVM_NETWORK",
                      fix="Remove unused libvirt networks (virsh net-list --all)")


def remove_private_network(conn: Any, name: str, mac: str, host: str) -> None:
    """Destroy and undefine ``name``; while another domain still uses it, only drop our reservation."""
    lv = libvirt_module()
    net = lookup_network(conn, name)
    if net is None:
        return
    users = [d.name() for d in conn.listAllDomains() if name in read_domain(d.XMLDesc(0)).networks]
    try:
        if users:
            log.info("network %s is still used by %s: kept", name, ", ".join(users))
            unreserve(net, mac, host)
            return
        if net.isActive():
            net.destroy()
        net.undefine()
    except lv.libvirtError as e:
        if lookup_network(conn, name) is not None:
            raise DriverError(f"cannot remove the network {name!r}: {e}", reason_id="GUEST_DELETE") from None


# --- DHCP leases and the guest's IP ----------------------------------------------------------------

def dhcp_leases(net: Any) -> list[dict[str, Any]]:
    lv = libvirt_module()
    try:
        return list(net.DHCPLeases() or [])
    except lv.libvirtError as e:
        log.debug("DHCP leases of %s: %s", net.name(), e)
        return []


def lease_expiry(net: Any, mac: str) -> int:
    """The expiry time of the newest lease ``mac`` has now (0: none): a new boot renews it."""
    times = [int(le.get("expirytime", 0) or 0) for le in dhcp_leases(net) if ip_from_leases([le], mac)]
    return max(times, default=0)


def arp_ip(dom: Any, mac: str, machine: str) -> str:
    """The address of the domain's NIC with ``mac`` in the host's ARP table ("" if none)."""
    lv = libvirt_module()
    try:
        return ip_from_interfaces(dom.interfaceAddresses(lv.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP, 0) or {}, mac)
    except lv.libvirtError as e:
        log.debug("ARP addresses of %s: %s", machine, e)
        return ""


def current_ip(dom: Any, net: Any, mac: str, machine: str) -> str:
    """The guest's address now: its lease on ``net`` (None: no network), else ARP ("" if neither)."""
    return (ip_from_leases(dhcp_leases(net), mac) if net is not None else "") or arp_ip(dom, mac, machine)


def wait_for_ip(dom: Any, net: Any, mac: str, lease_before: int, *, machine: str, network: str,
                timeout: int, interval: float, console_log: str) -> str:
    """A lease newer than the one from before this boot; ARP only when there never was a lease."""
    def lookup() -> str:
        if machine_state(dom.state()[0]) != State.RUNNING:
            raise DriverError(f'"{machine}" stopped while waiting for its IP address',
                              reason_id="GUEST_START", fix=f"See the guest's console log: {console_log}")
        fresh = [le for le in dhcp_leases(net) if int(le.get("expirytime", 0) or 0) > lease_before]
        ip = ip_from_leases(fresh, mac)
        if not ip and lease_before == 0:
            ip = arp_ip(dom, mac, machine)
        return ip

    try:
        return wait_for(lookup, timeout=timeout, interval=interval,
                        what=f'an IP address for "{machine}"', reason_id="DRV_NO_IP")
    except DriverError as e:
        if e.reason.id != "DRV_NO_IP":
            raise
        raise DriverError(
            f"Machine didn't return an IP after {timeout} seconds: no DHCP lease for {mac} on "
            f"network {network!r} and no ARP entry", reason_id="DRV_NO_IP",
            fix=f"The guest must run DHCP on its first NIC: see its console log {console_log}. "
                "Check your firewall rules, and run 'virt-host-validate' to check for KVM configuration "
                f"issues. Then: minikube delete -p {machine}") from None


def reserve(net: Any, mac: str, ip: str, host: str) -> None:
    """A static DHCP host for (mac, ip), so the next boot gets the same address."""
    lv = libvirt_module()
    try:
        hosts = dhcp_hosts(net.XMLDesc(0))
        if hosts.get(mac.lower()) == ip:
            return
        command = lv.VIR_NETWORK_UPDATE_COMMAND_MODIFY if mac.lower() in hosts else lv.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST
        net.update(command, lv.VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, dhcp_host_xml(mac, ip, host),
                   lv.VIR_NETWORK_UPDATE_AFFECT_LIVE | lv.VIR_NETWORK_UPDATE_AFFECT_CONFIG)
    except lv.libvirtError as e:
        log.info("could not reserve %s for %s on %s: %s", ip, mac, net.name(), e)


def unreserve(net: Any, mac: str, host: str) -> None:
    """Drop the static DHCP host of ``mac`` (if any) from ``net``."""
    lv = libvirt_module()
    mac = (mac or "").lower()
    ip = dhcp_hosts(net.XMLDesc(0)).get(mac)
    if not mac or ip is None:
        return
    flags = lv.VIR_NETWORK_UPDATE_AFFECT_CONFIG | (lv.VIR_NETWORK_UPDATE_AFFECT_LIVE if net.isActive() else 0)
    net.update(lv.VIR_NETWORK_UPDATE_COMMAND_DELETE, lv.VIR_NETWORK_SECTION_IP_DHCP_HOST, -1,
               dhcp_host_xml(mac, ip, host), flags)
