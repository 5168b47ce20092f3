"""qemu2 against a hand-written QEMU command line, side by side in one run, with the tiny ISO under
software emulation, inside a network namespace with only loopback.

* ``minikube start --driver qemu2`` (ISO copy, key, qcow2 disk, QEMU, wait for the SSH greeting)
  vs the same guest started by hand: the same ISO, key and qcow2 disk made beforehand, then
  ``qemu-system-x86_64 ... -daemonize`` with the same options and a poll of the forwarded SSH port
  for the server's greeting every 0.25 s.  Target: <= 1.15x.

Needs root (for the namespace) and qemu-system-x86_64/qemu-img; elsewhere it prints why it was
skipped.  ``BENCH_QEMU2_ROUNDS`` sets the boots per side (default 3).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _timing import side_by_side, table  # noqa: E402

NETNS = "mk-qemu2-bench"
SMALL = ["--memory", "512mb", "--disk-size", "2000mb", "--cpus", "2", "--force"]
TITLE = "qemu2: minikube vs a hand-written QEMU command line"


def skip(reason: str) -> None:
    print(f"## {TITLE}\n\nskipped: {reason}\n")
    raise SystemExit(0)


def tiny_iso() -> Path:
    given = os.environ.get("MINIKUBE_TINY_ISO")
    if given:
        return Path(given)
    out = subprocess.run(["bash", str(ROOT / "driver-kvm2" / "iso" / "build-tiny-iso.sh")], capture_output=True,
                         text=True, check=True).stdout
    return Path(out.strip().splitlines()[-1])


def in_netns(argv: list[str]) -> list[str]:
    return ["ip", "netns", "exec", NETNS, *argv]


def greeting(port: int, timeout: float = 300.0) -> None:
    """Poll 127.0.0.1:port (inside the namespace: this process entered it) for an SSH greeting."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
                c.settimeout(2)
                if c.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"no SSH greeting on {port}")


def enter_netns() -> None:
    """This process (and so its children) into the namespace: the greeting polls reach the forwards."""
    import ctypes

    fd = os.open(f"/run/netns/{NETNS}", os.O_RDONLY)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
        raise OSError(ctypes.get_errno(), "setns")
    os.close(fd)


def main() -> None:
    if os.geteuid() != 0:
        skip("needs root (a network namespace keeps every packet on this machine)")
    for tool in ("qemu-system-x86_64", "qemu-img", "ip"):
        if shutil.which(tool) is None:
            skip(f"{tool} is not installed")
    if NETNS not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split():
        subprocess.run(["ip", "netns", "add", NETNS], check=True)
    subprocess.run(["ip", "netns", "exec", NETNS, "ip", "link", "set", "lo", "up"], check=True)
    enter_netns()

    from minikube.machine import generate_ssh_key, write_raw_disk
    from minikube_driver_qemu2._cmdline import Spec, argv
    from minikube_driver_qemu2._ports import free_ports

    iso = tiny_iso()
    minikube = str(Path(sys.executable).with_name("minikube"))
    work = Path(tempfile.mkdtemp(prefix="bench-qemu2-"))
    rounds = int(os.environ.get("BENCH_QEMU2_ROUNDS", "3"))
    n = [0]

    def by_hand() -> float:
        d = work / f"hand-{n[0]}"
        n[0] += 1
        d.mkdir()
        shutil.copyfile(iso, d / "boot2docker.iso")
        write_raw_disk(d / "disk.qcow2.raw", generate_ssh_key(d / "id_rsa"), 2000)
        subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(d / "disk.qcow2.raw"),
                        str(d / "disk.qcow2")], check=True)
        ssh, engine = free_ports(2)
        cmd = argv(Spec(program="qemu-system-x86_64", machine_dir=d, name="hand", memory_mb=512, cpus=2,
                        accel="tcg", ssh_port=ssh, engine_port=engine))
        t = time.perf_counter()
        subprocess.run(cmd, cwd=d, check=True, capture_output=True)
        greeting(ssh)
        took = time.perf_counter() - t
        os.kill(int((d / "qemu.pid").read_text()), signal.SIGKILL)
        return took

    def with_minikube() -> float:
        home = work / f"mk-{n[0]}"
        n[0] += 1
        env = {**os.environ, "MINIKUBE_HOME": str(home), "MINIKUBE_ISO_MIRRORS": "http://127.0.0.1:9/"}
        t = time.perf_counter()
        subprocess.run([minikube, "start", "--driver", "qemu2", "--qemu-virt-type", "tcg", "--iso-url", str(iso),
                        *SMALL], env=env, check=True, capture_output=True)
        took = time.perf_counter() - t
        subprocess.run([minikube, "delete"], env=env, capture_output=True)
        return took

    try:
        med = side_by_side({"minikube": with_minikube, "hand": by_hand}, rounds=rounds, warmup=0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(table(TITLE, [("start to working ssh (tiny ISO, TCG)", med["minikube"], med["hand"], 1.15)],
                note=f"Medians of {rounds} interleaved boots per side.  The hand-written side's ISO copy, key "
                     "and disk are made before its clock starts; minikube's include them."))


if __name__ == "__main__":
    main()
