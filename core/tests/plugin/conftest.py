"""Plugin-protocol fixtures: the captures, a venv with the test plugins, scripted plugins."""

from __future__ import annotations

import os
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from minikube.testing import Venv

HERE = Path(__file__).resolve().parent
DIST = HERE / "dists" / "minikube-plugin-testdriver"
CORE_SRC = HERE.parents[1] / "src"
WIRE = next((p / "shared" / "testdata" / "libmachine-wire" for p in HERE.parents
             if (p / "shared" / "testdata" / "libmachine-wire").is_dir()), HERE / "missing-captures")

sys.path.insert(0, str(DIST / "src"))  # the test drivers, in-process


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: starts real plugin processes")


def capture(name: str) -> bytes:
    path = WIRE / name
    if not path.exists():
        pytest.skip(f"captures not found at {WIRE}")
    return path.read_bytes()


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


@pytest.fixture(scope="session")
def plugin_venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """A venv with the core and the test plugin distribution really pip-installed."""
    return install_plugin_venv(tmp_path_factory.mktemp("plugin-venv"))


@pytest.fixture
def probe_exe(plugin_venv: Venv) -> str:
    return str(plugin_venv.bin / "docker-machine-driver-pytest-probe")


@pytest.fixture
def none_exe(plugin_venv: Venv) -> str:
    return str(plugin_venv.bin / "docker-machine-driver-pytest-none")


@pytest.fixture
def script(tmp_path: Path) -> Callable[[str], str]:
    """An executable Python script (a misbehaving plugin) that can import the core from source."""
    count = 0

    def make(body: str) -> str:
        nonlocal count
        count += 1
        path = tmp_path / f"docker-machine-driver-script{count}"
        path.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(CORE_SRC)!r})\n"
                        + textwrap.dedent(body))
        path.chmod(0o755)
        return str(path)

    return make


@pytest.fixture(autouse=True)
def no_leaks() -> Iterator[None]:
    """Every test leaves no plugin thread behind."""
    before = set(threading.enumerate())
    yield
    import time

    deadline = time.monotonic() + 5
    while True:
        extra = [t for t in threading.enumerate() if t not in before and t.is_alive()
                 and t.name.startswith("plugin")]
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not extra, f"leaked threads: {extra}"


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
