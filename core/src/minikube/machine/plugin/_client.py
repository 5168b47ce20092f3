"""The client side: :class:`PluginDriver`, a Driver whose operations run in a plugin process."""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
import weakref
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from ..._errors import (
    DriverError,
    HostNotRunningError,
    IPNotSetError,
    MachineNotFoundError,
    MinikubeError,
    PluginError,
)
from .._driver import Driver, DriverOptions, Flag, State
from ._gobtypes import BYTES, INTERFACE, GobError, GoType
from ._process import PluginProcess, binary_name, find_plugin_binary
from ._proto import (
    API_VERSION,
    CLIENT_NAMES,
    DIAL_TIMEOUT,
    EMPTY,
    HEARTBEAT_INTERVAL,
    HEARTBEAT_TIMEOUT,
    SERVICE,
    SERVICE_V0,
    flag_from_wire,
    options_to_wire,
)
from ._rpc import ConnectionLost, RemoteError, RPCClient, client_handshake

log = logging.getLogger("minikube.plugin")
_SWARM_KEYS = (("swarm-master", "bool"), ("swarm-host", "string"), ("swarm-discovery", "string"))


def _driver_error(message: str) -> MinikubeError:
    """Errors cross the wire as strings; give the well-known ones back their types."""
    if message == "Host is not running":
        return HostNotRunningError()
    if message == "IP address is not set":
        return IPNotSetError()
    if message.startswith("Host does not exist: "):
        return MachineNotFoundError(message)
    if message.startswith("rpc: "):
        return PluginError(message)
    found = _REASON.search(message)
    if found:  # a driver's own reason ID, carried by our plugin server
        return DriverError(message[:found.start()], reason_id=found.group(1))
    return DriverError(message)


_REASON = re.compile(r" \(reason ([A-Z][A-Z0-9_]*[A-Z0-9])\)$")


def _dial(address: str, deadline: float) -> tuple[socket.socket, bytes]:
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(address)
    sock = socket.create_connection((host.strip("[]"), int(port)),
                                    timeout=max(0.01, deadline - time.monotonic()))
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        return sock, client_handshake(sock, deadline)
    except BaseException:
        sock.close()
        raise


