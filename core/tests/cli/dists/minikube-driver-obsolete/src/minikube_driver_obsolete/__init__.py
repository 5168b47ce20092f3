"""Test driver "obsolete": healthy, but its priority is Obsolete (PROVIDER_OBSOLETE_OBSOLETE, 66)."""

from dataclasses import replace

from minikube.registry import Priority, State
from minikube.testing import FAKE_DEF


def status() -> State:
    return State(installed=True, healthy=True, running=True,
                 error="the obsolete driver was replaced by the fake driver",
                 fix="Use the fake driver: minikube start --driver=fake")


DRIVER = replace(FAKE_DEF, name="obsolete", status=status, default=False, priority=Priority.OBSOLETE)
