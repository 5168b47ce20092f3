"""STAND-IN for hyperkit, written for these tests (no hypervisor exists on the test machines).

It honours the parts of hyperkit's command-line contract the driver relies on:

* ``-v`` prints a version the way hyperkit does (``STANDIN_HYPERKIT_VERSION_OUTPUT`` overrides
  it, ``STANDIN_HYPERKIT_VERSION_SLEEP`` makes it slow, ``STANDIN_HYPERKIT_VERSION_EXIT`` fail);
* otherwise it appends its arguments (one JSON list per line) to ``STANDIN_HYPERKIT_RECORD``,
  writes its pid to the ``-F`` pid file (O_EXCL, like hyperkit, which refuses to start over
  an existing pid file), writes boot lines to the ``log=`` console ring of ``-l com1,...``,
  then sleeps until SIGTERM, removing the pid file on the way out.

``STANDIN_HYPERKIT_MODE``: ``run`` (default), ``crash`` (print an error, write a console line,
exit 1 at start), ``ignore-term`` (SIGTERM is ignored; only SIGKILL stops it).

``STANDIN_HYPERKIT_BOOTPD_LEASES`` names a lease file: the stand-in then also plays macOS's
bootpd for the VM it runs.  A VM with a vmnet device (``-s N:0,virtio-net``) and ``-U <uuid>``
gets a lease for its MAC there unless that MAC already has one, with the first 192.168.64.x
(x from 2, where bootpd's range for vmnet starts) that no lease in the file holds.  The MAC is
the one the driver computes off macOS (``standin_mac_for_uuid``: the UUID's last 6 bytes, the
multicast bit cleared, the locally administered bit set), written as bootpd writes MACs
(leading zeros dropped: ``8e:1:99:2a:5:b``).  Unset, no lease is ever written (bootpd not
answering).
"""

import fcntl
import json
import os
import re
import signal
import sys
import time
import uuid as _uuid

SUBNET = "192.168.64."
LEASE_SECONDS = 86400  # bootpd's default lease time

DEFAULT_VERSION = "hyperkit: v0.20190201-11-gc0dd46\n\nHomepage: https://github.com/docker/hyperkit\nLicense: BSD\n\n"


def opt(args, flag):
    return [args[i + 1] for i in range(len(args) - 1) if args[i] == flag]


def vmnet_mac(uuid):
    """The MAC of ``standin_mac_for_uuid`` (minikube_driver_hyperkit._vmnet), as a bootpd lease spells it."""
    node = bytearray(_uuid.UUID(uuid).bytes[10:])
    node[0] = (node[0] | 0x02) & 0xFE
    return ":".join(format(b, "x") for b in node)


def mac_bytes(text):
    try:
        parts = [int(p, 16) for p in text.strip().split(":")]
    except ValueError:
        return None
    return bytes(parts) if len(parts) == 6 and all(0 <= p <= 255 for p in parts) else None


def bootpd_lease(args, path):
    """Give the VM's MAC a lease in ``path`` as bootpd would, unless it has one already."""
    uuids = opt(args, "-U")
    if not uuids or not any(re.fullmatch(r"\d+(:\d+)?,virtio-net", s) for s in opt(args, "-s")):
        return
    mac = vmnet_mac(uuids[-1])
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # two VMs starting at once must not take one address
        with open(fd, closefd=False, errors="replace") as f:
            text = f.read()
        held = set()
        for line in text.splitlines():
            key, _, value = line.strip().partition("=")
            if key == "hw_address":
                hw_type, _, hw = value.partition(",")
                if hw_type.strip() == "1" and mac_bytes(hw) == mac_bytes(mac):
                    return  # bootpd renews the lease it gave; the address stays
            elif key == "ip_address":
                held.add(value.strip())
        free = [f"{SUBNET}{x}" for x in range(2, 255) if f"{SUBNET}{x}" not in held]
        if not free:
            return  # bootpd's pool is used up: no lease
        name = "minikube"  # the hostname minikube's ISO sends
        expiry = int(time.time()) + LEASE_SECONDS
        sep = "" if not text or text.endswith("\n") else "\n"  # after a half-written line
        block = (f"{sep}{{\n\tname={name}\n\tip_address={free[0]}\n\thw_address=1,{mac}\n"
                 f"\tidentifier=1,{mac}\n\tlease={expiry:#x}\n}}\n")
        os.write(fd, block.encode())
    finally:
        os.close(fd)  # releases the lock


def main():
    args = sys.argv[1:]
    if args[:1] == ["-v"]:
        time.sleep(float(os.environ.get("STANDIN_HYPERKIT_VERSION_SLEEP", "0")))
        sys.stdout.write(os.environ.get("STANDIN_HYPERKIT_VERSION_OUTPUT", DEFAULT_VERSION))
        sys.exit(int(os.environ.get("STANDIN_HYPERKIT_VERSION_EXIT", "0")))
    record = os.environ.get("STANDIN_HYPERKIT_RECORD")
    if record:
        with open(record, "a") as f:
            f.write(json.dumps(args) + "\n")
    ring = ""
    for lpc in opt(args, "-l"):
        for part in lpc.split(","):
            if part.startswith("log="):
                ring = part[4:]
    mode = os.environ.get("STANDIN_HYPERKIT_MODE", "run")
    if mode == "crash":
        if ring:
            with open(ring, "a") as f:
                f.write("[    0.000000] Linux version 4.19.107 (stand-in)\n[    0.412345] Kernel panic - not syncing: stand-in crash\n")
        sys.stderr.write("vmx_set_ctlreg: cap_field: 2 bit: 20 unspecified don't care: bit is 0\n")
        sys.stderr.write("hv_vm_create failed: stand-in hyperkit asked to crash\n")
        sys.exit(1)
    for pidfile in opt(args, "-F"):
        try:
            fd = os.open(pidfile, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except OSError:
            sys.stderr.write("Failed to set up pidfile\npidfile error -1\n")
            sys.exit(1)
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)

    def leave(*_):
        for pidfile in opt(args, "-F"):
            try:
                os.unlink(pidfile)
            except OSError:
                pass
        sys.exit(0)

    signal.signal(signal.SIGTERM, signal.SIG_IGN if mode == "ignore-term" else leave)
    if ring:
        with open(ring, "a") as f:
            f.write("[    0.000000] Linux version 4.19.107 (stand-in)\nWelcome to minikube (stand-in)\n")
    leases = os.environ.get("STANDIN_HYPERKIT_BOOTPD_LEASES")
    if leases:
        bootpd_lease(args, leases)  # the guest booted and asked vmnet's DHCP server for an address
    while True:
        time.sleep(3600)


main()
