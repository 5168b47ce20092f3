"""Test driver "improvable": healthy but needs improvement, logs from its status check, alias 'better'."""

import logging
from dataclasses import replace

from minikube.registry import Priority, State
from minikube.testing import FAKE_DEF


def status() -> State:
    logging.getLogger("minikube_driver_improvable").info("improvable: probing the hypervisor")
    return State(installed=True, healthy=True, running=True, needs_improvement=True,
                 fix="enable nested virtualization")


DRIVER = replace(FAKE_DEF, name="improvable", aliases=("better",), status=status, default=False,
                 priority=Priority.PREFERRED)
