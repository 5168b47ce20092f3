"""What the conformance kit does not know about this driver: its flags, its backend and its reason."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from minikube import DriverError
from minikube.machine import FlagValues, State

from {{ cookiecutter.__package }}.driver import MACHINE_DIR, {{ cookiecutter.__class }}
from {{ cookiecutter.__package }}.registration import DRIVER, configure


def make(home: Path, flags: dict[str, object] | None = None, name: str = "m1") -> {{ cookiecutter.__class }}:
    driver = {{ cookiecutter.__class }}(machine_name=name, store_path=str(home))
    driver.set_config_from_flags(FlagValues(flags or {}))
    return driver


def test_health_is_healthy_on_posix() -> None:
    st = DRIVER.health()
    assert st.installed and st.healthy and not st.error


def test_configure_names_the_machine_of_each_node(minikube_home: Path) -> None:
    """minikube calls configure once per machine: the profile's name for the primary node,
    <profile>-m02 for node m02 (ClusterConfig.machine_name), each its own directory."""
    from dataclasses import replace

    from minikube import ClusterConfig
    from minikube.config import Node, primary_node

    cluster = ClusterConfig(name="p", driver=DRIVER.name, store_path=str(minikube_home),
                            nodes=[primary_node(), Node(name="m02")])
    primary, worker = (configure(replace(cluster, node=n)) for n in cluster.nodes)
    assert (primary.machine_name, worker.machine_name) == ("p", "p-m02")
    assert primary.machine.directory != worker.machine.directory
    assert configure(ClusterConfig(name="p", store_path=str(minikube_home))).machine_name == "p"


def test_flags_reach_the_machine_definition(minikube_home: Path) -> None:
    driver = make(minikube_home, {"{{ cookiecutter.driver_name }}-labels": ["a", "b"]})
    driver.create()
    try:
        spec = json.loads(driver.machine.definition.read_text())
        assert spec["labels"] == ["a", "b"] and spec["name"] == "m1"
    finally:
        driver.remove()


def test_boot_delay_shows_starting_then_running(minikube_home: Path) -> None:
    driver = make(minikube_home, {"{{ cookiecutter.driver_name }}-boot-delay": 1})
    driver.machine.define({"name": "m1"})
    driver.machine.boot(1)
    try:
        assert driver.get_state() == State.STARTING
        deadline = time.monotonic() + 30
        while driver.get_state() != State.RUNNING and time.monotonic() < deadline:
            time.sleep(0.05)
        assert driver.get_state() == State.RUNNING
    finally:
        driver.remove()


def test_a_machine_that_died_is_stopped_and_starts_again(minikube_home: Path) -> None:
    driver = make(minikube_home)
    driver.create()
    try:
        os.kill(int(driver.machine.pid_file.read_text()), signal.SIGKILL)  # e.g. the OOM killer
        deadline = time.monotonic() + 10
        while driver.get_state() != State.STOPPED and time.monotonic() < deadline:
            time.sleep(0.05)
        assert driver.get_state() == State.STOPPED
        driver.start()
        assert driver.get_state() == State.RUNNING
    finally:
        driver.remove()
    assert not driver.machine.directory.exists()


def test_create_refuses_an_existing_machine(minikube_home: Path) -> None:
    driver = make(minikube_home)
    driver.machine.define({"name": "m1"})
    with pytest.raises(Exception, match="already exists"):
        driver.pre_create_check()


def test_a_machine_directory_it_cannot_write_is_its_own_reason(minikube_home: Path) -> None:
    driver = make(minikube_home)
    blocker = driver.machine.directory  # a file where the machine's directory goes
    blocker.parent.mkdir(parents=True)
    blocker.write_text("in the way")
    with pytest.raises(DriverError, match="cannot write the machine directory") as e:
        driver.pre_create_check()
    declared = {r.id: r for r in DRIVER.reasons}[MACHINE_DIR]  # from minikube-driver.toml
    assert e.value.reason_id == MACHINE_DIR and e.value.exit_code == declared.exit_code == 67
    assert e.value.fix == declared.fix and declared.fix
