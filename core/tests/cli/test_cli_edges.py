"""The edges a careless user reaches, through the real console script: a huge ``--nodes``, the
profile lifecycle (delete of the active one, a node's machine taken for a profile, names), a
damaged profile config, and the small ones (``-h`` everywhere, an empty boot image, a driver name
that is a path, ``ssh`` on a driver without SSH)."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import time
from pathlib import Path

import pytest
from minikube.testing import Venv, Wheelhouse

from ._helpers import Mk, assert_error
from .test_cli_nodes import machines, nothing_left

HUGE = "50000000"


def _nothing_made(mk: Mk) -> None:
    nothing_left(mk)
    assert not (mk.home / "config.toml").exists()


@pytest.mark.parametrize("limit", [None, "--as=400000000"])
def test_a_huge_node_count_is_refused_at_once_with_nothing_made(mk: Mk, limit: str | None) -> None:
    """Under an address-space limit too: the refusal comes before any thread or machine."""
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        argv = (["prlimit", limit, "--"] if limit else []) + mk.argv(*args)
        began = time.monotonic()
        p = subprocess.run(argv, env=mk.full_env(), capture_output=True, text=True, timeout=60)
        assert time.monotonic() - began < 5, "a refusal takes no time"  # generous: a loaded CI host
        return p

    # a driver without multinode: that is said first, whatever the count
    err = assert_error(run("start", "--driver", "slow", "--nodes", HUGE), "MK_USAGE", 14)
    assert "does not support more than one node" in err
    # a multinode driver: the bound, even with --force past the hard one
    err = assert_error(run("start", "--driver", "fake", "--nodes", HUGE, "--force"), "MK_USAGE", 14)
    assert f"--nodes {HUGE} is more than the maximum of 500 nodes" in err
    err = assert_error(run("start", "--driver", "fake", "--nodes", "21"), "MK_USAGE", 14)
    assert "more than 20 nodes" in err and "add --force" in err
    _nothing_made(mk)


def test_nodes_are_made_no_more_at_once_than_the_host_runs(mk: Mk, tmp_path: Path) -> None:
    """A machine size the host's memory holds once: one at a time, said so, all made."""
    host_mb = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // (1 << 20)
    log = tmp_path / "creates.log"
    p = mk.ok("start", "--driver", "fake", "-p", "queue", "--nodes", "3", "--memory", f"{host_mb * 2 // 3}mb",
              "--force", env={"FAKE_CREATE_LOG": str(log), "FAKE_CREATE_DELAY": "1"})
    assert "Bringing up 3 machines, 1 at a time (as many as this host runs at once)" in p.stderr
    assert machines(mk) == ["queue", "queue-m02", "queue-m03"]
    busy = most = 0
    for line in log.read_text().splitlines():
        busy += 1 if line.startswith("begin ") else -1
        most = max(most, busy)
    assert most == 1 and busy == 0
    mk.ok("delete", "-p", "queue")


def test_deleting_the_active_profile_unsets_it(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "two")
    mk.ok("profile", "two")
    assert mk.ok("profile").stdout.strip() == "two"
    mk.ok("delete", "-p", "two")
    assert mk.ok("profile").stdout.strip() == "minikube"  # minikube's default again
    assert_error(mk("status"), "GUEST_NOT_FOUND", 85)  # of "minikube": nothing made "two" again
    assert not (mk.home / "profiles" / "two").exists()
    # deleting another profile leaves the active one alone
    mk.ok("start", "--driver", "fake", "-p", "aa")
    mk.ok("start", "--driver", "fake", "-p", "bb")
    mk.ok("profile", "aa")
    mk.ok("delete", "-p", "bb")
    assert mk.ok("profile").stdout.strip() == "aa"
    mk.ok("delete", "--all")
    assert mk.ok("profile").stdout.strip() == "minikube"


@pytest.mark.parametrize("name", ["a", "x-", "a..b", "-x", "x_y", "a.-b"])
def test_profile_names_follow_minikubes_rule(mk: Mk, name: str) -> None:
    """A name no machine may have (``x_y``) is refused as such wherever it is given (MK_INVALID_NAME);
    one a machine may have but a new profile may not (minikube's ProfileNameValid) is MK_USAGE."""
    machine_name_too = name in ("-x", "x_y")
    reason, code = ("MK_INVALID_NAME", 14) if machine_name_too else ("MK_USAGE", 14)
    assert_error(mk("start", "--driver", "fake", "-p", name), reason, code)
    assert_error(mk("config", "set", "profile", name), reason, code)
    assert_error(mk("profile", name), "MK_USAGE", 14)  # "-x" is an option there: a usage error too
    _nothing_made(mk)


def test_reserved_profile_names_ignore_case(mk: Mk) -> None:
    for name in ("START", "Delete"):
        assert_error(mk("start", "--driver", "fake", "-p", name), "MK_USAGE", 14)
        assert_error(mk("profile", name), "MK_RESERVED_PROFILE", 11)
        assert_error(mk("config", "set", "profile", name), "MK_RESERVED_PROFILE", 11)
    assert_error(mk("config", "set", "profile", "nosuch"), "GUEST_NOT_FOUND", 85)  # as `profile nosuch`
    _nothing_made(mk)


