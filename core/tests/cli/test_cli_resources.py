"""``--memory``, ``--cpus`` and ``--disk-size`` weighed as minikube weighs them, against this
computer's real memory and CPUs: a refusal is one line with minikube's reason and exit code and
leaves nothing behind; ``--force`` turns the refusals into warnings; ``max`` and the default are
worked out from the host."""

from __future__ import annotations

from pathlib import Path

import pytest
from minikube import _host
from minikube.cli._resources import FORCE_WARNING, suggested_memory_mb

from ._helpers import Mk, assert_error

HOST_MB = _host.memory_mb() or 0
HOST_CPUS = _host.cpus() or 0
pytestmark = pytest.mark.skipif(not (HOST_MB and HOST_CPUS), reason="this system does not report its memory and CPUs")


def assert_nothing_made(home: Path) -> None:
    """Not even $MINIKUBE_HOME: as if the command had not been run."""
    assert not home.exists(), sorted(str(p.relative_to(home)) for p in home.rglob("*"))


@pytest.mark.parametrize(("args", "reason", "code", "says"), [
    (["--memory", f"{HOST_MB + 1024}mb"], "RSRC_OVER_ALLOC_MEM", 10,
     f"Requested memory allocation {HOST_MB + 1024}MB is more than your system limit {HOST_MB}MB."),
    (["--memory", "99999999999999999999999g"], "RSRC_OVER_ALLOC_MEM", 10, "is more than your system limit"),
    (["--cpus", str(HOST_CPUS + 1)], "RSRC_INSUFFICIENT_CORES", 29,
     f"Requested cpu count {HOST_CPUS + 1} is greater than the available cpus of {HOST_CPUS}"),
    (["--cpus", "99999999999"], "RSRC_INSUFFICIENT_CORES", 29, "is greater than the available cpus"),
    (["--memory", "1000mb"], "RSRC_INSUFFICIENT_REQ_MEMORY", 23,
     "Requested memory allocation 1000MiB is less than the usable minimum of 1800MB"),
    (["--cpus", "1"], "RSRC_INSUFFICIENT_CORES", 29, "Requested cpu count 1 is less than the minimum allowed of 2"),
    (["--disk-size", "1999mb"], "MK_USAGE", 14, "Requested disk size 1999 is less than minimum of 2000"),
    (["--memory", "no-limit"], "MK_USAGE", 14, "no-limit is only for the docker and podman drivers"),
])
def test_refusals_name_minikubes_reason_and_leave_nothing_behind(mk: Mk, args: list[str], reason: str, code: int,
                                                                 says: str) -> None:
    """Before, these were stored as asked (a 27-digit memory size, 99999999999 CPUs, a 1 GB VM)."""
    err = assert_error(mk("start", "--driver", "fake", "-p", "big", *args), reason, code)
    assert says in err and "* Suggestion: " in err, err
    assert_nothing_made(mk.home)


def test_values_from_the_environment_and_config_are_weighed_too_and_the_fix_says_where(mk: Mk) -> None:
    """The suggestion mends the value where it was given: the variable, or config.toml."""
    err = assert_error(mk("start", "--driver", "fake", env={"MINIKUBE_CPUS": "1"}), "RSRC_INSUFFICIENT_CORES", 29)
    assert "MINIKUBE_CPUS=2 minikube start" in err
    mk.ok("config", "set", "memory", "1g")
    err = assert_error(mk("start", "--driver", "fake"), "RSRC_INSUFFICIENT_REQ_MEMORY", 23)
    assert "minikube config set memory " in err and str(mk.home / "config.toml") in err
    assert not (mk.home / "profiles").exists() and not (mk.home / "machines").exists()


def test_force_turns_each_refusal_into_a_warning_and_carries_on(mk: Mk) -> None:
    p = mk.ok("start", "--driver", "fake", "-p", "forced", "--force", "--memory", "1024",
              "--cpus", str(HOST_CPUS + 1), "--disk-size", "1000mb")
    assert f"! {FORCE_WARNING}" in p.stderr
    for reason in ("MK_USAGE: Requested disk size 1000", f"RSRC_INSUFFICIENT_CORES: Requested cpu count {HOST_CPUS + 1}",
                   "RSRC_INSUFFICIENT_REQ_MEMORY: Requested memory allocation 1024MiB"):
        assert f"! {reason}" in p.stderr and "(ignored because of --force)" in p.stderr, p.stderr
    cfg = mk.profile_config("forced")
    assert (cfg["Memory"], cfg["CPUs"], cfg["DiskSize"]) == (1024, HOST_CPUS + 1, 1000)


def test_force_does_not_make_an_impossible_machine(mk: Mk) -> None:
    """More memory or CPUs than any computer has is refused even with --force: nothing absurd is stored."""
    assert_error(mk("start", "--driver", "fake", "--force", "--memory", "99999999999999999999999g"),
                 "RSRC_OVER_ALLOC_MEM", 10)
    assert_error(mk("start", "--driver", "fake", "--force", "--cpus", "99999999999"), "RSRC_INSUFFICIENT_CORES", 29)
    assert_nothing_made(mk.home)


def test_max_and_the_default_come_from_this_computer(mk: Mk) -> None:
    """``max`` is all the CPUs and the memory less 1024 MB; the default memory is minikube's
    suggestion (a quarter of the memory, 3072..6144 MB), not a fixed 2048 MB."""
    mk.ok("start", "--driver", "fake", "-p", "all", "--memory", "max", "--cpus", "max")
    mk.ok("start", "--driver", "fake", "-p", "dflt")
    assert (mk.profile_config("all")["Memory"], mk.profile_config("all")["CPUs"]) == (HOST_MB - 1024, HOST_CPUS)
    assert (mk.profile_config("dflt")["Memory"], mk.profile_config("dflt")["CPUs"]) == (suggested_memory_mb(HOST_MB), 2)


def test_memory_close_to_a_limit_is_warned_about(mk: Mk) -> None:
    p = mk.ok("start", "--driver", "fake", "-p", "low", "--memory", "1850")
    assert "! Requested memory allocation (1850MB) is less than the recommended minimum 1900MB." in p.stderr
    p = mk.ok("start", "--driver", "fake", "-p", "high", "--memory", f"{HOST_MB - 100}mb")
    assert f"does not leave room for system overhead (total system memory: {HOST_MB}MiB)" in p.stderr
