"""Bad input through the real console script: names, corrupt files, races, Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from _support import Minikube, assert_one_line_error


@pytest.fixture(scope="module")
def venv(make_venv):
    return make_venv("fake")


@pytest.fixture
def mk(venv, tmp_path: Path) -> Minikube:
    return Minikube(venv, tmp_path / "home")


@pytest.mark.parametrize("name", ["../x", "a/b", "-rf"])
def test_bad_profile_names_touch_nothing(mk: Minikube, name: str) -> None:
    for cmd in (["start", "--driver", "fake"], ["delete"], ["status"], ["stop"]):
        p = mk(*cmd, f"--profile={name}")
        assert_one_line_error(p, "MK_INVALID_NAME", 14)
    assert not mk.home.exists()


def test_corrupt_or_truncated_config_is_named_and_delete_still_works(mk: Minikube) -> None:
    assert mk("start", "--driver", "fake", "-p", "c1").returncode == 0
    cfg = mk.home / "machines" / "c1" / "config.json"
    text = cfg.read_text()
    cfg.write_text(text[: len(text) // 2])  # truncated
    p = mk("status", "-p", "c1")
    line = assert_one_line_error(p, "GUEST_CONFIG_CORRUPT", 88)
    assert str(cfg) in line and "minikube delete -p c1" in p.stderr
    d = mk("delete", "-p", "c1")
    assert d.returncode == 0, d.stderr
    assert not (mk.home / "machines" / "c1").exists() and not (mk.home / "profiles" / "c1").exists()


def test_newer_config_version_is_refused_and_left_alone(mk: Minikube) -> None:
    assert mk("start", "--driver", "fake", "-p", "v1").returncode == 0
    cfg = mk.home / "machines" / "v1" / "config.json"
    doc = json.loads(cfg.read_text())
    doc["ConfigVersion"] = 4
    cfg.write_text(json.dumps(doc))
    before = cfg.read_bytes()
    for cmd in ("status", "stop", "start"):
        p = mk(cmd, "-p", "v1")
        assert_one_line_error(p, "GUEST_CONFIG_NEWER", 88)
    assert cfg.read_bytes() == before


def _said_creating(proc: subprocess.Popen[str]) -> None:
    """Read the command's stderr until it says it creates the machine, as a person watching it
    would (its record is saved and its lock held by then)."""
    assert proc.stderr is not None
    for line in proc.stderr:
        if "Creating fake machine" in line:
            return
    raise AssertionError(f"minikube start ended (exit {proc.wait()}) without creating the machine")


def test_two_starts_of_one_profile_at_once_leave_a_valid_store(mk: Minikube) -> None:
    procs = [mk.popen("start", "--driver", "fake", "-p", "same", env={"FAKE_CREATE_DELAY": "3"},
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    codes = [p.returncode for p in procs]
    assert all(c == 0 for c in codes) or sorted(codes)[0] == 0 and "GUEST_LOCKED" in "".join(o[1] for o in outs), outs
    assert all("Traceback" not in o[1] for o in outs)
    doc = json.loads((mk.home / "machines" / "same" / "config.json").read_text())
    assert doc["ConfigVersion"] == 3 and doc["Driver"]["FakeState"] == 1
    st = mk("status", "-p", "same", "-o", "json")
    assert st.returncode == 0 and json.loads(st.stdout)["Host"] == "Running"


def test_lock_timeout_fails_cleanly(mk: Minikube) -> None:
    first = mk.popen("start", "--driver", "fake", "-p", "busy", env={"FAKE_CREATE_DELAY": "4"},
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _said_creating(first)  # it holds the machine's lock while it creates
    p = mk("stop", "-p", "busy", env={"MINIKUBE_LOCK_TIMEOUT": "0.5"})
    first.communicate(timeout=60)
    assert_one_line_error(p, "GUEST_LOCKED", 82)


def test_ctrl_c_during_create_leaves_a_consistent_store_that_delete_cleans(mk: Minikube) -> None:
    proc = mk.popen("start", "--driver", "fake", "-p", "intr", env={"FAKE_CREATE_DELAY": "30"},
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    cfg = mk.home / "machines" / "intr" / "config.json"
    # The test picks its moment (the machine's record saved, the fake machine being made: its create
    # takes 30 s) and presses Ctrl-C; it waits for no result of the product.
    deadline = time.monotonic() + 30
    while not (cfg.exists() and cfg.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 11, err
    assert "Traceback" not in err and "Exiting due to MK_INTERRUPTED" in err
    assert json.loads(cfg.read_text())["DriverName"] == "fake"
    d = mk("delete", "-p", "intr")
    assert d.returncode == 0, d.stderr
    assert not (mk.home / "machines" / "intr").exists()
