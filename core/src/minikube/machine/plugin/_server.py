"""The plugin side: serve a Python :class:`Driver` as ``docker-machine-driver-<name>``.

This module is on the path from process spawn to first reply, so it imports only small
standard modules up front.  Given a loader instead of a driver instance, :func:`serve` prints
its address and answers GetVersion while the driver module is still being imported.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, Union

from ._gobtypes import BYTES, INT, STRING, GobError, GoType
from ._proto import (
    API_VERSION,
    BANNER,
    EMPTY,
    ENV_DRIVER_NAME,
    ENV_TOKEN,
    FLAG_LIST,
    HEARTBEAT_TIMEOUT,
    SERVER_NAMES,
    SERVICE,
    SERVICE_V0,
    TOKEN,
    flag_to_wire,
    options_from_wire,
)
from ._rpc import ConnectionLost, RemoteError, server_handshake
from ._rpcserver import Handler, RPCServer, log

if TYPE_CHECKING:
    from .._driver import Driver

#: A driver, or how to get one: a callable, or ``"module:attribute"`` (a class or a callable).
DriverSource = Union["Driver", Callable[[], "Driver"], str]

#: Seconds without a Heartbeat before the plugin exits 1 (Go: 10); tests shorten it.
ENV_HEARTBEAT_TIMEOUT = "MINIKUBE_PLUGIN_HEARTBEAT_TIMEOUT"

# RPC method -> (driver method, reply type); None: no reply value.
_CALLS: dict[str, tuple[str, GoType | None]] = {
    "DriverName": ("driver_name", STRING), "GetMachineName": ("get_machine_name", STRING),
    "GetIP": ("get_ip", STRING), "GetSSHHostname": ("get_ssh_hostname", STRING),
    "GetSSHKeyPath": ("get_ssh_key_path", STRING), "GetSSHUsername": ("get_ssh_username", STRING),
    "GetURL": ("get_url", STRING), "GetSSHPort": ("get_ssh_port", INT), "GetState": ("get_state", INT),
    "Create": ("create", None), "PreCreateCheck": ("pre_create_check", None), "Start": ("start", None),
    "Stop": ("stop", None), "Restart": ("restart", None), "Kill": ("kill", None),
    "Remove": ("remove", None),
}


#: Errors cross libmachine's wire as text only.  A driver error with a reason ID of its own ends in
#: this (a Go client shows it as part of the message); minikube's client takes it off again.
REASON_SUFFIX = " (reason {})"


def _error_text(method: str, e: BaseException) -> str:
    """What crosses the wire for a driver exception; Go's Create turns panics into errors."""
    from ..._errors import MinikubeError

    if isinstance(e, MinikubeError):
        text = e.message or type(e).__name__
        if e.reason_id != type(e).default_reason:  # the driver's own reason: the client restores it
            text += REASON_SUFFIX.format(e.reason_id)
        return text
    text = str(e) or type(e).__name__
    log().debug("%s raised %s", method, type(e).__name__, exc_info=e)
    if method == "Create":
        import traceback

        return f"Panic in the driver: {text}\n{''.join(traceback.format_exception(e)).rstrip()}"
    return text


def _load(source: DriverSource) -> Driver:
    if isinstance(source, str):
        import importlib

        module, _, attr = source.partition(":")
        obj: Any = importlib.import_module(module)
        for part in attr.split(".") if attr else ():
            obj = getattr(obj, part)
        source = obj
    return source if _is_driver(source) else source()  # type: ignore[operator,return-value]


def _is_driver(obj: object) -> bool:
    return hasattr(obj, "get_state") and not isinstance(obj, type)


