"""Multi-node profiles through the real console script, on the fake driver (which declares
``multinode`` and ``parallel``): the commands, the profile's record, the orchestration (nodes made
at once, a failing node, Ctrl-C, ``node add`` beside ``status``) and bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ._helpers import Mk, assert_error

NODE_KEYS = ["Name", "IP", "Port", "KubernetesVersion", "ContainerRuntime", "ControlPlane", "Worker"]


def machines(mk: Mk) -> list[str]:
    root = mk.home / "machines"
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def nothing_left(mk: Mk) -> None:
    assert machines(mk) == []
    assert not (mk.home / "profiles").is_dir() or list((mk.home / "profiles").iterdir()) == []
    locks = mk.home / "locks"  # no machine's lock and no profile's lock outlives it
    assert not locks.is_dir() or [p for p in locks.rglob("*") if p.is_file()] == []


def test_a_profile_of_three_nodes_through_every_command(mk: Mk) -> None:
    p = mk.ok("start", "--driver", "fake", "-p", "tri", "--nodes", "3")
    assert 'Starting "tri-m02" worker node in "tri" cluster' in p.stderr
    assert 'Done! "tri" is running at 192.168.50.' in p.stderr
    assert machines(mk) == ["tri", "tri-m02", "tri-m03"]
    cfg = mk.profile_config("tri")
    assert [list(n) for n in cfg["Nodes"]] == [NODE_KEYS] * 3 and cfg["MultiNodeRequested"] is True
    assert [(n["Name"], n["ControlPlane"], n["Worker"]) for n in cfg["Nodes"]] == [
        ("", True, True), ("m02", False, True), ("m03", False, True)]
    ips = [mk.machine_config(m)["Driver"]["IPAddress"] for m in ("tri", "tri-m02", "tri-m03")]
    assert [n["IP"] for n in cfg["Nodes"]] == ips and len(set(ips)) == 3
    assert mk.machine_config("tri-m02")["Driver"]["MachineName"] == "tri-m02"

    st = mk("status", "-p", "tri")
    assert st.returncode == 0
    assert st.stdout.split("\n\n")[:3] == [
        "tri\ntype: Control Plane\nhost: Running\nkubelet: Irrelevant\napiserver: Irrelevant\nkubeconfig: Irrelevant",
        "tri-m02\ntype: Worker\nhost: Running\nkubelet: Irrelevant",
        "tri-m03\ntype: Worker\nhost: Running\nkubelet: Irrelevant"]
    rows = json.loads(mk.ok("status", "-p", "tri", "-o", "json").stdout)
    assert [(r["Name"], r["Worker"]) for r in rows] == [("tri", False), ("tri-m02", True), ("tri-m03", True)]
    one = json.loads(mk.ok("status", "-p", "tri", "-n", "m02", "-o", "json").stdout)
    assert one["Name"] == "tri-m02" and one["Host"] == "Running"
    assert mk.ok("ip", "-p", "tri", "-n", "m03").stdout.strip() == ips[2]
    assert mk.ok("ip", "-p", "tri", "--node", "tri-m02").stdout.strip() == ips[1]  # the machine's name works too
    assert mk.ok("node", "list", "-p", "tri").stdout.splitlines() == [
        f"tri\t{ips[0]}", f"tri-m02\t{ips[1]}", f"tri-m03\t{ips[2]}"]
    listed = mk.ok("profile", "list").stdout.splitlines()
    assert listed[0].split()[4] == "NODES" and listed[1].split()[:5] == ["tri", "fake", ips[0], "Running", "3"]
    assert len(json.loads(mk.ok("profile", "list", "-o", "json").stdout)["valid"][0]["Config"]["Nodes"]) == 3

    stopped = mk.ok("node", "stop", "m02", "-p", "tri")
    assert "Successfully stopped node tri-m02" in stopped.stderr
    st = mk("status", "-p", "tri", "-o", "json")  # minikube's 3: a worker has no API server or kubeconfig
    assert st.returncode == 3 and [r["Host"] for r in json.loads(st.stdout)] == ["Running", "Stopped", "Running"]
    assert [(r["APIServer"], r["Kubeconfig"]) for r in json.loads(st.stdout)][1] == ("Irrelevant", "Irrelevant")
    assert "Successfully started node tri-m02!" in mk.ok("node", "start", "tri-m02", "-p", "tri").stderr
    assert "m02 is already running" in mk.ok("node", "start", "m02", "-p", "tri").stderr

    assert "3 nodes stopped." in mk.ok("stop", "-p", "tri").stderr
    assert mk("status", "-p", "tri").returncode == 7
    again = mk.ok("start", "-p", "tri", "--nodes", "2")
    assert "You cannot change the number of nodes for an existing minikube cluster" in again.stderr
    assert "Creating" not in again.stderr and mk("status", "-p", "tri").returncode == 0

    mk.ok("delete", "-p", "tri")
    nothing_left(mk)


def test_node_add_and_delete(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "grow")
    assert mk.profile_config("grow")["MultiNodeRequested"] is False
    added = mk.ok("node", "add", "-p", "grow")
    assert "Adding node m02 to cluster grow as [worker]" in added.stderr
    assert "Successfully added m02 to grow!" in added.stderr
    mk.ok("node", "add", "-p", "grow", "--control-plane")
    assert machines(mk) == ["grow", "grow-m02", "grow-m03"]
    assert mk.profile_config("grow")["Nodes"][2]["ControlPlane"] is True
    gone = mk.ok("node", "delete", "m02", "-p", "grow")
    assert "Deleting node m02 from cluster grow" in gone.stderr and "Node m02 was successfully deleted." in gone.stderr
    assert machines(mk) == ["grow", "grow-m03"]
    assert [n["Name"] for n in mk.profile_config("grow")["Nodes"]] == ["", "m03"]
    mk.ok("node", "add", "-p", "grow")  # the last node's number + 1, as minikube names it
    assert machines(mk) == ["grow", "grow-m03", "grow-m04"]
    mk.ok("delete", "--all")
    nothing_left(mk)


def _poll(what: str, check, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """The test picks its moment (machines being made) to interrupt or race a command; it waits for
    no result the product promises."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _started(mk: Mk, *args: str) -> subprocess.Popen[str]:
    return mk.popen(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _creating(mk: Mk, name: str) -> bool:
    """The machine's record is saved (the store is written before the driver makes anything) but
    the fake machine is not made yet."""
    path = mk.home / "machines" / name / "config.json"
    try:
        return json.loads(path.read_text())["Driver"].get("FakeExists") is False
    except (OSError, ValueError, KeyError):
        return False


def test_the_nodes_of_a_parallel_driver_are_made_at_once(mk: Mk) -> None:
    """While create takes 4 s, both machines are being made together (one after another, the
    second's record would appear only after the first was made).  Two: a host with two CPUs runs
    two at once (test_cli_edges checks that no more are made at once than the host runs)."""
    assert (os.cpu_count() or 1) >= 2, "this test needs a host with two CPUs"
    proc = _started(mk, "start", "--driver", "fake", "-p", "par", "--nodes", "2", "--fake-create-delay", "4",
                    "--memory", "2g")
    try:
        _poll("two machines being made at once", lambda: all(_creating(mk, m) for m in ("par", "par-m02")))
    finally:
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    mk.ok("delete", "-p", "par")


def test_a_failing_node_stops_the_others_and_is_named(mk: Mk) -> None:
    p = mk("start", "--driver", "fake", "-p", "bad", "--nodes", "3", "--fake-create-delay", "1",
           env={"FAKE_FAIL_MACHINE": "bad-m02"})
    err = assert_error(p, "GUEST_PROVISION", 80)
    assert 'node "bad-m02" failed: fake create of "bad-m02" failed as asked' in err
    assert "minikube delete -p bad" in err
    # the others are not left running: stopped, or never started
    st = json.loads(mk("status", "-p", "bad", "-o", "json").stdout)
    assert {r["Name"]: r["Host"] for r in st}["bad-m02"] != "Running"
    assert [r["Host"] for r in st].count("Running") < 3
    # a second start brings the whole profile up (the failed node is made again)
    mk.ok("start", "-p", "bad")
    assert mk("status", "-p", "bad").returncode == 0
    mk.ok("delete", "-p", "bad")
    nothing_left(mk)


def test_ctrl_c_leaves_a_store_delete_cleans(mk: Mk) -> None:
    proc = _started(mk, "start", "--driver", "fake", "-p", "intr", "--nodes", "3", "--fake-create-delay", "30",
                    "--memory", "2g")
    try:  # two being made, the third queued (a two-CPU host): Ctrl-C leaves what is queued unmade
        _poll("the nodes being made", lambda: sum(_creating(mk, m) for m in ("intr", "intr-m02", "intr-m03")) >= 2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 11, err
    lines = [ln for ln in err.splitlines() if "Exiting due to" in ln]
    assert lines == ['X Exiting due to MK_INTERRUPTED: interrupted while creating "intr"'] and "Traceback" not in err
    assert "minikube delete -p intr" in err
    gone = mk.ok("delete", "-p", "intr")
    assert "Removed all traces" in gone.stderr
    nothing_left(mk)


def test_two_node_adds_and_status_at_once(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "busy", "--fake-create-delay", "2")
    with ThreadPoolExecutor(max_workers=2) as pool:
        adds = [pool.submit(mk, "node", "add", "-p", "busy") for _ in range(2)]
        statuses = []
        while not all(a.done() for a in adds):
            statuses.append(mk("status", "-p", "busy", "-o", "json"))
        results = [a.result() for a in adds]
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    assert machines(mk) == ["busy", "busy-m02", "busy-m03"]
    assert [n["Name"] for n in mk.profile_config("busy")["Nodes"]] == ["", "m02", "m03"]
    for st in statuses:  # a node being added is Nonexistent until its machine is saved; never an error
        assert st.returncode in (0, 3) and "Traceback" not in st.stderr and "Exiting due to" not in st.stderr
        rows = json.loads(st.stdout)
        assert (rows if isinstance(rows, list) else [rows])[0]["Host"] == "Running"
    mk.ok("delete", "-p", "busy")
    nothing_left(mk)


def _snapshot(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*"))
            if p.is_file() and "locks" not in p.parts and "logs" not in p.parts and p.name != "events.json"}


def test_bad_input_changes_nothing(mk: Mk) -> None:
    err = assert_error(mk("start", "--driver", "fake", "-p", "zero", "--nodes", "0"), "MK_USAGE", 14)
    assert "--nodes must be at least 1" in err
    assert not (mk.home / "profiles" / "zero").exists() and machines(mk) == []

    mk.ok("start", "--driver", "fake", "-p", "one", "--nodes", "2")
    mk.ok("start", "--driver", "fake", "-p", "two", "--nodes", "2")
    before = _snapshot(mk.home)
    # a node of another profile
    assert "Could not find node two-m02" in assert_error(mk("node", "delete", "two-m02", "-p", "one"),
                                                         "GUEST_NODE_RETRIEVE", 85)
    assert_error(mk("ip", "-p", "one", "-n", "two-m02"), "GUEST_NODE_RETRIEVE", 85)
    assert "Node two-m02 does not exist." in assert_error(mk("ssh", "-p", "one", "-n", "two-m02"), "GUEST_NODE_RETRIEVE",
                                                         85)
    assert_error(mk("status", "-p", "one", "-n", "m09"), "GUEST_NODE_RETRIEVE", 85)
    # a node's machine is no profile: not found (status's 85) for a command, not unique for a new one
    assert "Profile name should be unique" in assert_error(mk("start", "-p", "one-m02"), "MK_USAGE", 14)
    for command in ("stop", "delete", "status", "ip", "ssh"):
        err = assert_error(mk(command, "-p", "one-m02"), "GUEST_NOT_FOUND", 85)
        assert '"one-m02" is node m02 of the profile "one", not a profile' in err
    for words in (("profile", "one-m02"), ("config", "set", "profile", "one-m02")):
        assert_error(mk(*words), "GUEST_NOT_FOUND", 85)
    # the primary (control plane) cannot be deleted on its own
    err = assert_error(mk("node", "delete", "one", "-p", "one"), "GUEST_NODE_DELETE", 80)
    assert "minikube delete -p one" in err
    assert _snapshot(mk.home) == before

    mk.ok("stop", "-p", "one")
    before = _snapshot(mk.home)
    err = assert_error(mk("node", "add", "-p", "one"), "GUEST_NOT_RUNNING", 83)
    assert "The control-plane node one host is not running: state=Stopped" in err
    assert_error(mk("node", "delete", "m02", "-p", "one"), "GUEST_NOT_RUNNING", 83)
    assert_error(mk("node", "add", "-p", "ghost"), "GUEST_NOT_FOUND", 85)
    assert_error(mk("node", "add", "-p", "one", "--no-worker"), "MK_USAGE", 14)
    assert _snapshot(mk.home) == before
    mk.ok("delete", "--all")
    nothing_left(mk)


def test_a_failed_node_add_with_delete_on_failure_leaves_nothing(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "nadd")
    err = assert_error(mk("node", "add", "-p", "nadd", "--delete-on-failure", env={"FAKE_FAIL_MACHINE": "nadd-m02"}),
                       "GUEST_NODE_ADD", 80)
    assert "fake create of \"nadd-m02\" failed" in err
    assert machines(mk) == ["nadd"] and [n["Name"] for n in mk.profile_config("nadd")["Nodes"]] == [""]
    # without it the node stays for the next `node start` or `node delete`
    assert_error(mk("node", "add", "-p", "nadd", env={"FAKE_FAIL_MACHINE": "nadd-m02"}), "GUEST_NODE_ADD", 80)
    assert [n["Name"] for n in mk.profile_config("nadd")["Nodes"]] == ["", "m02"]
    mk.ok("node", "start", "m02", "-p", "nadd")
    assert mk("status", "-p", "nadd").returncode == 0
    mk.ok("delete", "-p", "nadd")
    nothing_left(mk)

