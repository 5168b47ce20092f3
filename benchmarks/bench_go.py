"""A Go driver plugin under minikube: `minikube status` against Go's own floor.

The live Go peer of the plugin tests (core/tests/plugin/go/, libmachine's plugin and client
mirrored with Go's standard library) is built with ``go build``, offline.  A real venv from a
wheelhouse holds the core; the Go plugin ``docker-machine-driver-gopeer`` is first on PATH, and a
profile is started on it.  Then, interleaved, medians compared: ``minikube status`` (Python start-up,
the profile, the plugin launched, SetConfigRaw, GetState, Close) against the Go client doing what
docker-machine does for the same machine (launch, SetConfigRaw from the same config.json,
GetMachineName, GetState, Close): the floor a Go binary would reach.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _timing import side_by_side, table, time_cmd  # noqa: E402
from minikube.machine.plugin import PluginDriver  # noqa: E402
from minikube.testing import Venv, Wheelhouse  # noqa: E402

GO_SRC = ROOT / "core" / "tests" / "plugin" / "go"


def build_go_peer(out: Path) -> Path:
    """``go build`` the Go plugin and client (offline: GOPROXY=off, no module is downloaded)."""
    go = shutil.which("go")
    if go is None:
        raise SystemExit("bench_go: `go` (Go >= 1.19) is not on PATH: run `bash scripts/setup-go.sh`")
    cache = Path(tempfile.gettempdir()) / f"minikube-go-peer-{os.getuid()}"
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOTOOLCHAIN": "local", "GO111MODULE": "on",
           "GOWORK": "off", "GOSUMDB": "off", "CGO_ENABLED": "0"}
    env.setdefault("GOCACHE", str(cache / "go-build"))
    env.setdefault("GOPATH", str(cache / "gopath"))
    subprocess.run([go, "build", "-trimpath", "-o", str(out) + os.sep, "./cmd/..."], cwd=GO_SRC, env=env,
                   check=True)
    return out


def main() -> str:
    tmp = Path(tempfile.mkdtemp(prefix="bench-go-"))
    try:
        go_bin = build_go_peer(tmp / "go-bin")
        wh = Wheelhouse.build(tmp / "wh", ROOT / "core")
        v = Venv.create(tmp / "venv", wh)
        v.install("minikube")
        home = tmp / "home"
        env = {"MINIKUBE_HOME": str(home), "XDG_CACHE_HOME": str(tmp / "xdg"),
               "PATH": os.pathsep.join([str(go_bin), str(v.bin), os.environ.get("PATH", "")])}
        v.minikube("start", "--driver", "gopeer", "-p", "bench", env=env, check=True)
        full = v.env(env)
        mk, client = str(v.bin / "minikube"), str(go_bin / "goclient")
        host = str(home / "machines" / "bench" / "config.json")
        for argv, want in (([mk, "status", "-p", "bench"], 0),
                           ([client, "status", "gopeer", "--machine-config", host], 0)):
            p = subprocess.run(argv, env=full, capture_output=True, text=True)
            assert p.returncode == want and "Running" in p.stdout, (argv, p.returncode, p.stdout, p.stderr)
        raw = json.dumps(json.loads(Path(host).read_text())["Driver"]).encode()
        plugin = str(go_bin / "docker-machine-driver-gopeer")

        def in_process() -> float:  # the core's own client, without Python's start-up
            t = time.perf_counter()
            d = PluginDriver.launch("gopeer", raw_config=raw, executable=plugin)
            d.get_state()
            d.close()
            return time.perf_counter() - t

        medians = side_by_side({
            "status": lambda: time_cmd([mk, "status", "-p", "bench"], full),
            "go": lambda: time_cmd([client, "status", "gopeer", "--machine-config", host], full),
            "python": in_process,
            "help": lambda: time_cmd([mk, "--help"], full),
        }, rounds=21, warmup=3)
        v.minikube("delete", "-p", "bench", env=env, check=True)
        rows = [("`minikube status` of a machine on the Go plugin vs the Go client "
                 "(launch + SetConfigRaw + GetState + Close)", medians["status"], medians["go"], 3.0),
                ("the core's client in-process (`PluginDriver.launch` + `get_state` + `close`, same calls) "
                 "vs the Go client", medians["python"], medians["go"], 3.0)]
        note = (f"All launch the same Go plugin binary with the same driver JSON. `minikube --help` (Python "
                f"start-up and the CLI, no plugin) takes {medians['help'] * 1e3:.1f} ms on its own, so the "
                f"status row is bounded by interpreter start-up, not by the protocol: the plugin part of "
                f"`minikube status` is about {(medians['status'] - medians['help']) * 1e3:.1f} ms. "
                f"Medians of 21 interleaved rounds.")
        return table("Go plugin (a live Go libmachine peer)", rows, note)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    print(main())
