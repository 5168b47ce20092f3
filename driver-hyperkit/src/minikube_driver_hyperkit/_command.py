"""hyperkit's command line, built as moby/hyperkit's Go wrapper builds it.

minikube's Go driver calls that wrapper; we fold it in.  This module is the wrapper's argument
building (a pure function of the VM's settings: PCI slots, disks, vsock, console, kexec boot),
kept apart from the driver class, which decides the settings and runs the process.  The names of
the files hyperkit itself writes into the state directory (pid file, console ring) live here,
with the arguments that tell it to write them.
"""

from __future__ import annotations

from minikube import DriverError

PID_FILE = "hyperkit.pid"
CONSOLE_RING = "console-ring"
VSOCK_GUEST_CID = 3


def hyperkit_args(*, state_dir: str, cpus: int, memory: int, uuid: str, disks: list[str], iso: str,
                  kernel: str, initrd: str, cmdline: str, vpnkit_sock: str = "",
                  vsock_ports: list[int] | None = None, vmnet: bool = True) -> list[str]:
    """hyperkit's arguments, slot by slot, exactly as moby/hyperkit's Go wrapper builds them."""
    a = ["-A", "-u", "-F", f"{state_dir}/{PID_FILE}", "-c", str(cpus), "-m", f"{memory}M",
         "-s", "0:0,hostbridge", "-s", "31,lpc"]
    slot = 1
    if vpnkit_sock:
        a += ["-s", f"{slot}:0,virtio-vpnkit,path={vpnkit_sock}"]
        slot += 1
    if vmnet:
        a += ["-s", f"{slot}:0,virtio-net"]
        slot += 1
    if uuid:
        a += ["-U", uuid]
    for disk in disks:
        a += ["-s", f"{slot}:0,virtio-blk,{disk}"]
        slot += 1
    if vsock_ports:
        forwards = ";".join(str(p) for p in vsock_ports)
        a += ["-s", f"{slot},virtio-sock,guest_cid={VSOCK_GUEST_CID},path={state_dir},guest_forwards={forwards}"]
        slot += 1
    if iso:
        a += ["-s", f"{slot},ahci-cd,{iso}"]
        slot += 1
    a += ["-s", f"{slot},virtio-rnd"]
    a += ["-l", f"com1,autopty={state_dir}/tty,log={state_dir}/{CONSOLE_RING}"]
    a += ["-f", f"kexec,{kernel},{initrd},earlyprintk=serial {cmdline}"]
    return a


def parse_vsock_ports(ports: list[str]) -> list[int]:
    out = []
    for p in ports:
        try:
            out.append(int(p))
        except ValueError:
            raise DriverError(f"vsock port '{p}' is not an integer", reason_id="MK_USAGE") from None
    return out
