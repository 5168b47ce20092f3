"""The driver's whole lifecycle, in process, against the stand-in hyperkit (conftest.host).

Nothing here is a real VM: the stand-in only honours hyperkit's command-line contract (pid
file, console ring, signals).  What is real: the files the driver writes, the processes it
starts and signals, the lease file it reads.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import psutil
import pytest
from conftest import IP, UUID, Host
from minikube import DriverError
from minikube.machine import B2D_MAGIC, FlagValues, HostStore, Machines, State
from minikube_driver_hyperkit import HyperkitDriver, hyperkit_args


def wait_until(check, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """For the stand-in hyperkit (its own process) to write its own files (``hyperkit.pid``), as the
    real hyperkit does in its own time: a test reads them; minikube promises nothing about them."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def pid_file(d: HyperkitDriver) -> str:
    try:
        return (d.machine_dir / "hyperkit.pid").read_text().strip()
    except FileNotFoundError:
        return ""


def recorded_pid(d: HyperkitDriver) -> int:
    return int(json.loads((d.machine_dir / "hyperkit.json").read_text())["pid"])


def test_create_builds_the_machine_and_starts_hyperkit_with_specs_arguments(host: Host, make_driver) -> None:  # type: ignore[no-untyped-def]
    d = make_driver()
    d.create()
    m = d.machine_dir
    assert d.get_state() == State.RUNNING
    assert d.get_ip() == IP and d.get_url() == f"tcp://{IP}:2376"
    # the boot2docker disk: the tar stream at its start, sized to DiskSize
    disk = m / "hk.rawdisk"
    assert disk.stat().st_size == 4 * 1024 * 1024
    with tarfile.open(disk) as tar:
        assert tar.getnames()[0] == B2D_MAGIC
        key = tar.extractfile(".ssh/authorized_keys")
        assert key is not None and key.read() == (m / "id_rsa.pub").read_bytes()
    assert (m / "bzimage").read_text().startswith("stand-in kernel")
    assert (m / "initrd").read_text().startswith("stand-in initrd")
    assert (m / "boot2docker.iso").stat().st_size > 0
    wait_until(lambda: host.hyperkit_calls() and (m / "hyperkit.pid").exists())
    [args] = host.hyperkit_calls()
    assert args == hyperkit_args(state_dir=str(m), cpus=2, memory=1024, uuid=UUID, disks=[str(disk)],
                                 iso=str(m / "boot2docker.iso"), kernel=str(m / "bzimage"),
                                 initrd=str(m / "initrd"), cmdline="console=ttyS0 host=hk")
    assert args[:14] == ["-A", "-u", "-F", f"{m}/hyperkit.pid", "-c", "2", "-m", "1024M",
                         "-s", "0:0,hostbridge", "-s", "31,lpc", "-s", "1:0,virtio-net"]
    assert args[-6:] == ["-s", "4,virtio-rnd", "-l", f"com1,autopty={m}/tty,log={m}/console-ring",
                         "-f", f"kexec,{m}/bzimage,{m}/initrd,earlyprintk=serial console=ttyS0 host=hk"]
    state = json.loads((m / "hyperkit.json").read_text())
    assert state["pid"] == int((m / "hyperkit.pid").read_text()) and state["arguments"] == args
    # the saved driver JSON carries Go's names and none of the test timings
    saved = json.loads(d.get_config_raw())
    assert saved["UUID"] == UUID and saved["IPAddress"] == IP and saved["SSHUser"] == "docker"
    assert "ip_interval" not in saved and "IPInterval" not in saved


def test_stop_sends_sigterm_and_hyperkit_cleans_up(host: Host, make_driver) -> None:  # type: ignore[no-untyped-def]
    d = make_driver()
    d.create()
    wait_until(lambda: (d.machine_dir / "hyperkit.pid").exists())
    pid = recorded_pid(d)
    d.stop()
    assert d.get_state() == State.STOPPED
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not (d.machine_dir / "hyperkit.pid").exists()  # removed by hyperkit on SIGTERM
    d.start()  # and it starts again, same MAC, same lease
    assert d.get_state() == State.RUNNING and d.get_ip() == IP
    assert len(host.hyperkit_calls()) == 2 or wait_until(lambda: len(host.hyperkit_calls()) == 2) is None


