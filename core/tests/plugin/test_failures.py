"""Every failure names its cause in one line, in bounded time, leaving nothing behind."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable

import pytest
from minikube import DriverError, PluginError
from minikube.machine import State
from minikube.machine.plugin import PluginDriver
from minikube.machine.plugin._gob import Encoder
from minikube.machine.plugin._gobtypes import INTERFACE, STRING, Iface
from minikube.machine.plugin._proto import CONNECT_LINE, CONNECTED_LINE, RESPONSE

from ._helpers import DIST, pid_alive

pytestmark = pytest.mark.slow

GO_SERVER = """
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print("%s:%d" % s.getsockname(), flush=True)
c, _ = s.accept()
data = b""
while b"\\n\\n" not in data:
    data += c.recv(100)
c.sendall(b"HTTP/1.0 200 Connected to Go RPC\\n\\n")
c.recv(1000)
c.sendall(bytes.fromhex(REPLY))
time.sleep(SLEEP)
"""


def scripted_reply(script: Callable[[str], str], reply: bytes, sleep: float = 30) -> str:
    return script(f"REPLY = {reply.hex()!r}\nSLEEP = {sleep}\n" + GO_SERVER)


def launch_error(exe: str, **kw: object) -> str:
    t0 = time.monotonic()
    with pytest.raises(PluginError) as e:
        PluginDriver.launch("scripted", executable=exe, **kw)  # type: ignore[arg-type]
    assert time.monotonic() - t0 < 12
    msg = str(e.value)
    assert "\n" not in msg, msg
    return msg


def version_header() -> bytes:
    return Encoder().encode(RESPONSE, {"ServiceMethod": "RPCServerDriver.GetVersion", "Seq": 0})


def test_plugin_exits_before_printing_its_address(script: Callable[[str], str]) -> None:
    exe = script("sys.stderr.write('loading...\\nImportError: no module named libvirt\\n'); sys.exit(3)")
    msg = launch_error(exe)
    assert "exited before printing its address" in msg
    assert "exit code 3" in msg and "ImportError: no module named libvirt" in msg


def test_garbage_instead_of_an_address(script: Callable[[str], str]) -> None:
    msg = launch_error(script("print('Welcome to my plugin!', flush=True); import time; time.sleep(30)"))
    assert "printed 'Welcome to my plugin!' instead of its address" in msg


def test_no_address_in_time(script: Callable[[str], str]) -> None:
    exe = script("sys.stderr.write('thinking\\n'); sys.stderr.flush(); import time; time.sleep(30)")
    msg = launch_error(exe, dial_timeout=1.0)
    assert msg.startswith("Failed to dial the plugin server in 1s") and "thinking" in msg


def test_address_nobody_listens_on(script: Callable[[str], str]) -> None:
    msg = launch_error(script("print('127.0.0.1:1', flush=True); import time; time.sleep(30)"))
    assert "Failed to dial the plugin server at 127.0.0.1:1" in msg


def test_incompatible_api_version(script: Callable[[str], str]) -> None:
    exe = script(f"""
        sys.path.insert(0, {str(DIST / "src")!r})
        from minikube.machine.plugin import _server
        from plugin_testdriver._drivers import NoneDriver
        _server.API_VERSION = 2
        _server.serve(NoneDriver())
    """)
    assert launch_error(exe) == "Driver binary uses an incompatible API version (2)"


def test_old_service_name_fallback(script: Callable[[str], str]) -> None:
    exe = script(f"""
        sys.path.insert(0, {str(DIST / "src")!r})
        from minikube.machine.plugin import _server
        from plugin_testdriver._drivers import NoneDriver
        _server.SERVICE = "RpcServerDriver"  # an old plugin: only the v0 name
        _server.serve(NoneDriver())
    """)
    with PluginDriver.launch("scripted", executable=exe) as d:
        assert d._service == "RpcServerDriver"
        assert d.get_state() is State.RUNNING


def test_plugin_that_never_answers(script: Callable[[str], str]) -> None:
    msg = launch_error(scripted_reply(script, b""), dial_timeout=1.5)
    assert "failed during GetVersion: no answer to RPCServerDriver.GetVersion in time" in msg


@pytest.mark.parametrize("body,cause", [
    (bytes.fromhex("04ff820900"), "field number 8 out of range"),
    (bytes.fromhex("04ffc80002"), "unknown type id 100"),
    (Encoder().encode(INTERFACE, Iface("*evil.Thing", "x", STRING)), "name not registered"),
    (bytes.fromhex("fc80000000") + b"\0" * 16, "message too big (2147483648 bytes"),
    (bytes.fromhex("20ff82"), "connection closed in the middle of a message"),
    (b"", "connection closed by the plugin"),
])
def test_replies_that_do_not_decode(script: Callable[[str], str], body: bytes, cause: str) -> None:
    msg = launch_error(scripted_reply(script, version_header() + body, sleep=0 if len(body) < 4 else 30))
    assert "during GetVersion" in msg and cause in msg


def raw_plugin(exe: str, **env: str) -> tuple[subprocess.Popen[str], str]:
    p = subprocess.Popen([exe], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env={**os.environ, "MACHINE_PLUGIN_TOKEN": "42", **env})
    assert p.stdout is not None
    return p, p.stdout.readline().strip()


def connect(address: str) -> socket.socket:
    host, port = address.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=10)


def test_server_gives_up_on_a_client_that_never_says_connect(probe_exe: str) -> None:
    p, address = raw_plugin(probe_exe, MINIKUBE_PLUGIN_HEARTBEAT_TIMEOUT="1")
    s = connect(address)
    t0 = time.monotonic()
    assert p.wait(5) == 1
    assert time.monotonic() - t0 < 3
    assert s.recv(100) == b""
    assert "Traceback" not in p.communicate()[1]
    s.close()


def test_server_accepts_exactly_one_client(probe_exe: str) -> None:
    p, address = raw_plugin(probe_exe)
    first = connect(address)
    first.sendall(CONNECT_LINE)
    assert first.recv(100) == CONNECTED_LINE
    time.sleep(0.2)
    with pytest.raises(OSError):
        connect(address).recv(1)
    first.close()
    assert p.wait(5) == 1  # the one client left without Close
    p.communicate()


def test_half_closed_client_still_gets_its_answer(probe_exe: str) -> None:
    from minikube.machine.plugin._gob import Decoder, frames_from
    from minikube.machine.plugin._proto import CLIENT_NAMES, EMPTY, REQUEST

    p, address = raw_plugin(probe_exe)
    s = connect(address)
    s.sendall(CONNECT_LINE + Encoder().encode_all([
        (REQUEST, {"ServiceMethod": "RPCServerDriver.DriverName", "Seq": 7}), (EMPTY, {})]))
    s.shutdown(socket.SHUT_WR)
    data = b""
    while chunk := s.recv(4096):
        data += chunk
    assert data.startswith(CONNECTED_LINE)
    dec = Decoder(frames_from(data[len(CONNECTED_LINE):]), CLIENT_NAMES)
    assert dec.decode()["Seq"] == 7 and dec.decode() == "pytest-probe"
    assert p.wait(5) == 1
    p.communicate()


def test_garbage_into_a_running_plugin_closes_cleanly(probe_exe: str) -> None:
    p, address = raw_plugin(probe_exe)
    s = connect(address)
    s.sendall(CONNECT_LINE + os.urandom(3000))
    s.settimeout(5)
    data = b""
    try:
        while chunk := s.recv(4096):
            data += chunk
    except ConnectionResetError:
        pass
    assert data.startswith(CONNECTED_LINE)
    assert p.wait(5) == 1
    assert "Traceback" not in p.communicate()[1]


def test_launch_failure_leaves_no_process(script: Callable[[str], str]) -> None:
    exe = script("import os; print(os.getpid(), flush=True); import time; time.sleep(30)")
    msg = launch_error(exe)
    pid = int(msg.split("printed '")[1].split("'")[0])
    assert not pid_alive(pid)


def test_serve_builtin_from_env(script: Callable[[str], str]) -> None:
    exe = script(f"""
        sys.path.insert(0, {str(DIST / "src")!r})
        from minikube.machine.plugin import serve_builtin_from_env
        from plugin_testdriver._drivers import NoneDriver, ProbeDriver
        drivers = {{"none": NoneDriver, "pytest-probe": ProbeDriver}}
        if not serve_builtin_from_env(lambda name: drivers[name]()):
            print("not a plugin")
    """)
    with PluginDriver.launch("pytest-probe", executable=exe) as d:
        assert d.driver_name() == "pytest-probe"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MACHINE_PLUGIN")}
    out = subprocess.run([exe], capture_output=True, text=True, timeout=30, env=env)
    assert (out.returncode, out.stdout) == (0, "not a plugin\n")
    with pytest.raises(PluginError) as e:
        PluginDriver.launch("nosuch", executable=exe)
    assert "exited before printing its address (exit code 1; stderr: cannot load driver 'nosuch'" in str(e.value)


def test_a_driver_that_fails_to_import_still_answers(script: Callable[[str], str]) -> None:
    exe = script("""
        from minikube.machine.plugin import serve
        serve("no_such_module_xyz:Driver")
    """)
    with PluginDriver.launch("lazy", executable=exe) as d:
        with pytest.raises(DriverError, match="cannot load the driver: ModuleNotFoundError: No module named"):
            d.driver_name()


def test_a_drivers_own_reason_id_crosses_the_wire() -> None:
    """Errors cross libmachine's protocol as text; a reason ID of the driver's own rides at its end
    and comes back as the same reason on minikube's side (core reasons need no help)."""
    from minikube import DriverError, HostNotRunningError
    from minikube.machine.plugin._client import _driver_error
    from minikube.machine.plugin._server import _error_text

    text = _error_text("Create", DriverError("cannot write /x", reason_id="PR_FOO_MACHINE_DIR"))
    assert text == "cannot write /x (reason PR_FOO_MACHINE_DIR)"
    back = _driver_error(text)
    assert (back.message, back.reason_id) == ("cannot write /x", "PR_FOO_MACHINE_DIR")
    assert _error_text("Start", DriverError("plain failure")) == "plain failure"
    assert isinstance(_driver_error(_error_text("GetIP", HostNotRunningError())), HostNotRunningError)
    assert _driver_error("a Go driver said (reason: unknown)").reason_id == "GUEST_PROVISION"
