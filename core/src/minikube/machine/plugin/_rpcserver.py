"""The server half of Go's net/rpc: one connection, requests read in order, answered at once.

Go answers each call in its own goroutine.  We get the same concurrency from a small
leader/follower pool: the thread that reads a request hands the reading to an idle thread
(starting one only if none is idle) and runs the call itself, so a lone call costs no
thread switch on its way to the driver.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ._gob import Decoder, Encoder
from ._gobtypes import GobError, GoType
from ._proto import EMPTY, RESPONSE
from ._rpc import ConnectionLost, FrameReader, RemoteError

if TYPE_CHECKING:
    import logging


def log() -> logging.Logger:
    """The plugin logger, imported on first use (logging costs start-up time)."""
    import logging

    return logging.getLogger("minikube.plugin")


#: Answers one call: the decoded argument in, (reply type, reply) out; RemoteError for errors.
Handler = Callable[[Any], "tuple[GoType, Any]"]
#: Finds the handler for ``Service.Method``; raises RemoteError with Go's wording if none.
Lookup = Callable[[str], Handler]


class RPCServer:
    """Serves net/rpc on one connected socket until the client goes away or the stream breaks."""

    def __init__(self, sock: socket.socket, leftover: bytes, lookup: Lookup,
                 names: Iterable[str], on_sent: Callable[[str], None] | None = None) -> None:
        self._sock = sock
        self._on_sent = on_sent
        self._dec = Decoder(FrameReader(sock, leftover).read_frame, names)
        self._enc = Encoder()
        self._lookup = lookup
        self._send_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._mu = threading.Condition()
        self._idle = 0
        self._busy = 0
        self._stopped = False
        self.reason = ""
        self.done = threading.Event()

    def serve(self) -> str:
        """Serve until the connection ends; in-flight calls are answered first.  Returns why."""
        with self._mu:
            self._idle += 1
        try:
            self._work()
            with self._mu:
                self._mu.wait_for(lambda: self._busy == 0)
        finally:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
            self.done.set()
        return self.reason

    def _work(self) -> None:
        while True:
            with self._read_lock:
                if self._stopped:
                    return
                req = self._next_request()
                if req is None:
                    return
                with self._mu:
                    self._idle -= 1
                    self._busy += 1
                    spawn = self._idle == 0
                    if spawn:
                        self._idle += 1
            if spawn:
                threading.Thread(target=self._work, name="plugin-rpc", daemon=True).start()
            try:
                self._answer(*req)
            finally:
                with self._mu:
                    self._idle += 1
                    self._busy -= 1
                    self._mu.notify_all()

    def _stop(self, reason: str) -> None:
        with self._mu:
            if not self._stopped:
                self._stopped = True
                self.reason = reason

    def _next_request(self) -> tuple[str, int, Handler | None, Any, str] | None:
        """Go's readRequest: header, service lookup, body (errors answered, not fatal)."""
        try:
            hdr = self._dec.decode()
            method, seq = hdr["ServiceMethod"], hdr["Seq"]
            if not isinstance(method, str) or not isinstance(seq, int):
                raise GobError(f"header is not a net/rpc Request: {hdr!r}")
        except EOFError:
            self._stop("client closed the connection")
            return None
        except (GobError, ConnectionLost, OSError, TypeError, KeyError) as e:
            self._stop(f"rpc: server cannot decode request: {e}")
            return None
        handler: Handler | None = None
        error = ""
        try:
            handler = self._lookup(method)
        except RemoteError as e:
            error = str(e)
        try:
            body = self._dec.decode()
        except EOFError:
            self._stop("client closed the connection in the middle of a request")
            return None
        except GobError as e:  # Go answers this one and keeps reading
            body, error, handler = None, error or str(e), None
        except (ConnectionLost, OSError) as e:
            self._stop(f"rpc: reading the body of {method}: {e}")
            return None
        return method, seq, handler, body, error

    def _answer(self, method: str, seq: int, handler: Handler | None, body: Any, error: str) -> None:
        reply_type: GoType = EMPTY
        reply: Any = {}
        if handler is not None and not error:
            try:
                reply_type, reply = handler(body)
            except RemoteError as e:
                error = str(e) or "error"
            except BaseException as e:  # noqa: BLE001 - a handler bug must not kill the thread silently
                log().debug("%s failed", method, exc_info=True)
                error = f"{type(e).__name__}: {e}"
        if error:
            reply_type, reply = EMPTY, {}
        header = {"ServiceMethod": method, "Seq": seq, "Error": error}
        with self._send_lock:
            try:
                data = self._enc.encode_all(((RESPONSE, header), (reply_type, reply)))
            except Exception as e:  # noqa: BLE001 - the reply does not fit its type: say so
                header["Error"] = f"cannot encode the reply to {method}: {e}"
                data = self._enc.encode_all(((RESPONSE, header), (EMPTY, {})))
            try:
                self._sock.sendall(data)
            except OSError as e:
                self._stop(f"sending the reply to {method}: {e}")
        if self._on_sent is not None:
            self._on_sent(method)
