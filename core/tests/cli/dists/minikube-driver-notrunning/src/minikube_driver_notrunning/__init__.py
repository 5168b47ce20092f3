"""Test driver "notrunning": installed but its service is not running (PROVIDER_NOTRUNNING_NOT_RUNNING, 63)."""

from dataclasses import replace

from minikube.registry import Priority, State
from minikube.testing import FAKE_DEF


def status() -> State:
    return State(installed=True, healthy=False, running=False, error="the notrunning daemon is not running",
                 fix="Start it: notrunningd --daemon")


DRIVER = replace(FAKE_DEF, name="notrunning", status=status, default=True, priority=Priority.DEFAULT)
