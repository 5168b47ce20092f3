"""Go's net/rpc over HTTP CONNECT: handshakes, message framing and a concurrent client.

The client uses a leader/follower scheme: a caller that finds nobody reading the socket reads
replies itself (handing other callers theirs), so a lone caller never pays a thread switch.
That is what keeps a call within a small factor of a bare socket round trip.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any

from ._gob import MAX_MESSAGE, Decoder, Encoder
from ._gobtypes import GobError, GoType
from ._proto import CONNECT_LINE, CONNECTED_LINE, CONNECTED_STATUS, REQUEST, RPC_PATH

_MAX_HTTP_HEAD = 8192


class RemoteError(Exception):
    """The peer answered a call with an error string (Go's ``rpc.ServerError``)."""


class ConnectionLost(Exception):
    """The connection failed or the stream went bad; every pending and later call fails."""


class FrameReader:
    """Reads gob messages (``uint(length) payload``) off a socket into a buffer we control.

    ``deadline`` (a ``time.monotonic`` value) bounds the wait for more bytes when set.
    """

    def __init__(self, sock: socket.socket, initial: bytes = b"") -> None:
        self._sock = sock
        self._buf = initial
        self._pos = 0
        self.deadline: float | None = None

    def _recv(self) -> bytes:
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._sock], [], [], remaining)[0]:
                raise TimeoutError("timed out waiting for the peer")
        return self._sock.recv(65536)

    def read_frame(self) -> bytes | None:
        """The next message's payload; None at a clean end of stream."""
        buf, pos = self._buf, self._pos
        while True:
            avail = len(buf) - pos
            if avail:
                b0 = buf[pos]
                head = 1 if b0 < 0x80 else 257 - b0
                if head > 9:
                    raise GobError(f"gob: bad message length byte 0x{b0:02x}")
                if avail >= head:
                    break
            chunk = self._recv()
            if not chunk:
                self._buf, self._pos = b"", 0
                if avail:
                    raise ConnectionLost("connection closed in the middle of a message")
                return None
            buf, pos = buf[pos:] + chunk, 0
            self._buf, self._pos = buf, 0
        n = b0 if head == 1 else int.from_bytes(buf[pos + 1:pos + head], "big")
        if n > MAX_MESSAGE:
            raise GobError(f"gob: message too big ({n} bytes, limit {MAX_MESSAGE})")
        start = pos + head
        end = start + n
        if end <= len(buf):
            self._pos = end
            return buf[start:end]
        parts = [buf[start:]]
        have = len(parts[0])
        self._buf, self._pos = b"", 0
        while have < n:  # grow with the data that really arrives, never by the prefix
            chunk = self._recv()
            if not chunk:
                raise ConnectionLost("connection closed in the middle of a message")
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts)
        self._buf, self._pos = data, n
        return data[:n]


def _read_head(sock: socket.socket, deadline: float, what: str) -> tuple[bytes, bytes]:
    """Bytes up to the blank line ending an HTTP head, and whatever followed it."""
    data = b""
    while True:
        for sep in (b"\r\n\r\n", b"\n\n"):
            i = data.find(sep)
            if i >= 0:
                return data[:i], data[i + len(sep):]
        if len(data) > _MAX_HTTP_HEAD:
            raise ConnectionLost(f"{what}: no end of HTTP head in {_MAX_HTTP_HEAD} bytes: {data[:80]!r}")
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([sock], [], [], remaining)[0]:
            raise ConnectionLost(f"{what}: timed out (received {data[:80]!r})")
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionLost(f"{what}: connection closed (received {data[:80]!r})")
        data += chunk


def client_handshake(sock: socket.socket, deadline: float) -> bytes:
    """Send Go's CONNECT line and check the answer; returns bytes read past it."""
    sock.sendall(CONNECT_LINE)
    head, rest = _read_head(sock, deadline, "HTTP CONNECT handshake")
    status = head.split(b"\n", 1)[0].strip().decode("latin-1")
    if status.split(" ", 1)[-1] != CONNECTED_STATUS or not status.startswith("HTTP/1."):
        raise ConnectionLost(f"unexpected HTTP response: {status!r}")
    return rest


def server_handshake(sock: socket.socket, deadline: float) -> bytes:
    """Accept Go's CONNECT request (answering HTTP errors like Go otherwise)."""
    head, rest = _read_head(sock, deadline, "waiting for the client's HTTP CONNECT")
    parts = head.split(b"\n", 1)[0].strip().split()
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/"):
        sock.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n400 Bad Request")
        raise ConnectionLost(f"malformed HTTP request line {head[:80]!r}")
    method, path = parts[0].decode("latin-1"), parts[1].decode("latin-1")
    if path != RPC_PATH:
        sock.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                     b"404 page not found\n")
        raise ConnectionLost(f"HTTP request for {path!r}, not {RPC_PATH}")
    if method != "CONNECT":
        sock.sendall(b"HTTP/1.0 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8"
                     b"\r\n\r\n405 must CONNECT\n")
        raise ConnectionLost(f"HTTP {method} instead of CONNECT")
    sock.sendall(CONNECTED_LINE)
    return rest


