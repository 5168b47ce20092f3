"""Choosing and validating the driver as minikube does: every reason ID and exit code, for real.

Each health state is a real installed distribution (``tests/cli/dists``) whose status check
reports that state; the CLI is the venv's console script.
"""

from __future__ import annotations

import time

import pytest

from ._helpers import REPORT_IMPORTS, Mk, assert_error, imported_drivers


@pytest.mark.parametrize(("driver", "reason", "code", "message"), [
    ("notinstalled", "PROVIDER_NOTINSTALLED_NOT_FOUND", 65,
     "The 'notinstalled' provider was not found: the notinstalled hypervisor was not found in PATH"),
    ("unhealthy", "PR_UNHEALTHY_PERMISSION", 67, "cannot open /dev/unhealthy: permission denied"),
    ("erroring", "PROVIDER_ERRORING_ERROR", 69, "the erroring service answered 500"),
    ("notrunning", "PROVIDER_NOTRUNNING_NOT_RUNNING", 63, "the notrunning daemon is not running"),
    ("obsolete", "PROVIDER_OBSOLETE_OBSOLETE", 66, "the obsolete driver was replaced by the fake driver"),
    ("raising", "PROVIDER_RAISING_ERROR", 69, "RuntimeError: the raising check blew up"),
    ("slow", "PROVIDER_SLOW_NOT_FOUND", 65, "The 'slow' provider was not found: status check timed out after 3s"),
    ("darwinonly", "DRV_UNSUPPORTED_OS", 56, "The driver 'darwinonly' is not supported on linux/"),
])
def test_each_health_state_has_its_reason_and_exit_code(mk: Mk, driver: str, reason: str, code: int,
                                                        message: str) -> None:
    err = assert_error(mk("start", "--driver", driver, "-p", "vv"), reason, code)
    line = next(ln for ln in err.splitlines() if ln.startswith("X Exiting"))
    assert message in line
    assert not (mk.home / "machines" / "vv").exists() and not (mk.home / "profiles" / "vv").exists()


def test_fix_and_documentation_lines_come_from_the_driver(mk: Mk) -> None:
    err = assert_error(mk("start", "--driver", "unhealthy"), "PR_UNHEALTHY_PERMISSION", 67)
    assert "* Suggestion: Add yourself to the unhealthy group" in err.splitlines()
    assert "* Documentation: https://example.invalid/unhealthy" in err.splitlines()
    err = assert_error(mk("start", "--driver", "darwinonly"), "DRV_UNSUPPORTED_OS", 56)
    assert "* Documentation: https://minikube.sigs.k8s.io/docs/drivers/" in err


def test_unsupported_driver_is_refused_without_importing_it(mk: Mk) -> None:
    # darwinonly raises ImportError when imported: reaching DRV_UNSUPPORTED_OS proves it was not.
    for args in (["start", "--driver", "darwinonly"], ["start", "--driver", "darwinonly", "--help"],
                 ["config", "set", "drivers.darwinonly.anything", "1"]):
        p = mk(*args, env=REPORT_IMPORTS)
        assert_error(p, "DRV_UNSUPPORTED_OS", 56)
        assert imported_drivers(p.stderr) == set(), args


def test_unknown_driver_gets_did_you_mean_and_the_package_to_install(mk: Mk) -> None:
    err = assert_error(mk("start", "--driver", "improvabel"), "DRV_NOT_FOUND", 55)
    assert "Did you mean: improvable?" in err
    assert "pip install minikube-driver-improvabel" in err
    assert "Using the" not in err  # nothing is announced for a driver that does not exist


def test_force_turns_health_errors_into_warnings_but_not_missing_ones(mk: Mk) -> None:
    p = mk.ok("start", "--driver", "erroring", "--force", "-p", "forced")
    assert "! PROVIDER_ERRORING_ERROR: the erroring service answered 500 (ignored because of --force)" in p.stderr
    assert mk.machine_config("forced")["DriverName"] == "erroring"
    p = mk.ok("start", "--driver", "notrunning", "--force", "-p", "forced2")
    assert "PROVIDER_NOTRUNNING_NOT_RUNNING" in p.stderr
    # As in minikube: a provider that is not installed or obsolete cannot be forced.
    assert_error(mk("start", "--driver", "notinstalled", "--force"), "PROVIDER_NOTINSTALLED_NOT_FOUND", 65)
    assert_error(mk("start", "--driver", "obsolete", "--force"), "PROVIDER_OBSOLETE_OBSOLETE", 66)


