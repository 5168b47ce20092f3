"""A live Go peer: real Go net/rpc + encoding/gob on the other end of the plugin protocol.

``go/`` holds a Go plugin (``docker-machine-driver-gopeer``) and a Go client (``goclient``) that
mirror docker-machine's libmachine (packages ``rpcdriver``, ``mcnflag``, ``state``, so that gob's
registered names are libmachine's), standard library only.  They are built once per session with
``go build`` (offline: no module is ever downloaded).  Then:

- the Python core drives the Go plugin: through the real ``minikube`` console script of a venv
  (start, status, ip, stop, start, delete) and through ``PluginDriver.launch`` directly;
- the Go client drives the project's Python plugins (the core's fake driver served by ``serve``,
  and the test distribution's ``pytest-none`` and ``pytest-probe``) through a whole session.

Go is required: a missing ``go`` fails these tests with how to install it (``scripts/setup-go.sh``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from minikube import DriverError, HostNotRunningError, MachineNotFoundError
from minikube.machine import BoolFlag, IntFlag, State, StringFlag, StringSliceFlag
from minikube.machine.plugin import BANNER, PluginDriver
from minikube.testing import Venv, Wheelhouse

from ._helpers import pid_alive

GO_SRC = Path(__file__).resolve().parent / "go"
PLUGIN = "docker-machine-driver-gopeer"
#: What the Go plugin declares (name, type, env var, default), in its order.
GOPEER_FLAGS = [
    ("gopeer-memory", IntFlag, "GOPEER_MEMORY", 1024),
    ("gopeer-cpu-count", IntFlag, "GOPEER_CPU_COUNT", 1),
    ("gopeer-disk-size", IntFlag, "", 20000),
    ("gopeer-boot2docker-url", StringFlag, "", ""),
    ("gopeer-label", StringFlag, "GOPEER_LABEL", "none"),
    ("gopeer-tags", StringSliceFlag, "", ("a", "b")),
    ("gopeer-fail-create", BoolFlag, "GOPEER_FAIL_CREATE", None),
]
#: Settings a developer's shell may export; cleared for the CLI runs.
CLEARED = ("MINIKUBE_DRIVER", "MINIKUBE_CPUS", "MINIKUBE_MEMORY", "MINIKUBE_DISK_SIZE", "MINIKUBE_ISO_URL",
           "MINIKUBE_PROFILE", "MINIKUBE_STRICT_PLUGINS", "GOPEER_MEMORY", "GOPEER_CPU_COUNT", "GOPEER_LABEL",
           "GOPEER_FAIL_CREATE")

pytestmark = pytest.mark.slow


# --- building the Go peer ---------------------------------------------------------------------


def go_env(cache: Path) -> dict[str, str]:
    """Offline module mode, a writable build cache, no toolchain download."""
    env = dict(os.environ)
    env.update({"GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOTOOLCHAIN": "local", "GO111MODULE": "on",
                "GOWORK": "off", "GOSUMDB": "off", "CGO_ENABLED": "0"})
    env.setdefault("GOCACHE", str(cache / "go-build"))
    env.setdefault("GOPATH", str(cache / "gopath"))
    return env


def build_go_peer(out: Path) -> Path:
    """``go build`` the plugin and the client into ``out``; fails (never skips) without Go."""
    go = shutil.which("go")
    if go is None:
        pytest.fail("the Go toolchain (`go`, Go >= 1.19) is required for the live Go peer tests and is not "
                    "on PATH: run `bash scripts/setup-go.sh` (Debian: apt-get install golang-go)", pytrace=False)
    cache = Path(tempfile.gettempdir()) / f"minikube-go-peer-{os.getuid()}"
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([go, "build", "-trimpath", "-o", str(out) + os.sep, "./cmd/..."], cwd=GO_SRC,
                          env=go_env(cache), capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"go build of the Go peer failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}",
                    pytrace=False)
    return out


@pytest.fixture(scope="session")
def go_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with ``docker-machine-driver-gopeer`` and ``goclient``."""
    return build_go_peer(tmp_path_factory.mktemp("go-peer"))


@pytest.fixture(scope="session")
def gopeer(go_bin: Path) -> str:
    return str(go_bin / PLUGIN)