class _Call:
    __slots__ = ("method", "done", "event", "body", "error")

    def __init__(self, method: str) -> None:
        self.method = method
        self.done = False
        self.event = threading.Event()
        self.body: Any = None
        self.error: BaseException | None = None


class RPCClient:
    """A net/rpc client over one connected socket; safe to call from many threads at once."""

    def __init__(self, sock: socket.socket, leftover: bytes, names: Iterable[str]) -> None:
        self._sock = sock
        self._reader = FrameReader(sock, leftover)
        self._dec = Decoder(self._reader.read_frame, names)
        self._enc = Encoder()
        self._send_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._mu = threading.Lock()
        self._pending: dict[int, _Call] = {}
        self._seq = 0
        self.broken: ConnectionLost | None = None

    def call(self, service_method: str, arg_type: GoType, arg: Any,
             timeout: float | None = None) -> Any:
        """Send one request and wait for its reply (RemoteError / ConnectionLost otherwise)."""
        c = _Call(service_method)
        with self._mu:
            if self.broken is not None:
                raise ConnectionLost(f"connection is shut down ({self.broken})")
            seq = self._seq
            self._seq += 1
            self._pending[seq] = c
        with self._send_lock:
            try:
                data = self._enc.encode_all(
                    ((REQUEST, {"ServiceMethod": service_method, "Seq": seq}), (arg_type, arg)))
            except Exception:
                with self._mu:
                    self._pending.pop(seq, None)
                raise
            try:
                self._sock.sendall(data)
            except OSError as e:
                self._fail(ConnectionLost(f"sending {service_method}: {e}"))
            except BaseException:
                self._fail(ConnectionLost(f"interrupted while sending {service_method}"))
                raise
        self._wait(c, seq, None if timeout is None else time.monotonic() + timeout)
        if c.error is not None:
            raise c.error
        return c.body

    def _wait(self, c: _Call, seq: int, deadline: float | None) -> None:
        try:
            while not c.done:
                if self.broken is not None:  # failed while nobody had it pending
                    with self._mu:
                        self._pending.pop(seq, None)
                    self._settle(c, self.broken)
                    break
                if self._read_lock.acquire(blocking=False):
                    try:
                        self._read_until(c, deadline)
                    finally:
                        self._read_lock.release()
                        self._handoff()
                    continue
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError
                c.event.wait(remaining)
                c.event.clear()
        except TimeoutError:
            if not c.done:
                self._fail(ConnectionLost(f"no answer to {c.method} in time"))
        except BaseException:  # Ctrl-C while waiting: forget the call, hand over the reading
            with self._mu:
                self._pending.pop(seq, None)
            self._handoff()
            raise

    def _handoff(self) -> None:
        """Wake one waiting caller so someone is always reading while calls are pending."""
        with self._mu:
            for other in self._pending.values():
                other.event.set()
                return

    def _read_until(self, c: _Call, deadline: float | None) -> None:
        self._reader.deadline = deadline
        try:
            while not c.done:
                hdr = self._dec.decode()
                try:
                    seq, error = hdr["Seq"], hdr["Error"]
                    if not isinstance(seq, int) or not isinstance(error, str):
                        raise TypeError
                except (TypeError, KeyError):
                    raise GobError(f"reply header is not a net/rpc Response: {hdr!r}") from None
                body = self._dec.decode()
                with self._mu:
                    call = self._pending.pop(seq, None)
                if call is None:
                    continue  # an abandoned call: Go discards the body too
                if error:
                    call.error = RemoteError(error)
                else:
                    call.body = body
                call.done = True
                call.event.set()
        except EOFError:
            self._fail(ConnectionLost("connection closed by the plugin"))
        except TimeoutError:
            self._fail(ConnectionLost(f"no answer to {c.method} in time"))
        except (GobError, ConnectionLost) as e:
            self._fail(ConnectionLost(f"bad reply: {e}") if isinstance(e, GobError) else e)
        except OSError as e:
            self._fail(ConnectionLost(f"connection lost: {e}"))
        except BaseException:
            self._fail(ConnectionLost("interrupted while reading a reply"))
            raise
        finally:
            self._reader.deadline = None

    def _fail(self, err: ConnectionLost) -> None:
        """Mark the connection broken (first cause wins) and fail every pending call."""
        with self._mu:
            if self.broken is None:
                self.broken = err
            err = self.broken
            pending = list(self._pending.values())
            self._pending.clear()
        for call in pending:
            self._settle(call, err)
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    @staticmethod
    def _settle(call: _Call, err: ConnectionLost) -> None:
        # End of stream after Close is how a plugin acknowledges it: success.
        call.error = None if call.method.endswith(".Close") else err
        call.done = True
        call.event.set()

    def abort(self, reason: str) -> None:
        """Fail every pending and later call with ``reason`` (safe from any thread)."""
        self._fail(ConnectionLost(reason))

    def close(self) -> None:
        self._fail(ConnectionLost("connection closed"))
        self._sock.close()
