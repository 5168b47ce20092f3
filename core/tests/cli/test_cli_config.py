"""``minikube config`` and the precedence of settings: flags, MINIKUBE_*, config.toml, defaults."""

from __future__ import annotations

import sys

from minikube.cli._resources import default_memory_mb

from ._helpers import Mk, assert_error

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_set_get_unset_view(mk: Mk) -> None:
    mk.ok("config", "set", "memory", "4g")
    mk.ok("config", "set", "cpus", "4")
    mk.ok("config", "set", "drivers.fake.fake-label", "lab")
    mk.ok("config", "set", "drivers.fake.fake-fail-create", "false")
    assert mk.ok("config", "get", "memory").stdout == "4g\n"
    assert mk.ok("config", "get", "drivers.fake.fake-label").stdout == "lab\n"
    doc = tomllib.loads((mk.home / "config.toml").read_text())
    assert doc == {"memory": "4g", "cpus": 4, "drivers": {"fake": {"fake-label": "lab", "fake-fail-create": False}}}
    assert mk.json("config", "view", "-o", "json") == doc
    assert mk.ok("config", "view").stdout.splitlines() == [
        "- cpus: 4", "- drivers.fake.fake-fail-create: false", "- drivers.fake.fake-label: lab", "- memory: 4g"]
    mk.ok("config", "unset", "memory")
    mk.ok("config", "unset", "drivers.fake.fake-label")
    mk.ok("config", "unset", "drivers.fake.fake-fail-create")
    mk.ok("config", "unset", "memory")  # unsetting twice is fine
    assert tomllib.loads((mk.home / "config.toml").read_text()) == {"cpus": 4}
    err = assert_error(mk("config", "get", "memory"), "MK_USAGE", 14)
    assert "memory is not set" in err


def test_unknown_keys_are_refused_with_the_list_of_keys(mk: Mk) -> None:
    err = assert_error(mk("config", "set", "colour", "blue"), "MK_USAGE", 14)
    assert ("valid keys: cpus, disk-size, driver, iso-url, memory, profile, drivers.<driver>.<option>"
            in err)
    assert not (mk.home / "config.toml").exists()
    err = assert_error(mk("config", "set", "drivers.fake.fake-colour", "x"), "MK_USAGE", 14)
    assert "the fake driver has no option 'fake-colour'" in err and "fake-label" in err
    assert_error(mk("config", "set", "drivers.nope.x", "1"), "DRV_NOT_FOUND", 55)
    assert_error(mk("config", "get", "colour"), "MK_USAGE", 14)


def test_bad_values_are_refused_before_writing(mk: Mk) -> None:
    for key, value in (("memory", "10x"), ("cpus", "0"), ("disk-size", "-1"), ("profile", "../x"),
                       ("drivers.fake.fake-cpu-count", "many")):
        p = mk("config", "set", key, value)
        assert p.returncode == 14 and "Traceback" not in p.stderr, (key, p.stderr)
        assert key.split(".")[-1] in p.stderr
    assert not (mk.home / "config.toml").exists()


def test_syntax_error_names_file_and_line_and_nothing_is_overwritten(mk: Mk) -> None:
    mk.home.mkdir(parents=True)
    cfg = mk.home / "config.toml"
    broken = b'memory = "4g"\ncpus = \n[drivers.fake]\n'
    cfg.write_bytes(broken)
    for args in (["config", "set", "cpus", "2"], ["config", "unset", "memory"], ["config", "view"],
                 ["start", "--driver", "fake"], ["status"]):
        err = assert_error(mk(*args), "MK_CONFIG_INVALID", 18)
        assert str(cfg) in err and "line 2" in err, (args, err)
    assert cfg.read_bytes() == broken
    assert not (mk.home / "machines").exists()


def test_precedence_flag_then_env_then_config_then_default(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "dflt")
    mk.ok("config", "set", "memory", "3000")
    mk.ok("config", "set", "cpus", "3")
    mk.ok("start", "--driver", "fake", "-p", "conf", "--force")  # --force: 3 or 4 CPUs may be more than here
    mk.ok("start", "--driver", "fake", "-p", "env", "--force", env={"MINIKUBE_MEMORY": "4000", "MINIKUBE_CPUS": "4"})
    mk.ok("start", "--driver", "fake", "-p", "flag", "--force", "--memory", "5000", env={"MINIKUBE_MEMORY": "4000"})
    got = {p: (mk.profile_config(p)["Memory"], mk.profile_config(p)["CPUs"]) for p in ("dflt", "conf", "env", "flag")}
    assert got == {"dflt": (default_memory_mb(), 2), "conf": (3000, 3), "env": (4000, 4), "flag": (5000, 3)}


def test_driver_setting_precedence(mk: Mk) -> None:
    mk.ok("config", "set", "driver", "improvable")
    mk.ok("start", "-p", "aa")
    mk.ok("start", "-p", "bb", env={"MINIKUBE_DRIVER": "fake"})
    assert mk.machine_config("aa")["DriverName"] == "improvable"
    assert mk.machine_config("bb")["DriverName"] == "fake"


def test_bad_values_from_env_and_config_name_their_source(mk: Mk) -> None:
    err = assert_error(mk("start", "--driver", "fake", env={"MINIKUBE_MEMORY": "lots"}), "MK_USAGE", 14)
    assert "invalid value 'lots' for MINIKUBE_MEMORY" in err
    mk.home.mkdir(parents=True)
    (mk.home / "config.toml").write_text("cpus = 0\n")
    err = assert_error(mk("start", "--driver", "fake"), "MK_CONFIG_INVALID", 18)
    assert f"invalid value 0 for cpus in {mk.home / 'config.toml'}" in err
    (mk.home / "config.toml").unlink()
    err = assert_error(mk("start", "--driver", "fake", env={"MINIKUBE_HEALTH_TIMEOUT": "soon"}), "MK_USAGE", 14)
    assert "MINIKUBE_HEALTH_TIMEOUT" in err


def test_unknown_keys_in_a_hand_edited_file_are_warned_about(mk: Mk) -> None:
    mk.home.mkdir(parents=True)
    (mk.home / "config.toml").write_text('colour = "blue"\n')
    p = mk.ok("start", "--driver", "fake")
    assert "unknown setting 'colour'" in p.stderr
