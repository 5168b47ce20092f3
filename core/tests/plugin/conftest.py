"""Plugin-protocol fixtures: the captures, a venv with the test plugins, scripted plugins."""

from __future__ import annotations

import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from minikube.testing import Venv

from ._helpers import CORE_SRC, DIST, install_plugin_venv

sys.path.insert(0, str(DIST / "src"))  # the test drivers, in-process


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: starts real plugin processes")


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