class DriverService:
    """libmachine's ``RPCServerDriver``: each RPC method mapped onto one driver method.

    ``driver`` may be a loader (see :data:`DriverSource`): it runs in the background and only
    the calls that need the driver wait for it.
    """

    def __init__(self, driver: DriverSource, on_heartbeat: Callable[[], None] = lambda: None,
                 on_close: Callable[[], None] = lambda: None) -> None:
        self.close_requested = False
        self._on_heartbeat = on_heartbeat
        self._on_close = on_close
        self._driver: Driver | None = None
        self._load_error: BaseException | None = None
        self._loaded = threading.Event()
        if _is_driver(driver):
            self._driver = driver  # type: ignore[assignment]
            self._loaded.set()
        else:
            threading.Thread(target=self._load, args=(driver,), daemon=True, name="plugin-load").start()
        calls: dict[str, Handler] = {
            "GetVersion": lambda _: (INT, API_VERSION),
            "Close": self._close,
            "Heartbeat": self._heartbeat,
            "GetConfigRaw": lambda _: (BYTES, bytes(self.driver.get_config_raw())),
            "SetConfigRaw": self._set_config_raw,
            "GetCreateFlags": lambda _: (FLAG_LIST, [flag_to_wire(f) for f in self.driver.get_create_flags()]),
            "SetConfigFromFlags": self._set_config_from_flags,
        }
        for rpc, (name, reply_type) in _CALLS.items():
            calls[rpc] = self._forward(name, reply_type)
        self._handlers = {m: self._guard(m, h) for m, h in calls.items()}

    def _load(self, source: DriverSource) -> None:
        try:
            self._driver = _load(source)
        except BaseException as e:  # noqa: BLE001 - reported by every call that needs the driver
            self._load_error = e
        finally:
            self._loaded.set()

    @property
    def driver(self) -> Driver:
        self._loaded.wait()
        if self._driver is None:
            e = self._load_error
            raise RemoteError(f"cannot load the driver: {type(e).__name__}: {e}")
        return self._driver

    def _forward(self, name: str, reply_type: GoType | None) -> Handler:
        def call(_: Any) -> tuple[GoType, Any]:
            value = getattr(self.driver, name)()
            if reply_type is None:
                return EMPTY, {}
            return reply_type, int(value) if reply_type is INT else value
        return call

    @staticmethod
    def _guard(method: str, handler: Handler) -> Handler:
        def call(arg: Any) -> Any:
            try:
                return handler(arg)
            except RemoteError:
                raise
            except Exception as e:  # noqa: BLE001 - any driver failure becomes Go's error string
                raise RemoteError(_error_text(method, e)) from None
        return call

    def lookup(self, service_method: str) -> Handler:
        """Go's net/rpc service lookup, with its error wording; both service names work."""
        service, dot, method = service_method.rpartition(".")
        if not dot or not service:
            raise RemoteError(f"rpc: service/method request ill-formed: {service_method}")
        if service not in (SERVICE, SERVICE_V0):
            raise RemoteError(f"rpc: can't find service {service_method}")
        handler = self._handlers.get(method)
        if handler is None:
            raise RemoteError(f"rpc: can't find method {service_method}")
        if method == "Close":
            self.close_requested = True  # noted in read order, before any later end of stream
        return handler

    def _close(self, _: Any) -> tuple[Any, Any]:
        log().debug("Closing plugin on server side")
        if self._driver is not None:
            try:
                self._driver.close()
            except Exception as e:  # noqa: BLE001 - closing must not fail the Close call
                log().debug("driver.close() failed: %s", e)
        self._on_close()
        return EMPTY, {}

    def _heartbeat(self, _: Any) -> tuple[Any, Any]:
        self._on_heartbeat()
        return EMPTY, {}

    def _set_config_raw(self, arg: Any) -> tuple[Any, Any]:
        if not isinstance(arg, bytes):
            raise RemoteError(f"gob: type mismatch: SetConfigRaw takes []byte, got {type(arg).__name__}")
        self.driver.set_config_raw(arg)
        return EMPTY, {}

    def _set_config_from_flags(self, arg: Any) -> tuple[Any, Any]:
        from .._driver import FlagValues

        try:
            values = options_from_wire(arg)
        except GobError as e:
            raise RemoteError(str(e)) from None
        self.driver.set_config_from_flags(FlagValues(values))
        return EMPTY, {}


