"""libmachine plugin protocol: spawn to first reply, and call latency, each beside a baseline.

A real venv gets real wheels of the core and the test plugin distribution (pip-installed, so
byte-compiled like any install).  Spawn to first reply is ``PluginDriver.launch`` (process start,
address line, dial, HTTP CONNECT, GetVersion answered) against ``python -c pass`` from the same
venv.  Call latency is GetState over our protocol against a plain length-prefixed JSON echo over
TCP loopback, served by the same interpreter.  Medians of interleaved runs.
"""

from __future__ import annotations

import json
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _timing import side_by_side, time_cmd  # noqa: E402
from minikube.machine.plugin import PluginDriver  # noqa: E402

DIST = ROOT / "core" / "tests" / "plugin" / "dists" / "minikube-plugin-testdriver"

ECHO_SERVER = r"""
import json, socket, struct, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print("%s:%d" % s.getsockname(), flush=True)
c, _ = s.accept()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
f = c.makefile("rb")
while True:
    head = f.read(4)
    if len(head) < 4:
        break
    req = json.loads(f.read(struct.unpack(">I", head)[0]))
    out = json.dumps({"id": req["id"], "result": 1, "error": ""}).encode()
    c.sendall(struct.pack(">I", len(out)) + out)
"""


def make_venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=False, clear=True).create(path)
    wheels = path / "wheels"
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    build = [*pip, "wheel", "--no-deps", "-w", str(wheels), str(ROOT / "core"), str(DIST)]
    if subprocess.run([*build, "--no-build-isolation"], capture_output=True).returncode != 0:
        subprocess.run(build, check=True, capture_output=True)
    subprocess.run([*pip, "--python", str(path / "bin" / "python"), "install", "--no-deps",
                    "--no-index", *map(str, sorted(wheels.glob("*.whl")))], check=True, capture_output=True)
    return path / "bin"


class JsonEcho:
    """The baseline: one request/response of length-prefixed JSON on loopback."""

    def __init__(self, python: str) -> None:
        self.proc = subprocess.Popen([python, "-c", ECHO_SERVER], stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        host, port = self.proc.stdout.readline().strip().rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")
        self.seq = 0

    def call(self) -> int:
        self.seq += 1
        data = json.dumps({"id": self.seq, "method": "RPCServerDriver.GetState", "params": {}}).encode()
        self.sock.sendall(struct.pack(">I", len(data)) + data)
        n = struct.unpack(">I", self.file.read(4))[0]
        return int(json.loads(self.file.read(n))["result"])

    def close(self) -> None:
        self.file.close()
        self.sock.close()
        self.proc.wait(5)


def per_call(fn: object, n: int) -> list[float]:
    call = fn  # type: ignore[assignment]
    out = []
    for _ in range(n):
        t = time.perf_counter()
        call()  # type: ignore[operator]
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bindir = make_venv(Path(tmp) / "venv")
        python, probe = str(bindir / "python"), str(bindir / "docker-machine-driver-pytest-probe")

        def first_reply() -> float:
            t = time.perf_counter()
            d = PluginDriver.launch("pytest-probe", executable=probe, heartbeat_interval=None)
            took = time.perf_counter() - t
            d.close()
            return took

        spawn = side_by_side({"plugin": first_reply, "pass": lambda: time_cmd([python, "-c", "pass"])},
                             rounds=21, warmup=3)

        d = PluginDriver.launch("pytest-probe", executable=probe)
        echo = JsonEcho(python)
        ours: list[float] = []
        base: list[float] = []
        for _ in range(3):
            per_call(d.get_state, 200)
            per_call(echo.call, 200)
        for _ in range(10):  # interleaved blocks
            ours += per_call(d.get_state, 500)
            base += per_call(echo.call, 500)
        threads = 8
        t0 = time.perf_counter()
        import threading

        workers = [threading.Thread(target=per_call, args=(d.get_state, 500)) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        concurrent = threads * 500 / (time.perf_counter() - t0)
        d.close()
        echo.close()

    lat, lat_base = statistics.median(ours), statistics.median(base)
    spawn_ratio, lat_ratio = spawn["plugin"] / spawn["pass"], lat / lat_base
    print("\n".join([
        "## Plugin protocol (libmachine: net/rpc + gob over loopback)", "",
        "| measurement | median | baseline | baseline median | ratio | target | ok |",
        "|---|---|---|---|---|---|---|",
        f"| spawn to first reply (Python plugin answers GetVersion) | {spawn['plugin'] * 1e3:.1f} ms "
        f"| `python -c pass` | {spawn['pass'] * 1e3:.1f} ms | {spawn_ratio:.2f}x | <= 3x "
        f"| {'yes' if spawn_ratio <= 3 else 'NO'} |",
        f"| GetState call latency | {lat * 1e6:.0f} us | length-prefixed JSON echo, TCP loopback "
        f"| {lat_base * 1e6:.0f} us | {lat_ratio:.2f}x | <= 2x | {'yes' if lat_ratio <= 2 else 'NO'} |",
        "",
        f"Calls per second, one thread: {1 / lat:,.0f} (JSON echo: {1 / lat_base:,.0f}); {threads} threads "
        f"sharing one connection: {concurrent:,.0f}.  Spawn: medians of 21 interleaved launches; latency: "
        f"medians over {len(ours):,} calls each, interleaved in blocks of 500.",
    ]))


if __name__ == "__main__":
    main()
