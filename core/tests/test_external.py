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
           "--barefake-label", "hello")
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