def test_needs_improvement_is_printed_and_start_goes_on_through_an_alias(mk: Mk) -> None:
    p = mk.ok("start", "--driver", "better", "-p", "impr")
    assert "* Using the improvable driver based on user configuration" in p.stderr
    assert "* For improved improvable performance, enable nested virtualization" in p.stderr
    assert mk.machine_config("impr")["DriverName"] == "improvable"
    assert "improvable: probing the hypervisor" not in p.stderr  # driver logs only with -v


def test_verbosity_shows_driver_logs(mk: Mk) -> None:
    for flags in (["--alsologtostderr"], ["-v", "1"], ["--v=2"]):
        p = mk.ok("start", "--driver", "improvable", "-p", "loud", *flags)
        assert "minikube_driver_improvable] improvable: probing the hypervisor" in p.stderr, flags
        assert "minikube.registry] health of improvable:" in p.stderr


def test_auto_selection_picks_the_best_healthy_default_driver(mk: Mk) -> None:
    t = time.monotonic()
    p = mk.ok("start", "-p", "auto")
    # slow's check hangs for 120 s: the limit (3 s in tests) applies and the command does not wait for it.
    assert time.monotonic() - t < 60
    assert "* Automatically selected the fake driver. Other choices: improvable, obsolete" in p.stderr
    assert mk.machine_config("auto")["DriverName"] == "fake"


def test_explain_says_why_each_driver_was_picked_rejected_or_alternate(mk: Mk) -> None:
    lines = mk.ok("start", "-p", "why", "--explain").stderr.splitlines()
    expl = {ln.split()[1].rstrip(":"): ln for ln in lines if ln.startswith("  - ")}
    assert "picked" in expl["fake"]
    assert "rejected: Not installed: status check timed out after 3s" in expl["slow"]
    assert "rejected: Not installed: the notinstalled hypervisor was not found in PATH" in expl["notinstalled"]
    assert "rejected: Not healthy: status check failed: RuntimeError: the raising check blew up" in expl["raising"]
    assert "rejected: Not healthy: cannot open /dev/unhealthy: permission denied" in expl["unhealthy"]
    assert "rejected: Not healthy: the notrunning daemon is not running" in expl["notrunning"]
    assert "alternate: fake is preferred" in expl["improvable"]
    assert "rejected: not supported on linux/" in expl["darwinonly"]
    order = [ln.split()[1] for ln in lines if ln.startswith("  - ") and "(priority" in ln]
    assert order.index("improvable") < order.index("fake")  # preference order: Preferred before Fallback
    explicit = mk.ok("start", "--driver", "fake", "-p", "why2", "--explain").stderr
    assert "- fake: picked: requested by --driver fake" in explicit and "health: installed, healthy" in explicit


def test_no_healthy_driver_is_DRV_NOT_HEALTHY_with_suggestions(mk_unhealthy: Mk) -> None:
    err = assert_error(mk_unhealthy("start"), "DRV_NOT_HEALTHY", 55)
    lines = err.splitlines()
    first = lines.index("* Unable to pick a default driver. Here is what was considered, in preference order:")
    alt = lines.index("* Alternatively you could install one of these drivers:")
    considered = lines[first + 1:alt]
    assert considered == [
        "  - unhealthy: Not healthy: cannot open /dev/unhealthy: permission denied",
        "    unhealthy: Suggestion: Add yourself to the unhealthy group <https://example.invalid/unhealthy>",
        "  - erroring: Not healthy: the erroring service answered 500",
        "    erroring: Suggestion: Restart the erroring service",
    ]
    assert "  - notinstalled: Not installed: the notinstalled hypervisor was not found in PATH" in lines[alt:]
    assert ("X Exiting due to DRV_NOT_HEALTHY: Found driver(s) but none were healthy. See above for "
            "suggestions how to fix installed drivers.") in lines
    assert not (mk_unhealthy.home / "profiles" / "minikube").exists()


def test_no_installed_driver_is_DRV_NOT_DETECTED(mk_nodriver: Mk) -> None:
    err = assert_error(mk_nodriver("start"), "DRV_NOT_DETECTED", 55)
    assert "No possible driver was detected. Try specifying --driver" in err
    assert "  - notinstalled: Not installed: the notinstalled hypervisor was not found in PATH" in err
    assert "  - legacy: installed, but not a default driver; use it with: minikube start --driver=legacy" in err
    for broken in ("broken-import", "junk", "misnamed", "fake"):  # fake is claimed twice (dupe) here
        assert f"  - {broken}: Broken (quarantined):" in err, broken
    assert "darwinonly" not in err.split("Alternatively")[0]


