"""Golden tests against real Go traffic: decode it, answer it, and send it, like Go does."""

from __future__ import annotations

import json
import re
import socket
import threading
from typing import Any

import pytest
from minikube.machine.plugin import DriverService
from minikube.machine.plugin._gob import Decoder, Encoder, frames_from
from minikube.machine.plugin._gobtypes import Iface, Kind, Struct
from minikube.machine.plugin._proto import (
    CLIENT_NAMES,
    CONNECT_LINE,
    CONNECTED_LINE,
    EMPTY,
    METHODS,
    REQUEST,
    RESPONSE,
    SERVER_NAMES,
    options_from_wire,
    options_to_wire,
)
from minikube.machine.plugin._rpc import FrameReader, RemoteError, RPCClient, client_handshake
from minikube.machine.plugin._rpcserver import RPCServer
from plugin_testdriver._drivers import NoneDriver

from ._helpers import SHARED_WIRE, WIRE, capture

SESSIONS = ["none_session", "amazonec2_flags"]
NAMES = CLIENT_NAMES | SERVER_NAMES
SKIP = {"c2s": len(CONNECT_LINE), "s2c": len(CONNECTED_LINE)}


def stream(session: str, direction: str) -> bytes:
    data = capture(f"{session}.conn0.{direction}.bin")
    head = CONNECT_LINE if direction == "c2s" else CONNECTED_LINE
    assert data.startswith(head)
    return data[len(head):]


def transcript(session: str) -> tuple[dict[str, Any], list[tuple[str, Any, Any]]]:
    """decoded.txt: the type tables, and (direction, header, body) per message."""
    text = capture(f"{session}.decoded.txt").decode()
    tables = {}
    for direction, table in re.findall(r"# (client->server|server->client) gob type table\n(\{.*?\n\})\n",
                                       text, re.S):
        tables["c2s" if direction.startswith("client") else "s2c"] = json.loads(table)
    messages = []
    for arrow, header, body in re.findall(r"^(==>|<==) \[\w+ \d+\.\.\d+\] (.*)\n    body \([^)]*\): (.*)$",
                                          text, re.M):
        messages.append(("c2s" if arrow == "==>" else "s2c", json.loads(header), json.loads(body)))
    return tables, messages


