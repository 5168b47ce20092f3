"""Hostile bytes: the decoder and a serving connection fail cleanly and quickly, never hang."""

from __future__ import annotations

import socket
import threading
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from minikube.machine.plugin import DriverService
from minikube.machine.plugin._gob import Decoder, frames_from
from minikube.machine.plugin._gobtypes import GobError
from minikube.machine.plugin._proto import CLIENT_NAMES, EMPTY, SERVER_NAMES
from minikube.machine.plugin._rpc import ConnectionLost, RPCClient
from minikube.machine.plugin._rpcserver import RPCServer
from plugin_testdriver._drivers import NoneDriver

from ._helpers import capture

NAMES = CLIENT_NAMES | SERVER_NAMES
FAST = settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])


def decode_everything(data: bytes) -> None:
    dec = Decoder(frames_from(data), NAMES)
    t0 = time.monotonic()
    for _ in range(10_000):
        try:
            dec.decode()
        except (EOFError, GobError):
            break
    assert time.monotonic() - t0 < 1


def streams() -> list[bytes]:
    return [capture(f"none_session.conn0.{d}.bin")[n:] for d, n in (("c2s", 27), ("s2c", 34))]


@FAST
@given(st.binary(max_size=400))
def test_random_bytes_into_the_decoder(data: bytes) -> None:
    decode_everything(data)


@FAST
@given(st.data())
def test_truncated_and_mutated_captures(data: st.DataObject) -> None:
    stream = data.draw(st.sampled_from(streams()))
    cut = data.draw(st.integers(0, len(stream)))
    mutated = bytearray(stream[:cut])
    for _ in range(data.draw(st.integers(0, 4))):
        if mutated:
            i = data.draw(st.integers(0, len(mutated) - 1))
            mutated[i] = data.draw(st.integers(0, 255))
    decode_everything(bytes(mutated))


def serve_bytes(payload: bytes, half_close: bool) -> None:
    ours, theirs = socket.socketpair()
    server = RPCServer(theirs, b"", DriverService(NoneDriver()).lookup, SERVER_NAMES)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            server.serve()
        except BaseException as e:  # anything but a clean close is a failure
            errors.append(e)

    t = threading.Thread(target=run, name="plugin-fuzz-server")
    t.start()
    try:
        ours.sendall(payload)
        if half_close:  # the server must answer what it can, then close its side
            ours.shutdown(socket.SHUT_WR)
            ours.settimeout(2)
            while ours.recv(65536):
                pass
    except OSError:
        pass
    ours.close()  # a client that goes away: the server must notice and stop
    t.join(3)
    assert not t.is_alive() and not errors


@settings(max_examples=120, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_hostile_bytes_into_a_serving_connection(data: st.DataObject) -> None:
    c2s = streams()[0]
    prefix = c2s[:data.draw(st.integers(0, len(c2s)))]
    noise = data.draw(st.binary(max_size=300))
    serve_bytes(prefix + noise, half_close=data.draw(st.booleans()))


@settings(max_examples=60, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_hostile_replies_into_a_waiting_client(reply: bytes) -> None:
    ours, theirs = socket.socketpair()
    client = RPCClient(ours, b"", CLIENT_NAMES)
    theirs.sendall(reply)
    theirs.shutdown(socket.SHUT_WR)
    t0 = time.monotonic()
    try:
        client.call("RPCServerDriver.GetState", EMPTY, {})
    except ConnectionLost:
        pass
    assert time.monotonic() - t0 < 2
    client.close()
    theirs.close()
