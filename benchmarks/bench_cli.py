"""CLI cost: `minikube status` and `minikube ip` against `minikube --help`, on a builtin driver.

A real venv from a wheelhouse holds the core, the fake driver and five other real driver
distributions (the CLI tests' health-state drivers, one of which hangs in its status check and one
of which raises when imported).  A profile is started on the fake driver; then `--help`, `status`
and `ip` run interleaved, medians compared.  A probe run also lists the driver packages each
command imported: status and ip must import the profile's driver and no other.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _timing import side_by_side, table, time_cmd  # noqa: E402
from minikube.testing import Venv, Wheelhouse  # noqa: E402

DISTS = [ROOT / "core" / "tests" / "dists" / "minikube-driver-fake"] + [
    ROOT / "core" / "tests" / "cli" / "dists" / f"minikube-driver-{n}"
    for n in ("improvable", "notinstalled", "unhealthy", "slow", "darwinonly")]

PROBE = r"""
import sys
from minikube.cli import main
sys.argv = ["minikube", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("IMPORTED:" + ",".join(sorted(m for m in sys.modules if m.startswith("minikube_driver") and "." not in m)),
      file=sys.stderr)
"""


def imported(v: Venv, env: dict[str, str], *args: str) -> str:
    p = v.run("python", "-c", PROBE, *args, env=env)
    line = [ln for ln in p.stderr.splitlines() if ln.startswith("IMPORTED:")][-1]
    return line[len("IMPORTED:"):] or "none"


def main() -> str:
    tmp = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    try:
        wh = Wheelhouse.build(tmp / "wh", ROOT / "core")
        v = Venv.create(tmp / "venv", wh)
        v.install("minikube")
        v.install(*DISTS)
        env = {"MINIKUBE_HOME": str(tmp / "home"), "XDG_CACHE_HOME": str(tmp / "xdg")}
        v.minikube("start", "--driver", "fake", "-p", "bench", env=env, check=True)
        full = v.env(env)
        mk = str(v.bin / "minikube")
        medians = side_by_side({
            "help": lambda: time_cmd([mk, "--help"], full),
            "status": lambda: time_cmd([mk, "status", "-p", "bench"], full),
            "ip": lambda: time_cmd([mk, "ip", "-p", "bench"], full),
        }, rounds=21)
        rows = [
            ("`minikube status` (fake driver, 6 drivers installed) vs `minikube --help`",
             medians["status"], medians["help"], 2.0),
            ("`minikube ip` (fake driver, 6 drivers installed) vs `minikube --help`",
             medians["ip"], medians["help"], 2.0),
        ]
        note = (
            "Driver packages imported (probe run in the same venv): "
            f"`--help`: {imported(v, env, '--help')}; `status`: {imported(v, env, 'status', '-p', 'bench')}; "
            f"`ip`: {imported(v, env, 'ip', '-p', 'bench')}. The other five drivers (one hangs in its status "
            "check, one raises on import) are never imported: the catalog comes from the discovery index and "
            "only the profile's own entry point is loaded.")
        return table("CLI (issue: the minikube CLI)", rows, note)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    print(main())
