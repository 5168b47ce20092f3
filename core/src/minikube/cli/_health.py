"""Driver health checks, all at once, each within the time limit (20 s, as minikube's registry).

Checks run on daemon threads: a check that hangs past the limit counts as "not installed" and
cannot keep the command from exiting.  A check that raises is that driver's error (the
registry's ``check_health``), never the command's.  ``MINIKUBE_HEALTH_TIMEOUT`` (seconds)
changes the limit, which tests need.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from .._errors import UsageError
from ..registry import HEALTH_TIMEOUT, DriverDef, State, check_health

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
    """Every driver's status check at once; ones still running after ``timeout`` count as not installed."""
    limit = health_timeout() if timeout is None else timeout
    results: dict[str, State] = {}
    threads = []
    for d in defs:
        def run(d: DriverDef = d) -> None:
            results[d.name] = check_health(d)
        t = threading.Thread(target=run, name=f"health-{d.name}", daemon=True)
        t.start()
        threads.append(t)
    deadline = time.monotonic() + limit
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    done = dict(results)
    states = {d.name: done.get(d.name) or State(installed=False, error=f"status check timed out after {limit:g}s")
              for d in defs}
    for name, st in states.items():
        log.info("health of %s: %s", name, st)
    return states
