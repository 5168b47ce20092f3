"""Health checks and suggestion, as minikube's registry does them.

Every status check runs at once on a daemon thread within minikube's 20 s limit (a check that
hangs counts as "not installed" and cannot keep the command from exiting; one that raises is that
driver's error); ``MINIKUBE_HEALTH_TIMEOUT`` (seconds) changes the limit, which tests need.  The
healthy drivers are ranked by effective priority and the best default one is suggested.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field

from .._errors import UsageError
from ._types import DriverDef, Health, Priority

TIMEOUT_ENV = "MINIKUBE_HEALTH_TIMEOUT"

log = logging.getLogger("minikube.registry")

HEALTH_TIMEOUT = 20.0


def health_timeout() -> float:
    """minikube's limit, or ``MINIKUBE_HEALTH_TIMEOUT`` seconds."""
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


@dataclass
class DriverHealth:
    """A driver with its health and effective priority (an unhealthy driver counts as Unhealthy)."""

    name: str
    default: bool
    priority: Priority
    health: Health
    definition: DriverDef | None = None
    rejection: str = ""
    suggestion: str = ""


@dataclass
class Suggestion:
    pick: DriverHealth | None
    alternates: list[DriverHealth] = field(default_factory=list)
    rejects: list[DriverHealth] = field(default_factory=list)


def check_health(d: DriverDef) -> Health:
    """Run a status check; one that raises is that driver's error, not the caller's."""
    try:
        st = d.health()
        if not isinstance(st, Health):
            return Health(installed=True, running=True,
                         error=f"status check returned {type(st).__name__}, not a Health")
        return st
    except Exception as e:  # noqa: BLE001 - a broken check must not break the command
        return Health(installed=True, running=True, error=f"status check failed: {type(e).__name__}: {e}")


def check_all(defs: list[DriverDef], timeout: float | None = None) -> dict[str, Health]:
    """Every status check at once, each within ``timeout`` (default: :func:`health_timeout`); a
    timed-out one counts as not installed.

    Checks run on daemon threads, so one that hangs cannot keep the process from exiting.
    """
    timeout = health_timeout() if timeout is None else timeout
    results: dict[str, Health] = {}
    threads = []
    for d in defs:
        def run(d: DriverDef = d) -> None:
            results[d.name] = check_health(d)
        t = threading.Thread(target=run, name=f"health-{d.name}", daemon=True)
        t.start()
        threads.append(t)
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    done = dict(results)
    out = {d.name: done.get(d.name) or Health(installed=False, error=f"status check timed out after {timeout:g}s")
           for d in defs}
    for name, st in out.items():
        log.info("health of %s: %s", name, st)
    return out


def effective(d: DriverDef, st: Health) -> DriverHealth:
    prio = d.priority if st.healthy else min(d.priority, Priority.UNHEALTHY)
    return DriverHealth(d.name, d.default, Priority(prio), st, d)


def rank(defs: list[DriverDef], states: dict[str, Health]) -> list[DriverHealth]:
    """minikube's order: effective priority, then the driver's own priority, then name."""
    out = [effective(d, states[d.name]) for d in defs]
    out.sort(key=lambda s: (-s.priority, -(s.definition.priority if s.definition else 0), s.name))
    return out


def suggest(options: list[DriverHealth]) -> Suggestion:
    """minikube's Suggest: the best installed, healthy default driver above Discouraged."""
    pick = next((o for o in options if o.health.installed and o.health.healthy and o.default
                 and o.priority > Priority.DISCOURAGED), None)
    out = Suggestion(pick)
    for o in options:
        if o is pick:
            continue
        if not o.health.installed:
            o.rejection = f"Not installed: {o.health.error}"
            out.rejects.append(o)
        elif not o.health.healthy:
            o.rejection = f"Not healthy: {o.health.error}"
            o.suggestion = f"{o.health.fix} <{o.health.doc}>" if o.health.doc else o.health.fix
            out.rejects.append(o)
        elif pick is not None:
            o.rejection = f"{pick.name} is preferred"
            out.alternates.append(o)
        else:
            o.rejection = ("not a default driver" if not o.default else
                           f"priority {o.priority.label} is too low to pick automatically")
            out.alternates.append(o)
    return out
