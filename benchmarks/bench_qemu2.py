"""qemu2 against a hand-written QEMU command line, side by side in one run, with the tiny ISO under
software emulation, inside a network namespace with only loopback.

* ``minikube start --driver qemu2`` (ISO copy, key, qcow2 disk, QEMU, minikube's wait until the
  guest runs a command over SSH) and the first ``minikube ssh -- true`` vs the same guest started
  by hand: the same ISO, key and qcow2 disk made beforehand, then ``qemu-system-x86_64 ...
  -daemonize`` with the same options and ``ssh -i KEY ... exit 0`` every 0.25 s until it works.
  Target: <= 1.15x (the wait costs no more than the readiness it buys).

Needs root (for the namespace) and qemu-system-x86_64/qemu-img; elsewhere it prints why it was
skipped.  ``BENCH_QEMU2_ROUNDS`` sets the boots per side (default 3).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _timing import enter_netns, login, side_by_side, table  # noqa: E402

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


def main() -> None:
    if os.geteuid() != 0:
        skip("needs root (a network namespace keeps every packet on this machine)")
    for tool in ("qemu-system-x86_64", "qemu-img", "ip"):
        if shutil.which(tool) is None:
            skip(f"{tool} is not installed")
    if NETNS not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split():
        subprocess.run(["ip", "netns", "add", NETNS], check=True)
    subprocess.run(["ip", "netns", "exec", NETNS, "ip", "link", "set", "lo", "up"], check=True)
    enter_netns(NETNS)

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
        login("127.0.0.1", ssh, "docker", str(d / "id_rsa"))
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
        subprocess.run([minikube, "ssh", "--", "true"], env=env, check=True, capture_output=True,
                       stdin=subprocess.DEVNULL)  # the first ssh works: no retry
        took = time.perf_counter() - t
        subprocess.run([minikube, "delete"], env=env, capture_output=True)
        return took

    try:
        med = side_by_side({"minikube": with_minikube, "hand": by_hand}, rounds=rounds, warmup=0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(table(TITLE, [("`start` + first `minikube ssh` vs boot to a working ssh login (tiny ISO, TCG)",
                         med["minikube"], med["hand"], 1.15)],
                note=f"Medians of {rounds} interleaved boots per side.  The hand-written side's ISO copy, key "
                     "and disk are made before its clock starts; minikube's include them."))


if __name__ == "__main__":
    main()
