"""Test driver "slow": its status check hangs far past the health time limit."""

import time
from dataclasses import replace

from minikube.registry import Priority, State
from minikube.testing import FAKE_DEF


def status() -> State:
    time.sleep(120)
    return State(installed=True, healthy=True, running=True)


DRIVER = replace(FAKE_DEF, name="slow", status=status, default=True, priority=Priority.HIGHLY_PREFERRED)