def test_stop_escalates_to_sigkill_when_sigterm_is_ignored(host: Host, make_driver,  # type: ignore[no-untyped-def]
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_HYPERKIT_MODE", "ignore-term")
    d = make_driver(stop_attempts=3)
    d.create()
    wait_until(lambda: (d.machine_dir / "hyperkit.pid").exists())
    began = time.monotonic()
    d.stop()
    assert time.monotonic() - began >= 0.3  # it waited out the SIGTERM checks first
    assert d.get_state() == State.STOPPED
    # SIGKILL leaves the pid file behind; the next start recovers from it
    assert (d.machine_dir / "hyperkit.pid").exists()
    monkeypatch.setenv("STANDIN_HYPERKIT_MODE", "run")
    d.start()
    assert d.get_state() == State.RUNNING


def test_kill_is_sigkill(host: Host, make_driver) -> None:  # type: ignore[no-untyped-def]
    d = make_driver()
    d.create()
    pid = recorded_pid(d)
    proc = psutil.Process(pid)
    d.kill()
    assert d.get_state() == State.STOPPED
    assert d._proc is not None and d._proc.returncode == -signal.SIGKILL
    assert not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE


def test_a_stale_pid_file_is_removed_before_start(host: Host, make_driver) -> None:  # type: ignore[no-untyped-def]
    d = make_driver()
    d.create()
    d.kill()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (d.machine_dir / "hyperkit.pid").write_text(dead.stdout.strip())
    d.start()  # the stand-in refuses an existing pid file (O_EXCL), as hyperkit does
    wait_until(lambda: pid_file(d) == str(recorded_pid(d)))
    assert d.get_state() == State.RUNNING


def test_a_pid_file_of_an_unrelated_process_is_stale_and_that_process_is_left_alone(
        host: Host, make_driver, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    d = make_driver()
    d.create()
    d.stop()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (d.machine_dir / "hyperkit.pid").write_text(str(other.pid))
        state = json.loads((d.machine_dir / "hyperkit.json").read_text())
        state["pid"] = other.pid
        (d.machine_dir / "hyperkit.json").write_text(json.dumps(state))
        assert d.get_state() == State.STOPPED  # alive, but not a hyperkit
        d.stop()
        d.kill()
        assert other.poll() is None, "the driver signalled a process that is not its hyperkit"
        d.start()  # the stale pid file is replaced by the new hyperkit's
        assert d.get_state() == State.RUNNING and recorded_pid(d) != other.pid
        d.remove()
        assert other.poll() is None and d.get_state() == State.NONE
    finally:
        other.kill()
        other.wait()


def test_hyperkit_dying_at_start_is_reported_with_its_command_line_and_console(
        host: Host, make_driver, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("STANDIN_HYPERKIT_MODE", "crash")
    d = make_driver()
    with pytest.raises(DriverError) as e:
        d.create()
    msg = e.value.message
    assert msg.startswith(f"hyperkit crashed! command line:\n  {host.bin / 'hyperkit'} -A -u -F ")
    assert "exit status 1" in msg
    assert "hv_vm_create failed: stand-in hyperkit asked to crash" in msg  # hyperkit's own output
    assert "Kernel panic - not syncing: stand-in crash" in msg  # the console tail
    assert e.value.reason.id == "GUEST_START"
    # nothing lost: the machine's files are all there, state is Stopped, remove works
    for f in ("hk.rawdisk", "bzimage", "initrd", "boot2docker.iso", "id_rsa", "hyperkit.json"):
        assert (d.machine_dir / f).exists(), f
    assert d.get_state() == State.STOPPED
    d.remove()


def test_no_lease_times_out_naming_the_lease_file(host: Host, make_driver,  # type: ignore[no-untyped-def]
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STANDIN_HYPERKIT_BOOTPD_LEASES")  # bootpd never answers
    d = make_driver(uuid="c0ffee00-0000-4000-8000-0a0000000001", ip_attempts=3)
    with pytest.raises(DriverError) as e:
        d.create()
    assert f"IP address never found in dhcp leases file {host.leases}" in e.value.message
    assert "could not find an IP address for a:0:0:0:0:1" in e.value.message
    assert d.get_state() == State.RUNNING  # the VM itself is up; stop still works
    d.stop()
    assert d.get_state() == State.STOPPED


def test_every_operation_needs_root_with_minikubes_exact_message(host: Host, make_driver,  # type: ignore[no-untyped-def]
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    d = make_driver()
    monkeypatch.setenv("MINIKUBE_HYPERKIT_EUID", "501")
    exe = os.path.abspath(sys.argv[0])
    expected = (f"{os.path.basename(exe)} needs to run with elevated permissions: minikube starts it as root "
                "with sudo -n, which must be allowed without a password")
    user = __import__("pwd").getpwuid(os.getuid()).pw_name
    for op in (d.pre_create_check, d.create, d.start, d.stop, d.kill, d.remove, d.get_state, d.restart):
        with pytest.raises(DriverError) as e:
            op()
        assert e.value.message == expected, op.__name__
        assert e.value.reason.id == "PR_HYPERKIT_NOT_ROOT"
        fix = e.value.fix or ""
        assert f"'{user} ALL=(root) NOPASSWD: " in fix and "SETENV" not in fix  # no chown/chmod u+s
        assert 'env_keep += "MACHINE_PLUGIN_TOKEN MACHINE_PLUGIN_DRIVER_NAME"' in fix
    assert not d.machine_dir.exists()  # refused before anything was written


def test_the_overrides_are_ignored_when_running_as_root_for_a_user(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    """Through sudo (SUDO_UID set, as minikube starts it) or setuid, the user's variables count for nothing."""
    from minikube_driver_hyperkit import _host

    monkeypatch.delenv("SUDO_UID", raising=False)
    monkeypatch.setenv("MINIKUBE_HYPERKIT_LEASES_FILE", str(tmp_path / "mine"))
    monkeypatch.setenv("MINIKUBE_HYPERKIT_EUID", "0")
    assert _host.leases_file() == tmp_path / "mine"
    if os.geteuid() == 0:
        monkeypatch.setenv("SUDO_UID", "1000")
        assert _host.elevated_for_a_user()
        assert str(_host.leases_file()) == "/var/db/dhcpd_leases"
    monkeypatch.setattr(_host, "elevated_for_a_user", lambda: True)
    assert str(_host.leases_file()) == "/var/db/dhcpd_leases"
    assert str(_host.exports_file()) == "/etc/exports"
    assert _host.effective_uid() == os.geteuid()


def test_flags_configure_the_driver(make_driver) -> None:  # type: ignore[no-untyped-def]
    d = make_driver(uuid="")
    names = [f.name for f in d.get_create_flags()]
    assert names == ["hyperkit-nfs-share", "hyperkit-nfs-shares-root", "hyperkit-vpnkit-sock",
                     "hyperkit-vsock-ports", "hyperkit-uuid", "hyperkit-extra-disks"]
    d.set_config_from_flags(FlagValues({"hyperkit-nfs-share": ["/Users"], "hyperkit-vsock-ports": ["2376", "8080"],
                                        "hyperkit-extra-disks": 1}))
    assert d.nfs_shares == ["/Users"] and d.nfs_shares_root == "/nfsshares"
    assert d.vsock_ports == ["2376", "8080"] and d.extra_disks == 1
    assert len(d.uuid) == 36  # a fresh UUID when none was set
    with pytest.raises(DriverError, match="vsock port 'x' is not an integer"):
        d.set_config_from_flags(FlagValues({"hyperkit-vsock-ports": ["x"]}))
    with pytest.raises(DriverError, match="invalid UUID"):
        d.set_config_from_flags(FlagValues({"hyperkit-uuid": "nope"}))


def test_vsock_vpnkit_and_extra_disks_take_their_slots(host: Host, make_driver, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sock = tmp_path / "vpnkit.sock"
    sock.write_text("")
    d = make_driver(vsock_ports=["2376"], vpnkit_sock=str(sock), extra_disks=1)
    d.create()
    wait_until(lambda: bool(host.hyperkit_calls()))
    [args] = host.hyperkit_calls()
    m = d.machine_dir
    slots = [args[i + 1] for i, a in enumerate(args) if a == "-s"]
    assert slots == ["0:0,hostbridge", "31,lpc", f"1:0,virtio-vpnkit,path={sock}", "2:0,virtio-net",
                     f"3:0,virtio-blk,{m}/hk.rawdisk", f"4:0,virtio-blk,{m}/extra-disk-0.rawdisk",
                     f"5,virtio-sock,guest_cid=3,path={m},guest_forwards=2376", f"6,ahci-cd,{m}/boot2docker.iso",
                     "7,virtio-rnd"]
    assert (m / "extra-disk-0.rawdisk").stat().st_size == 4 * 1024 * 1024


def test_nfs_shares_go_to_exports_and_are_mounted_over_ssh(host: Host, make_driver, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    host.exports.write_text("/opt/other -alldirs\n")
    d = make_driver(nfs_shares=["/Users", "data"])
    d.create()
    data = str(d.machine_dir / "data")
    text = host.exports.read_text()
    user = __import__("pwd").getpwuid(os.getuid()).pw_name
    assert text == ("/opt/other -alldirs\n"
                    f"# BEGIN: minikube-hyperkit hk-/Users\n/Users {IP} -alldirs -mapall={user}\n"
                    "# END: minikube-hyperkit hk-/Users\n"
                    f"# BEGIN: minikube-hyperkit hk-{data}\n{data} {IP} -alldirs -mapall={user}\n"
                    f"# END: minikube-hyperkit hk-{data}\n")
    nfsd = [json.loads(ln) for ln in host.nfsd_record.read_text().splitlines()]
    assert [c[-1] for c in nfsd] == ["checkexports", "checkexports", "restart"]
    [ssh] = [json.loads(ln) for ln in host.ssh_record.read_text().splitlines()]
    assert ssh["argv"][-2:] == [f"docker@{IP}", "sh"] and "-i" in ssh["argv"]
    assert "sudo mount -t nfs -o noacl,async 192.168.64.1:/Users /nfsshares//Users" in ssh["stdin"]
    d.stop()
    assert host.exports.read_text() == "/opt/other -alldirs\n"


def test_an_nfs_export_that_nfsd_rejects_fails_start_clearly(host: Host, make_driver) -> None:  # type: ignore[no-untyped-def]
    d = make_driver(nfs_shares=["/REJECT"])
    with pytest.raises(DriverError, match="NFS setup failed: Export verification failed:\nexports:1: couldn't get"):
        d.create()
    assert not host.exports.exists()  # nothing half-written


def test_a_conflicting_nfs_export_is_skipped_as_minikube_does(host: Host, make_driver) -> None:  # type: ignore[no-untyped-def]
    d = make_driver(nfs_shares=["/CONFLICT", "/Users"])
    d.create()
    text = host.exports.read_text()
    assert "CONFLICT" not in text and "# BEGIN: minikube-hyperkit hk-/Users" in text


def test_delete_through_the_machine_layer_cleans_up_after_a_crash(host: Host, make_driver, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    d = make_driver(name="crashy")
    store = HostStore(Path(d.store_path))
    machines = Machines(lambda name: HyperkitDriver(ip_interval=0.1, stop_interval=0.1), store)
    monkeypatch.setenv("STANDIN_HYPERKIT_MODE", "crash")
    with pytest.raises(DriverError, match="hyperkit crashed!"):
        machines.create("crashy", "hyperkit", d.get_config_raw(), wait_timeout=5)
    assert machines.exists("crashy") and machines.status("crashy") == State.STOPPED
    monkeypatch.setenv("STANDIN_HYPERKIT_MODE", "run")
    machines.start("crashy")
    assert machines.status("crashy") == State.RUNNING and machines.ip("crashy") == IP
    pid = json.loads((store.machine_dir("crashy") / "hyperkit.json").read_text())["pid"]
    machines.delete("crashy")
    assert not store.machine_dir("crashy").exists()
    wait_until(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)


def test_remove_deletes_what_create_made_and_a_missing_machine_is_not_found(host: Host, make_driver) -> None:  # type: ignore[no-untyped-def]
    from minikube import MachineNotFoundError

    d = make_driver()
    assert d.get_state() == State.NONE  # never created
    for op in (d.start, d.stop, d.kill, d.restart):
        with pytest.raises(MachineNotFoundError, match='Host does not exist: "hk"'):
            op()
    d.remove()  # removing what does not exist succeeds
    d.create()
    pid = recorded_pid(d)
    d.remove()
    assert d.get_state() == State.NONE
    assert sorted(p.name for p in d.machine_dir.iterdir()) == []
    wait_until(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    d.remove()


def test_a_garbage_block_in_the_lease_file_does_not_hide_our_lease(host: Host, make_driver) -> None:  # type: ignore[no-untyped-def]
    host.leases.write_text((Path(__file__).parent / "fixtures" / "dhcpd_leases_garbage").read_text())
    d = make_driver()
    d.create()
    assert d.get_ip() == "192.168.64.12"


def test_the_lease_file_is_polled_until_the_lease_appears(host: Host, make_driver,  # type: ignore[no-untyped-def]
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.delenv("STANDIN_HYPERKIT_BOOTPD_LEASES")  # the lease is written by the timer below
    host.leases.unlink()  # bootpd has not written anything yet
    timer = threading.Timer(0.5, lambda: host.leases.write_text(
        (Path(__file__).parent / "fixtures" / "dhcpd_leases").read_text()))
    timer.start()
    try:
        d = make_driver()
        d.create()
        assert d.get_ip() == IP
    finally:
        timer.cancel()


def test_the_standin_bootpd_leases_each_new_mac_a_fresh_address(host: Host, make_driver) -> None:  # type: ignore[no-untyped-def]
    """Two machines with their own random UUIDs (the driver's default): two MACs, two leases."""
    import uuid

    from minikube_driver_hyperkit import find_ip, parse_leases, trim_mac
    from minikube_driver_hyperkit._vmnet import standin_mac_for_uuid

    a, b = make_driver("hk1", uuid=str(uuid.uuid4())), make_driver("hk2", uuid=str(uuid.uuid4()))
    a.create()
    b.create()
    # the fixture holds .4 .5 .6 .7 .9 and 1.2.3.4: bootpd hands out the lowest free ones
    assert (a.get_ip(), b.get_ip()) == ("192.168.64.2", "192.168.64.3")
    text = host.leases.read_text()
    for d in (a, b):
        mac = trim_mac(standin_mac_for_uuid(d.uuid))
        assert f"\thw_address=1,{mac}\n\tidentifier=1,{mac}\n" in text  # bootpd's spelling
        assert find_ip(parse_leases(text), mac) == d.get_ip()
    assert not parse_leases(text).problems
    a.stop()
    a.start()  # the lease is renewed, not replaced
    assert a.get_ip() == "192.168.64.2" and host.leases.read_text() == text
    a.remove()
    b.remove()


def test_the_standin_bootpd_keeps_a_mac_that_has_a_lease(host: Host, make_driver) -> None:  # type: ignore[no-untyped-def]
    before = host.leases.read_text()
    d = make_driver()  # conftest.UUID: its MAC has two leases in the fixture
    d.create()
    assert d.get_ip() == IP and host.leases.read_text() == before
    d.remove()
