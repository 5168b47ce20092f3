"""Round trips with real plugin processes: a pip-installed Python plugin driven by PluginDriver."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from minikube import DriverError, HostNotRunningError, IPNotSetError, PluginError
from minikube.machine import BoolFlag, FlagValues, IntFlag, State, StringFlag, StringSliceFlag
from minikube.machine.plugin import BANNER, PluginDriver, find_plugin_binary, plugin_version
from minikube.testing import Venv

from ._helpers import pid_alive

pytestmark = pytest.mark.slow


def test_every_method_round_trips(probe_exe: str) -> None:
    with PluginDriver.launch("pytest-probe", "m1", executable=probe_exe) as d:
        assert d.driver_name() == "pytest-probe"
        assert d.get_machine_name() == ""
        d.set_config_raw(json.dumps({"MachineName": "m1", "StorePath": "/s", "IPAddress": "10.1.2.3",
                                     "SSHPort": 2222, "SSHUser": "docker"}).encode())
        assert d.get_machine_name() == "m1"
        assert d.get_ip() == "10.1.2.3"
        assert d.get_ssh_hostname() == "10.1.2.3"
        assert d.get_ssh_port() == 2222
        assert d.get_ssh_username() == "docker"
        assert d.get_ssh_key_path() == "/s/machines/m1/id_rsa"
        assert d.get_state() is State.RUNNING
        d.pre_create_check()
        d.create()
        d.stop()
        d.restart()
        assert json.loads(d.get_config_raw())["SSHPort"] == 2222
        with pytest.raises(DriverError, match="^hosts without a driver cannot be started$"):
            d.start()
        with pytest.raises(HostNotRunningError):
            d.remove()
        pid = d.pid
    assert not pid_alive(pid)


def test_every_flag_type_round_trips(probe_exe: str) -> None:
    with PluginDriver.launch("pytest-probe", executable=probe_exe) as d:
        assert d.get_create_flags() == [
            StringFlag("probe-url", "where the probe points", "PROBE_URL", "tcp://1.2.3.4:2376"),
            IntFlag("probe-int", "an int", "", 42),
            BoolFlag("probe-bool", "a bool", "PROBE_BOOL"),
            StringSliceFlag("probe-list", "a list", "", ("a", "b")),
            StringFlag("probe-ünïcode", "ümlauts ✓"),
        ]
        values = {"probe-url": "stopped", "probe-int": -7, "probe-bool": True,
                  "probe-list": ["x", "", "ü"], "swarm-master": False, "nothing": None, "f": 1.5}
        d.set_config_from_flags(FlagValues(values))
        got = json.loads(d.get_config_raw())["Options"]
        assert got == {"string": "stopped", "int": -7, "bool": True, "list": ["x", "", "ü"],
                       "raw": {**values, "nothing": None}}
        assert d.get_url() == "stopped" and d.get_state() is State.STOPPED
        d.set_config_from_flags(FlagValues())  # an empty map is sent, and read as zero values
        assert json.loads(d.get_config_raw())["Options"]["int"] == 0


def test_options_without_a_mapping_are_read_flag_by_flag(probe_exe: str) -> None:
    class Opts:
        def string(self, key: str) -> str:
            return {"probe-url": "u"}.get(key, "")

        def string_slice(self, key: str) -> list[str]:
            return ["z"]

        def int(self, key: str) -> int:
            return 5

        def bool(self, key: str) -> bool:
            return True

    with PluginDriver.launch("pytest-probe", executable=probe_exe) as d:
        d.set_config_from_flags(Opts())
        raw = json.loads(d.get_config_raw())["Options"]["raw"]
        assert raw["probe-url"] == "u" and raw["probe-int"] == 5 and raw["probe-list"] == ["z"]
        assert raw["swarm-master"] is True and raw["swarm-host"] == ""


def test_errors_cross_the_wire_as_strings(probe_exe: str) -> None:
    with PluginDriver.launch("pytest-probe", executable=probe_exe) as d:
        with pytest.raises(IPNotSetError):
            d.get_ip()
        d.set_config_raw(b'{"URL": "panic"}')
        with pytest.raises(DriverError) as e:
            d.create()
        assert str(e.value).startswith("Panic in the driver: boom\n")
        d.set_config_raw(b'{"URL": "fail"}')
        with pytest.raises(DriverError, match="^create failed on purpose$"):
            d.create()
        with pytest.raises(DriverError, match="not valid JSON"):
            d.set_config_raw(b"{nope")
        assert d.driver_name() == "pytest-probe"  # still serving


def test_calls_from_many_threads(probe_exe: str) -> None:
    with PluginDriver.launch("pytest-probe", executable=probe_exe) as d:
        d.set_config_raw(b'{"URL": "tcp://u", "Delay": 1.0}')
        errors: list[BaseException] = []

        def work(i: int) -> None:
            try:
                for _ in range(40):
                    assert d.driver_name() == "pytest-probe"
                    assert d.get_url() == "tcp://u"
                    assert d.get_state() is State.RUNNING
            except BaseException as e:
                errors.append(e)

        slow = threading.Thread(target=d.stop)  # sleeps 1 s in the plugin
        slow.start()
        time.sleep(0.1)
        t0 = time.monotonic()
        threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert not errors
        assert time.monotonic() - t0 < 0.9 or slow.is_alive() is False  # answered beside Stop
        slow.join(10)


def test_slow_call_does_not_block_others(probe_exe: str) -> None:
    with PluginDriver.launch("pytest-probe", executable=probe_exe) as d:
        d.set_config_raw(b'{"Delay": 1.5}')
        slow = threading.Thread(target=d.pre_create_check)
        slow.start()
        time.sleep(0.2)
        t0 = time.monotonic()
        assert d.get_state() is State.RUNNING
        assert time.monotonic() - t0 < 0.5
        assert slow.is_alive()
        slow.join(10)


def test_close_exits_zero_and_reaps(probe_exe: str) -> None:
    d = PluginDriver.launch("pytest-probe", executable=probe_exe)
    proc = d._proc.popen
    d.close()
    assert proc.returncode == 0
    d.close()  # idempotent
    with pytest.raises(PluginError, match="connection is shut down"):
        d.get_state()


def test_plugin_logs_reach_python_logging(probe_exe: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="minikube.plugin")
    with PluginDriver.launch("pytest-probe", "vm7", raw_config=b'{"MachineName": "vm7"}',
                             executable=probe_exe) as d:
        d.restart()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any("DBG | restart debug" in r.getMessage()
                                                      for r in caplog.records):
            time.sleep(0.05)
    messages = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "minikube.plugin"]
    assert (logging.INFO, "(vm7) restarting on stdout") in messages
    assert (logging.DEBUG, "(vm7) DBG | restart debug line") in messages
    assert (logging.DEBUG, "(vm7) Calling .Restart") in messages


def test_plugin_crash_mid_call_names_the_cause(probe_exe: str) -> None:
    d = PluginDriver.launch("pytest-probe", executable=probe_exe)
    t0 = time.monotonic()
    with pytest.raises(PluginError) as e:
        d.kill()  # the probe exits 3 inside Kill
    assert time.monotonic() - t0 < 5
    msg = str(e.value)
    assert "\n" not in msg and "during Kill" in msg and "exit code 3" in msg
    with pytest.raises(PluginError, match="connection is shut down"):
        d.get_state()
    d.close()


def test_heartbeat_loss_makes_the_plugin_exit(probe_exe: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIKUBE_PLUGIN_HEARTBEAT_TIMEOUT", "1")
    alive = PluginDriver.launch("pytest-probe", executable=probe_exe, heartbeat_interval=0.2)
    t0 = time.monotonic()  # before the launch: the plugin's clock starts while it is being launched
    silent = PluginDriver.launch("pytest-probe", executable=probe_exe, heartbeat_interval=None)
    try:
        with pytest.raises(PluginError, match="exit code 1"):
            while time.monotonic() - t0 < 5:  # calls other than Heartbeat do not count
                silent.get_state()
                time.sleep(0.1)
        assert 0.9 < time.monotonic() - t0 < 2.5
        assert silent._proc.popen.returncode == 1
        assert alive.get_state() is State.RUNNING  # its heartbeats kept it alive
    finally:
        alive.close()
        silent.close()


def test_real_ten_second_heartbeat_timeout(probe_exe: str) -> None:
    d = PluginDriver.launch("pytest-probe", executable=probe_exe, heartbeat_interval=None)
    t0 = time.monotonic()
    assert d._proc.popen.wait(15) == 1
    assert 9.5 < time.monotonic() - t0 < 12
    d.close()


def test_find_plugin_binary_on_path_and_beside_python(plugin_venv: Venv,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{plugin_venv.bin}:/usr/bin:/bin")
    assert find_plugin_binary("pytest-probe") == str(plugin_venv.bin / "docker-machine-driver-pytest-probe")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setattr(sys, "executable", str(plugin_venv.python))
    assert find_plugin_binary("pytest-probe") == str(plugin_venv.bin / "docker-machine-driver-pytest-probe")
    with pytest.raises(PluginError) as e:
        find_plugin_binary("pytest-nothing")
    assert str(e.value) == ('Driver "pytest-nothing" not found. Do you have the plugin binary '
                            '"docker-machine-driver-pytest-nothing" accessible in your PATH?')
    assert e.value.reason.id == "DRV_PLUGIN_NOT_FOUND"
    monkeypatch.setenv("PATH", f"{plugin_venv.bin}:/usr/bin:/bin")
    with PluginDriver.launch("pytest-none") as d:
        assert d.driver_name() == "none"


def test_version_and_banner(probe_exe: str, none_exe: str) -> None:
    assert plugin_version(none_exe) == "1.2.3"
    assert plugin_version(probe_exe) == "0.4.0"
    out = subprocess.run([none_exe, "version"], capture_output=True, text=True, timeout=30)
    assert (out.returncode, out.stdout) == (0, "version: v1.2.3\ncommit: abc123\n")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("MACHINE_PLUGIN")}
    out = subprocess.run([none_exe], capture_output=True, text=True, timeout=30, env=env)
    assert (out.returncode, out.stdout, out.stderr) == (1, "", BANNER)


def test_ctrl_c_in_the_client_reaps_the_plugin(probe_exe: str, tmp_path: Path) -> None:
    code = f"""
import sys, time
sys.path.insert(0, {str(Path(__file__).parents[2] / 'src')!r})
from minikube.machine.plugin import PluginDriver
d = PluginDriver.launch("pytest-probe", executable={probe_exe!r})
d.set_config_raw(b'{{"Delay": 60}}')
print(d.pid, flush=True)
d.stop()
"""
    client = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert client.stdout is not None
    pid = int(client.stdout.readline())
    time.sleep(0.3)
    client.send_signal(2)
    assert client.wait(10) != 0
    assert not pid_alive(pid)


def test_exception_without_close_still_reaps(probe_exe: str) -> None:
    code = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parents[2] / 'src')!r})
from minikube.machine.plugin import PluginDriver
d = PluginDriver.launch("pytest-probe", executable={probe_exe!r})
print(d.pid, flush=True)
raise SystemExit("boom")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert not pid_alive(int(out.stdout))


def test_keyboard_interrupt_in_process_reaps(probe_exe: str) -> None:
    import os
    import signal

    d = PluginDriver.launch("pytest-probe", executable=probe_exe)
    d.set_config_raw(b'{"Delay": 30}')
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt):
        d.stop()
    assert d._proc.popen.returncode is not None
    d.close()
