"""What the conformance kit does not know about this driver: its flags and its backend."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from minikube.machine import FlagValues, State
from minikube_driver_legacyext.driver import LegacyextDriver
from minikube_driver_legacyext.shim import DRIVER


def make(home: Path, name: str = "m1", **flags: object) -> LegacyextDriver:
    driver = LegacyextDriver(machine_name=name, store_path=str(home))
    driver.set_config_from_flags(FlagValues(flags))
    return driver


def test_health_is_healthy_on_posix() -> None:
    st = DRIVER.health()
    assert st.installed and st.healthy and not st.error


def test_flags_reach_the_machine_definition(minikube_home: Path) -> None:
    driver = make(minikube_home, **{"legacyext-labels": ["a", "b"]})
    driver.create()
    try:
        spec = json.loads(driver.machine.definition.read_text())
        assert spec["labels"] == ["a", "b"] and spec["name"] == "m1"
    finally:
        driver.remove()


def test_boot_delay_shows_starting_then_running(minikube_home: Path) -> None:
    driver = make(minikube_home, **{"legacyext-boot-delay": 1})
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