def goclient(go_bin: Path, mode: str, driver: str, *args: str, path: str = "", stdin: str | None = None,
             env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Run the Go client; its JSON lines, after checking it exited 0."""
    full = {**os.environ, **(env or {})}
    if path:
        full["PATH"] = path + os.pathsep + full.get("PATH", "")
    proc = subprocess.run([str(go_bin / "goclient"), mode, driver, *args], capture_output=True, text=True,
                          timeout=120, input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                          env=full)
    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
    return [json.loads(line) for line in proc.stdout.splitlines()]


def by_call(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["call"], []).append(r)
    return out


def ok(row: dict[str, Any]) -> Any:
    assert row["error"] is None, row
    return row.get("reply")


# --- the Python core drives the Go plugin -------------------------------------------------------


def test_go_plugin_refuses_to_run_without_the_token(gopeer: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MACHINE_PLUGIN_TOKEN"}
    p = subprocess.run([gopeer], capture_output=True, text=True, env=env, timeout=30)
    assert (p.returncode, p.stdout, p.stderr) == (1, "", BANNER)


def test_plugin_driver_launches_the_go_plugin(gopeer: str, tmp_path: Path) -> None:
    raw = json.dumps({"MachineName": "direct", "StorePath": str(tmp_path)}).encode()
    with PluginDriver.launch("gopeer", executable=gopeer) as d:
        assert d.executable == gopeer
        d.set_config_raw(raw)
        assert (d.get_machine_name(), d.driver_name()) == ("direct", "gopeer")

        flags = d.get_create_flags()  # all four mcnflag types, decoded from Go's gob
        assert [(f.name, type(f), f.env_var, getattr(f, "value", None)) for f in flags] == GOPEER_FLAGS
        assert flags[0].usage == "Memory in MB" and flags[-1].usage == "Make Create fail (for tests)"

        d.set_config_from_flags({"gopeer-memory": 3072, "gopeer-cpu-count": 4, "gopeer-disk-size": 512,
                                 "gopeer-boot2docker-url": "file:///iso", "gopeer-label": "ünïcode ✓",
                                 "gopeer-tags": ["x", "y z"], "gopeer-fail-create": True,
                                 "swarm-master": False, "swarm-host": "", "swarm-discovery": ""})
        cfg = json.loads(d.get_config_raw())
        assert {k: cfg[k] for k in ("MachineName", "StorePath", "Memory", "CPU", "DiskSize", "Boot2DockerURL",
                                    "Label", "Tags", "FailCreate")} == {
            "MachineName": "direct", "StorePath": str(tmp_path), "Memory": 3072, "CPU": 4, "DiskSize": 512,
            "Boot2DockerURL": "file:///iso", "Label": "ünïcode ✓", "Tags": ["x", "y z"], "FailCreate": True}

        # a driver's own errors cross as their text; the well-known ones get their types back
        with pytest.raises(DriverError) as err:
            d.set_config_from_flags({"gopeer-memory": -5})
        assert err.value.message == "gopeer: --gopeer-memory must be positive, not -5"
        assert d.get_state() == State.NONE
        with pytest.raises(HostNotRunningError):
            d.get_ip()
        d.set_config_raw(json.dumps({**cfg, "Memory": 3072}).encode())
        d.pre_create_check()
        with pytest.raises(DriverError) as err:
            d.create()
        assert err.value.message == "gopeer: create failed as asked (--gopeer-fail-create)"
        with pytest.raises(MachineNotFoundError, match=r'^Host does not exist: "direct"$'):
            d.start()

        d.set_config_raw(json.dumps({**cfg, "FailCreate": False}).encode())
        d.create()
        assert d.get_state() == State.RUNNING
        assert (d.get_ip(), d.get_url(), d.get_ssh_hostname()) == ("127.0.0.1", "tcp://127.0.0.1:2376",
                                                                    "127.0.0.1")
        assert (d.get_ssh_port(), d.get_ssh_username()) == (22, "docker")
        assert d.get_ssh_key_path() == str(tmp_path / "machines" / "direct" / "id_rsa")
        d.stop()
        assert d.get_state() == State.STOPPED
        d.restart()
        assert d.get_state() == State.RUNNING
        d.kill()
        assert d.get_state() == State.STOPPED
        pid = d.pid
    deadline = time.monotonic() + 10  # Close: the Go plugin exits
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(pid)

    # the machine outlives the plugin process: a new one reads the same state file
    with PluginDriver.launch("gopeer", raw_config=json.dumps(cfg).encode(), executable=gopeer) as d2:
        assert d2.get_state() == State.STOPPED
        d2.remove()
        assert d2.get_state() == State.NONE
    assert not (tmp_path / "machines" / "direct" / "gopeer-machine.json").exists()


def test_go_server_answers_concurrent_calls(gopeer: str, tmp_path: Path) -> None:
    raw = json.dumps({"MachineName": "conc", "StorePath": str(tmp_path)}).encode()
    with PluginDriver.launch("gopeer", raw_config=raw, executable=gopeer) as d:
        d.create()
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(50):
                    assert d.get_state() == State.RUNNING
                    assert d.get_ip() == "127.0.0.1"
                    assert len(d.get_create_flags()) == len(GOPEER_FLAGS)
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        workers = [threading.Thread(target=work) for _ in range(8)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
        assert not errors, errors
        d.remove()


def test_go_plugin_exits_when_heartbeats_stop(gopeer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIKUBE_PLUGIN_HEARTBEAT_TIMEOUT", "0.5")
    d = PluginDriver.launch("gopeer", executable=gopeer, heartbeat_interval=None)
    try:
        deadline = time.monotonic() + 10
        while pid_alive(d.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not pid_alive(d.pid)
    finally:
        d.close()


# --- the real minikube console script drives the Go plugin -------------------------------------


@pytest.fixture(scope="session")
def cli_venv(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Wheelhouse) -> Venv:
    """A venv with the core really installed (its ``minikube`` console script); no driver."""
    v = Venv.create(tmp_path_factory.mktemp("go-peer-venv"), wheelhouse)
    v.install("minikube")
    return v


class Mk:
    """The venv's ``minikube`` with a private MINIKUBE_HOME and the Go plugin first on PATH."""

    def __init__(self, venv: Venv, home: Path, go_bin: Path) -> None:
        self.venv, self.home = venv, home
        self.env = {k: "" for k in CLEARED}
        self.env.update({"MINIKUBE_HOME": str(home), "XDG_CACHE_HOME": str(home.parent / "xdg-cache"),
                         "MINIKUBE_HEALTH_TIMEOUT": "5", "COLUMNS": "200",
                         "PATH": os.pathsep.join([str(go_bin), str(venv.bin), os.environ.get("PATH", "")])})

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        p = self.venv.minikube(*args, env=self.env, timeout=120)
        assert "Traceback" not in p.stderr + p.stdout, p.stderr
        return p

    def ok(self, *args: str) -> subprocess.CompletedProcess[str]:
        p = self(*args)
        assert p.returncode == 0, (args, p.returncode, p.stdout, p.stderr)
        return p

    def machine(self, name: str) -> dict[str, Any]:
        return json.loads((self.home / "machines" / name / "config.json").read_text())  # type: ignore[no-any-return]

    def go_state(self, name: str) -> dict[str, Any]:
        return json.loads((self.home / "machines" / name / "gopeer-machine.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture
def mk(cli_venv: Venv, go_bin: Path, tmp_path: Path) -> Mk:
    return Mk(cli_venv, tmp_path / "mkhome", go_bin)


def test_minikube_lists_the_go_plugin_and_its_flags(mk: Mk, gopeer: str) -> None:
    rows = {r["name"]: r for r in json.loads(mk.ok("drivers", "list", "-o", "json").stdout)}
    assert rows["gopeer"]["type"] == "external"
    assert rows["gopeer"]["executable"] == gopeer
    info = json.loads(mk.ok("drivers", "info", "gopeer", "-o", "json").stdout)
    kinds = {IntFlag: "int", StringFlag: "string", StringSliceFlag: "string list", BoolFlag: "bool"}
    assert sorted((f["name"], f["type"], f["env_var"] or "") for f in info["flags"]) == sorted(
        (name, kinds[kind], env) for name, kind, env, _ in GOPEER_FLAGS)


def test_minikube_lifecycle_on_the_go_plugin(mk: Mk) -> None:
    mk.ok("start", "--driver", "gopeer", "--memory", "3000", "--cpus", "3", "--force", "--gopeer-label", "hello",
          "--gopeer-tags", "x,y")
    host = mk.machine("minikube")
    assert host["DriverName"] == "gopeer"
    drv = host["Driver"]  # what the Go plugin's GetConfigRaw gave: Go's encoding/json
    assert (drv["MachineName"], drv["StorePath"], drv["Memory"], drv["CPU"], drv["Label"], drv["Tags"]) == (
        "minikube", str(mk.home), 3000, 3, "hello", ["x", "y"])
    assert mk.go_state("minikube")["State"] == "Running"

    st = mk("status")
    assert st.returncode == 0 and "Running" in st.stdout, (st.stdout, st.stderr)
    assert json.loads(mk.ok("status", "-o", "json").stdout) == {
        "Name": "minikube", "Host": "Running", "Kubelet": "Irrelevant", "APIServer": "Irrelevant",
        "Kubeconfig": "Irrelevant", "Worker": False}
    assert mk.ok("ip").stdout.strip() == "127.0.0.1"

    mk.ok("stop")
    assert mk.go_state("minikube")["State"] == "Stopped"  # kept by the Go plugin, between processes
    st = mk("status")
    assert st.returncode == 7 and "Stopped" in st.stdout, (st.stdout, st.stderr)
    st = mk("status", "-o", "json")
    assert st.returncode == 7 and json.loads(st.stdout)["Host"] == "Stopped"

    mk.ok("start")
    assert mk.go_state("minikube") | {"Created": ""} == {"State": "Running", "Starts": 2, "Created": ""}
    assert mk("status").returncode == 0

    mk.ok("delete")
    assert not (mk.home / "machines" / "minikube").exists()
    assert mk("status").returncode == 85


def test_minikube_shows_the_go_drivers_create_error(mk: Mk) -> None:
    p = mk("start", "--driver", "gopeer", "-p", "gofail", "--gopeer-fail-create")
    assert p.returncode != 0
    assert "gopeer: create failed as asked (--gopeer-fail-create)" in p.stderr, p.stderr
    assert [ln for ln in p.stderr.splitlines() if ln.startswith("X Exiting due to")], p.stderr
    mk.ok("delete", "-p", "gofail")
    assert not (mk.home / "machines" / "gofail").exists()


# --- the Go client drives Python plugins (and the Go plugin, for comparison) -------------------


@pytest.fixture
def pyfake(tmp_path: Path) -> Path:
    """``docker-machine-driver-pyfake``: the core's fake driver served by ``minikube.machine.plugin.serve``."""
    d = tmp_path / "pyfake-bin"
    d.mkdir()
    exe = d / "docker-machine-driver-pyfake"
    exe.write_text(f"#!{sys.executable}\n"
                   "from minikube.machine.plugin import serve\n"
                   "from minikube.testing import FakeDriver\n"
                   "serve(FakeDriver(), version='v1.0.0')\n")
    exe.chmod(0o755)
    return d


def _session_common(rows: list[dict[str, Any]], machine: str, driver: str, store: Path) -> dict[str, Any]:
    """The checks every driver's session shares; returns the calls by name."""
    calls = [r["call"] for r in rows]
    assert calls == ["GetVersion", "SetConfigRaw", "GetMachineName", "DriverName", "GetCreateFlags",
                     "SetConfigFromFlags", "GetConfigRaw", "SetConfigRaw", "GetConfigRaw", "GetState", "GetURL",
                     "GetIP", "GetSSHHostname", "GetSSHPort", "GetSSHUsername", "GetSSHKeyPath", "PreCreateCheck",
                     "Create", "GetState", "GetIP", "Stop", "GetState", "Start", "GetState", "Restart", "GetState",
                     "Kill", "GetState", "Upgrade", "SetConfigFromFlags", "Heartbeat", "Remove", "GetState",
                     "Close"]
    c = by_call(rows)
    assert ok(c["GetVersion"][0]) == 1
    assert ok(c["GetMachineName"][0]) == machine
    assert ok(c["DriverName"][0]) == driver
    first, again = ok(c["GetConfigRaw"][0]), ok(c["GetConfigRaw"][1])
    assert json.loads(first) == json.loads(again)  # the config JSON survives SetConfigRaw
    assert json.loads(first)["StorePath"] == str(store)
    assert c["SetConfigRaw"][1]["error"] is None
    assert [(r["reply"], r["state"], r["error"]) for r in c["GetState"]] == [
        (0, "", None), (1, "Running", None), (4, "Stopped", None), (1, "Running", None), (1, "Running", None),
        (4, "Stopped", None), (0, "", None)]
    for r in ("GetURL", "GetIP", "GetSSHHostname"):
        assert c[r][0]["error"] == "Host is not running"
    assert (ok(c["GetSSHPort"][0]), ok(c["GetSSHUsername"][0])) == (22, "docker")
    assert ok(c["GetSSHKeyPath"][0]) == str(store / "machines" / machine / "id_rsa")
    for name in ("PreCreateCheck", "Create", "Stop", "Start", "Restart", "Kill", "Heartbeat", "Remove"):
        assert c[name][0]["error"] is None, c[name]
    assert c["Upgrade"][0]["error"] == "rpc: can't find method RPCServerDriver.Upgrade"
    assert c["Close"][0]["error"] is None and c["Close"][0]["exit"] == 0
    return c


def test_minikube_on_a_go_none_plugin_waits_for_nothing_and_refuses_ssh(mk: Mk) -> None:
    """libmachine's none driver (an existing host named by --url, no SSH endpoint): a URL with no
    host gives a machine with no IP at once (nothing boots, so nothing is waited for), and
    ``ssh`` is minikube's usage refusal, not a resolver error for an empty host."""
    began = time.monotonic()
    p = mk.ok("start", "--driver", "none", "--url", "not a url")
    assert time.monotonic() - began < 30  # was 120 s: the IP wait of a VM
    assert '"minikube" has no IP address: the none driver reports none' in p.stderr
    assert 'Done! "minikube" is running.' in p.stderr
    err = mk("ssh", "--", "true")
    assert err.returncode == 14 and "Exiting due to MK_USAGE: The 'none' driver does not support 'minikube ssh' " \
        "command" in err.stderr, err.stderr
    mk.ok("delete")
    mk.ok("start", "--driver", "none", "--url", "tcp://127.0.0.1:2376", "-p", "remote")
    assert mk.ok("ip", "-p", "remote").stdout.strip() == "127.0.0.1"
    assert mk("ssh", "-p", "remote").returncode == 14
    mk.ok("delete", "-p", "remote")


def test_go_client_runs_a_session_on_the_cores_fake_plugin(go_bin: Path, pyfake: Path, tmp_path: Path) -> None:
    config = json.dumps({"MachineName": "gofake", "StorePath": str(tmp_path)})
    flags = json.dumps({"fake-label": "from-go ✓", "fake-tags": ["x", "y"], "fake-cpu-count": 3,
                        "fake-fail-create": False, "fake-create-delay": 0, "swarm-master": False,
                        "swarm-host": "", "swarm-discovery": ""})
    rows = goclient(go_bin, "session", "pyfake", "--config", config, "--flags", flags, path=str(pyfake))
    c = _session_common(rows, "gofake", "fake", tmp_path)
    assert ok(c["GetCreateFlags"][0]) == [
        {"@type": "*mcnflag.StringFlag", "Name": "fake-label", "Usage": "A label kept in the driver config",
         "EnvVar": "FAKE_LABEL", "Value": ""},
        {"@type": "*mcnflag.StringSliceFlag", "Name": "fake-tags", "Usage": "Tags kept in the driver config",
         "EnvVar": "FAKE_TAGS", "Value": None},
        {"@type": "*mcnflag.IntFlag", "Name": "fake-cpu-count", "Usage": "CPUs (overrides --cpus)",
         "EnvVar": "FAKE_CPU_COUNT", "Value": 0},
        {"@type": "*mcnflag.BoolFlag", "Name": "fake-fail-create", "Usage": "Make create fail (for tests)",
         "EnvVar": "FAKE_FAIL_CREATE"},
        {"@type": "*mcnflag.IntFlag", "Name": "fake-create-delay", "Usage": "Seconds create takes (for tests)",
         "EnvVar": "FAKE_CREATE_DELAY", "Value": 0}]
    assert c["SetConfigFromFlags"][0]["error"] is None
    cfg = json.loads(ok(c["GetConfigRaw"][0]))
    assert (cfg["FakeLabel"], cfg["FakeTags"], cfg["CPU"], cfg["FakeFailCreate"]) == ("from-go ✓", ["x", "y"], 3,
                                                                                       False)
    assert ok(c["GetIP"][1]).startswith("192.168.50.")
    assert c["SetConfigFromFlags"][1]["error"] is None  # an empty map: the fake reads zero values

    # a driver error crosses back to Go as its text
    fail = goclient(go_bin, "calls", "pyfake", path=str(pyfake), stdin=json.dumps([
        {"method": "SetConfigRaw", "arg": config},
        {"method": "SetConfigFromFlags", "arg": {"fake-fail-create": True}},
        {"method": "Create"},
        {"method": "Start"}]))
    assert [(r["call"], r["error"]) for r in fail] == [
        ("GetVersion", None), ("SetConfigRaw", None), ("SetConfigFromFlags", None),
        ("Create", "fake create failed as asked (--fake-fail-create)"),
        ("Start", 'Host does not exist: "gofake"'), ("Close", None)]


def test_go_client_runs_a_session_on_the_go_plugin(go_bin: Path, tmp_path: Path) -> None:
    config = json.dumps({"MachineName": "gogo", "StorePath": str(tmp_path)})
    flags = json.dumps({"gopeer-memory": 2048, "gopeer-cpu-count": 2, "gopeer-disk-size": 100,
                        "gopeer-boot2docker-url": "", "gopeer-label": "hi", "gopeer-tags": ["x"],
                        "gopeer-fail-create": False, "swarm-master": False, "swarm-host": "", "swarm-discovery": ""})
    rows = goclient(go_bin, "session", "gopeer", "--config", config, "--flags", flags, path=str(go_bin))
    c = _session_common(rows, "gogo", "gopeer", tmp_path)
    assert [(f["@type"], f["Name"]) for f in ok(c["GetCreateFlags"][0])] == [
        (f"*mcnflag.{kind.__name__}", name) for name, kind, _, _ in GOPEER_FLAGS]
    cfg = json.loads(ok(c["GetConfigRaw"][0]))
    assert (cfg["Memory"], cfg["CPU"], cfg["Label"], cfg["Tags"]) == (2048, 2, "hi", ["x"])
    assert ok(c["GetIP"][1]) == "127.0.0.1"
    assert c["SetConfigFromFlags"][1]["error"] == "gopeer: --gopeer-memory must be positive, not 0"


def test_go_client_runs_the_recorded_none_session_on_the_python_plugin(go_bin: Path, none_exe: str) -> None:
    """The calls of the recorded Go session (none_session), now live against the Python server."""
    config = json.dumps({"IPAddress": "", "MachineName": "testvm", "SSHUser": "", "SSHPort": 0, "SSHKeyPath": "",
                         "StorePath": "/home/user/.minikube", "SwarmMaster": False, "SwarmHost": "",
                         "SwarmDiscovery": ""})
    values = {"some-false": False, "some-slice": ["a", "bc"], "url": "tcp://192.168.99.100:2376", "some-int": 42,
              "neg-int": -3, "some-bool": True}
    rows = goclient(go_bin, "calls", none_exe, stdin=json.dumps([
        {"method": "SetConfigRaw", "arg": config}, {"method": "GetMachineName"}, {"method": "DriverName"},
        {"method": "GetCreateFlags"}, {"method": "SetConfigFromFlags", "arg": values},
        {"method": "GetConfigRaw"}, {"method": "GetState"}, {"method": "GetURL"}, {"method": "GetIP"},
        {"method": "PreCreateCheck"}, {"method": "Create"}, {"method": "Start"}, {"method": "Upgrade"},
        {"method": "SetConfigFromFlags", "arg": {}}, {"method": "Heartbeat"}, {"method": "Close"}]))
    assert [(r["call"], r.get("reply"), r["error"]) for r in rows] == [
        ("GetVersion", 1, None), ("SetConfigRaw", None, None), ("GetMachineName", "testvm", None),
        ("DriverName", "none", None),
        ("GetCreateFlags", [{"@type": "*mcnflag.StringFlag", "Name": "url", "EnvVar": "", "Value": "",
                             "Usage": "URL of host when no driver is selected"}], None),
        ("SetConfigFromFlags", None, None),
        ("GetConfigRaw", rows[6]["reply"], None), ("GetState", 1, None),
        ("GetURL", "tcp://192.168.99.100:2376", None), ("GetIP", "192.168.99.100:2376", None),
        ("PreCreateCheck", None, None), ("Create", None, None),
        ("Start", None, "hosts without a driver cannot be started"),
        ("Upgrade", None, "rpc: can't find method RPCServerDriver.Upgrade"),
        ("SetConfigFromFlags", None, "--url option is required when no driver is selected"),
        ("Heartbeat", None, None), ("Close", None, None)]
    assert json.loads(rows[6]["reply"]) == {
        "IPAddress": "192.168.99.100:2376", "MachineName": "testvm", "SSHUser": "", "SSHPort": 0, "SSHKeyPath": "",
        "StorePath": "/home/user/.minikube", "SwarmMaster": False, "SwarmHost": "", "SwarmDiscovery": "",
        "URL": "tcp://192.168.99.100:2376"}
    assert rows[-1]["exit"] == 0


def test_go_client_reads_every_flag_type_and_error_from_the_probe_plugin(go_bin: Path, probe_exe: str) -> None:
    rows = goclient(go_bin, "calls", probe_exe, stdin=json.dumps([
        {"method": "GetCreateFlags"},
        {"method": "SetConfigFromFlags", "arg": {"probe-url": "fail", "probe-int": -7, "probe-bool": True,
                                                 "probe-list": ["ä", "b,c"]}},
        {"method": "GetConfigRaw"}, {"method": "Create"},
        {"method": "SetConfigFromFlags", "arg": {"probe-url": "panic"}}, {"method": "Create"},
        {"method": "Remove"}, {"method": "GetSSHPort"}]))
    c = by_call(rows)
    assert ok(c["GetCreateFlags"][0]) == [
        {"@type": "*mcnflag.StringFlag", "Name": "probe-url", "Usage": "where the probe points", "EnvVar": "PROBE_URL",
         "Value": "tcp://1.2.3.4:2376"},
        {"@type": "*mcnflag.IntFlag", "Name": "probe-int", "Usage": "an int", "EnvVar": "", "Value": 42},
        {"@type": "*mcnflag.BoolFlag", "Name": "probe-bool", "Usage": "a bool", "EnvVar": "PROBE_BOOL"},
        {"@type": "*mcnflag.StringSliceFlag", "Name": "probe-list", "Usage": "a list", "EnvVar": "",
         "Value": ["a", "b"]},
        {"@type": "*mcnflag.StringFlag", "Name": "probe-ünïcode", "Usage": "ümlauts ✓", "EnvVar": "", "Value": ""}]
    opts = json.loads(ok(c["GetConfigRaw"][0]))["Options"]
    assert (opts["string"], opts["int"], opts["bool"], opts["list"]) == ("fail", -7, True, ["ä", "b,c"])
    assert c["Create"][0]["error"] == "create failed on purpose"
    assert c["Create"][1]["error"].startswith("Panic in the driver: boom\n")
    assert c["Remove"][0]["error"] == "Host is not running"
    assert ok(c["GetSSHPort"][0]) == 22  # BaseDriver's default, as in libmachine
    assert c["Close"][0]["error"] is None and c["Close"][0]["exit"] == 0


def test_go_client_status_mode_reads_a_libmachine_host_config(go_bin: Path, tmp_path: Path) -> None:
    """What the benchmark times: launch, SetConfigRaw (the host's Driver), GetMachineName, GetState, Close."""
    raw = {"MachineName": "st", "StorePath": str(tmp_path)}
    created = goclient(go_bin, "calls", "gopeer", path=str(go_bin),
                       stdin=json.dumps([{"method": "SetConfigRaw", "arg": json.dumps(raw)}, {"method": "Create"}]))
    assert created[2] == {"call": "Create", "error": None}
    host = tmp_path / "config.json"
    host.write_text(json.dumps({"ConfigVersion": 3, "Driver": raw, "DriverName": "gopeer"}))
    rows = goclient(go_bin, "status", "gopeer", "--machine-config", str(host), path=str(go_bin))
    assert [(r["call"], r.get("state")) for r in rows] == [
        ("GetVersion", None), ("SetConfigRaw", None), ("GetMachineName", None), ("GetState", "Running"),
        ("Close", None)]
