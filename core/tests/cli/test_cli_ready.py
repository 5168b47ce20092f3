"""Ready means ready, through the console script: ``start`` (new machine, restart, every node),
``node add`` and ``node start`` return only once each machine they brought up runs a command over
SSH with its key; ``minikube ssh`` right after them works at once, with no retry in the test.

The machines are the test driver ``sshguest``: local processes that answer real SSH (asyncssh) on
127.0.0.1 after a boot delay, and accept-and-close TCP while they boot, as QEMU's user network
does in front of a guest whose sshd is not up.  A start that returned early would make the single
``minikube ssh`` below fail.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from minikube.testing import Venv, Wheelhouse

from ._helpers import Mk, assert_error, dist

BOOT = "--sshguest-boot-delay=2"


@pytest.fixture(scope="module")
def ready_venv(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Wheelhouse) -> Venv:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "-w", str(wheelhouse.path), "asyncssh>=2.14"],
                   check=True, capture_output=True)
    v = Venv.create(tmp_path_factory.mktemp("ready-venv"), wheelhouse)
    v.install("minikube")
    v.install(dist("sshguest"), dist("fake"))
    return v


@pytest.fixture
def mk(ready_venv: Venv, tmp_path: Path) -> Iterator[Mk]:
    m = Mk(ready_venv, tmp_path / "mkhome")
    yield m
    m("delete", "--all")  # no guest process outlives its test


def ssh_once(mk: Mk, profile: str, *args: str) -> str:
    """One ``minikube ssh``, no retry: it must work the first time."""
    p = mk("ssh", "-p", profile, *args, "--", "echo", "up", "in", "$(pwd)")
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def test_ssh_works_at_once_after_start_and_after_a_restart(mk: Mk) -> None:
    p = mk.ok("start", "-p", "r1", "--driver", "sshguest", BOOT)
    assert 'Waiting for "r1" to answer SSH' in p.stderr and 'Done! "r1" is running at 127.0.0.1.' in p.stderr
    assert ssh_once(mk, "r1") == f"up in {mk.home / 'machines' / 'r1'}"
    mk.ok("stop", "-p", "r1")
    assert mk("status", "-p", "r1").returncode == 7  # stop returned in its state
    mk.ok("start", "-p", "r1")  # boots again, 2 s before SSH answers
    assert ssh_once(mk, "r1").startswith("up in ")


def test_every_node_answers_after_start_nodes_node_add_and_node_start(mk: Mk) -> None:
    mk.ok("start", "-p", "rn", "--driver", "sshguest", BOOT, "--nodes", "2")
    assert ssh_once(mk, "rn").endswith("/machines/rn")
    assert ssh_once(mk, "rn", "-n", "m02").endswith("/machines/rn-m02")
    mk.ok("node", "add", "-p", "rn")
    assert ssh_once(mk, "rn", "-n", "m03").endswith("/machines/rn-m03")
    mk.ok("node", "stop", "m03", "-p", "rn")
    mk.ok("node", "start", "m03", "-p", "rn")
    assert ssh_once(mk, "rn", "-n", "m03").endswith("/machines/rn-m03")


def test_json_output_shows_the_wait_as_a_step(mk: Mk) -> None:
    p = mk.ok("start", "-p", "rj", "--driver", "sshguest", BOOT, "-o", "json")
    steps = [e["data"] for e in map(json.loads, p.stdout.splitlines()) if e["type"].endswith(".step")]
    names = [s["name"] for s in steps]
    assert names.index("Creating VM") < names.index("Waiting for SSH") < names.index("Done"), names
    wait = steps[names.index("Waiting for SSH")]
    assert wait["message"] == 'Waiting for "rj" to answer SSH ...' and wait["totalsteps"] == "20", wait


def test_a_guest_without_sshd_is_one_line_after_the_bound_and_kept(mk: Mk) -> None:
    p = mk("start", "-p", "deaf", "--driver", "sshguest", "--sshguest-mode=no-sshd", "--wait-timeout=3s")
    err = assert_error(p, "IF_SSH_TIMEOUT", 72)
    assert 'waiting for SSH to be available on "deaf" at 127.0.0.1:' in err and "within 3s" in err, err
    assert "closed without an SSH greeting" in err  # a TCP accept is not SSH
    assert "minikube status -p deaf" in err and str(mk.home / "machines" / "deaf") in err
    st = mk("status", "-p", "deaf", "-o", "json")
    assert st.returncode == 0 and json.loads(st.stdout)["Host"] == "Running"  # kept, for a look
    mk.ok("delete", "-p", "deaf")
    assert not (mk.home / "machines" / "deaf").exists() and not (mk.home / "profiles" / "deaf").exists()


def test_a_guest_that_refuses_the_key_is_if_ssh_auth(mk: Mk) -> None:
    p = mk("start", "-p", "wk", "--driver", "sshguest", "--sshguest-mode=wrong-key", "--wait-timeout=3s")
    err = assert_error(p, "IF_SSH_AUTH", 78)
    assert '"wk" refused its SSH key at 127.0.0.1:' in err and "Permission denied" in err, err
    assert mk("status", "-p", "wk").returncode == 0
    mk.ok("delete", "-p", "wk")


def test_ctrl_c_while_waiting_is_mk_interrupted_and_keeps_the_machine(mk: Mk) -> None:
    proc = mk.popen("start", "-p", "intr", "--driver", "sshguest", "--sshguest-mode=no-sshd",
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:  # the user presses Ctrl-C when they see the wait (as a person would)
            seen.append(line)
            if "to answer SSH" in line:
                break
        proc.send_signal(signal.SIGINT)
        _out, rest = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = "".join(seen) + rest
    assert proc.returncode == 11, err
    assert [ln for ln in err.splitlines() if "Exiting due to" in ln] == [
        'X Exiting due to MK_INTERRUPTED: interrupted while creating "intr"'] and "Traceback" not in err
    assert mk("status", "-p", "intr").returncode == 0  # kept in its state: running
    mk.ok("delete", "-p", "intr")


def test_bad_wait_timeout_is_refused_before_anything_is_made(mk: Mk) -> None:
    for bad in ("30", "-1s", "soon"):
        p = mk.fails(["start", "-p", "bad", "--driver", "sshguest", f"--wait-timeout={bad}"], "MK_USAGE", 14)
        assert f'invalid duration "{bad}" for --wait-timeout' in p.stderr
    assert not (mk.home / "machines").exists() or list((mk.home / "machines").iterdir()) == []
    assert not (mk.home / "profiles").exists() or list((mk.home / "profiles").iterdir()) == []


def test_a_driver_built_for_an_older_api_is_not_waited_for(mk: Mk) -> None:
    """The fake driver declares api >=1.0 (and its 192.168.50.x machines answer nothing): start
    returns as before, with no wait and no packet to its address."""
    p = mk.ok("start", "-p", "old", "--driver", "fake", "--wait-timeout=1s")
    assert "answer SSH" not in p.stderr
