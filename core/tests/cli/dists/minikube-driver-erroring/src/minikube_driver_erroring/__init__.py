"""Test driver "erroring": installed and running but unhealthy, without a reason (PROVIDER_ERRORING_ERROR, 69)."""

from dataclasses import replace

from minikube.registry import Priority, State
from minikube.testing import FAKE_DEF


def status() -> State:
    return State(installed=True, healthy=False, running=True, error="the erroring service answered 500",
                 fix="Restart the erroring service")


DRIVER = replace(FAKE_DEF, name="erroring", status=status, default=True, priority=Priority.DEFAULT)
