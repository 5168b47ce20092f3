"""Hand-edited or damaged files never reach the internal-error catch-all: config.toml values of the
wrong TOML type, and profile or machine config.json of the wrong shape, each end in one line that
names the file and the way out (``minikube config set``, an edit, ``minikube delete -p NAME``)."""

from __future__ import annotations

import json

from ._helpers import Mk, assert_error


def write_config(mk: Mk, text: str) -> str:
    mk.home.mkdir(parents=True, exist_ok=True)
    (mk.home / "config.toml").write_text(text)
    return str(mk.home / "config.toml")


def test_a_drivers_entry_that_is_no_table_is_shown_by_view_and_refused_where_used(mk: Mk) -> None:
    """``[drivers] fake = 3`` made ``config view`` an internal error (AttributeError)."""
    path = write_config(mk, "[drivers]\nfake = 3\n")
    p = mk.ok("config", "view")
    assert p.stdout == "- drivers.fake: 3\n"
    assert f"drivers.fake in {path} is 3, not a table of options" in p.stderr
    assert mk.json("config", "view", "-o", "json") == {"drivers": {"fake": 3}}
    for args in (["config", "get", "drivers.fake.fake-label"], ["config", "set", "drivers.fake.fake-label", "x"],
                 ["start", "--driver", "fake"]):
        err = assert_error(mk(*args), "MK_CONFIG_INVALID", 18)
        assert f"drivers.fake in {path}" in err and f"Suggestion: Edit {path}" in err, (args, err)
    assert (mk.home / "config.toml").read_text() == "[drivers]\nfake = 3\n"
    assert not (mk.home / "machines").exists()


def test_settings_of_the_wrong_toml_type_are_refused_naming_key_and_file(mk: Mk) -> None:
    """``profile = 5`` silently became the profile "5"; ``memory = [1]`` and dates name their type."""
    path = write_config(mk, "profile = 5\n")
    err = assert_error(mk("status"), "MK_CONFIG_INVALID", 18)
    assert f"invalid value 5 for profile in {path}: use text in quotes, not an integer" in err
    assert "minikube config set profile" in err
    for line, shown in (("memory = [1]", "[1]"), ("cpus = true", "true"), ("driver = 1979-05-27", "1979-05-27")):
        write_config(mk, line + "\n")
        err = assert_error(mk("start"), "MK_CONFIG_INVALID", 18)
        assert f"invalid value {shown} for {line.split()[0]} in {path}" in err, err
        assert f"minikube config set {line.split()[0]}" in err
        assert line.split()[0] in mk.ok("config", "view").stderr  # view shows it, with the same complaint
    mk.ok("config", "set", "driver", "fake")  # the way out works on the broken file
    assert not (mk.home / "machines").exists()


def test_config_set_keeps_max_as_typed(mk: Mk) -> None:
    """``max`` is worked out when a machine is made, on the computer that makes it."""
    mk.ok("config", "set", "cpus", "max")
    mk.ok("config", "set", "memory", "MAX")
    assert mk.json("config", "view", "-o", "json") == {"cpus": "max", "memory": "MAX"}
    assert_error(mk("config", "set", "cpus", "no-limit"), "MK_USAGE", 14)


def test_a_machine_config_of_the_wrong_shape_names_the_file_and_delete(mk: Mk) -> None:
    """A non-object "Driver" said only "driver config is not a JSON object"; a list where the
    driver keeps a string reached the catch-all."""
    mk.ok("start", "--driver", "fake", "-p", "hurt")
    cfg = mk.home / "machines" / "hurt" / "config.json"
    good = json.loads(cfg.read_text())
    for change, says in (({"Driver": 5}, '"Driver" is 5, not an object'),
                         ({"HostOptions": []}, '"HostOptions" is [], not an object'),
                         ({"ConfigVersion": "3"}, '"ConfigVersion" is "3", not a number'),
                         ({"Driver": {**good["Driver"], "MachineName": []}}, '"MachineName" is [], not a string'),
                         ({"Driver": {**good["Driver"], "SSHPort": "22"}}, '"SSHPort" is "22", not a number')):
        cfg.write_text(json.dumps({**good, **change}))
        for cmd in ("status", "ip", "stop"):
            err = assert_error(mk(cmd, "-p", "hurt"), "GUEST_CONFIG_CORRUPT", 88)
            assert f"{cfg} is corrupt: " in err and says in err and "minikube delete -p hurt" in err, (cmd, err)
    mk.ok("delete", "-p", "hurt")
    assert not (mk.home / "machines" / "hurt").exists() and not (mk.home / "profiles" / "hurt").exists()


def test_a_profile_config_of_the_wrong_types_is_an_invalid_profile(mk: Mk) -> None:
    """A string where a number belongs was taken as is, and printed or compared later."""
    mk.ok("start", "--driver", "fake", "-p", "odd")
    cfg = mk.home / "profiles" / "odd" / "config.json"
    cfg.write_text(json.dumps({**json.loads(cfg.read_text()), "CPUs": "2"}))
    doc = mk.json("profile", "list", "-o", "json")
    assert doc["valid"] == [] and doc["invalid"][0]["Name"] == "odd"
    assert '"CPUs" is "2", not a whole number' in mk("profile", "list").stderr


def test_a_lock_timeout_that_is_no_number_is_a_usage_error(mk: Mk) -> None:
    """``MINIKUBE_LOCK_TIMEOUT=soon`` reached the catch-all as a ValueError from float()."""
    mk.ok("start", "--driver", "fake", "-p", "lk")
    for bad in ("soon", "-1", "inf"):
        err = assert_error(mk("stop", "-p", "lk", env={"MINIKUBE_LOCK_TIMEOUT": bad}), "MK_USAGE", 14)
        assert f"invalid value '{bad}' for MINIKUBE_LOCK_TIMEOUT" in err and "Suggestion:" in err
    assert mk("status", "-p", "lk").returncode == 0  # still running: nothing was done
