"""External drivers end to end: a bare plugin binary on PATH, driven through the real CLI."""

from __future__ import annotations

import json

import pytest
from _support import DISTS, Minikube, assert_one_line_error


@pytest.fixture(scope="module")
def mk(make_venv, tmp_path_factory) -> Minikube:
    v = make_venv()
    v.install(DISTS / "barefake-plugin")
    return Minikube(v, tmp_path_factory.mktemp("ext") / "home")


def test_bare_binary_is_listed_as_external(mk: Minikube) -> None:
    row = mk.drivers()["barefake"]
    assert row["type"] == "external" and row["executable"].endswith("docker-machine-driver-barefake")


def test_cluster_settings_travel_as_the_standard_flags(mk: Minikube) -> None:
    p = mk("start", "--driver", "barefake", "-p", "ext1", "--memory", "3000", "--cpus", "3",
           "--barefake-label", "hello", "--force")  # --force: 3 CPUs may be more than this computer has
    assert p.returncode == 0, p.stderr
    doc = json.loads((mk.home / "machines" / "ext1" / "config.json").read_text())
    assert doc["DriverName"] == "barefake"
    drv = doc["Driver"]
    assert (drv["Memory"], drv["CPU"], drv["FakeLabel"], drv["MachineName"]) == (3000, 3, "hello", "ext1")
    st = mk("status", "-p", "ext1", "-o", "json")
    assert st.returncode == 0 and json.loads(st.stdout)["Host"] == "Running"
    assert mk("ip", "-p", "ext1").stdout.strip().startswith("192.168.50.")
    assert mk("stop", "-p", "ext1").returncode == 0
    assert mk("status", "-p", "ext1").returncode == 7
    assert mk("delete", "-p", "ext1").returncode == 0
    assert not (mk.home / "machines" / "ext1").exists()


def test_missing_plugin_binary_is_named(mk: Minikube) -> None:
    p = mk("start", "--driver", "nosuchbinary", "-p", "ext2")
    assert_one_line_error(p, "DRV_NOT_FOUND", 55)


def test_each_command_launches_the_plugin_once(mk: Minikube, tmp_path) -> None:
    """One driver per command: create, the wait for Running and the IP wait share one plugin process."""
    real = mk.venv.bin / "docker-machine-driver-barefake"  # type: ignore[union-attr]
    wrap = tmp_path / "bin"
    wrap.mkdir()
    log = tmp_path / "launches.log"
    (wrap / real.name).write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {real} "$@"\n')
    (wrap / real.name).chmod(0o755)
    env = {"PATH": f"{wrap}:{mk.venv.env()['PATH']}"}  # type: ignore[union-attr]

    def launches(*args: str) -> int:
        log.write_text("")
        p = mk(*args, env=env)
        assert p.returncode in (0, 7), (args, p.stderr)
        return len([line for line in log.read_text().splitlines() if line != "version"])

    assert launches("start", "--driver", "barefake", "-p", "once", "--barefake-label", "x") == 1
    assert launches("status", "-p", "once") == 1
    assert launches("ip", "-p", "once") == 1
    assert launches("stop", "-p", "once") == 1
    assert launches("start", "-p", "once") == 1  # an existing machine: start and the IP wait
    assert launches("delete", "-p", "once") == 1