def test_strict_plugins_makes_a_broken_plugin_fatal_in_auto_selection(mk_nodriver: Mk) -> None:
    err = assert_error(mk_nodriver("start", env={"MINIKUBE_STRICT_PLUGINS": "1"}), "DRV_PLUGIN_BROKEN", 58)
    assert 'driver "broken-import"' in err


@pytest.mark.parametrize(("driver", "reason", "code"), [
    ("fake", "DRV_CONFLICT", 51), ("junk", "DRV_PLUGIN_BROKEN", 58), ("misnamed", "DRV_PLUGIN_BROKEN", 58),
    ("broken-import", "DRV_PLUGIN_BROKEN", 58), ("future", "DRV_INCOMPATIBLE_API", 56),
])
def test_explicitly_chosen_broken_drivers_have_their_own_reasons(mk_nodriver: Mk, driver: str, reason: str,
                                                                 code: int) -> None:
    assert_error(mk_nodriver("start", "--driver", driver), reason, code)


def test_a_driver_without_metadata_still_works(mk_nodriver: Mk) -> None:
    mk_nodriver.ok("start", "--driver", "legacy", "-p", "old")
    assert mk_nodriver("status", "-p", "old").returncode == 0


def test_existing_profile_wins_and_a_different_driver_is_a_mismatch(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "mm")
    err = assert_error(mk("start", "--driver", "improvable", "-p", "mm"), "GUEST_DRIVER_MISMATCH", 81)
    assert ('The existing "mm" cluster was created using the "fake" driver, which is incompatible with '
            'requested "improvable" driver.') in err
    assert "minikube delete -p mm" in err and "--driver=fake" in err
    assert_error(mk("start", "-p", "mm", env={"MINIKUBE_DRIVER": "improvable"}), "GUEST_DRIVER_MISMATCH", 81)
    # The configured default is not a request: the profile's own driver is used.
    mk.ok("config", "set", "driver", "improvable")
    p = mk.ok("start", "-p", "mm")
    assert "* Using the fake driver based on existing profile" in p.stderr
    # The same driver through its alias is no mismatch.
    mk.ok("start", "--driver", "better", "-p", "al")
    assert "based on existing profile" in mk.ok("start", "--driver", "improvable", "-p", "al").stderr


def test_configured_driver_is_used_and_validated(mk: Mk) -> None:
    mk.ok("config", "set", "driver", "better")
    assert mk.ok("config", "get", "driver").stdout.strip() == "improvable"
    p = mk.ok("start", "-p", "cfg")
    assert "* Using the improvable driver based on user configuration" in p.stderr
    mk.ok("config", "set", "driver", "erroring")
    assert_error(mk("start", "-p", "cfg2"), "PROVIDER_ERRORING_ERROR", 69)
    assert_error(mk("config", "set", "driver", "nope"), "DRV_NOT_FOUND", 55)


def test_drivers_list_health_reports_every_state(mk: Mk) -> None:
    rows = {r["name"]: r for r in mk.json("drivers", "list", "--health", "-o", "json")}
    assert rows["fake"]["health"]["healthy"] is True
    assert rows["unhealthy"]["health"]["reason"] == "PR_UNHEALTHY_PERMISSION"
    assert rows["unhealthy"]["health"]["fix"] == "Add yourself to the unhealthy group"
    assert rows["notrunning"]["health"]["running"] is False
    assert rows["slow"]["health"]["installed"] is False and "timed out" in rows["slow"]["health"]["error"]
    assert "the raising check blew up" in rows["raising"]["health"]["error"]
    assert rows["improvable"]["health"]["needs_improvement"] is True
    assert rows["darwinonly"]["supported"] is False and rows["darwinonly"]["health"] is None
    assert rows["improvable"]["aliases"] == ["better"] and rows["fake"]["type"] == "builtin"
    text = mk.ok("drivers", "list", "--health").stdout
    assert "unhealthy: cannot open /dev/unhealthy: permission denied [PR_UNHEALTHY_PERMISSION]" in text


@pytest.mark.parametrize("driver", ["notrunning", "unhealthy", "notinstalled"])
def test_an_unknown_driver_option_is_a_usage_error_whatever_the_drivers_health(mk: Mk, driver: str) -> None:
    err = assert_error(mk("start", "--driver", driver, "-p", "uu", f"--{driver}-bogus", "1"), "MK_USAGE", 14)
    assert f"--{driver}-bogus" in err
    assert not (mk.home / "machines" / "uu").exists() and not (mk.home / "profiles" / "uu").exists()
    # a valid option gets past usage to the health verdict, as before
    assert mk("start", "--driver", driver, "-p", "uu", "--fake-label", "x").returncode not in (0, 14)
