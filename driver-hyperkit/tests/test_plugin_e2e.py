"""hyperkit end to end through the external path, as minikube runs it.

The core's plugin client (PluginDriver) launches the real ``docker-machine-driver-hyperkit``
console script from a venv where the distribution was pip-installed; that process drives the
stand-in hyperkit first on PATH.  Every call crosses libmachine's wire protocol.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import psutil
import pytest
from conftest import IP, UUID, Host
from minikube import DriverError
from minikube.machine import State
from minikube.machine.plugin import PluginDriver
from minikube.testing import Venv


def config(tmp_path: Path, iso: Path, **extra: object) -> bytes:
    doc = {"MachineName": "e2e", "StorePath": str(tmp_path / "mkhome"), "SSHUser": "docker",
           "Boot2DockerURL": iso.as_uri(), "DiskSize": 4, "CPU": 2, "Memory": 1024, "UUID": UUID,
           "Cmdline": "console=ttyS0 host=e2e", **extra}
    return json.dumps(doc).encode()


def test_create_state_ip_stop_remove_through_the_plugin(venv: Venv, host: Host, iso_file: Path,
                                                         tmp_path: Path) -> None:
    exe = str(venv.bin / "docker-machine-driver-hyperkit")
    with PluginDriver.launch("hyperkit", "e2e", config(tmp_path, iso_file), executable=exe) as d:
        assert d.driver_name() == "hyperkit"
        assert d.get_machine_name() == "e2e"
        assert d.get_ssh_username() == "docker"
        flags = [f.name for f in d.get_create_flags()]
        assert "hyperkit-nfs-share" in flags and "hyperkit-uuid" in flags
        d.pre_create_check()
        d.create()
        assert d.get_state() == State.RUNNING
        assert d.get_ip() == IP and d.get_url() == f"tcp://{IP}:2376"
        saved = json.loads(d.get_config_raw())
        assert saved["IPAddress"] == IP and saved["UUID"] == UUID
        machine = tmp_path / "mkhome" / "machines" / "e2e"
        pid = json.loads((machine / "hyperkit.json").read_text())["pid"]
        assert psutil.Process(pid).name() == "hyperkit"
        assert psutil.Process(pid).ppid() == d.pid  # started by the plugin process
        [args] = host.hyperkit_calls() or [[]]
        assert args[args.index("-U") + 1] == UUID
    # the plugin is gone (Close), the VM is not: hyperkit runs in its own session
    assert psutil.Process(pid).is_running() and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    raw = json.dumps(saved).encode()
    with PluginDriver.launch("hyperkit", "e2e", raw, executable=exe) as d:  # a later minikube command
        assert d.get_state() == State.RUNNING
        d.stop()
        assert d.get_state() == State.STOPPED
        d.remove()
    deadline = time.monotonic() + 5
    while psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_the_root_check_crosses_the_wire_with_the_plugins_own_path(venv: Venv, host: Host, iso_file: Path,
                                                                   tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIKUBE_HYPERKIT_EUID", "501")
    exe = str(venv.bin / "docker-machine-driver-hyperkit")
    with PluginDriver.launch("hyperkit", "e2e", config(tmp_path, iso_file), executable=exe) as d:
        with pytest.raises(DriverError) as e:
            d.pre_create_check()
    assert str(e.value) == ("docker-machine-driver-hyperkit needs to run with elevated permissions: minikube starts "
                            "it as root with sudo -n, which must be allowed without a password")
    assert not (tmp_path / "mkhome").exists()


def test_a_crash_at_start_crosses_the_wire_and_delete_still_cleans_up(venv: Venv, host: Host, iso_file: Path,
                                                                       tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_HYPERKIT_MODE", "crash")
    exe = str(venv.bin / "docker-machine-driver-hyperkit")
    with PluginDriver.launch("hyperkit", "e2e", config(tmp_path, iso_file), executable=exe) as d:
        with pytest.raises(DriverError) as e:
            d.create()
        assert str(e.value).startswith(f"hyperkit crashed! command line:\n  {host.bin / 'hyperkit'} -A -u ")
        assert "Kernel panic - not syncing: stand-in crash" in str(e.value)
        assert d.get_state() == State.STOPPED
        d.remove()


def test_the_plugin_binary_reports_the_version_minikube_checks(venv: Venv) -> None:
    """The core's plugin-binary checks, with the reasons hyperkit declares for them."""
    from minikube import DriverError
    from minikube.machine.plugin import plugin_version
    from minikube.registry import Registry
    from minikube.registry._driving import check_plugin_binary

    info = Registry().info("hyperkit")
    exe = str(venv.bin / "docker-machine-driver-hyperkit")
    assert plugin_version(exe) == "1.11.0"
    check_plugin_binary(info, exe, "1.11.0")
    with pytest.raises(DriverError, match="older than the minimum required") as old:
        check_plugin_binary(info, exe, "1.12.0")
    assert (old.value.reason_id, old.value.exit_code) == ("PR_HYPERKIT_OLD_PLUGIN", 66)


def test_when_sudo_refuses_the_core_gives_hyperkits_reason_and_the_sudoers_line(venv: Venv) -> None:
    """No chown/chmod u+s (a console script cannot be setuid): the plugin is started with sudo -n."""
    from minikube.machine.plugin import sudoers_fix
    from minikube.machine.plugin._process import SudoRefused
    from minikube.registry import Registry
    from minikube.registry._driving import not_root_error

    exe = str(venv.bin / "docker-machine-driver-hyperkit")
    err = not_root_error(Registry().info("hyperkit"), exe, SudoRefused(f"{exe} must run as root, and sudo -n "
                                                                        "refused to start it (sudo: a password is required)"))
    assert (err.reason_id, err.exit_code) == ("PR_HYPERKIT_NOT_ROOT", 67)
    assert err.fix == sudoers_fix(exe, "hyperkit", "minikube-driver-hyperkit")
    assert "/etc/sudoers.d/minikube-hyperkit" in err.fix and "SETENV" not in err.fix
    assert "chown" not in (err.fix or "") and "chmod" not in (err.fix or "")
