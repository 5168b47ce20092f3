"""Shared folders: sequential write and read of a 64 MiB file through virtiofs and through 9p, on
the same VM image, against ``minikube ssh`` piping the same bytes, side by side in one run.

Two qemu2 machines boot the tiny ISO under software emulation, as the ordinary test user in a
network namespace with only loopback (driver-qemu2/tests/vmhost.py sets that up): one made with
``--mount-type virtiofs``, one with ``--mount-type 9p``.  Each round runs every case once, in turn:

* share write: ``dd if=/dev/zero of=DST/f bs=1M count=64 conv=fsync`` in the guest;
* share read: the guest's page cache dropped, then ``dd if=DST/f of=/dev/null bs=1M``;
* ssh write/read: ``minikube ssh -- 'cat > /tmp/f' < file`` and ``minikube ssh -- cat /tmp/f``,
  timed on the host (the guest's /tmp is in its memory, so only the pipe is measured).

The guest times its own dd with ``/proc/uptime`` (10 ms steps).  No target: the issue asks for the
figures and the ratios.  Needs root (user, namespace); elsewhere it prints why it was skipped.
``BENCH_MOUNTS_ROUNDS`` sets the rounds (default 3).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TITLE = "Shared folders: virtiofs vs 9p vs minikube ssh (64 MiB, qemu2, tiny ISO, TCG)"
MIB = 64
SMALL = ["--memory", "1024mb", "--disk-size", "2000mb", "--cpus", "2", "--force"]
GUEST_DST = "/mnt/share"


def skip(reason: str) -> None:
    print(f"## {TITLE}\n\nskipped: {reason}\n")
    raise SystemExit(0)


def guest_seconds(out: str) -> float:
    """The last line of a guest command that printed ``START END`` from /proc/uptime."""
    start, end = (float(x) for x in out.strip().splitlines()[-1].split())
    return max(end - start, 0.01)


def timed_in_guest(command: str) -> str:
    """``command`` (as root: the share's files belong to the host user) timed by the guest; a
    failure ends the benchmark with dd's own words, never as a fast run."""
    return (f"read a _ < /proc/uptime; sudo {command} >/dev/null 2>/tmp/bench.err || {{ cat /tmp/bench.err >&2; "
            "exit 1; }; read b _ < /proc/uptime; echo $a $b")


def main() -> None:
    if os.geteuid() != 0:
        skip("needs root (it makes the test user and a loopback-only network namespace)")
    sys.path.insert(0, str(ROOT / "driver-qemu2" / "tests"))
    try:
        import vmhost
    except ImportError as e:
        skip(f"cannot load driver-qemu2/tests/vmhost.py: {e}")
    why = vmhost.cannot_run()
    if why:
        skip(why)
    host = vmhost.prepare()
    home = host.home()
    rounds = int(os.environ.get("BENCH_MOUNTS_ROUNDS", "3"))
    profiles = {"virtiofs": "bench-vfs", "9p": "bench-9p"}

    def mk(*args: str, timeout: float = 600, stdin: int | None = None, stdout: int | None = None
           ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(host.argv(home, str(host.venv / "bin" / "minikube"), *args), text=True, cwd=home,
                              stdin=stdin if stdin is not None else subprocess.DEVNULL,
                              stdout=stdout if stdout is not None else subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout)

    def ssh(profile: str, command: str) -> str:
        p = mk("ssh", "-p", profile, "--", command)
        if p.returncode != 0:
            raise RuntimeError(f"{command}: {p.stderr}")
        return p.stdout

    try:
        for kind, profile in profiles.items():
            src = home / f"src-{kind}"
            src.mkdir()
            os.chown(src, host.uid, -1)
            p = mk("start", "-p", profile, "--driver", "qemu2", "--qemu-virt-type", "tcg", "--iso-url", str(host.iso),
                   "--mount-string", f"{src}:{GUEST_DST}", "--mount-type", kind, *SMALL)
            if p.returncode != 0:
                raise RuntimeError(f"start {profile}: {p.stderr}")
        payload = home / "payload"
        with open(payload, "wb") as f:
            f.write(os.urandom(MIB << 20))
        os.chown(payload, host.uid, -1)

        def share_write(kind: str) -> float:
            return guest_seconds(ssh(profiles[kind], timed_in_guest(
                f"dd if=/dev/zero of={GUEST_DST}/f bs=1M count={MIB} conv=fsync")))

        def share_read(kind: str) -> float:
            ssh(profiles[kind], "sync; echo 3 | sudo tee /proc/sys/vm/drop_caches")
            return guest_seconds(ssh(profiles[kind], timed_in_guest(f"dd if={GUEST_DST}/f of=/dev/null bs=1M")))

        def ssh_write() -> float:
            t = time.perf_counter()
            with open(payload, "rb") as f:
                p = mk("ssh", "-p", profiles["9p"], "--", "cat > /tmp/f", stdin=f.fileno())
            if p.returncode != 0:
                raise RuntimeError(p.stderr)
            return time.perf_counter() - t

        def ssh_read() -> float:
            t = time.perf_counter()
            p = mk("ssh", "-p", profiles["9p"], "--", "cat /tmp/f", stdout=subprocess.DEVNULL)
            if p.returncode != 0:
                raise RuntimeError(p.stderr)
            return time.perf_counter() - t

        cases = {"virtiofs write": lambda: share_write("virtiofs"), "9p write": lambda: share_write("9p"),
                 "ssh write": ssh_write, "virtiofs read": lambda: share_read("virtiofs"),
                 "9p read": lambda: share_read("9p"), "ssh read": ssh_read}
        samples: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(rounds):
            for k, fn in cases.items():
                samples[k].append(fn())
        med = {k: statistics.median(v) for k, v in samples.items()}
    finally:
        for profile in profiles.values():
            mk("delete", "-p", profile, timeout=300)
        shutil.rmtree(home, ignore_errors=True)
    print(report(med, rounds))


def report(med: dict[str, float], rounds: int) -> str:
    def rate(k: str) -> float:
        return MIB / med[k]

    out = [f"## {TITLE}", "", "| direction | virtiofs | 9p | minikube ssh | virtiofs / 9p | virtiofs / ssh | "
           "9p / ssh |", "|---|---|---|---|---|---|---|"]
    for d in ("write", "read"):
        v, n, s = rate(f"virtiofs {d}"), rate(f"9p {d}"), rate(f"ssh {d}")
        out.append(f"| {d} | {v:.1f} MB/s | {n:.1f} MB/s | {s:.1f} MB/s | {v / n:.2f}x | {v / s:.2f}x | "
                   f"{n / s:.2f}x |")
    out += ["", f"Medians of {rounds} interleaved rounds (MB/s = MiB moved / seconds; higher is better).  The "
            "shares are timed inside the guest (dd, page cache dropped before each read); ssh on the host "
            "(the guest's /tmp is in memory).  Under software emulation every figure is CPU-bound: the ratios "
            "matter more than the rates."]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
