"""Multi-node kvm2 profiles: nodes made at once against one node, side by side in one run.

On the real libvirtd with the tiny ISO under software emulation (TCG), every case to the end of
``minikube start`` (every node created, booted and given its IP), interleaved, one profile each,
deleted (untimed) before the next:

* ``minikube start`` of one node: the baseline;
* ``minikube start --nodes 2``: both machines made at once (kvm2 declares ``parallel``).
  Target: <= 1.5x one node;
* ``minikube start --nodes 3``: reported;
* ``minikube start`` then ``minikube node add``: exactly the two nodes one after another;
* the host's own limit: the same guests without minikube (bench_kvm2's baseline: ``virsh define``
  + ``virsh start`` + a lease poll), one guest and two at once.

Every guest has the same image and sizes.  ``BENCH_MULTINODE_CPUS`` sets each guest's CPUs
(default 1: under TCG a booting guest is CPU-bound, so on a small host two guests of two CPUs
each compete for the CPUs, as plain ``virsh`` starting them at once shows too).
``BENCH_MULTINODE_ROUNDS`` sets the rounds (default 3).  Needs root and libvirt (as bench_kvm2);
elsewhere it prints why it was skipped.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_kvm2  # noqa: E402  (its host checks, tiny ISO and virsh)

TITLE = "kvm2 multi-node: nodes made at once vs one node (tiny ISO, TCG)"
TARGET = 1.5


def skip(reason: str) -> None:
    print(f"## {TITLE}\n\nskipped: {reason}\n")
    raise SystemExit(0)


def main() -> None:
    bench_kvm2.skip = skip  # its host checks print this benchmark's title when they skip
    bench_kvm2.ensure_host()
    iso = bench_kvm2.tiny_iso()
    rounds = int(os.environ.get("BENCH_MULTINODE_ROUNDS", "3"))
    cpus = os.environ.get("BENCH_MULTINODE_CPUS", "1")
    sizes = ["--memory", "512mb", "--disk-size", "256mb", "--cpus", cpus, "--force"]  # as bench_kvm2's
    minikube = str(Path(sys.executable).with_name("minikube"))
    work = Path(tempfile.mkdtemp(prefix="bench-multinode-", dir="/tmp"))
    env = {**os.environ, "MINIKUBE_HOME": str(work / "mkhome"), "XDG_CACHE_HOME": str(work / "xdg")}
    made: list[str] = []
    baseline = bench_kvm2.Baseline(work, iso, cpus=int(cpus))

    def run(*args: str) -> None:
        p = subprocess.run([minikube, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            raise RuntimeError(f"minikube {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()[-2000:]}")

    def profile() -> str:
        name = f"bmn-{os.getpid()}-{len(made)}"
        made.append(name)
        return name

    def check_and_delete(name: str, nodes: int) -> None:
        machines = [name] + [f"{name}-m{i:02d}" for i in range(2, nodes + 1)]
        states = {m: bench_kvm2.virsh("domstate", m, check=False).strip() for m in machines}
        if set(states.values()) != {"running"}:
            raise RuntimeError(f"not every node is running after the timed commands: {states}")
        run("delete", "-p", name)

    def start(nodes: int) -> Callable[[], float]:
        def case() -> float:
            name = profile()
            t = time.perf_counter()
            run("start", "-p", name, "--driver", "kvm2", "--kvm-virt-type", "qemu", "--nodes", str(nodes),
                "--iso-url", str(iso), *sizes)
            took = time.perf_counter() - t
            check_and_delete(name, nodes)
            return took
        return case

    def one_after_another() -> float:
        name = profile()
        t = time.perf_counter()
        run("start", "-p", name, "--driver", "kvm2", "--kvm-virt-type", "qemu", "--iso-url", str(iso), *sizes)
        run("node", "add", "-p", name)
        took = time.perf_counter() - t
        check_and_delete(name, 2)
        return took

    cases = {"one": start(1), "two": start(2), "three": start(3), "sequential": one_after_another,
             "virsh one": baseline.boot, "virsh two": lambda: baseline.boot(2)}
    samples: dict[str, list[float]] = {k: [] for k in cases}
    try:
        run("drivers", "list")  # warm the driver index
        for _ in range(rounds):
            for k, fn in cases.items():
                samples[k].append(fn())
                print(f"{k}: {samples[k][-1]:.1f} s", file=sys.stderr, flush=True)
    finally:
        for name in made:
            subprocess.run([minikube, "delete", "-p", name], env=env, capture_output=True)
        baseline.close()
        shutil.rmtree(work, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in samples.items()}
    one = med["one"]
    one, base = med["one"], med["virsh one"]
    rows = [
        ("`minikube start` (one node): the baseline", med["one"], med["virsh one"], ""),
        ("`minikube start --nodes 2` (made at once)", med["two"], med["virsh two"], f"<= {TARGET}x"),
        ("`minikube start --nodes 3` (made at once)", med["three"], None, ""),
        ("`minikube start` + `minikube node add` (two nodes, one after another)", med["sequential"], None, ""),
    ]
    out = [f"## {TITLE}", "", "| measurement | median | vs one node | plain libvirt, as many guests at once | "
           "vs one guest | target | ok |", "|---|---|---|---|---|---|---|"]
    for what, m, v, target in rows:
        ratio = m / one
        ok = ("yes" if ratio <= TARGET else "NO") if target else ""
        plain = f"{v * 1000:.0f} ms | {v / base:.2f}x" if v is not None else "- | -"
        out.append(f"| {what} | {m * 1000:.0f} ms | {ratio:.2f}x | {plain} | {target} | {ok} |")
    out += ["", f"Two nodes at once take {med['two'] / med['sequential']:.2f}x the time of the same two one after "
            f"another. Medians of {rounds} interleaved rounds; every guest {cpus} CPU(s), 512 MB, 256 MB disk "
            "(`--force`), the tiny ISO under software emulation (`--kvm-virt-type qemu`); each profile is "
            "deleted (untimed) before the next case. Plain libvirt: the same guests (domain XML, disk, ISO made "
            "beforehand) defined and started at once by `virsh`, until each has its DHCP lease. Every sample: "
            + "; ".join(f"{k} " + ", ".join(f"{s:.1f}" for s in v) + " s" for k, v in samples.items()) + "."]
    print("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