class PluginDriver(Driver):
    """libmachine's ``RPCClientDriver``: every Driver operation is a call to the plugin.

    Make one with :meth:`launch`; use it as a context manager or call :meth:`close`, though
    the plugin is also reaped on Ctrl-C and at interpreter exit.
    """

    def __init__(self, process: PluginProcess, client: RPCClient) -> None:
        self._proc = process
        self._client = client
        self._service = SERVICE
        self._closed = False
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self._finalizer = weakref.finalize(self, process.kill)

    @classmethod
    def launch(cls, driver_name: str, machine_name: str = "", raw_config: bytes | None = None,
               executable: str | None = None, *, heartbeat_interval: float | None = HEARTBEAT_INTERVAL,
               dial_timeout: float = DIAL_TIMEOUT, as_root: bool = False) -> PluginDriver:
        """Start ``docker-machine-driver-<driver_name>`` and connect to it.

        With ``raw_config`` (an existing machine's driver JSON) the plugin is configured with
        it and the machine name read back, as libmachine does.  ``heartbeat_interval=None``
        sends no heartbeats (tests use it to watch the plugin give up).  ``as_root``: the plugin
        runs as root, through ``sudo -n`` unless minikube is root or the binary setuid root
        (sudo's refusal is a :class:`~minikube.machine.plugin._process.SudoRefused`).
        """
        exe = executable or find_plugin_binary(driver_name)
        proc = PluginProcess(exe, driver_name, machine_name, as_root=as_root)
        drv: PluginDriver | None = None
        try:
            deadline = time.monotonic() + dial_timeout
            address = proc.wait_address(dial_timeout)
            try:
                sock, leftover = _dial(address, deadline)
            except ValueError:
                raise PluginError(f"Plugin {binary_name(driver_name)} printed {address[:200]!r} "
                                  "instead of its address (127.0.0.1:PORT)") from None
            except (OSError, ConnectionLost) as e:
                raise PluginError(f"Failed to dial the plugin server at {address}: {e} "
                                  f"({proc.status()})") from None
            drv = cls(proc, RPCClient(sock, leftover, CLIENT_NAMES))
            drv._check_version(max(1.0, deadline - time.monotonic()))
            if heartbeat_interval is not None:
                drv._start_heartbeat(heartbeat_interval)
            if raw_config is not None:
                drv.set_config_raw(raw_config)
                proc.machine_name = drv.get_machine_name()
            return drv
        except BaseException:
            if drv is not None:
                drv._abort()
            else:
                proc.kill()
            raise

    # --- plumbing -----------------------------------------------------------------------------

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def executable(self) -> str:
        return self._proc.executable

    def _call(self, method: str, arg_type: GoType = EMPTY, arg: Any = None,
              timeout: float | None = None) -> Any:
        log.debug("(%s) Calling .%s", self._proc.machine_name, method)
        try:
            return self._client.call(f"{self._service}.{method}", arg_type,
                                     {} if arg is None else arg, timeout)
        except RemoteError as e:
            raise _driver_error(str(e)) from None
        except ConnectionLost as e:
            raise PluginError(f"{binary_name(self._proc.driver_name)} failed during {method}: {e} "
                              f"({self._proc.status(wait=1.0)})") from None
        except Exception:
            raise
        except BaseException:  # Ctrl-C in the middle of a call: the plugin goes with it
            self._abort()
            raise

    def _reply(self, method: str, kind: type, value: Any) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise PluginError(f"{binary_name(self._proc.driver_name)} sent a bad reply to {method}: "
                              f"expected {kind.__name__}, got {value!r}"[:300])
        return value

    def _text(self, method: str) -> str:
        return str(self._reply(method, str, self._call(method)))

    def _check_version(self, timeout: float) -> None:
        """GetVersion, bounded by the dial timeout (heartbeats bound every later call)."""
        try:
            version = self._call("GetVersion", timeout=timeout)
        except DriverError as e:
            if isinstance(e, PluginError) and not str(e).startswith("rpc: "):
                raise
            log.debug("GetVersion failed (%s); trying the old service name %s", e, SERVICE_V0)
            self._service = SERVICE_V0
            version = self._call("GetVersion", timeout=timeout)
        if self._reply("GetVersion", int, version) != API_VERSION:
            raise PluginError(f"Driver binary uses an incompatible API version ({version})",
                              reason_id="DRV_INCOMPATIBLE_API")
        log.debug("Using API Version %d", version)

    def _start_heartbeat(self, interval: float) -> None:
        def beat() -> None:
            while not self._stop.wait(interval):
                try:
                    self._client.call(f"{self._service}.Heartbeat", EMPTY, {}, HEARTBEAT_TIMEOUT)
                except (RemoteError, ConnectionLost) as e:
                    if not self._stop.is_set():
                        log.warning("(%s) plugin %s stopped answering heartbeats (%s)",
                                    self._proc.machine_name, self._proc.executable, e)
                        self._client.abort(f"heartbeat failed: {e}")
                    return
        self._heartbeat = threading.Thread(target=beat, daemon=True,
                                           name=f"plugin-{self._proc.driver_name}-heartbeat")
        self._heartbeat.start()

    def _stop_heartbeat(self) -> None:
        self._stop.set()
        hb = self._heartbeat
        if hb is not None and hb is not threading.current_thread():
            hb.join(HEARTBEAT_TIMEOUT + 1)

    def _abort(self) -> None:
        """Tear everything down now: connection, heartbeat, process."""
        self._closed = True
        self._stop.set()
        self._client.abort("aborted")
        try:
            self._proc.kill()
        finally:
            self._stop_heartbeat()
            self._client.close()
            self._finalizer.detach()

    def close(self) -> None:
        """Send Close (end of stream counts as success), then reap the plugin."""
        if self._closed:
            return
        self._closed = True
        try:
            self._stop.set()
            if self._client.broken is None:
                try:
                    self._call("Close", timeout=5.0)
                except (PluginError, DriverError) as e:
                    log.debug("Close failed: %s", e)
            self._client.close()
            code = self._proc.reap(grace=5.0)
            if code:
                log.debug("(%s) plugin exited with code %d", self._proc.machine_name, code)
        finally:
            self._proc.kill()  # a no-op unless we were interrupted
            self._stop_heartbeat()
            self._client.close()
            self._finalizer.detach()

    def __enter__(self) -> PluginDriver:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        if et is None or issubclass(et, Exception):
            self.close()
        else:
            self._abort()

    # --- the Driver operations --------------------------------------------------------------

    def create(self) -> None:
        self._call("Create")

    def driver_name(self) -> str:
        return self._text("DriverName")

    def get_create_flags(self) -> list[Flag]:
        flags = self._reply("GetCreateFlags", list, self._call("GetCreateFlags"))
        try:
            return [flag_from_wire(f) for f in flags]
        except GobError as e:
            raise PluginError(f"{binary_name(self._proc.driver_name)} sent a bad create flag: {e}") from None

    def get_ip(self) -> str:
        return self._text("GetIP")

    def get_machine_name(self) -> str:
        return self._text("GetMachineName")

    def get_ssh_hostname(self) -> str:
        return self._text("GetSSHHostname")

    def get_ssh_key_path(self) -> str:
        return self._text("GetSSHKeyPath")

    def get_ssh_port(self) -> int:
        return int(self._reply("GetSSHPort", int, self._call("GetSSHPort")))

    def get_ssh_username(self) -> str:
        return self._text("GetSSHUsername")

    def get_url(self) -> str:
        return self._text("GetURL")

    def get_state(self) -> State:
        value = self._reply("GetState", int, self._call("GetState"))
        try:
            return State(value)
        except ValueError:
            log.debug("plugin reported unknown state %d", value)
            return State.NONE

    def kill(self) -> None:
        self._call("Kill")

    def pre_create_check(self) -> None:
        self._call("PreCreateCheck")

    def remove(self) -> None:
        self._call("Remove")

    def restart(self) -> None:
        self._call("Restart")

    def start(self) -> None:
        self._call("Start")

    def stop(self) -> None:
        self._call("Stop")

    def set_config_from_flags(self, options: DriverOptions) -> None:
        """Send the options as RPCFlags; a bare DriverOptions is read flag by flag."""
        if isinstance(options, Mapping):
            values = dict(options)
        else:
            values = {}
            accessor = {"StringFlag": "string", "IntFlag": "int", "BoolFlag": "bool",
                        "StringSliceFlag": "string_slice"}
            for f in self.get_create_flags():
                values[f.name] = getattr(options, accessor[type(f).__name__])(f.name)
            for key, kind in _SWARM_KEYS:
                values[key] = getattr(options, kind)(key)
        self._call("SetConfigFromFlags", INTERFACE, options_to_wire(values))

    def get_config_raw(self) -> bytes:
        return bytes(self._reply("GetConfigRaw", bytes, self._call("GetConfigRaw")))

    def set_config_raw(self, raw: bytes) -> None:
        self._call("SetConfigRaw", BYTES, bytes(raw))
