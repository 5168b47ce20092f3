"""A machine's whole life through the real console script: start, status, ip, stop, ssh, delete."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
from pathlib import Path

from ._helpers import Mk, assert_error


def test_full_cycle_on_the_fake_driver(mk: Mk) -> None:
    p = mk.ok("start", "--driver", "fake", "-p", "cycle", "--cpus", "3", "--memory", "3g", "--force")  # 3 CPUs: maybe more than here
    assert '* Using the fake driver based on user configuration' in p.stderr
    assert 'Done! "cycle" is running at 192.168.50.' in p.stderr
    assert p.stdout == ""  # progress is on stderr; stdout stays for results

    st = mk("status", "-p", "cycle")
    assert st.returncode == 0 and st.stdout.splitlines()[:3] == ["cycle", "type: Control Plane", "host: Running"]
    assert json.loads(mk.ok("status", "-p", "cycle", "-o", "json").stdout)["Host"] == "Running"
    ip = mk.ok("ip", "-p", "cycle").stdout.strip()
    assert ip.startswith("192.168.50.") and ip == mk.machine_config("cycle")["Driver"]["IPAddress"]

    cfg = mk.profile_config("cycle")
    assert (cfg["Driver"], cfg["CPUs"], cfg["Memory"], cfg["DiskSize"]) == ("fake", 3, 3072, 20000)
    assert mk.machine_config("cycle")["Driver"]["CPU"] == 3

    stopped = mk.ok("stop", "-p", "cycle")
    assert 'Stopping node "cycle"' in stopped.stderr
    st = mk("status", "-p", "cycle", "-o", "json")
    assert st.returncode == 7 and json.loads(st.stdout)["Host"] == "Stopped"
    assert_error(mk("ip", "-p", "cycle"), "GUEST_NOT_RUNNING", 83)

    again = mk.ok("start", "-p", "cycle")
    assert "based on existing profile" in again.stderr and "Creating" not in again.stderr
    assert mk("status", "-p", "cycle").returncode == 0
    assert mk.ok("ip", "-p", "cycle").stdout.strip() == ip

    gone = mk.ok("delete", "-p", "cycle")
    assert 'Removed all traces of the "cycle" cluster' in gone.stderr
    assert not (mk.home / "machines" / "cycle").exists() and not (mk.home / "profiles" / "cycle").exists()
    assert_error(mk("status", "-p", "cycle"), "GUEST_NOT_FOUND", 85)


def test_store_files_are_private_and_json(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "files")
    mdir = mk.home / "machines" / "files"
    assert stat.S_IMODE(mdir.stat().st_mode) == 0o700
    assert stat.S_IMODE((mdir / "config.json").stat().st_mode) == 0o600
    doc = mk.machine_config("files")
    assert doc["ConfigVersion"] == 3 and doc["DriverName"] == "fake" and doc["Name"] == "files"


def test_commands_on_a_missing_profile_say_so(mk: Mk) -> None:
    for cmd in (["status"], ["ip"], ["stop"], ["ssh"]):
        err = assert_error(mk(*cmd, "-p", "ghost"), "GUEST_NOT_FOUND", 85)
        assert 'Profile "ghost" not found' in err and "minikube start -p ghost" in err
    p = mk.ok("delete", "-p", "ghost")
    assert '"ghost" profile does not exist' in p.stderr


def test_profile_list_text_and_json(mk: Mk) -> None:
    assert mk.json("profile", "list", "-o", "json") == {"invalid": [], "valid": []}
    mk.ok("start", "--driver", "fake", "-p", "one")
    mk.ok("start", "--driver", "fake", "-p", "two", "--memory", "2000")
    mk.ok("stop", "-p", "two")
    doc = mk.json("profile", "list", "-o", "json")
    assert [(v["Name"], v["Config"]["Driver"], v["Status"]) for v in doc["valid"]] == [
        ("one", "fake", "Running"), ("two", "fake", "Stopped")]
    assert doc["valid"][1]["Config"]["Memory"] == 2000 and doc["invalid"] == []
    text = mk.ok("profile", "list").stdout.splitlines()
    assert text[0].split()[:4] == ["PROFILE", "DRIVER", "IP", "STATUS"]
    assert text[1].split()[:4] == ["one", "fake", mk.ok("ip", "-p", "one").stdout.strip(), "Running"]
    (mk.home / "profiles" / "one" / "config.json").write_text("{not json")
    doc = mk.json("profile", "list", "-o", "json")
    assert [v["Name"] for v in doc["valid"]] == ["two"] and doc["invalid"][0]["Name"] == "one"


def test_active_profile_from_config_and_environment(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "picked")
    mk.ok("config", "set", "profile", "picked")
    assert json.loads(mk.ok("status", "-o", "json").stdout)["Name"] == "picked"
    assert_error(mk("status", env={"MINIKUBE_PROFILE": "other"}), "GUEST_NOT_FOUND", 85)
    assert_error(mk("status", env={"MINIKUBE_PROFILE": "../x"}), "MK_INVALID_NAME", 14)


def test_delete_all_and_purge_keep_unrelated_files(mk: Mk) -> None:
    for name in ("a1", "a2"):
        mk.ok("start", "--driver", "fake", "-p", name)
    mk.ok("config", "set", "memory", "3g")
    err = assert_error(mk("delete", "-p", "a1", "--purge"), "MK_USAGE", 14)
    assert "a2" in err and "--all --purge" in err
    assert (mk.home / "machines" / "a1").exists()  # nothing was touched
    (mk.home / "notes.txt").write_text("mine")
    mk.ok("delete", "--all", "--purge")
    assert sorted(p.name for p in mk.home.iterdir()) == ["notes.txt"]
    assert mk.json("profile", "list", "-o", "json") == {"invalid": [], "valid": []}


def test_failed_create_is_reported_and_delete_cleans_up(mk: Mk) -> None:
    err = assert_error(mk("start", "--driver", "fake", "-p", "bad", "--fake-fail-create"), "GUEST_PROVISION", 80)
    assert "fake create failed as asked" in err and "minikube delete -p bad" in err
    mk.ok("delete", "-p", "bad")
    assert not (mk.home / "machines" / "bad").exists()


def test_a_machine_whose_driver_is_gone_is_reported_and_delete_still_cleans(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "orphan")
    cfg = mk.home / "machines" / "orphan" / "config.json"
    cfg.write_text(cfg.read_text().replace('"DriverName": "fake"', '"DriverName": "uninstalled"'))
    err = assert_error(mk("status", "-p", "orphan"), "DRV_NOT_FOUND", 55)
    assert "pip install minikube-driver-uninstalled" in err
    p = mk.ok("delete", "-p", "orphan")
    assert 'The driver "uninstalled" is not installed' in p.stderr  # a warning, then the cleanup
    assert not (mk.home / "machines" / "orphan").exists() and not (mk.home / "profiles" / "orphan").exists()


def test_ssh_runs_openssh_with_the_machine_key(mk: Mk, tmp_path: Path) -> None:
    stub = tmp_path / "bin"
    stub.mkdir()
    (stub / "ssh").write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    (stub / "ssh").chmod(0o755)
    env = {"PATH": f"{stub}{os.pathsep}{os.environ['PATH']}"}
    mk.ok("start", "--driver", "fake", "-p", "sh")
    with socket.socket() as guest:  # the guest's sshd, on loopback: minikube checks it greets first
        guest.bind(("127.0.0.1", 0))
        guest.listen(1)
        port = guest.getsockname()[1]
        doc = mk.machine_config("sh")
        doc["Driver"].update(IPAddress="127.0.0.1", SSHPort=port)
        (mk.home / "machines" / "sh" / "config.json").write_text(json.dumps(doc))
        ssh = mk.popen("ssh", "-p", "sh", "--", "uname", "-a", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        conn, _ = guest.accept()
        conn.sendall(b"SSH-2.0-OpenSSH_test\r\n")
        out, err = ssh.communicate(timeout=60)
        conn.close()
    assert ssh.returncode == 0, err
    argv = out.splitlines()
    assert argv[argv.index("-i") + 1] == str(mk.home / "machines" / "sh" / "id_rsa")
    assert argv[argv.index("-p") + 1] == str(port)
    assert argv[-3:] == ["docker@127.0.0.1", "uname", "-a"]
    mk.ok("stop", "-p", "sh")
    assert_error(mk("ssh", "-p", "sh", env=env), "GUEST_NOT_RUNNING", 83)


def test_minikube_serves_its_builtin_drivers_as_a_libmachine_plugin(mk: Mk) -> None:
    client = ("import sys; from minikube.machine.plugin import PluginDriver\n"
              "d = PluginDriver.launch('fake', executable=sys.argv[1])\n"
              "print(d.driver_name(), ','.join(f.name for f in d.get_create_flags())); d.close()\n")
    p = mk.venv.run("python", "-c", client, str(mk.venv.bin / "minikube"), env=mk.env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["fake", "fake-label,fake-tags,fake-cpu-count,fake-fail-create,fake-create-delay"]
    p = mk("status", env={"MACHINE_PLUGIN_TOKEN": "42", "MACHINE_PLUGIN_DRIVER_NAME": "nope"})
    assert p.returncode == 1 and "cannot load driver 'nope'" in p.stderr and "Traceback" not in p.stderr


def test_two_starts_of_one_profile_create_it_once(mk: Mk) -> None:
    """Existence is decided under the machine's lock: the second start waits, then starts what
    the first made (the fake driver takes 3 s to create)."""
    procs = [mk.popen("start", "--driver", "fake", "-p", "race", "--fake-create-delay", "3",
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    texts = [out + err for out, err in outs]
    creators = [t for t in texts if 'Creating fake machine "race"' in t]
    waiters = [t for t in texts if 'Waiting for another minikube command working on "race"' in t]
    assert len(creators) == 1 and len(waiters) == 1, texts
    # The waiter either decided under the lock that the machine now exists, or saw the record
    # first and waited in the restart path: either way it starts what the other one made.
    assert "Creating" not in waiters[0], waiters[0]
    assert ('was created by the other minikube command' in waiters[0]
            or 'Starting "race" with the fake driver' in waiters[0]), waiters[0]
    assert json.loads(mk.ok("status", "-p", "race", "-o", "json").stdout)["Host"] == "Running"


def test_a_machine_whose_vm_vanished_is_nonexistent_and_start_makes_it_again(mk: Mk) -> None:
    """The record is kept but the VM is gone (``virsh undefine``, or a kill before it was made):
    status says Nonexistent (7) and start makes the VM again from the saved driver config,
    instead of failing with "Host does not exist" and suggesting the command just run."""
    mk.ok("start", "--driver", "fake", "-p", "gone", "--fake-label", "kept")
    cfg = mk.home / "machines" / "gone" / "config.json"
    doc = json.loads(cfg.read_text())
    doc["Driver"].update(FakeExists=False, FakeState=0, IPAddress="")  # what `virsh undefine` does to a VM
    cfg.write_text(json.dumps(doc))

    st = mk("status", "-p", "gone")
    assert st.returncode == 7 and "host: Nonexistent" in st.stdout, st.stdout + st.stderr
    assert json.loads(mk("status", "-p", "gone", "-o", "json").stdout)["Host"] == "Nonexistent"

    p = mk.ok("start", "-p", "gone")
    assert 'fake "gone" machine is missing, will recreate.' in p.stderr
    assert "Host does not exist" not in p.stderr and 'Done! "gone" is running at 192.168.50.' in p.stderr
    assert mk("status", "-p", "gone").returncode == 0
    assert mk.machine_config("gone")["Driver"]["FakeLabel"] == "kept"  # made from the saved driver options
