"""The registry in-process: priorities, register/get, health checks, suggest."""

from __future__ import annotations

import time

import pytest
from minikube import DriverConflictError
from minikube.registry import (
    DriverDef,
    Health,
    Priority,
    Registry,
    current_platform,
    supports,
)
from minikube.registry._health import check_all, suggest


def test_priority_values_are_minikubes() -> None:
    assert [(p.label, p.value) for p in Priority] == [
        ("Unknown", 0), ("Obsolete", 1), ("Unhealthy", 2), ("Experimental", 3), ("Discouraged", 4),
        ("Deprecated", 5), ("Fallback", 6), ("Default", 7), ("Preferred", 8), ("HighlyPreferred", 9)]
    assert Priority.parse("HighlyPreferred") is Priority.HIGHLY_PREFERRED
    assert Priority.parse("preferred") is Priority.PREFERRED


def test_state_has_every_field() -> None:
    assert list(Health().to_dict()) == ["installed", "healthy", "running", "needs_improvement", "error",
                                       "reason", "fix", "doc", "version"]


def test_register_get_by_alias_and_unknown_is_none() -> None:
    r = Registry(discover=False)
    kvm = DriverDef("kvm2", aliases=("kvm",))
    r.register(kvm)
    assert r.get("kvm2") is kvm and r.get("kvm") is kvm and r.get("nope") is None
    assert not kvm.builtin and DriverDef("x", init=object).builtin  # type: ignore[arg-type]


@pytest.mark.parametrize("other", [DriverDef("kvm2"), DriverDef("kvm"), DriverDef("y", aliases=("kvm",)),
                                   DriverDef("z", aliases=("kvm2",))])
def test_registering_a_name_or_alias_twice_names_both(other: DriverDef) -> None:
    r = Registry(discover=False)
    r.register(DriverDef("kvm2", aliases=("kvm",)))
    with pytest.raises(DriverConflictError) as e:
        r.register(other)
    assert '"kvm2"' in e.value.message and f'"{other.name}"' in e.value.message


def test_platforms() -> None:
    assert supports((), "plan9/mips")
    assert supports(("linux/amd64",), "linux/amd64") and not supports(("linux/amd64",), "linux/arm64")
    assert supports(("darwin",), "darwin/arm64") and supports(("darwin/*",), "darwin/amd64")
    assert current_platform().count("/") == 1


def _healthy(**kw: object) -> Health:
    return Health(installed=True, healthy=True, **kw)  # type: ignore[arg-type]


def test_available_sorts_by_effective_priority_then_name_and_times_out() -> None:
    r = Registry(discover=False)
    r.register(DriverDef("b", status=_healthy, priority=Priority.DEFAULT, default=True))
    r.register(DriverDef("a", status=_healthy, priority=Priority.DEFAULT, default=True))
    r.register(DriverDef("sick", status=lambda: Health(installed=True, error="bad"), priority=Priority.PREFERRED))
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
    assert "ZeroDivisionError" in by["boom"].health.error and by["boom"].health.installed
    assert by["boom"].health.running and not by["boom"].health.healthy
    assert "timed out" in by["slow"].health.error and not by["slow"].health.installed


def test_ties_break_on_the_drivers_own_priority_then_name() -> None:
    r = Registry(discover=False)
    sick = Health(installed=True, error="x")
    r.register(DriverDef("zz", status=lambda: sick, priority=Priority.PREFERRED))
    r.register(DriverDef("aa", status=lambda: sick, priority=Priority.FALLBACK))
    r.register(DriverDef("ab", status=lambda: sick, priority=Priority.FALLBACK))
    assert [o.name for o in r.available()] == ["zz", "aa", "ab"]


def test_suggest_picks_and_classifies_like_minikube() -> None:
    r = Registry(discover=False)
    r.register(DriverDef("best", status=_healthy, priority=Priority.PREFERRED, default=True))
    r.register(DriverDef("alt", status=_healthy, priority=Priority.FALLBACK, default=True))
    r.register(DriverDef("sick", status=lambda: Health(installed=True, error="broken", fix="fix it",
                                                      doc="http://d"), priority=Priority.PREFERRED))
    r.register(DriverDef("gone", status=lambda: Health(error="no binary"), priority=Priority.DEFAULT))
    r.register(DriverDef("meh", status=_healthy, priority=Priority.DISCOURAGED, default=True))
    s = suggest(r.available(plat="linux/amd64"))
    assert s.pick is not None and s.pick.name == "best"
    rej = {o.name: o for o in s.rejects}
    assert rej["sick"].rejection == "Not healthy: broken" and rej["sick"].suggestion == "fix it <http://d>"
    assert rej["gone"].rejection == "Not installed: no binary"
    assert {o.name: o.rejection for o in s.alternates} == {"alt": "best is preferred", "meh": "best is preferred"}
    none = suggest(Registry(discover=False).available())
    assert none.pick is None


