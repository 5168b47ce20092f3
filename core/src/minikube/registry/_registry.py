"""The registry: register, get, list, available and suggest, as minikube's registry does."""

from __future__ import annotations

import builtins
import threading
import time
from dataclasses import dataclass, field

from .._errors import DriverConflictError
from ._types import DriverDef, Priority, State

HEALTH_TIMEOUT = 20.0


@dataclass
class DriverState:
    """A driver with its health and effective priority (an unhealthy driver counts as Unhealthy)."""

    name: str
    default: bool
    priority: Priority
    state: State
    definition: DriverDef | None = None
    rejection: str = ""
    suggestion: str = ""


@dataclass
class Suggestion:
    pick: DriverState | None
    alternates: list[DriverState] = field(default_factory=list)
    rejects: list[DriverState] = field(default_factory=list)


def check_health(d: DriverDef) -> State:
    """Run a status check; one that raises is that driver's error, not the caller's."""
    try:
        st = d.health()
        if not isinstance(st, State):
            return State(installed=True, running=True,
                         error=f"status check returned {type(st).__name__}, not a State")
        return st
    except Exception as e:  # noqa: BLE001 - a broken check must not break the command
        return State(installed=True, running=True, error=f"status check failed: {type(e).__name__}: {e}")


def check_all(defs: list[DriverDef], timeout: float = HEALTH_TIMEOUT) -> dict[str, State]:
    """Every status check at once, each within ``timeout`` (a timed-out one counts as not installed).

    Checks run on daemon threads, so one that hangs cannot keep the process from exiting.
    """
    results: dict[str, State] = {}
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
    return {d.name: done.get(d.name) or State(installed=False, error=f"status check timed out after {timeout:g}s")
            for d in defs}


def effective(d: DriverDef, st: State) -> DriverState:
    prio = d.priority if st.healthy else min(d.priority, Priority.UNHEALTHY)
    return DriverState(d.name, d.default, Priority(prio), st, d)


def rank(defs: list[DriverDef], states: dict[str, State]) -> list[DriverState]:
    """minikube's order: effective priority, then the driver's own priority, then name."""
    out = [effective(d, states[d.name]) for d in defs]
    out.sort(key=lambda s: (-s.priority, -(s.definition.priority if s.definition else 0), s.name))
    return out


class Registry:
    """Driver defs by name and alias.  Lookup of an unknown name returns None."""

    def __init__(self) -> None:
        self._defs: dict[str, DriverDef] = {}
        self._aliases: dict[str, str] = {}

    def register(self, d: DriverDef) -> None:
        for key in (d.name, *d.aliases):
            owner = self._defs.get(key) or (self._defs.get(self._aliases[key]) if key in self._aliases else None)
            if owner is not None:
                raise DriverConflictError(f'driver name "{key}" is claimed by both "{owner.name}" and "{d.name}"')
        self._defs[d.name] = d
        for a in d.aliases:
            self._aliases[a] = d.name

    def get(self, name: str) -> DriverDef | None:
        return self._defs.get(name) or self._defs.get(self._aliases.get(name, ""))

    def list(self) -> list[DriverDef]:
        return [self._defs[k] for k in sorted(self._defs)]

    def available(self, vm_only: bool = False, plat: str | None = None,
                  timeout: float = HEALTH_TIMEOUT) -> builtins.list[DriverState]:
        defs = [d for d in self.list() if d.supported(plat) and (d.vm or not vm_only)]
        return rank(defs, check_all(defs, timeout))


def suggest(options: list[DriverState]) -> Suggestion:
    """minikube's Suggest: the best installed, healthy default driver above Discouraged."""
    pick = next((o for o in options if o.state.installed and o.state.healthy and o.default
                 and o.priority > Priority.DISCOURAGED), None)
    out = Suggestion(pick)
    for o in options:
        if o is pick:
            continue
        if not o.state.installed:
            o.rejection = f"Not installed: {o.state.error}"
            out.rejects.append(o)
        elif not o.state.healthy:
            o.rejection = f"Not healthy: {o.state.error}"
            o.suggestion = f"{o.state.fix} <{o.state.doc}>" if o.state.doc else o.state.fix
            out.rejects.append(o)
        elif pick is not None:
            o.rejection = f"{pick.name} is preferred"
            out.alternates.append(o)
        else:
            o.rejection = ("not a default driver" if not o.default else
                           f"priority {o.priority.label} is too low to pick automatically")
            out.alternates.append(o)
    return out
