"""`minikube profile list` with 20 machines on an external driver against one `minikube status`.

Each machine's state comes from its driver, and for an external driver that means its plugin
process, so 20 machines should cost little more than one: minikube launches each driver's plugin
once and asks it about every machine.  The driver is the live Go peer of the plugin tests (a real
libmachine-style plugin binary, built offline with `go build`), first on PATH as
`docker-machine-driver-gopeer`.  Target: <= 1.5x.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _timing import side_by_side, table, time_cmd  # noqa: E402
from bench_go import build_go_peer  # noqa: E402
from minikube.testing import Venv, Wheelhouse  # noqa: E402

MACHINES = 20


def main() -> str:
    tmp = Path(tempfile.mkdtemp(prefix="bench-profiles-"))
    try:
        go_bin = build_go_peer(tmp / "go-bin")
        wh = Wheelhouse.build(tmp / "wh", ROOT / "core")
        v = Venv.create(tmp / "venv", wh)
        v.install("minikube")
        env = {"MINIKUBE_HOME": str(tmp / "home"), "XDG_CACHE_HOME": str(tmp / "xdg"),
               "PATH": os.pathsep.join([str(go_bin), str(v.bin), os.environ.get("PATH", "")])}
        for i in range(MACHINES):
            v.minikube("start", "--driver", "gopeer", "-p", f"m{i:02d}", env=env, check=True)
        full = v.env(env)
        mk = str(v.bin / "minikube")
        listed = v.minikube("profile", "list", "-o", "json", env=env, check=True).stdout
        assert listed.count('"Running"') == MACHINES, listed
        medians = side_by_side({
            "list": lambda: time_cmd([mk, "profile", "list"], full),
            "status": lambda: time_cmd([mk, "status", "-p", "m00"], full),
        }, rounds=15, warmup=2)
        rows = [(f"`minikube profile list` ({MACHINES} machines on the Go plugin) vs one `minikube status`",
                 medians["list"], medians["status"], 1.5)]
        note = (f"The machines' states are asked of one driver per driver name: the plugin is launched once and "
                f"asked for each machine after `SetConfigRaw` (as libmachine allows); different drivers are asked "
                f"at once. `profile list`, like `status`, runs without importing typer. Medians of 15 interleaved "
                f"rounds on {os.cpu_count()} CPUs.")
        return table("Profiles (issue: one driver model)", rows, note)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    print(main())