def test_check_all_runs_concurrently() -> None:
    defs = [DriverDef(f"d{i}", status=lambda: (time.sleep(0.5), _healthy())[1]) for i in range(6)]
    t = time.monotonic()
    states = check_all(defs, timeout=5)
    assert time.monotonic() - t < 2 and all(s.healthy for s in states.values())


def test_state_and_driver_state_are_deprecated_aliases() -> None:
    import minikube
    import minikube.registry as registry

    with pytest.warns(DeprecationWarning, match="Health"):
        assert registry.State is Health
    with pytest.warns(DeprecationWarning, match="DriverHealth"):
        assert registry.DriverState is registry.DriverHealth
    with pytest.warns(DeprecationWarning):
        assert minikube.State is Health
    assert "State" not in registry.__all__ and "State" not in minikube.__all__


@pytest.mark.parametrize("caps, wanted, words", [
    ({}, {"multinode": "--nodes 2"}, "does not support more than one node (--nodes 2)"),
    ({"mounts": ("virtiofs",)}, {"mounts": "9p"}, "does not support 9p shared folders"),
    ({}, {"mounts": True}, "does not support shared folders"),
    ({}, {"parallel": True}, "does not support creating machines in parallel"),
])
def test_a_flag_that_needs_a_missing_capability_is_a_usage_error(caps: dict, wanted: dict, words: str) -> None:
    from minikube import UsageError
    from minikube.registry import Capabilities, require

    with pytest.raises(UsageError) as e:
        require("kvm2", Capabilities(**caps), **wanted)
    assert words in e.value.message and "kvm2" in e.value.message and e.value.exit_code == 14


def test_what_a_driver_declares_passes_the_capability_rule() -> None:
    from minikube.registry import Capabilities, require

    require("q", Capabilities(mounts=("9p", "virtiofs"), multinode=True), multinode="--nodes 3", mounts="9p")
    require("q", Capabilities(), multinode=None, mounts="")  # nothing asked: nothing needed


@pytest.mark.parametrize("table, words", [
    ({"capabilities": {"teleport": True}}, "unknown capability 'teleport'"),
    ({"capabilities": {"multinode": "yes"}}, "'multinode' must be true or false"),
    ({"capabilities": {"mounts": ["nfs"]}}, "unknown kind(s) 'nfs'"),
    ({"capabilities": {"mounts": "9p"}}, "must be a list of mount kinds"),
    ({"reasons": {"MK_USAGE": {"exit_code": 14}}}, "clashes with one of minikube's own"),
    ({"reasons": {"PROVIDER_FOO_NOT_FOUND": {"exit_code": 65}}}, "clashes with one of minikube's own"),
    ({"reasons": {"PR_FOO_X": {"exit_code": 999}}}, "exit_code must be a whole number"),
    ({"reasons": {"pr_lower": {"exit_code": 1}}}, "upper-case"),
    ({"priority": "Greatest"}, "unknown priority"),
    ({"aliases": "f"}, "aliases must be a list of strings"),
])
def test_a_malformed_declaration_is_refused_in_one_line(table: dict, words: str) -> None:
    from minikube.registry._declaration import parse

    with pytest.raises(ValueError) as e:
        parse("foo", table)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_boot_image_is_a_declared_capability_with_its_offline_fix() -> None:
    from minikube.registry._declaration import parse

    d = parse("vm", {"api": ">=1.2,<2", "boot_image_fix": "build one with: x", "capabilities": {"boot_image": True}})
    assert d.capabilities.boot_image and d.boot_image_fix == "build one with: x" and not d.notes
    assert not parse("old", {"api": ">=1.0,<2", "capabilities": {"parallel": True}}).capabilities.boot_image
    with pytest.raises(ValueError, match="'boot_image' must be true or false"):
        parse("vm", {"capabilities": {"boot_image": "yes"}})


def test_a_driver_for_a_newer_api_with_keys_this_core_does_not_know_is_incompatible_not_invalid() -> None:
    from minikube import DriverIncompatibleError
    from minikube.registry._catalog import _info
    from minikube.registry._index import EntryRecord

    rec = EntryRecord("next", "minikube_driver_next:DRIVER", "minikube-driver-next", "2.0.0", "/x",
                      declared={"api": ">=9.0,<10", "capabilities": {"teleport": True}})
    info = _info(rec)
    assert not info.invalid
    with pytest.raises(DriverIncompatibleError, match="upgrade minikube"):
        info.check_usable()
