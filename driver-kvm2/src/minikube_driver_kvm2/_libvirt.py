"""libvirt access: the lazy import, connections, domain states, whom QEMU runs as, errors as reasons.

Split out of the driver so that every module talking to libvirtd (the driver, the network
code in ``_network``) shares one way to import libvirt-python and to turn its error text into
the reason IDs minikube users see, and so that what a connection tells us about the host
(domain states, the QEMU user under its security model) is read in one place.  libvirt is
imported on first use, never at import time: listing and health checks stay cheap.
"""

from __future__ import annotations

import os
from typing import Any

from minikube import DriverError
from minikube.machine import State

from ._host import Identity, is_local_system_uri

#: libvirt's virDomainState -> machine State (as minikube's kvm2 maps it).
_STATES = {1: State.RUNNING, 2: State.ERROR, 3: State.PAUSED, 4: State.STOPPING, 5: State.STOPPED,
           6: State.ERROR, 7: State.SAVED}


def machine_state(libvirt_state: int) -> State:
    """RUNNING -> Running; BLOCKED, CRASHED -> Error; PAUSED -> Paused; SHUTDOWN -> Stopping;
    SHUTOFF -> Stopped; PMSUSPENDED -> Saved; anything else (NOSTATE) -> None."""
    return _STATES.get(libvirt_state, State.NONE)


def _quiet(_ctx: object, _err: object) -> None:
    """libvirt prints every error on stderr by default; ours become one clear line instead."""


def libvirt_module() -> Any:
    try:
        import libvirt
    except ImportError as e:  # pragma: no cover - a dependency of this distribution
        raise DriverError(f"libvirt-python cannot be imported: {e}", reason_id="PROVIDER_KVM2_NOT_FOUND",
                          fix="pip install libvirt-python (it builds against libvirt-dev with pkg-config and gcc)") from None
    libvirt.registerErrorHandler(_quiet, None)
    return libvirt


def connection_error(uri: str, message: str) -> DriverError:
    """Why libvirt at ``uri`` cannot be used, as the reason minikube users need."""
    text = " ".join(message.split())
    if any(s in text for s in ("Failed to connect socket", "Connection refused", "No such file or directory")):
        return DriverError(f"libvirtd is not running (or not listening) for {uri}: {text}",
                           reason_id="PR_KVM_NOT_RUNNING",
                           fix="Start libvirtd: virtlogd -d && libvirtd -d (or: systemctl start libvirtd); "
                               "as root, minikube-kvm2-setup-host (installed with minikube-driver-kvm2) installs and starts everything")
    if "authentication" in text.lower() or "Permission denied" in text:
        return DriverError(f"not allowed to use libvirt at {uri}: {text}", reason_id="PR_KVM_USER_PERMISSION")
    return DriverError(f"cannot connect to libvirt at {uri}: {text}", reason_id="PR_KVM_URI")


def open_connection(uri: str) -> Any:
    lv = libvirt_module()
    try:
        return lv.open(uri)
    except lv.libvirtError as e:
        raise connection_error(uri, str(e)) from None


def qemu_run_as(conn: Any, uri: str) -> tuple[int, int] | None:
    """The uid:gid QEMU is told to run as, on a local system libvirtd with DAC labels.

    An ordinary caller's own (machine directories are 0700, which libvirt's QEMU user cannot
    enter); root's never: then libvirt's unprivileged QEMU user (``libvirt-qemu`` on Debian),
    with the machine's files relabelled for it by libvirt, so a guest escaping QEMU is not root.
    """
    if not is_local_system_uri(uri):
        return None
    import xml.etree.ElementTree as ET

    dac = next((m for m in ET.fromstring(conn.getCapabilities()).findall("./host/secmodel")
                if m.findtext("model") == "dac"), None)
    if dac is None:
        return None
    if os.geteuid() != 0:
        return os.geteuid(), os.getegid()
    return unprivileged_qemu_user([b.text or "" for b in dac.findall("baselabel")])


#: Where libvirt is configured to run QEMU as root (user = "root" in qemu.conf), the users its
#: packages make for QEMU: Debian's and Fedora's.
QEMU_USERS = ("libvirt-qemu", "qemu")


def unprivileged_qemu_user(baselabels: list[str]) -> tuple[int, int]:
    """libvirt's QEMU user:group (its DAC base label ``+uid:+gid``) unless that is root, else a
    QEMU user that libvirt's packages make."""
    import pwd
    import re

    for text in baselabels:
        m = re.fullmatch(r"\+?(\d+):\+?(\d+)", text.strip())
        if m and int(m.group(1)) != 0:
            return int(m.group(1)), int(m.group(2))
    for name in QEMU_USERS:
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return pw.pw_uid, pw.pw_gid
    raise DriverError("libvirt runs QEMU as root here and there is no unprivileged QEMU user "
                      f"({' or '.join(QEMU_USERS)}) for minikube to run it as", reason_id="PR_KVM_USER_PERMISSION",
                      fix="Reinstall libvirt's daemon package (it makes the libvirt-qemu user), "
                          "or run minikube as an ordinary user in the libvirt group")


def qemu_identity(conn: Any, uri: str) -> Identity:
    """Whom QEMU runs as under ``conn``: whoever :func:`qemu_run_as` names, else root on a system libvirtd."""
    run_as = qemu_run_as(conn, uri)
    if run_as is not None:
        return Identity.current() if run_as[0] == os.geteuid() else Identity.of_label(*run_as)
    if not is_local_system_uri(uri):
        return Identity.current()
    return Identity("root", 0, 0, frozenset({0}))  # a system libvirtd without DAC runs QEMU as root


def start_error(name: str, message: str, console_log: str) -> DriverError:
    """Why the domain ``name`` did not start (libvirt's ``create`` error), as a reason."""
    text = " ".join(message.split())
    if "Permission denied" in text and ("Could not open" in text or "could not open" in text):
        return DriverError(f"QEMU cannot open the machine's files: {text}", reason_id="PR_KVM_ISO_PERMISSION")
    if "KVM_CREATE_VM" in text and "busy" in text:
        return DriverError(f"KVM is in use by another hypervisor: {text}", reason_id="GUEST_START",
                           fix="Stop the other hypervisor (e.g. VirtualBox), or use --kvm-virt-type qemu")
    return DriverError(f'cannot start the domain "{name}": {text}', reason_id="GUEST_START",
                       fix=f"See {console_log} and libvirt's log /var/log/libvirt/qemu/{name}.log")