def test_a_damaged_profile_config_is_corrupt_for_every_command_but_delete(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "tri", "--nodes", "3")
    mk.ok("stop", "-p", "tri")
    config = mk.home / "profiles" / "tri" / "config.json"
    config.write_bytes(config.read_bytes()[:40])  # truncated, as by a full disk
    for argv in (("start", "-p", "tri"), ("status", "-p", "tri"), ("stop", "-p", "tri"), ("node", "list", "-p", "tri"),
                 ("node", "start", "m02", "-p", "tri"), ("ip", "-p", "tri", "-n", "m02")):
        err = assert_error(mk(*argv), "GUEST_CONFIG_CORRUPT", 88)
        assert f"{config} is corrupt" in err and "minikube delete -p tri" in err
    assert_error(mk("status", "-p", "tri", "-n", "tri-m02"), "GUEST_CONFIG_CORRUPT", 88)
    assert machines(mk) == ["tri", "tri-m02", "tri-m03"]  # nothing removed, nothing made
    listed = mk("profile", "list")
    assert "tri-m02" not in listed.stdout + listed.stderr  # a node is never a profile, nor offered for delete
    assert "$ minikube delete -p tri" in listed.stderr
    assert [r["Name"] for r in json.loads(mk.ok("profile", "list", "-o", "json").stdout)["invalid"]] == ["tri"]
    assert_error(mk("delete", "-p", "tri-m02"), "GUEST_NOT_FOUND", 85)  # refused: it would delete a worker
    assert machines(mk) == ["tri", "tri-m02", "tri-m03"]
    mk.ok("delete", "-p", "tri")  # the fix: every machine goes
    nothing_left(mk)


@pytest.mark.parametrize("command", [["status"], ["ip"], ["ssh"], ["stop"], ["delete"], ["node", "list"],
                                     ["profile"], ["config", "view"], ["drivers", "list"], ["mount"]])
def test_dash_h_is_help_on_every_command(mk: Mk, command: list[str]) -> None:
    p = mk.ok(*command, "-h")
    assert p.stdout.startswith(f"Usage: minikube {' '.join(command)}")
    _nothing_made(mk)


def test_an_empty_boot_image_is_refused(mk: Mk, tmp_path: Path) -> None:
    empty = tmp_path / "empty.iso"
    empty.touch()
    err = assert_error(mk("start", "--driver", "fake", "--iso-url", str(empty)), "MK_USAGE", 14)
    assert f"the file {empty} is empty" in err
    _nothing_made(mk)


def test_a_driver_name_that_is_a_path_gets_no_pip_advice(mk: Mk) -> None:
    err = assert_error(mk("drivers", "info", "../x"), "DRV_NOT_FOUND", 55)
    assert "pip install" not in err and "no driver is named so" in err
    assert "pip install minikube-driver-nosuch" in assert_error(mk("drivers", "info", "nosuch"), "DRV_NOT_FOUND", 55)


def test_delete_of_a_busy_profile_says_it_waits(mk: Mk) -> None:
    slow = mk.popen("start", "--driver", "fake", "-p", "busy", env={"FAKE_CREATE_DELAY": "4"},
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        record = mk.home / "machines" / "busy" / "config.json"
        deadline = time.monotonic() + 60  # the test picks its moment: the start holds the machine's lock
        while not record.exists():
            assert time.monotonic() < deadline and slow.poll() is None
            time.sleep(0.05)
        gone = mk.ok("delete", "-p", "busy")
        assert 'Waiting for another minikube command working on "busy" to finish' in gone.stderr
    finally:
        slow.communicate(timeout=60)
    nothing_left(mk)


# --- ssh on a driver whose machines have no SSH ---------------------------------------------------

NOSSH = {
    "pyproject.toml": """
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"
        [project]
        name = "minikube-driver-nossh"
        version = "1.0.0"
        dependencies = ["minikube"]
        [project.entry-points."minikube.drivers"]
        nossh = "minikube_driver_nossh:DRIVER"
        [tool.hatch.build.targets.wheel]
        packages = ["src/minikube_driver_nossh"]
    """,
    "src/minikube_driver_nossh/__init__.py": """
        from dataclasses import replace
        from minikube.testing import FAKE_DEF
        DRIVER = replace(FAKE_DEF, name="nossh", default=False)
    """,
    "src/minikube_driver_nossh/minikube-driver.toml": """
        [drivers.nossh]
        builtin = true
        priority = "Fallback"
        api = ">=1.5,<2"
        [drivers.nossh.capabilities]
        no_ssh = true
    """,
}


def test_ssh_on_a_driver_without_ssh_is_refused_before_dialing(tmp_path: Path, wheelhouse: Wheelhouse) -> None:
    src = tmp_path / "minikube-driver-nossh"
    for rel, text in NOSSH.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(textwrap.dedent(text))
    venv = Venv.create(tmp_path / "venv", wheelhouse)
    venv.install("minikube")
    venv.install(src)
    mk = Mk(venv, tmp_path / "mkhome")
    mk.ok("start", "--driver", "nossh", "-p", "quiet")  # no SSH wait for it either
    err = assert_error(mk("ssh", "-p", "quiet", "--", "true"), "MK_USAGE", 14)
    assert "The 'nossh' driver does not support 'minikube ssh' command" in err
    mk.ok("delete", "-p", "quiet")
