"""The driver's lifecycle against the stand-in vmrun and vmware-vdiskmanager (conftest.fusion).

No VMware Fusion here: the stand-ins honour the tools' command-line contracts and keep VM state
in a file.  The guest's sshd is a loopback listener; guest addresses from the DHCP fixtures
(172.16.x) are only parsed, never connected to.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from conftest import Fusion
from minikube import DriverError, HostNotRunningError
from minikube.machine import B2D_MAGIC, FlagValues, HostStore, Machines, State
from minikube_driver_vmwarefusion import DRIVER, VMwareFusionDriver, status


def test_create_makes_vmx_and_vmdk_boots_and_hands_the_key_to_the_guest(fusion: Fusion, make_driver) -> None:  # type: ignore[no-untyped-def]
    d = make_driver()
    d.create()
    m = d.machine_dir
    vmx, vmdk = str(m / "vmw.vmx"), str(m / "vmw.vmdk")
    assert fusion.vdisk_calls() == [["-c", "-t", "0", "-s", "20000MB", "-a", "lsilogic", vmdk]]
    assert Path(vmdk).read_bytes().startswith(b"KDMV")
    assert d.get_state() == State.RUNNING
    assert d.get_ip() == "127.0.0.1" and d.get_url() == "tcp://127.0.0.1:2376"
    calls = fusion.vmrun_calls()
    assert calls[0] == ["start", vmx, "nogui"]
    guest = [c[4:] for c in calls if c[:1] == ["-gu"]]
    assert all(c[:4] == ["-gu", "docker", "-gp", "tcuser"] for c in calls if c[:1] == ["-gu"])
    assert [g[0] for g in guest] == ["directoryExistsInGuest", "CopyFileFromHostToGuest", "runScriptInGuest",
                                     "runScriptInGuest"]
    assert guest[1] == ["CopyFileFromHostToGuest", vmx, str(m / "userdata.tar"), "/home/docker/userdata.tar"]
    # what the guest received is the core's boot2docker key tar, with this machine's key
    with tarfile.open(fileobj=io.BytesIO((fusion.guest_root / "home/docker/userdata.tar").read_bytes())) as tar:
        assert tar.getnames() == [B2D_MAGIC, ".ssh", ".ssh/authorized_keys", ".ssh/authorized_keys2"]
        key = tar.extractfile(".ssh/authorized_keys")
        assert key is not None and key.read() == (m / "id_rsa.pub").read_bytes()
    assert (m / "boot2docker.iso").read_bytes().startswith(b"stand-in ISO")
    saved = json.loads(d.get_config_raw())
    assert saved["ISO"] == str(m / "boot2docker.iso") and saved["SSHPassword"] == "tcuser"
    assert "ip_interval" not in saved


def test_stop_start_kill_restart_use_vmrun_as_documented(fusion: Fusion, make_driver) -> None:  # type: ignore[no-untyped-def]
    d = make_driver()
    d.create()
    vmx = str(d.vmx_path)
    d.stop()
    assert d.get_state() == State.STOPPED
    with pytest.raises(HostNotRunningError):
        d.get_ip()
    d.start()
    assert d.get_state() == State.RUNNING
    d.restart()
    assert d.get_state() == State.RUNNING
    d.kill()
    assert d.get_state() == State.STOPPED
    ops = [c for c in fusion.vmrun_calls() if c[0] in ("start", "stop")]
    assert ops[1:] == [["stop", vmx, "nogui"], ["start", vmx, "nogui"], ["stop", vmx, "nogui"],
                       ["start", vmx, "nogui"], ["stop", vmx, "hard", "nogui"]]


def test_remove_kills_a_running_vm_then_deletes_it(fusion: Fusion, make_driver) -> None:  # type: ignore[no-untyped-def]
    d = make_driver()
    d.create()
    d.remove()
    assert not d.vmx_path.exists() and not d.vmdk_path.exists()
    assert fusion.vmrun_calls()[-2:] == [["stop", str(d.vmx_path), "hard", "nogui"],
                                         ["deleteVM", str(d.vmx_path), "nogui"]]
    assert d.get_state() == State.NONE


def test_ip_falls_back_to_the_mac_in_vmnet_leases_latest_wins(fusion: Fusion, make_driver,  # type: ignore[no-untyped-def]
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    d = make_driver()
    d.create()
    monkeypatch.delenv("STANDIN_VMRUN_GUEST_IPS")  # VMware Tools does not answer
    assert d.get_ip() == "172.16.21.131"
    assert ["getGuestIPAddress", str(d.vmx_path), "-wait"] in fusion.vmrun_calls()


def test_ip_from_a_pinned_host_block_in_dhcpd_conf(fusion: Fusion, make_driver,  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_VMRUN_MAC", "00:0C:29:AA:BB:01")
    d = make_driver()
    d.create()
    monkeypatch.delenv("STANDIN_VMRUN_GUEST_IPS")
    assert d.get_ip() == "172.16.21.50"


def test_a_vmx_without_a_mac_is_a_clear_error_and_delete_still_cleans_up(fusion: Fusion, make_driver,  # type: ignore[no-untyped-def]
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_VMRUN_NO_MAC", "1")
    monkeypatch.delenv("STANDIN_VMRUN_GUEST_IPS")
    d = make_driver(ip_attempts=3)
    store = HostStore(Path(d.store_path))
    machines = Machines(lambda name: VMwareFusionDriver(ip_interval=0.05, ip_attempts=3), store)
    with pytest.raises(DriverError) as e:
        machines.create("vmw", "vmwarefusion", d.get_config_raw(), wait_timeout=5)
    assert "Machine didn't return an IP after" in e.value.message
    assert f"couldn't find MAC address in VMX file {d.vmx_path}" in e.value.message
    assert machines.status("vmw") == State.RUNNING  # no state lost: the VM is there and known
    with pytest.raises(DriverError, match="couldn't find MAC address in VMX file"):
        machines.ip("vmw")
    machines.delete("vmw")
    assert not store.machine_dir("vmw").exists()
    assert json.loads((fusion.root / "vmrun.state").read_text())["running"] == []


def test_vmrun_failing_with_a_message_is_reported_with_it(fusion: Fusion, make_driver,  # type: ignore[no-untyped-def]
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_VMRUN_FAIL", "start")
    monkeypatch.setenv("STANDIN_VMRUN_FAIL_MESSAGE", "The file specified is not a virtual machine")
    d = make_driver()
    with pytest.raises(DriverError) as e:
        d.create()
    assert e.value.message == "vmrun start failed (exit status 255): Error: The file specified is not a virtual machine"
    assert e.value.reason.id == "GUEST_START"
    for f in ("vmw.vmx", "vmw.vmdk", "boot2docker.iso", "id_rsa", "userdata.tar"):
        assert (d.machine_dir / f).exists(), f  # nothing lost
    assert d.get_state() == State.STOPPED
    d.remove()
    assert not d.vmx_path.exists()


def test_vmrun_list_failing_makes_state_an_error_but_remove_still_deletes(fusion: Fusion, make_driver,  # type: ignore[no-untyped-def]
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    d = make_driver()
    d.create()
    d.stop()
    monkeypatch.setenv("STANDIN_VMRUN_FAIL", "list")
    monkeypatch.setenv("STANDIN_VMRUN_FAIL_MESSAGE", "Unable to connect to host.")
    with pytest.raises(DriverError, match=r"vmrun list failed \(exit status 255\): Error: Unable to connect to host\."):
        d.get_state()
    d.remove()
    assert not d.vmx_path.exists()


def test_create_refuses_an_existing_vmx(fusion: Fusion, make_driver) -> None:  # type: ignore[no-untyped-def]
    d = make_driver()
    d.machine_dir.mkdir(parents=True)
    d.vmx_path.write_text('displayName = "someone else"\n')
    with pytest.raises(DriverError, match="machine already exists"):
        d.pre_create_check()
    with pytest.raises(DriverError, match="machine already exists"):
        d.create()
    assert d.vmx_path.read_text() == 'displayName = "someone else"\n'


def test_vdiskmanager_failing_is_reported(fusion: Fusion, make_driver, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("STANDIN_VDISKMANAGER_FAIL", "1")
    d = make_driver()
    with pytest.raises(DriverError, match=r"(?s)vmware-vdiskmanager -c failed \(exit status 1\): Creating disk .*"
                                          r"Failed to create disk: The file already exists"):
        d.create()
    assert not any(c[0] == "start" for c in fusion.vmrun_calls())


def test_the_home_share_is_added_and_mounted(fusion: Fusion, make_driver, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                             tmp_path: Path) -> None:
    from minikube_driver_vmwarefusion import _driver

    users = tmp_path / "Users"
    users.mkdir()
    monkeypatch.setattr(_driver, "SHARE_DIR", str(users))
    d = make_driver(no_share=False)
    d.create()
    d.stop()
    d.start()
    guest = [c[4:6] for c in fusion.vmrun_calls() if c[:1] == ["-gu"]]
    assert guest[-4:] == [["enableSharedFolders", str(d.vmx_path)], ["addSharedFolder", str(d.vmx_path)],
                          ["runScriptInGuest", str(d.vmx_path)], ["runScriptInGuest", str(d.vmx_path)]]


def test_health_needs_vmrun(fusion: Fusion, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    st = status()
    assert (st.installed, st.healthy, st.error) == (True, True, "")
    monkeypatch.setenv("PATH", str(tmp_path))
    st = status()
    assert (st.installed, st.healthy) == (False, False)
    assert st.fix == "Install VMware Fusion" and 'exec: "vmrun": executable file not found' in st.error


def test_flags_keep_the_cluster_settings_unless_given(make_driver) -> None:  # type: ignore[no-untyped-def]
    d = make_driver(cpu=2, memory=2048)
    d.set_config_from_flags(FlagValues({"vmwarefusion-cpu-count": 0, "vmwarefusion-memory-size": 0}))
    assert (d.cpu, d.memory, d.disk_size, d.ssh_user, d.ssh_password, d.ssh_port) == (2, 2048, 20000, "docker", "tcuser", 22)
    assert d.iso == str(d.machine_dir / "boot2docker.iso")
    d.set_config_from_flags(FlagValues({"vmwarefusion-cpu-count": 40, "vmwarefusion-memory-size": 4096,
                                        "vmwarefusion-no-share": True}))
    assert (d.cpu, d.memory, d.no_share) == (16, 4096, True)  # Virtual Hardware 10: at most 16 vCPUs
    d.set_config_from_flags(FlagValues({"vmwarefusion-cpu-count": -1}))
    assert d.cpu >= 1


def test_builtin_through_the_machine_layer(fusion: Fusion, make_driver) -> None:  # type: ignore[no-untyped-def]
    assert DRIVER.init is VMwareFusionDriver and DRIVER.builtin
    d = make_driver(name="layer")
    store = HostStore(Path(d.store_path))

    def new_driver(name: str) -> VMwareFusionDriver:
        drv = DRIVER.init()  # type: ignore[misc]
        drv.ip_interval = 0.05
        return drv  # type: ignore[no-any-return]

    machines = Machines(new_driver, store)
    machines.create("layer", "vmwarefusion", d.get_config_raw(), wait_timeout=10)
    assert machines.status("layer") == State.RUNNING and machines.ip("layer") == "127.0.0.1"
    machines.stop("layer")
    assert machines.status("layer") == State.STOPPED
    machines.start("layer")
    machines.delete("layer")
    assert not store.machine_dir("layer").exists()


def test_a_missing_machine_is_not_found_and_remove_succeeds(fusion: Fusion, make_driver) -> None:  # type: ignore[no-untyped-def]
    from minikube import MachineNotFoundError

    d = make_driver()
    assert d.get_state() == State.NONE
    for op in (d.start, d.stop, d.kill, d.restart):
        with pytest.raises(MachineNotFoundError, match='Host does not exist: "vmw"'):
            op()
    d.remove()
    assert fusion.vmrun_calls() == []


def test_restart_of_a_stopped_vm_starts_it(fusion: Fusion, make_driver) -> None:  # type: ignore[no-untyped-def]
    d = make_driver()
    d.create()
    d.stop()
    d.restart()
    assert d.get_state() == State.RUNNING


def test_remove_deletes_the_files_when_deletevm_fails(fusion: Fusion, make_driver,  # type: ignore[no-untyped-def]
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    d = make_driver()
    d.create()
    monkeypatch.setenv("STANDIN_VMRUN_FAIL", "deleteVM")
    d.remove()
    assert d.get_state() == State.NONE and not d.vmdk_path.exists()


def test_state_matches_whole_vmrun_list_lines_only(fusion: Fusion, make_driver,  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    d = make_driver()
    d.create()
    d.stop()
    # another running VM whose path contains this one's (docker-machine's substring test says Running)
    monkeypatch.setenv("STANDIN_VMRUN_OTHER_VMS", f"{d.vmx_path}.backup/copy.vmx:/Users/alice/Windows 10 x64.vmx")
    assert d.get_state() == State.STOPPED
    d.start()
    assert d.get_state() == State.RUNNING


def test_each_vm_gets_its_own_guest_address_with_its_own_sshd(fusion: Fusion, make_driver) -> None:  # type: ignore[no-untyped-def]
    """The stand-in vmrun gives each .vmx its own loopback address (kept across stop/start, given
    back by deleteVM), where the fixture's sshd listens on the one port the machines share."""
    assert fusion.guest_ips[:2] == ["127.0.0.1", "127.0.0.2"]
    assert {s.getsockname()[1] for s in fusion.sshds} == {fusion.ssh_port}
    a, b = make_driver("vmw1"), make_driver("vmw2")
    a.create()
    b.create()  # create waited for SSH at its own address
    assert (a.get_ip(), b.get_ip()) == ("127.0.0.1", "127.0.0.2")
    assert (a.get_ssh_hostname(), a.get_ssh_port()) != (b.get_ssh_hostname(), b.get_ssh_port())
    a.stop()
    a.start()
    assert a.get_ip() == "127.0.0.1"
    a.remove()  # deleteVM gives 127.0.0.1 back
    c = make_driver("vmw3")
    c.create()
    assert (c.get_ip(), b.get_ip()) == ("127.0.0.1", "127.0.0.2")
    b.remove()
    c.remove()