def plain(v: Any) -> Any:
    """Our decoded values in the transcript's notation, zero fields dropped."""
    if isinstance(v, Struct):
        out = {"@type": v.type_name}
        out.update({k: plain(x) for k, x in v.items() if not _zero(x)})
        return out
    if isinstance(v, Iface):
        return {"@iface": v.name, "value": plain(v.value)}
    if isinstance(v, bytes):
        return {"[]byte": v.decode()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def _zero(x: Any) -> bool:
    return x is None or (not x and not isinstance(x, dict))


def normal(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: normal(x) for k, x in v.items()
                if k.startswith("@") or k == "value" or not _zero(x) or isinstance(x, dict)}
    if isinstance(v, list):
        return [normal(x) for x in v]
    return v


def decode_all(data: bytes, names: frozenset[str] = NAMES) -> tuple[Decoder, list[Any]]:
    dec = Decoder(frames_from(data), names)
    values = []
    while True:
        try:
            values.append(dec.decode())
        except EOFError:
            return dec, values


def split_calls(data: bytes) -> list[bytes]:
    """The c2s stream cut after each request (header + argument)."""
    pos = 0
    read = frames_from(data)

    def tracked() -> bytes | None:
        nonlocal pos
        frame = read()
        pos = data.index(frame, pos) + len(frame) if frame is not None else pos
        return frame

    dec = Decoder(tracked, NAMES)
    cuts, start = [], 0
    while True:
        try:
            dec.decode()
        except EOFError:
            return cuts
        dec.decode()
        cuts.append(data[start:pos])
        start = pos


@pytest.mark.parametrize("session", SESSIONS)
def test_captures_decode_completely_and_match_the_transcript(session: str) -> None:
    tables, messages = transcript(session)
    got = []
    for direction in ("c2s", "s2c"):
        dec, values = decode_all(stream(session, direction))
        assert len(values) % 2 == 0
        got += [(direction, plain(h), plain(b)) for h, b in zip(values[::2], values[1::2], strict=True)]
        for tid, want in tables[direction].items():  # the type tables, definition by definition
            w = dec._types[int(tid)]
            kind = {"struct": Kind.STRUCT, "slice": Kind.SLICE, "map": Kind.MAP}[want["kind"]]
            assert (w.kind, w.name) == (kind, want["name"])
            assert [{"name": n, "id": i} for n, i in w.fields] == want.get("fields", [])
            assert (w.elem or None, w.key or None) == (want.get("elem"), want.get("key"))
        assert set(dec._types) - set(range(16, 25)) == {int(t) for t in tables[direction]}
    for direction in ("c2s", "s2c"):
        mine = [normal([h, b]) for d, h, b in got if d == direction]
        theirs = [normal([h, b]) for d, h, b in messages if d == direction]
        assert mine == theirs and len(mine) == len(theirs) > 0


@pytest.mark.parametrize("session", SESSIONS)
def test_reencoding_the_captures_is_byte_identical(session: str) -> None:
    for direction, header_type, idx in (("c2s", REQUEST, 0), ("s2c", RESPONSE, 1)):
        data = stream(session, direction)
        _, values = decode_all(data)
        enc = Encoder()
        out = b""
        for h, body in zip(values[::2], values[1::2], strict=True):
            method = h["ServiceMethod"].split(".")[1]
            t = EMPTY if h.get("Error") else METHODS.get(method, (EMPTY, EMPTY))[idx]
            if isinstance(body, list):
                body = [Iface(f.name, f.value, _flag_type(f.name)) for f in body]
            elif isinstance(body, Iface):
                body = options_to_wire(options_from_wire(body))
            out += enc.encode(header_type, h) + enc.encode(t, body)
        assert out == data


def _flag_type(name: str) -> Any:
    from minikube.machine.plugin._proto import FLAG_NAMES

    return next(t for n, t in FLAG_NAMES.values() if n == name)


class Tee:
    """A socket whose received bytes are kept (FrameReader only needs recv and fileno)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.seen = bytearray()

    def recv(self, n: int) -> bytes:
        data = self.sock.recv(n)
        self.seen += data
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


def test_replaying_go_client_bytes_into_our_server_gets_go_answers() -> None:
    """Go's recorded calls, one at a time, into our server serving a Python `none` driver."""
    c2s = stream("none_session", "c2s")
    s2c = stream("none_session", "s2c")
    ours, theirs = socket.socketpair()
    closed = threading.Event()
    service = DriverService(NoneDriver(), on_close=closed.set)
    server = RPCServer(theirs, b"", service.lookup, SERVER_NAMES)
    t = threading.Thread(target=server.serve, name="plugin-test-server")
    t.start()
    tee = Tee(ours)
    dec = Decoder(FrameReader(tee, b"").read_frame, CLIENT_NAMES)  # type: ignore[arg-type]
    answers = []
    for call in split_calls(c2s):
        ours.sendall(call)
        answers.append((dec.decode(), dec.decode()))
    ours.close()
    t.join(5)
    assert not t.is_alive() and closed.is_set()
    _, recorded = decode_all(s2c)
    assert [plain(v) for a in answers for v in a] == [plain(v) for v in recorded]
    assert bytes(tee.seen) == s2c  # and byte for byte


def test_our_client_sends_what_go_sent() -> None:
    """The recorded calls made through RPCClient: the bytes equal Go's, and decode the same."""
    c2s = stream("none_session", "c2s")
    _, recorded = decode_all(c2s)
    ours, theirs = socket.socketpair()
    tee = Tee(theirs)
    service = DriverService(NoneDriver())
    server = RPCServer(tee, b"", service.lookup, SERVER_NAMES)  # type: ignore[arg-type]
    t = threading.Thread(target=server.serve, name="plugin-test-server")
    t.start()
    client = RPCClient(ours, b"", CLIENT_NAMES)
    for header, arg in zip(recorded[::2], recorded[1::2], strict=True):
        method = header["ServiceMethod"]
        arg_type = METHODS.get(method.split(".")[1], (EMPTY, EMPTY))[0]
        if isinstance(arg, Iface):  # what PluginDriver.set_config_from_flags sends for a dict
            arg = options_to_wire(options_from_wire(arg))
        try:
            client.call(method, arg_type, arg)
        except RemoteError:
            pass
    client.close()
    t.join(5)
    assert not t.is_alive()
    assert bytes(tee.seen) == c2s
    _, mine = decode_all(bytes(tee.seen))
    assert [plain(v) for v in mine] == [plain(v) for v in recorded]


def test_handshake_lines_are_gos() -> None:
    assert capture("none_session.conn0.c2s.bin").startswith(CONNECT_LINE)
    assert capture("none_session.conn0.s2c.bin").startswith(CONNECTED_LINE)
    a, b = socket.socketpair()
    b.sendall(CONNECTED_LINE + b"\x03\x04\x00\x02")
    import time

    assert client_handshake(a, time.monotonic() + 1) == b"\x03\x04\x00\x02"
    assert b.recv(100) == CONNECT_LINE
    a.close()
    b.close()


def test_vendored_captures_match_the_shared_originals() -> None:
    if SHARED_WIRE is None:
        pytest.skip("../shared/testdata/libmachine-wire is not beside this checkout: nothing to compare with")
    for path in WIRE.glob("*_*.*"):
        assert path.read_bytes() == (SHARED_WIRE / path.name).read_bytes(), path.name
