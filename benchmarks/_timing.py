"""Side-by-side timing: interleaved runs, medians, ratios (shared machines are noisy)."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Sequence


def time_cmd(argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(list(argv), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t


def side_by_side(cases: dict[str, Callable[[], float]], rounds: int = 15, warmup: int = 2) -> dict[str, float]:
    """Run every case once per round, in turn, and return each one's median in seconds."""
    for _ in range(warmup):
        for fn in cases.values():
            fn()
    samples: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(rounds):
        for k, fn in cases.items():
            samples[k].append(fn())
    return {k: statistics.median(v) for k, v in samples.items()}


def table(title: str, rows: list[tuple[str, float, float, float]], note: str = "") -> str:
    """rows: (what, measured seconds, baseline seconds, target ratio)."""
    out = [f"## {title}", "", "| measurement | median | baseline median | ratio | target | ok |",
           "|---|---|---|---|---|---|"]
    for what, m, b, target in rows:
        r = m / b if b else float("inf")
        out.append(f"| {what} | {m * 1000:.1f} ms | {b * 1000:.1f} ms | {r:.2f}x | <= {target}x | "
                   f"{'yes' if r <= target else 'NO'} |")
    if note:
        out += ["", note]
    return "\n".join(out) + "\n"


def enter_netns(name: str) -> None:
    """This process (and so its children) into the network namespace ``name``: every packet to a
    guest stays inside a namespace the benchmark made."""
    import ctypes
    import os

    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
        raise OSError(ctypes.get_errno(), "setns")
    os.close(fd)


def login(host: str, port: int, user: str, key: str, timeout: float = 300.0, interval: float = 0.25) -> None:
    """The baseline's way to a working SSH: what a person scripting it by hand does, OpenSSH with
    the key running ``exit 0`` every ``interval`` seconds until it succeeds."""
    argv = ["ssh", "-i", key, "-p", str(port), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5",
            f"{user}@{host}", "exit 0"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True).returncode == 0:
            return
        time.sleep(interval)
    raise RuntimeError(f"no SSH login at {host}:{port} within {timeout:g}s")
