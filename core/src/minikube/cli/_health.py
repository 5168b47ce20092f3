"""Driver health checks, all at once, each within the time limit (20 s, as minikube's registry).

The registry runs them on daemon threads: a check that hangs past the limit counts as "not
installed" and cannot keep the command from exiting; one that raises is that driver's error.  ``MINIKUBE_HEALTH_TIMEOUT`` (seconds)
changes the limit, which tests need.
"""

from __future__ import annotations

import logging
import os

from .._errors import UsageError
from ..registry import HEALTH_TIMEOUT, DriverDef, State, check_all

log = logging.getLogger("minikube.cli")

TIMEOUT_ENV = "MINIKUBE_HEALTH_TIMEOUT"


def health_timeout() -> float:
    raw = os.environ.get(TIMEOUT_ENV, "")
    if not raw:
        return HEALTH_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise UsageError(f"invalid value {raw!r} for {TIMEOUT_ENV}: use a positive number of seconds")
    return value


def check_concurrently(defs: list[DriverDef], timeout: float | None = None) -> dict[str, State]:
    """Every driver's status check at once (the registry's), within the CLI's time limit."""
    states = check_all(defs, health_timeout() if timeout is None else timeout)
    for name, st in states.items():
        log.info("health of %s: %s", name, st)
    return states