class _Watchdog:
    """Decides when the plugin process ends: Close (0), no heartbeat or lost client (1)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.last_heartbeat = time.monotonic()
        self.exit_code: int | None = None
        self.reason = ""
        self.wake = threading.Event()

    def heartbeat(self) -> None:
        self.last_heartbeat = time.monotonic()

    def finish(self, code: int, reason: str) -> None:
        if self.exit_code is None:
            self.exit_code, self.reason = code, reason
        self.wake.set()

    def wait(self) -> int:
        while self.exit_code is None:
            remaining = self.last_heartbeat + self.timeout - time.monotonic()
            if remaining <= 0:
                self.finish(1, f"no heartbeat from the client in {self.timeout:g}s")
                break
            self.wake.wait(remaining)
        assert self.exit_code is not None
        return self.exit_code


def _accept(listener: socket.socket) -> socket.socket:
    """The one client: as root on a user's behalf, the first connection from that user or root
    (``_peer``); others are closed unanswered, and the plugin keeps waiting."""
    from ._peer import allowed_uids, refusal

    allowed = allowed_uids()
    while True:
        conn, peer = listener.accept()
        why = refusal(conn, allowed)
        if not why:
            return conn
        log().info("refused a connection from %s:%s: %s", peer[0], peer[1], why)
        conn.close()


def _serve_connection(listener: socket.socket, service: DriverService, dog: _Watchdog) -> None:
    """Accept the one client, then serve it; the watchdog learns how it ended."""
    try:
        conn = _accept(listener)
    except OSError as e:
        dog.finish(1, f"accept failed: {e}")
        return
    finally:
        listener.close()  # one client per plugin process, as libmachine uses it
    try:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        leftover = server_handshake(conn, time.monotonic() + dog.timeout)
    except (ConnectionLost, OSError) as e:
        conn.close()
        dog.finish(1, f"handshake failed: {e}")
        return

    def sent(method: str) -> None:
        if method.endswith(".Close"):
            dog.finish(0, "closed by the client")

    reason = RPCServer(conn, leftover, service.lookup, SERVER_NAMES, on_sent=sent).serve()
    dog.finish(0 if service.close_requested else 1, reason)


def _setup_logging() -> None:
    """Info and up on stdout, debug on stderr: where libmachine's client expects them."""
    import io
    import logging

    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    root = logging.getLogger()
    if root.handlers:
        return
    out = logging.StreamHandler(sys.stdout)
    out.setLevel(logging.INFO)
    err = logging.StreamHandler(sys.stderr)
    err.addFilter(lambda r: r.levelno < logging.INFO)
    root.addHandler(out)
    root.addHandler(err)
    root.setLevel(logging.DEBUG)


def run(driver: DriverSource) -> int:
    """Listen on loopback, print the address, serve one client; returns the exit code."""
    timeout = float(os.environ.get(ENV_HEARTBEAT_TIMEOUT) or HEARTBEAT_TIMEOUT)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    host, port = listener.getsockname()[:2]
    sys.stdout.write(f"{host}:{port}\n")
    sys.stdout.flush()
    dog = _Watchdog(timeout)
    service = DriverService(driver, on_heartbeat=dog.heartbeat)
    threading.Thread(target=_serve_connection, args=(listener, service, dog), daemon=True,
                     name="plugin-accept").start()
    _setup_logging()  # after the address: the client is already dialling
    code = dog.wait()
    log().debug("plugin exiting with %d: %s", code, dog.reason)
    return code


def _exit(code: int) -> NoReturn:
    """Leave now, even with driver threads still busy (Go's os.Exit does the same)."""
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _normal_version(version: str) -> str:
    return version if version.startswith("v") else f"v{version}"


def serve(driver: DriverSource, *, version: str = "v0.0.0", commit: str = "") -> NoReturn:
    """The whole ``main`` of a ``docker-machine-driver-<name>`` console script.

    ``version`` as the first argument prints the version and exits 0; without the plugin token
    in the environment it prints libmachine's banner and exits 1; otherwise it serves ``driver``
    until the client sends Close (exit 0) or stops sending heartbeats (exit 1).

    ``driver`` is a Driver, or (faster to start) a callable or ``"module:Class"`` that makes one:
    then the plugin answers its first call while the driver module is still importing.
    """
    if sys.argv[1:2] == ["version"]:
        print(f"version: {_normal_version(version)}")
        print(f"commit: {commit}")
        _exit(0)
    if os.environ.get(ENV_TOKEN) != TOKEN:
        sys.stderr.write(BANNER)
        _exit(1)
    os.environ.pop(ENV_TOKEN, None)  # our children are not plugins
    _exit(run(driver))


def serve_builtin_from_env(load_driver: Callable[[str], Driver]) -> bool:
    """Serve ``MACHINE_PLUGIN_DRIVER_NAME`` and never return, if launched as a plugin.

    For a program (like ``minikube``) that holds drivers and may be started as a plugin:
    call it first thing; it returns False when the plugin environment is not set.
    """
    name = os.environ.get(ENV_DRIVER_NAME, "")
    if os.environ.get(ENV_TOKEN) != TOKEN or not name:
        return False
    try:
        driver = load_driver(name)
    except Exception as e:  # noqa: BLE001 - any load failure: say which, exit 1
        sys.stderr.write(f"cannot load driver {name!r}: {e}\n")
        _exit(1)
    os.environ.pop(ENV_TOKEN, None)
    _exit(run(driver))
