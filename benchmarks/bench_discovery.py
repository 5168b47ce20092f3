"""Discovery cost: `minikube --help`, `minikube drivers list` and the index at 10 vs 1,000 distributions.

Two real venvs from one wheelhouse, each with the core and three real driver distributions
installed by pip; one also holds 1,000 unrelated distributions (dist-info directories with
metadata and entry points, as pip leaves them).  Every figure is a median of interleaved runs.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _timing import side_by_side, table, time_cmd  # noqa: E402
from minikube.testing import Venv, Wheelhouse  # noqa: E402

FAKE = ROOT / "core" / "tests" / "dists" / "minikube-driver-fake"

IN_PROCESS = r"""
import json, os, statistics, sys, time
from minikube.registry._catalog import Catalog
from minikube.registry._index import load_index
def t(fn, n):
    out = []
    for _ in range(n):
        s = time.perf_counter(); fn(); out.append(time.perf_counter() - s)
    return statistics.median(out)
load_index(refresh=True)
warm = t(lambda: Catalog(), 200)
cold = t(lambda: load_index(refresh=True), 20)
from stevedore import ExtensionManager
from stevedore import _cache
def stev():
    ExtensionManager.ENTRY_POINT_CACHE.clear(); _cache._c._internal.clear()
    ExtensionManager("minikube.drivers").entry_points_names()
sv = t(stev, 20)
print(json.dumps({"warm": warm, "cold": cold, "stevedore": sv}))
"""


def driver_dist(tmp: Path, name: str) -> Path:
    dst = tmp / f"minikube-driver-{name}"
    shutil.copytree(FAKE, dst)
    pkg_old = dst / "src" / "minikube_driver_fake"
    pkg = dst / "src" / f"minikube_driver_{name.replace('-', '_')}"
    pkg_old.rename(pkg)
    (pkg / "__init__.py").write_text(
        "from dataclasses import replace\nfrom minikube.testing import FAKE_DEF\n"
        f"DRIVER = replace(FAKE_DEF, name={name!r})\n")
    (pkg / "minikube-driver.toml").write_text(
        (pkg / "minikube-driver.toml").read_text().replace("[drivers.fake]", f"[drivers.{name}]"))
    pp = dst / "pyproject.toml"
    pp.write_text(pp.read_text().replace("minikube-driver-fake", f"minikube-driver-{name}")
                  .replace('fake = "minikube_driver_fake:DRIVER"',
                           f'{name} = "minikube_driver_{name.replace("-", "_")}:DRIVER"'))
    return dst


def unrelated(site: Path, n: int) -> None:
    for i in range(n):
        d = site / f"unrelated_pkg_{i:04d}-1.{i}.0.dist-info"
        d.mkdir()
        (d / "METADATA").write_text(f"Metadata-Version: 2.1\nName: unrelated-pkg-{i:04d}\nVersion: 1.{i}.0\n")
        (d / "INSTALLER").write_text("pip\n")
        (d / "RECORD").write_text("")
        (d / "entry_points.txt").write_text(
            f"[console_scripts]\nunrelated-{i} = unrelated_pkg_{i:04d}:main\n\n[some.plugins]\np{i} = x:y\n")


def main() -> str:
    tmp = Path(tempfile.mkdtemp(prefix="bench-discovery-"))
    try:
        wh = Wheelhouse.build(tmp / "wh", ROOT / "core", extra=("hatchling", "stevedore"))
        dists = [driver_dist(tmp, n) for n in ("bench-a", "bench-b", "bench-c")]
        venvs = {}
        for n in (10, 1000):
            v = Venv.create(tmp / f"v{n}", wh)
            v.install("minikube", "stevedore")  # stevedore: the baseline of the in-process listing
            v.install(*dists)
            site = next((v.path / "lib").glob("python*/site-packages"))
            unrelated(site, n)
            venvs[n] = v
        env = {n: v.env({"MINIKUBE_HOME": str(tmp / f"home{n}"), "XDG_CACHE_HOME": str(tmp / f"xdg{n}")})
               for n, v in venvs.items()}
        big, mk = venvs[1000], str(venvs[1000].bin / "minikube")
        py = str(big.python)
        cli = side_by_side({
            "help": lambda: time_cmd([mk, "--help"], env[1000]),
            "typer": lambda: time_cmd([py, str(HERE / "_minimal_app.py"), "--help"], env[1000]),
            "list": lambda: time_cmd([mk, "drivers", "list"], env[1000]),
        })
        inproc = {}
        for n, v in venvs.items():
            out = v.run("python", "-c", IN_PROCESS, env={k: env[n][k] for k in ("MINIKUBE_HOME", "XDG_CACHE_HOME")},
                        check=True).stdout
            inproc[n] = json.loads(out)
        rows = [
            ("`minikube --help` vs minimal typer app (1,000 dists)", cli["help"], cli["typer"], 1.1),
            ("`minikube drivers list` (3 drivers, 1,000 dists) vs `minikube --help`", cli["list"], cli["help"], 1.3),
            ("driver index, warm: 1,000 vs 10 distributions", inproc[1000]["warm"], inproc[10]["warm"], 1.5),
        ]
        note = (
            "How: the driver index is cached per interpreter in `$XDG_CACHE_HOME/minikube/drivers/`, keyed on the "
            "modification time of each `sys.path` entry (installing or removing a distribution adds or removes a "
            "`.dist-info` directory, so its directory's mtime changes). A warm listing costs one `stat` per path "
            "entry and one small JSON read, whatever the number of distributions; stevedore's own cache globs and "
            "stats every `entry_points.txt` and does not write for interpreters under /tmp.\n\n"
            f"For comparison (in-process medians): cold rescan {inproc[10]['cold'] * 1000:.1f} ms at 10 and "
            f"{inproc[1000]['cold'] * 1000:.1f} ms at 1,000 distributions; stevedore's cached listing "
            f"{inproc[10]['stevedore'] * 1000:.1f} ms at 10 and {inproc[1000]['stevedore'] * 1000:.1f} ms at 1,000; "
            f"our warm index {inproc[10]['warm'] * 1000:.2f} ms and {inproc[1000]['warm'] * 1000:.2f} ms.")
        return table("Discovery (issue: core)", rows, note)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    print(main())
