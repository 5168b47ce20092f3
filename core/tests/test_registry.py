"""The registry in-process: priorities, register/get, health checks, suggest."""

from __future__ import annotations

import time

import pytest
from minikube import DriverConflictError
from minikube.registry import (
    DriverDef,
    Priority,
    Registry,
    State,
    check_all,
    current_platform,
    suggest,
    supports,
)


def test_priority_values_are_minikubes() -> None:
    assert [(p.label, p.value) for p in Priority] == [
        ("Unknown", 0), ("Obsolete", 1), ("Unhealthy", 2), ("Experimental", 3), ("Discouraged", 4),
        ("Deprecated", 5), ("Fallback", 6), ("Default", 7), ("Preferred", 8), ("HighlyPreferred", 9)]
    assert Priority.parse("HighlyPreferred") is Priority.HIGHLY_PREFERRED
    assert Priority.parse("preferred") is Priority.PREFERRED


def test_state_has_every_field() -> None:
    assert list(State().to_dict()) == ["installed", "healthy", "running", "needs_improvement", "error",
                                       "reason", "fix", "doc", "version"]


def test_register_get_by_alias_and_unknown_is_none() -> None:
    r = Registry()
    kvm = DriverDef("kvm2", aliases=("kvm",))
    r.register(kvm)
    assert r.get("kvm2") is kvm and r.get("kvm") is kvm and r.get("nope") is None
    assert not kvm.builtin and DriverDef("x", init=object).builtin  # type: ignore[arg-type]


@pytest.mark.parametrize("other", [DriverDef("kvm2"), DriverDef("kvm"), DriverDef("y", aliases=("kvm",)),
                                   DriverDef("z", aliases=("kvm2",))])
def test_registering_a_name_or_alias_twice_names_both(other: DriverDef) -> None:
    r = Registry()
    r.register(DriverDef("kvm2", aliases=("kvm",)))
    with pytest.raises(DriverConflictError) as e:
        r.register(other)
    assert '"kvm2"' in e.value.message and f'"{other.name}"' in e.value.message


def test_platforms() -> None:
    assert supports((), "plan9/mips")
    assert supports(("linux/amd64",), "linux/amd64") and not supports(("linux/amd64",), "linux/arm64")
    assert supports(("darwin",), "darwin/arm64") and supports(("darwin/*",), "darwin/amd64")
    assert current_platform().count("/") == 1


def _healthy(**kw: object) -> State:
    return State(installed=True, healthy=True, **kw)  # type: ignore[arg-type]


def test_available_sorts_by_effective_priority_then_name_and_times_out() -> None:
    r = Registry()
    r.register(DriverDef("b", status=_healthy, priority=Priority.DEFAULT, default=True))
    r.register(DriverDef("a", status=_healthy, priority=Priority.DEFAULT, default=True))
    r.register(DriverDef("sick", status=lambda: State(installed=True, error="bad"), priority=Priority.PREFERRED))
    r.register(DriverDef("boom", status=lambda: 1 / 0, priority=Priority.HIGHLY_PREFERRED))  # type: ignore[arg-type,return-value]
    r.register(DriverDef("slow", status=lambda: (time.sleep(5), _healthy())[1], priority=Priority.PREFERRED))
    r.register(DriverDef("mac", status=_healthy, priority=Priority.PREFERRED, platforms=("darwin/amd64",)))
    t = time.monotonic()
    out = r.available(plat="linux/amd64", timeout=0.5)
    assert time.monotonic() - t < 3
    assert [o.name for o in out] == ["a", "b", "boom", "sick", "slow"]
    by = {o.name: o for o in out}
    assert by["sick"].priority == Priority.UNHEALTHY
    # A check that raises is that driver's error (PROVIDER_X_ERROR), not "not installed".
    assert "ZeroDivisionError" in by["boom"].state.error and by["boom"].state.installed
    assert by["boom"].state.running and not by["boom"].state.healthy
    assert "timed out" in by["slow"].state.error and not by["slow"].state.installed


def test_ties_break_on_the_drivers_own_priority_then_name() -> None:
    r = Registry()
    sick = State(installed=True, error="x")
    r.register(DriverDef("zz", status=lambda: sick, priority=Priority.PREFERRED))
    r.register(DriverDef("aa", status=lambda: sick, priority=Priority.FALLBACK))
    r.register(DriverDef("ab", status=lambda: sick, priority=Priority.FALLBACK))
    assert [o.name for o in r.available()] == ["zz", "aa", "ab"]


def test_suggest_picks_and_classifies_like_minikube() -> None:
    r = Registry()
    r.register(DriverDef("best", status=_healthy, priority=Priority.PREFERRED, default=True))
    r.register(DriverDef("alt", status=_healthy, priority=Priority.FALLBACK, default=True))
    r.register(DriverDef("sick", status=lambda: State(installed=True, error="broken", fix="fix it",
                                                      doc="http://d"), priority=Priority.PREFERRED))
    r.register(DriverDef("gone", status=lambda: State(error="no binary"), priority=Priority.DEFAULT))
    r.register(DriverDef("meh", status=_healthy, priority=Priority.DISCOURAGED, default=True))
    s = suggest(r.available(plat="linux/amd64"))
    assert s.pick is not None and s.pick.name == "best"
    rej = {o.name: o for o in s.rejects}
    assert rej["sick"].rejection == "Not healthy: broken" and rej["sick"].suggestion == "fix it <http://d>"
    assert rej["gone"].rejection == "Not installed: no binary"
    assert {o.name: o.rejection for o in s.alternates} == {"alt": "best is preferred", "meh": "best is preferred"}
    none = suggest(Registry().available())
    assert none.pick is None


def test_check_all_runs_concurrently() -> None:
    defs = [DriverDef(f"d{i}", status=lambda: (time.sleep(0.5), _healthy())[1]) for i in range(6)]
    t = time.monotonic()
    states = check_all(defs, timeout=5)
    assert time.monotonic() - t < 2 and all(s.healthy for s in states.values())
