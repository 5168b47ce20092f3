"""What minikube users expect of status, profiles and the machine's edges, through the real
console script: ``status -o json`` / ``--format``, ``minikube profile [NAME]``, ``profile list``,
stop/start failures with their own reasons, ``ssh`` to a guest that does not answer, and the
lock file ``delete`` leaves behind.  Every network test stays on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._helpers import Mk, assert_error

RUNNING_TEXT = ("st\ntype: Control Plane\nhost: Running\nkubelet: Irrelevant\napiserver: Irrelevant\n"
                "kubeconfig: Irrelevant\n\n")


def _edit_machine(mk: Mk, name: str, **driver: Any) -> None:
    """Change the fake driver's saved config, as a VM changing behind minikube's back would."""
    cfg = mk.home / "machines" / name / "config.json"
    doc = json.loads(cfg.read_text())
    doc["Driver"].update(driver)
    cfg.write_text(json.dumps(doc))


def _settings(mk: Mk) -> str:
    path = mk.home / "config.toml"
    return path.read_text() if path.exists() else ""


# --- status ----------------------------------------------------------------------------------

def test_status_has_minikubes_fields_json_and_format(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "st")
    p = mk.ok("status", "-p", "st")
    assert p.stdout == RUNNING_TEXT
    assert mk.json("status", "-p", "st", "-o", "json") == {
        "Name": "st", "Host": "Running", "Kubelet": "Irrelevant", "APIServer": "Irrelevant",
        "Kubeconfig": "Irrelevant", "Worker": False}
    assert mk.ok("status", "-p", "st", "--format", "{{.Host}}").stdout == "Running"  # no newline, as Go's template
    assert mk.ok("status", "-p", "st", "-f", "{{.Name}}: {{ .Host -}}  \n !{{.Worker}}").stdout == "st: Running!false"
    assert mk.ok("status", "-p", "st", "-o", "text", "--format={{.APIServer}}").stdout == "Irrelevant"

    mk.ok("stop", "-p", "st")
    p = mk("status", "-p", "st", "-f", "{{.Host}}/{{.Kubelet}}/{{.Kubeconfig}}")
    assert (p.returncode, p.stdout) == (7, "Stopped/Stopped/Stopped")
    p = mk("status", "-p", "st", "-o", "json")
    assert p.returncode == 7 and set(json.loads(p.stdout).values()) == {"st", "Stopped", False}


@pytest.mark.parametrize("args, words", [
    (["-o", "json", "--format", "{{.Host}}"], "Cannot use both --output and --format options"),
    (["--format", "{{.host}}"], "unknown field 'host'"),
    (["-f", "{{.Host}} {{.Nope}}"], "unknown field 'Nope'"),
    (["-f", "{{if .Host}}up{{end}}"], "only {{.Field}} placeholders"),
    (["-f", "{{.Host"], "unclosed action"),
])
def test_a_bad_format_is_a_usage_error_before_any_machine_is_asked(mk: Mk, args: list[str], words: str) -> None:
    err = assert_error(mk("status", "-p", "nosuchprofile", *args), "MK_USAGE", 14)
    assert words in err


def test_a_profile_whose_machine_is_gone_is_nonexistent_not_unknown(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "half")
    import shutil

    shutil.rmtree(mk.home / "machines" / "half")
    p = mk("status", "-p", "half", "-o", "json")
    assert p.returncode == 7, p.stderr
    assert json.loads(p.stdout)["Host"] == json.loads(p.stdout)["Kubelet"] == "Nonexistent"
    err = assert_error(mk("status", "-p", "never"), "GUEST_NOT_FOUND", 85)
    assert 'To start a cluster, run: "minikube start -p never"' in err


# --- minikube profile [NAME] ---------------------------------------------------------------------

def test_profile_prints_and_switches_the_active_profile(mk: Mk) -> None:
    assert mk.ok("profile").stdout == "minikube\n"
    mk.ok("start", "--driver", "fake", "-p", "p1")
    p = mk.ok("profile", "p1")
    assert "minikube profile was successfully set to p1" in p.stderr and p.stdout == ""
    assert mk.ok("profile").stdout == "p1\n"
    assert mk.ok("config", "get", "profile").stdout == "p1\n"  # one place for it: config.toml's `profile`
    assert mk.json("status", "-o", "json")["Name"] == "p1"  # and -p defaults to it
    assert mk.ok("profile", env={"MINIKUBE_PROFILE": "p2"}).stdout == "p2\n"  # the environment still wins

    mk.ok("profile", "default")
    assert mk.ok("profile").stdout == "minikube\n"
    mk.ok("profile", "p1")


@pytest.mark.parametrize("args, reason, code, words", [
    (["ghost"], "GUEST_NOT_FOUND", 85, 'Profile "ghost" not found'),
    (["start"], "MK_RESERVED_PROFILE", 11, '"start" is reserved'),
    (["logs"], "MK_RESERVED_PROFILE", 11, '"logs" is reserved'),
    (["../x"], "MK_USAGE", 14, "is not valid"),
    (["a", "b"], "MK_USAGE", 14, "usage: minikube profile [MINIKUBE_PROFILE_NAME]"),
])
def test_profile_refusals_change_nothing(mk: Mk, args: list[str], reason: str, code: int, words: str) -> None:
    mk.ok("start", "--driver", "fake", "-p", "p1")
    mk.ok("profile", "p1")
    before = _settings(mk)
    err = assert_error(mk("profile", *args), reason, code)
    assert words in err
    assert _settings(mk) == before and mk.ok("profile").stdout == "p1\n"


# --- profile list ----------------------------------------------------------------------------------

def test_profile_list_has_ip_and_active_columns_and_minikubes_json(mk: Mk) -> None:
    err = assert_error(mk("profile", "list"), "MK_USAGE_NO_PROFILE", 14)
    assert "No minikube profile was found." in err
    assert mk.json("profile", "list", "-o", "json") == {"invalid": [], "valid": []}

    mk.ok("start", "--driver", "fake", "-p", "one")
    mk.ok("start", "--driver", "fake", "-p", "two")
    mk.ok("stop", "-p", "two")
    mk.ok("profile", "one")
    ip = mk.ok("ip", "-p", "one").stdout.strip()

    doc = mk.json("profile", "list", "-o", "json")
    assert doc["invalid"] == [] and [set(v) for v in doc["valid"]] == [
        {"Name", "Status", "Config", "Active", "ActiveKubeContext"}] * 2
    one, two = doc["valid"]
    assert (one["Name"], one["Status"], one["Active"], one["Config"]["Driver"]) == ("one", "Running", True, "fake")
    assert one["Config"]["Nodes"][0]["IP"] == ip and one["ActiveKubeContext"] is False
    # a stopped machine's IP is the one its profile recorded, as minikube's profile list shows it
    two_ip = mk.profile_config("two")["Nodes"][0]["IP"]
    assert two_ip.startswith("192.168.50.")
    assert (two["Name"], two["Status"], two["Active"], two["Config"]["Nodes"][0]["IP"]) == ("two", "Stopped", False,
                                                                                          two_ip)

    lines = mk.ok("profile", "list").stdout.splitlines()
    assert lines[0].split() == ["PROFILE", "DRIVER", "IP", "STATUS", "NODES", "ACTIVE", "PROFILE"]
    assert lines[1].split() == ["one", "fake", ip, "Running", "1", "*"]
    assert lines[2].split() == ["two", "fake", two_ip, "Stopped", "1"]

    (mk.home / "profiles" / "two" / "config.json").write_text("{not json")
    doc = mk.json("profile", "list", "-o", "json")
    assert [v["Name"] for v in doc["valid"]] == ["one"]
    bad = doc["invalid"][0]
    assert (bad["Name"], bad["Config"], bad["Active"]) == ("two", None, False) and "corrupt" in bad["Error"]
    p = mk.ok("profile", "list")
    assert [ln.split()[0] for ln in p.stdout.splitlines()] == ["PROFILE", "one"]
    assert "Found 1 invalid profile(s)" in p.stderr and "$ minikube delete -p two" in p.stderr


# --- stop and start failures -------------------------------------------------------------------------

def test_stop_and_start_failures_carry_their_own_reasons(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "flaky")
    _edit_machine(mk, "flaky", FakeFailStop=True)
    err = assert_error(mk("stop", "-p", "flaky"), "GUEST_STOP_TIMEOUT", 82)
    assert "fake stop failed as asked" in err and "* Suggestion: Run the command again with -v 2" in err
    assert mk.json("status", "-p", "flaky", "-o", "json")["Host"] == "Running"

    _edit_machine(mk, "flaky", FakeFailStop=False)
    mk.ok("stop", "-p", "flaky")
    _edit_machine(mk, "flaky", FakeFailStart=True)
    err = assert_error(mk("start", "-p", "flaky"), "GUEST_START", 80)
    assert "fake start failed as asked" in err


@pytest.mark.parametrize("op, reason", [("stop", "GUEST_STOP_TIMEOUT"), ("start", "GUEST_START"),
                                        ("status", "GUEST_STATUS")])
def test_an_external_plugins_error_gets_the_operations_reason(op: str, reason: str) -> None:
    """An external driver's error crosses the wire as text (no reason); a driver's own reason stays."""
    from minikube._errors import DriverError
    from minikube.machine._api import _step
    from minikube.machine.plugin._client import _driver_error

    with pytest.raises(DriverError) as plain, _step(op, reason):
        raise _driver_error(f"the plugin's {op} failed")
    assert plain.value.reason.id == reason
    with pytest.raises(DriverError) as own, _step(op, reason):
        raise _driver_error(f"the plugin's {op} failed (reason PR_FOO_BUSY)")
    assert own.value.reason.id == "PR_FOO_BUSY"


# --- ssh to a guest that does not answer -----------------------------------------------------------

@pytest.fixture
def ssh_stub(tmp_path: Path) -> dict[str, str]:
    """An `ssh` on PATH that prints its arguments: the real one is never run."""
    stub = tmp_path / "bin"
    stub.mkdir()
    (stub / "ssh").write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    (stub / "ssh").chmod(0o755)
    return {"PATH": f"{stub}{os.pathsep}{os.environ['PATH']}"}


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A socket listening on 127.0.0.1 that accepts (the kernel does) and never says a word."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s


def test_ssh_to_a_closed_port_fails_at_once_in_one_line(mk: Mk, ssh_stub: dict[str, str]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    mk.ok("start", "--driver", "fake", "-p", "deaf")
    _edit_machine(mk, "deaf", IPAddress="127.0.0.1", SSHPort=port)
    err = assert_error(mk("ssh", "-p", "deaf", "--", "true", env=ssh_stub, timeout=30), "IF_SSH_CLIENT", 70)
    assert f'cannot reach "deaf" over SSH at 127.0.0.1:{port}' in err and "refused" in err


def test_ssh_to_a_guest_that_never_greets_fails_within_seconds(mk: Mk, ssh_stub: dict[str, str],
                                                                listener: socket.socket) -> None:
    mk.ok("start", "--driver", "fake", "-p", "mute")
    _edit_machine(mk, "mute", IPAddress="127.0.0.1", SSHPort=listener.getsockname()[1])
    started = time.monotonic()
    err = assert_error(mk("ssh", "-p", "mute", "--", "true", env=ssh_stub, timeout=60), "IF_SSH_CLIENT", 70)
    assert time.monotonic() - started < 25
    assert "no answer within 10s" in err


def test_ssh_to_a_greeting_guest_runs_openssh_with_timeouts(mk: Mk, ssh_stub: dict[str, str],
                                                            listener: socket.socket) -> None:
    def greet() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"SSH-2.0-OpenSSH_test\r\n")
            conn.recv(16)

    threading.Thread(target=greet, daemon=True).start()
    mk.ok("start", "--driver", "fake", "-p", "talk")
    _edit_machine(mk, "talk", IPAddress="127.0.0.1", SSHPort=listener.getsockname()[1])
    argv = mk.ok("ssh", "-p", "talk", "--", "uname", env=ssh_stub, timeout=30).stdout.splitlines()
    options = [argv[i + 1] for i, a in enumerate(argv) if a == "-o"]
    assert "ConnectTimeout=10" in options and "ServerAliveInterval=60" in options
    assert argv[-2:] == ["docker@127.0.0.1", "uname"]


# --- delete and the machine's lock file ----------------------------------------------------------

def test_delete_removes_the_machines_lock_file(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "lk")
    mk.ok("stop", "-p", "lk")
    lock = mk.home / "locks" / "lk.lock"
    assert lock.exists()  # kept while the machine exists
    mk.ok("delete", "-p", "lk")
    assert not lock.exists()
    mk.ok("start", "--driver", "fake", "-p", "lk")  # and a new machine of that name locks as before
    assert mk.json("status", "-p", "lk", "-o", "json")["Host"] == "Running"


def test_start_refuses_a_reserved_profile_name(mk: Mk) -> None:
    """minikube's start: a profile named like one of its commands is refused before anything is made."""
    err = assert_error(mk("start", "--driver", "fake", "-p", "stop"), "MK_USAGE", 14)
    assert 'Profile name "stop" is reserved keyword' in err
    assert not (mk.home / "profiles" / "stop").exists() and not (mk.home / "machines" / "stop").exists()
