"""Helpers shared by the plugin tests (a module of its own: ``conftest`` names collide)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from minikube.testing import Venv

HERE = Path(__file__).resolve().parent
DIST = HERE / "dists" / "minikube-plugin-testdriver"
CORE_SRC = HERE.parents[1] / "src"
#: The test vectors, kept in the repository so the golden tests always run.
WIRE = HERE / "captures"
#: The shared originals, when ../shared is beside the checkout (CI has it).
SHARED_WIRE = next((p / "shared" / "testdata" / "libmachine-wire" for p in HERE.parents
                    if (p / "shared" / "testdata" / "libmachine-wire").is_dir()), None)


def capture(name: str) -> bytes:
    return (WIRE / name).read_bytes()


def install_plugin_venv(path: Path) -> Venv:
    """A bare venv with real wheels of the core and the test plugins installed by pip.

    No dependencies: the plugin path needs only the standard library, which this also proves.
    The wheels are built and installed by this interpreter's pip (``--python``), which keeps the
    setup to seconds instead of bootstrapping pip into the new venv.
    """
    import subprocess
    import venv

    venv.EnvBuilder(with_pip=False, clear=True).create(path)
    wheels = path / "wheels"
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels),
                    str(CORE_SRC.parent), str(DIST)], check=True, capture_output=True)
    subprocess.run([*pip, "--python", str(path / "bin" / "python"), "install", "--no-deps",
                    "--no-index", *map(str, sorted(wheels.glob("*.whl")))], check=True,
                   capture_output=True)
    return Venv(path)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True
