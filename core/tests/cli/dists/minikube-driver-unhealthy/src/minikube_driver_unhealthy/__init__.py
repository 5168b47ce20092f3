"""Test driver "unhealthy": installed and running but unhealthy, with its own declared reason PR_UNHEALTHY_PERMISSION (67)."""

from dataclasses import replace

from minikube.registry import Priority, State
from minikube.testing import FAKE_DEF


def status() -> State:
    return State(installed=True, healthy=False, running=True, reason="PR_UNHEALTHY_PERMISSION",
                 error="cannot open /dev/unhealthy: permission denied",
                 fix="Add yourself to the unhealthy group", doc="https://example.invalid/unhealthy")


DRIVER = replace(FAKE_DEF, name="unhealthy", status=status, default=True, priority=Priority.PREFERRED)
