"""ready-on-return: minikube start returns when the machine answers SSH, and one command at once works.

The machines are SSH guests on 127.0.0.1 (ssh_guests.py: asyncssh, authorizing the machine's own
key); minikube's real OpenSSH client logs into them.  Nothing here waits or retries: the only
waits are the core's (start's wait for SSH), and each check runs one command per start.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from minikube.machine import HostStore
from minikube.registry import DriverDef
from minikube.testing import FAKE_DEF, ContractViolation, check_config, check_ready_on_return
from minikube.testing._subject import default_cluster
from ssh_guests import Guests, SSHGuestDriver


def guest_def(**fields: Any) -> DriverDef:
    """The fake's def with SSH guests as its machines, configured with ``fields`` (mode, boot delay...)."""
    return dataclasses.replace(FAKE_DEF, init=SSHGuestDriver,
                               config=lambda cfg: SSHGuestDriver(machine_name=cfg.name, store_path=cfg.store_path,
                                                                 **fields))


def check(home: Path, timeout: float, **fields: Any) -> HostStore:
    d = guest_def(**fields)
    store = HostStore(home)
    raw = check_config(d, SSHGuestDriver, default_cluster(d.name, home, "r1"), store)
    check_ready_on_return("fake", SSHGuestDriver, raw, store, "r1", timeout)
    return store


@pytest.mark.parametrize("delay", [0.0, 0.5], ids=["sshd-up-at-once", "sshd-up-after-start-returned"])
def test_a_machine_that_answers_ssh_passes(ssh_guests: Guests, tmp_path: Path, delay: float) -> None:
    """Even a guest whose sshd comes up after start() returned: minikube waits for it, so the user's
    first command works, and so does the kit's."""
    store = check(tmp_path / "home", 30, boot_delay=delay)
    assert store.list() == [] and ssh_guests.guests == {}  # deleted: no machine, no guest left


def violation(home: Path, **fields: Any) -> ContractViolation:
    with pytest.raises(ContractViolation) as e:
        check(home, 1, **fields)
    assert e.value.contract.id == "ready-on-return", str(e.value)
    assert not HostStore(home).exists("r1")  # taken down after the failure
    return e.value


def test_a_machine_that_never_answers_ssh_fails_with_the_cores_timeout(ssh_guests: Guests, tmp_path: Path) -> None:
    e = violation(tmp_path / "home", mode="none")
    first = str(e).splitlines()[0]
    assert first.startswith("minikube start: minikube's wait for SSH (MachineSession.wait_until_ready, 1s) failed: "
                            'IF_SSH_TIMEOUT: waiting for SSH to be available on "r1" at 127.0.0.1:'), first
    assert ssh_guests.guests == {}


def test_a_guest_that_refuses_the_machines_key_fails(ssh_guests: Guests, tmp_path: Path) -> None:
    first = str(violation(tmp_path / "home", mode="wrong-key")).splitlines()[0]
    assert first.startswith("minikube start: minikube's wait for SSH (MachineSession.wait_until_ready, 1s) failed: "
                            'IF_SSH_AUTH: "r1" refused its SSH key at 127.0.0.1:'), first


def test_a_guest_that_answers_the_wait_only_fails_the_one_command(ssh_guests: Guests, tmp_path: Path) -> None:
    """Its sshd goes away after the first session (the core's wait): the user's next command fails."""
    first = str(violation(tmp_path / "home", mode="once")).splitlines()[0]
    assert first.startswith("one SSH command right after minikube start returned (ssh -i "), first
    assert "-p " in first and "docker@127.0.0.1 'echo minikube-ready-on-return', no retry) exited 255: " in first
    assert first.endswith("minikube's wait for SSH had succeeded: once a machine answers, it must keep answering at "
                          "the address a driver restored from the saved config reports (a guest that restarts sshd or "
                          "reboots after its first login breaks minikube ssh)"), first


def test_a_machine_started_again_is_checked_too(ssh_guests: Guests, tmp_path: Path) -> None:
    """Fine on its first boot, no sshd once stopped and started: the second start's wait fails."""
    first = str(violation(tmp_path / "home", mode="none", mode_from_boot=2)).splitlines()[0]
    assert first.startswith("minikube start of the stopped machine: minikube's wait for SSH "
                            "(MachineSession.wait_until_ready, 1s) failed: IF_SSH_TIMEOUT: "), first
