"""Test driver "raising": its status check raises: that is this driver's error, not the command's."""

from dataclasses import replace

from minikube.registry import Priority, State
from minikube.testing import FAKE_DEF


def status() -> State:
    raise RuntimeError("the raising check blew up")


DRIVER = replace(FAKE_DEF, name="raising", status=status, default=True, priority=Priority.PREFERRED)
