"""A driver's own options come from the driver: start accepts them, help and info show them.

The fake driver declares fake-label (string, FAKE_LABEL), fake-tags (string list), fake-cpu-count
(int), fake-fail-create (bool) and fake-create-delay (int); nothing in the core knows them.
"""

from __future__ import annotations

from ._helpers import Mk, assert_error

FAKE_FLAGS = ["fake-cpu-count", "fake-create-delay", "fake-fail-create", "fake-label", "fake-tags"]


def test_start_accepts_the_driver_flags_in_every_form(mk: Mk) -> None:
    mk.ok("start", "--driver=fake", "-p", "f1", "--fake-label", "hello world", "--fake-tags=a,b",
          "--fake-tags", "c", "--fake-cpu-count=5")
    d = mk.machine_config("f1")["Driver"]
    assert (d["FakeLabel"], d["FakeTags"], d["CPU"]) == ("hello world", ["a", "b", "c"], 5)
    opts = mk.profile_config("f1")["DriverOptions"]
    assert opts["fake-label"] == "hello world" and opts["fake-fail-create"] is False
    # Driver flags may come before --driver, too.
    mk.ok("start", "--fake-label", "early", "--driver", "fake", "-p", "f2")
    assert mk.machine_config("f2")["Driver"]["FakeLabel"] == "early"


def test_unknown_option_names_it_and_lists_the_drivers_options(mk: Mk) -> None:
    err = assert_error(mk("start", "--driver", "fake", "--fake-lable", "x"), "MK_USAGE", 14)
    line = next(ln for ln in err.splitlines() if ln.startswith("X "))
    assert "unknown option --fake-lable for the fake driver" in line
    assert "Did you mean --fake-label?" in line
    assert "The fake driver's options: " + ", ".join("--" + f for f in FAKE_FLAGS) in line
    assert "minikube start --driver=fake --help" in err
    assert not (mk.home / "profiles" / "minikube").exists()
    # Another driver's flags are unknown to this one.
    err = assert_error(mk("start", "--driver", "fake", "--kvm-network", "default"), "MK_USAGE", 14)
    assert "unknown option --kvm-network for the fake driver" in err


def test_bad_driver_flag_values_are_usage_errors_naming_the_flag(mk: Mk) -> None:
    err = assert_error(mk("start", "--driver", "fake", "--fake-cpu-count", "many"), "MK_USAGE", 14)
    assert "invalid value 'many' for --fake-cpu-count: use a whole number" in err
    err = assert_error(mk("start", "--driver", "fake", "--fake-fail-create=maybe"), "MK_USAGE", 14)
    assert "--fake-fail-create" in err
    err = assert_error(mk("start", "--driver", "fake", "--fake-label"), "MK_USAGE", 14)
    assert "option --fake-label needs a value" in err
    assert_error(mk("start", "--driver", "fake", "stray"), "MK_USAGE", 14)


def test_start_help_with_a_driver_shows_its_flags(mk: Mk) -> None:
    out = mk.ok("start", "--driver", "fake", "--help").stdout
    assert "--memory" in out and "Options of the fake driver" in out
    section = out.split("Options of the fake driver")[1]
    for f in FAKE_FLAGS:
        assert f"--{f}" in section
    assert "A label kept in the driver config" in section and "[env FAKE_LABEL]" in section
    plain = mk.ok("start", "-h").stdout
    assert "Options of the" not in plain and "minikube start --driver=NAME --help" in plain
    assert "fake" in plain.rsplit("--driver=NAME --help", 1)[1]
    # The configured driver's options show too.
    mk.ok("config", "set", "driver", "improvable")
    assert "Options of the improvable driver" in mk.ok("start", "--help").stdout


def test_drivers_info_shows_metadata_health_and_flags(mk: Mk) -> None:
    info = mk.json("drivers", "info", "fake", "-o", "json")
    assert info["name"] == "fake" and info["distribution"] == "minikube-driver-fake"
    assert info["health"]["healthy"] is True and info["type"] == "builtin"
    flags = {f["name"]: f for f in info["flags"]}
    assert sorted(flags) == FAKE_FLAGS
    assert flags["fake-label"] == {"name": "fake-label", "type": "string", "usage": "A label kept in the driver config",
                                   "env_var": "FAKE_LABEL", "default": ""}
    assert flags["fake-tags"]["type"] == "string list" and flags["fake-tags"]["default"] == []
    assert flags["fake-fail-create"]["type"] == "bool" and flags["fake-cpu-count"]["type"] == "int"
    text = mk.ok("drivers", "info", "better").stdout
    assert text.startswith("name:") and "improvable" in text.splitlines()[0] and "--fake-label" in text
    assert_error(mk("drivers", "info", "nope"), "DRV_NOT_FOUND", 55)
    darwin = mk.json("drivers", "info", "darwinonly", "-o", "json")
    assert darwin["supported"] is False and darwin["flags"] == []


def test_driver_flag_precedence_flag_env_config_default(mk: Mk) -> None:
    mk.ok("config", "set", "drivers.fake.fake-label", "from-config")
    mk.ok("config", "set", "drivers.fake.fake-tags", "x,y")
    mk.ok("start", "--driver", "fake", "-p", "cc")
    mk.ok("start", "--driver", "fake", "-p", "ee", env={"FAKE_LABEL": "from-env"})
    mk.ok("start", "--driver", "fake", "-p", "ff", "--fake-label", "from-flag", env={"FAKE_LABEL": "from-env"})
    mk.ok("config", "unset", "drivers.fake.fake-label")
    mk.ok("start", "--driver", "fake", "-p", "dd")
    labels = {p: mk.machine_config(p)["Driver"]["FakeLabel"] for p in ("cc", "ee", "ff", "dd")}
    assert labels == {"cc": "from-config", "ee": "from-env", "ff": "from-flag", "dd": ""}
    assert mk.machine_config("cc")["Driver"]["FakeTags"] == ["x", "y"]


def test_bad_driver_options_in_config_toml_name_the_key_and_file(mk: Mk) -> None:
    mk.home.mkdir(parents=True)
    cfg = mk.home / "config.toml"
    cfg.write_text('[drivers.fake]\nfake-cpu-count = "lots"\n')
    err = assert_error(mk("start", "--driver", "fake"), "MK_CONFIG_INVALID", 18)
    assert f"drivers.fake.fake-cpu-count in {cfg}" in err
    cfg.write_text('[drivers.fake]\nfake-colour = "red"\n')
    err = assert_error(mk("start", "--driver", "fake"), "MK_CONFIG_INVALID", 18)
    assert "unknown option 'fake-colour' in [drivers.fake]" in err and "fake-label" in err
    cfg.write_text("[drivers.fake]\nfake-cpu-count = 4\nfake-fail-create = false\n")
    mk.ok("start", "--driver", "fake", "-p", "typed")
    assert mk.machine_config("typed")["Driver"]["CPU"] == 4


def test_driver_options_on_an_existing_profile_are_checked_and_ignored(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "ex", "--fake-label", "first")
    p = mk.ok("start", "-p", "ex", "--fake-label", "second", "--memory", "4g")
    assert "the fake driver options are ignored" in p.stderr and "--memory is ignored" in p.stderr
    assert mk.machine_config("ex")["Driver"]["FakeLabel"] == "first"
    assert_error(mk("start", "-p", "ex", "--bogus"), "MK_USAGE", 14)
