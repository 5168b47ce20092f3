"""Shared folders on kvm2: each share is a virtio-fs device the guest mounts by its tag.

kvm2 only exposes the device; the core mounts it in the guest over SSH after every boot
(``Share.mount_command``).  libvirt starts one virtiofsd per device, as root, when the domain
boots or the device is attached, and stops it with the domain or the device.  Only virtio-fs:
libvirt's 9p (``<filesystem>`` without a virtiofs driver) is refused, since kvm2 declares
``mounts = ["virtiofs"]``.

Owners: libvirt's virtiofsd runs as root, which would let guest root act as host root on the
share.  So the device's ``<binary>`` is not the virtiofsd itself but a small script written for
the share in the machine directory (``virtiofsd-TAG.sh``), which libvirt runs with its own
arguments (``--fd=N``, ``-o source=...``, and ``--print-capabilities`` when it probes): it drops
to the user who ran minikube (root for root) and runs the real virtiofsd in the core's one-id
user namespace, that user seen as the share's guest owner (``docker``'s 1000, or
``--mount-uid``/``--uid``) and every other host id, root's included, unmapped
(``minikube.machine._idmap``).  Nothing is gained by writing to the script: the user who can make
a domain can name any ``<binary>`` already.

Split out of the driver because it is the one place that decides what a share becomes in the
domain (at creation, and hot-attached for ``minikube mount``) and checks the host has what that
needs, before anything is made.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from minikube import DriverError, UsageError
from minikube.machine import Share, check_userns, find_virtiofsd, require_host_dirs, userns_argv

from ._xml import VirtiofsDevice, device_element, filesystem_xml, read_domain

log = logging.getLogger("minikube_driver_kvm2")

#: The share kinds kvm2 exposes (``mounts`` in minikube-driver.toml).
KINDS = ("virtiofs",)
#: How long the guest may take to release a detached device (PCI unplug needs its ACPI handshake).
DETACH_TIMEOUT = 30.0
POLL = 0.25


#: A tag as minikube makes them (``new_tag``): it names the share's script, so nothing else passes.
TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,35}")
WRAPPER = "virtiofsd-{}.sh"


def check_shares(shares: Iterable[Share], machine: str) -> str:
    """Every share is one kvm2 can expose, and its host directory exists; returns the virtiofsd
    libvirt will run ("" without shares).  Called before anything is made: a missing virtiofsd, or
    a host where the user namespace cannot be made, is the core's one-line HOST_UNSUPPORTED."""
    shares = tuple(shares)
    for s in shares:
        if s.kind not in KINDS:
            raise UsageError(f'the kvm2 driver cannot share {s.spec} as "{s.kind}": it shares folders with '
                             f'{" or ".join(KINDS)} only', fix="Use --mount-type virtiofs")
        if not TAG.fullmatch(s.tag):
            raise UsageError(f"the shared folder {s.spec} has the tag {s.tag!r}, which is not one minikube makes",
                             fix=f"Delete the machine (minikube delete -p {machine}) and start it again")
    require_host_dirs(shares, machine)
    if not shares:
        return ""
    virtiofsd = find_virtiofsd()
    for owner in dict.fromkeys(s.guest_owner for s in shares):
        check_userns(owner)
    return virtiofsd


def wrapper_text(share: Share, virtiofsd: str, uri: str) -> str:
    """The script libvirt runs as the share's virtiofsd: the real one, as this process's user,
    in the one-id namespace; libvirt's arguments passed on as they are."""
    launcher = os.getuid() if "/session" in uri else 0  # the system libvirtd runs it as root
    argv = [*userns_argv(share.guest_owner, launcher_uid=launcher), virtiofsd]
    uid, gid = share.guest_owner
    return (f"#!/bin/sh\n# minikube kvm2: the virtiofsd of shared folder {share.tag}, run by libvirt; the real one "
            f"runs as uid {os.getuid()}, seen in the guest as {uid}:{gid}, and knows no other host id\n"
            f'exec {" ".join(shlex.quote(a) for a in argv)} "$@"\n')


def write_wrapper(machine_dir: Path, share: Share, virtiofsd: str, uri: str) -> str:
    """Write the share's script into the machine directory (made by now); returns its path."""
    path = machine_dir / WRAPPER.format(share.tag)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(wrapper_text(share, virtiofsd, uri))
    tmp.chmod(0o700)
    os.replace(tmp, path)
    return str(path)


def devices(shares: Iterable[Share], virtiofsd: str, machine_dir: Path, uri: str) -> list[VirtiofsDevice]:
    return [VirtiofsDevice(host_path=s.host_path, tag=s.tag, virtiofsd=write_wrapper(machine_dir, s, virtiofsd, uri))
            for s in shares]


