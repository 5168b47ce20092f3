"""Test driver "notinstalled": its status check says the hypervisor is not installed (PROVIDER_NOTINSTALLED_NOT_FOUND, 65)."""

from dataclasses import replace

from minikube.registry import Priority, State
from minikube.testing import FAKE_DEF


def status() -> State:
    return State(installed=False, error="the notinstalled hypervisor was not found in PATH",
                 fix="Install the notinstalled hypervisor", doc="https://example.invalid/notinstalled")


DRIVER = replace(FAKE_DEF, name="notinstalled", status=status, default=True, priority=Priority.PREFERRED)