def attach(dom: Any, share: Share, machine: str, machine_dir: Path, uri: str) -> None:
    """Add ``share`` to the running domain, live only.

    Live only, as ``minikube mount`` is: the share lasts while the mount command runs, and a
    stop/start of the machine does not bring it back (``--mount-string`` at creation is the
    persistent kind).  Attaching the same share twice is a no-op."""
    lv = _libvirt()
    virtiofsd = check_shares([share], machine)
    if not dom.isActive():
        raise DriverError(f'"{machine}" is not running: a shared folder can only be added to a running machine',
                          reason_id="GUEST_MOUNT", fix=f"Start it first: minikube start -p {machine}")
    facts = read_domain(dom.XMLDesc(0))
    if facts.filesystems.get(share.tag) == share.host_path:
        return
    if share.tag in facts.filesystems:
        raise DriverError(f'"{machine}" already has a shared folder with the tag {share.tag} '
                          f"({facts.filesystems[share.tag]})", reason_id="GUEST_MOUNT_CONFLICT")
    if not facts.shared_memory:
        raise DriverError(f'"{machine}" was made without shared memory, which a virtiofs device needs, so a '
                          "shared folder cannot be added to it while it runs", reason_id="GUEST_MOUNT",
                          fix=f"Re-create it (minikube delete -p {machine}, then minikube start) or give the "
                              "folder at creation: minikube start --mount-string SRC:DST --mount-type virtiofs")
    if not has_cgroup(dom):
        raise NotImplementedError(
            f'kvm2 cannot add a shared folder to the running machine "{machine}" here: libvirtd runs it without '
            "a cgroup (no cgroup filesystem in libvirtd's mount namespace, e.g. when started with ip netns exec), "
            "and libvirt crashes when it hot-plugs a virtiofs device into such a domain; give the folder at "
            "creation instead (minikube start --mount-string SRC:DST --mount-type virtiofs)")
    xml = filesystem_xml(VirtiofsDevice(share.host_path, share.tag, write_wrapper(machine_dir, share, virtiofsd, uri)))
    try:
        dom.attachDeviceFlags(xml, lv.VIR_DOMAIN_AFFECT_LIVE)
    except lv.libvirtError as e:
        raise DriverError(f'libvirt could not add the shared folder {share.spec} to "{machine}": {e}',
                          reason_id="GUEST_MOUNT") from None


def has_cgroup(dom: Any) -> bool:
    """Whether libvirt put the domain in a cgroup (its CPU controller answers).

    A hot-plugged virtio-fs device makes libvirt move the new virtiofsd into the domain's cgroup,
    and libvirt 9.0 does that without checking there is one: with none, libvirtd dies of a NULL
    dereference (``virCgroupAddProcess``), taking every machine's management with it.  Domains
    have no cgroup when libvirtd sees no cgroup filesystem, as under ``ip netns exec`` (which
    mounts a fresh /sys).  Asked the cheap way, through the scheduler parameters libvirt reads
    from the CPU controller; a domain without one is treated as having no cgroup (refusing a
    hot attach is safe, a crash is not)."""
    lv = _libvirt()
    try:
        dom.schedulerParameters()
    except lv.libvirtError as e:
        log.info("no cgroup for the domain (%s): no virtiofs hot-plug", e)
        return False
    return True


def detach(dom: Any, share: Share, machine: str, machine_dir: Path | None = None) -> None:
    """Take the share's device out of the running domain and wait until the guest let it go.

    Nothing to do when the device is not there: the machine stopped since (a live device does
    not outlive its boot), or it was never attached.  A share the machine was made with is
    left alone: it is part of the machine, not of a ``minikube mount``."""
    lv = _libvirt()
    if not dom.isActive():
        return
    if share.tag in read_domain(dom.XMLDesc(lv.VIR_DOMAIN_XML_INACTIVE)).filesystems:
        log.info("shared folder %s (tag %s) belongs to %s's definition: not detached", share.spec, share.tag, machine)
        return
    xml = device_element(dom.XMLDesc(0), share.tag)
    if xml is None:
        return
    try:
        dom.detachDeviceFlags(xml, lv.VIR_DOMAIN_AFFECT_LIVE)
    except lv.libvirtError as e:
        if device_element(dom.XMLDesc(0), share.tag) is None:
            return
        raise DriverError(f'libvirt could not remove the shared folder {share.spec} from "{machine}": {e}',
                          reason_id="GUEST_MOUNT") from None
    deadline = time.monotonic() + DETACH_TIMEOUT
    while dom.isActive() and device_element(dom.XMLDesc(0), share.tag) is not None:
        if time.monotonic() > deadline:
            raise DriverError(f'"{machine}" did not release the shared folder {share.spec} within '
                              f"{DETACH_TIMEOUT:g}s (is it still mounted in the guest?)", reason_id="GUEST_MOUNT",
                              fix="Unmount it in the guest; it goes at the latest when the machine stops")
        time.sleep(POLL)
    log.info("shared folder %s (tag %s) removed from %s", share.spec, share.tag, machine)
    if machine_dir is not None and TAG.fullmatch(share.tag):
        (machine_dir / WRAPPER.format(share.tag)).unlink(missing_ok=True)


def _libvirt() -> Any:
    from ._libvirt import libvirt_module

    return libvirt_module()
