"""A pure-Python Go ``encoding/gob`` codec: as much of gob as libmachine's protocol needs.

The encoder (:mod:`._gobenc`) reproduces Go's own framing, so what we send is byte-identical
to what a Go peer would send.  The decoder here follows Go's decoder rules, so it reads
anything a Go encoder writes, and refuses malformed input with :class:`GobError` instead of
looping or allocating without bound.
"""

from __future__ import annotations

import struct as _struct
from collections.abc import Callable, Iterable
from typing import Any

from ._gobenc import Encoder
from ._gobtypes import BUILTIN_NAMES, FIRST_USER_ID, GobError, Iface, Kind, Struct

__all__ = ["MAX_MESSAGE", "Decoder", "Encoder", "GobError", "frames_from"]

#: Largest message we accept.  Go allows far more, but nothing in this protocol comes near;
#: refusing early keeps a corrupt or hostile length prefix from costing memory.
MAX_MESSAGE = 64 << 20
_MAX_NAME = 1024

ReadFrame = Callable[[], "bytes | None"]


def _bits_float(u: int) -> float:
    return float(_struct.unpack(">d", u.to_bytes(8, "little"))[0])



# --- decoding -------------------------------------------------------------------------------

class _Wire:
    """A received type definition; components are type ids, resolved when a value arrives."""

    __slots__ = ("kind", "name", "fields", "elem", "key", "length", "template", "mutable")

    def __init__(self, kind: Kind, name: str = "", fields: tuple[tuple[str, int], ...] = (),
                 elem: int = 0, key: int = 0, length: int = 0) -> None:
        self.kind = kind
        self.name = name
        self.fields = fields
        self.elem = elem
        self.key = key
        self.length = length
        self.template: dict[str, Any] | None = None
        self.mutable: tuple[tuple[str, type], ...] = ()


#: gob's own bootstrap types (ids 16-24): how wireType itself is described.
_BOOTSTRAP = {
    16: _Wire(Kind.STRUCT, "wireType", (("ArrayT", 17), ("SliceT", 19), ("StructT", 20), ("MapT", 23),
                                        ("GobEncoderT", 24), ("BinaryMarshalerT", 24),
                                        ("TextMarshalerT", 24))),
    17: _Wire(Kind.STRUCT, "arrayType", (("CommonType", 18), ("Elem", 2), ("Len", 2))),
    18: _Wire(Kind.STRUCT, "CommonType", (("Name", 6), ("Id", 2))),
    19: _Wire(Kind.STRUCT, "sliceType", (("CommonType", 18), ("Elem", 2))),
    20: _Wire(Kind.STRUCT, "structType", (("CommonType", 18), ("Field", 22))),
    21: _Wire(Kind.STRUCT, "fieldType", (("Name", 6), ("Id", 2))),
    22: _Wire(Kind.SLICE, "", elem=21),
    23: _Wire(Kind.STRUCT, "mapType", (("CommonType", 18), ("Key", 2), ("Elem", 2))),
    24: _Wire(Kind.STRUCT, "gobEncoderType", (("CommonType", 18),)),
}
_BASIC_ZERO: dict[int, Any] = {1: False, 2: 0, 3: 0, 4: 0.0, 5: b"", 6: "", 7: 0j, 8: None}


class Decoder:
    """One direction of one gob stream, read message by message from ``read_frame``.

    ``read_frame`` returns the next message's payload, or None at a clean end of stream.
    ``names`` are the interface names registered on this side (plus Go's builtin ones).
    """

    def __init__(self, read_frame: ReadFrame, names: Iterable[str] = ()) -> None:
        self._read_frame = read_frame
        self._names = BUILTIN_NAMES | frozenset(names)
        self._types: dict[int, _Wire] = dict(_BOOTSTRAP)
        self._buf = b""
        self._pos = 0

    def decode(self) -> Any:
        """The next value in the stream; EOFError at a clean end, GobError if malformed."""
        self._buf = b""
        self._pos = 0
        try:
            tid = self._type_sequence(False)
            return self._single(tid)
        except IndexError:
            raise GobError("gob: unexpected end of message") from None
        except RecursionError:
            raise GobError("gob: value nested too deeply") from None

    # --- Go's decodeTypeSequence: type definitions, then a type id ----------------------------

    def _type_sequence(self, in_interface: bool) -> int:
        first = True
        while True:
            if self._pos >= len(self._buf):
                frame = self._read_frame()
                if frame is None:
                    if first and not in_interface:
                        raise EOFError("end of gob stream")
                    raise GobError("gob: unexpected EOF")
                if not frame:
                    raise GobError("gob: empty message")
                self._buf = frame
                self._pos = 0
            tid = self._int()
            if tid >= 0:
                return tid
            self._recv_type(-tid)
            if self._pos < len(self._buf):
                # Inside an interface Go may leave the enclosing value's count here: skip it.
                if not in_interface:
                    raise GobError("gob: extra data in buffer")
                self._uint()
            first = False

    def _recv_type(self, tid: int) -> None:
        if tid < FIRST_USER_ID or tid in self._types:
            raise GobError(f"gob: duplicate or reserved type id {tid} received")
        w = self._struct(16)
        for field, kind in (("StructT", Kind.STRUCT), ("SliceT", Kind.SLICE), ("MapT", Kind.MAP),
                            ("ArrayT", Kind.ARRAY), ("GobEncoderT", Kind.OPAQUE),
                            ("BinaryMarshalerT", Kind.OPAQUE), ("TextMarshalerT", Kind.OPAQUE)):
            d = w[field]
            if d is None:
                continue
            name = (d["CommonType"] or {}).get("Name", "")
            if kind is Kind.STRUCT:
                fields = tuple((f["Name"], f["Id"]) for f in d["Field"])
                self._types[tid] = _Wire(kind, name, fields)
            elif kind is Kind.OPAQUE:
                self._types[tid] = _Wire(kind, name)
            else:
                self._types[tid] = _Wire(kind, name, elem=d["Elem"], key=d.get("Key", 0),
                                         length=d.get("Len", 0))
            return
        raise GobError(f"gob: empty type definition for type id {tid}")

    # --- primitives ---------------------------------------------------------------------------

    def _uint(self) -> int:
        buf = self._buf
        pos = self._pos
        b = buf[pos]
        if b < 0x80:
            self._pos = pos + 1
            return b
        n = 256 - b
        end = pos + 1 + n
        if n > 8:
            raise GobError("gob: encoded unsigned integer out of range")
        if end > len(buf):
            raise IndexError
        self._pos = end
        return int.from_bytes(buf[pos + 1:end], "big")

    def _int(self) -> int:
        u = self._uint()
        return ~(u >> 1) if u & 1 else u >> 1

    def _raw(self) -> bytes:
        n = self._uint()
        pos = self._pos
        end = pos + n
        if end > len(self._buf):
            raise GobError(f"gob: length {n} exceeds the message")
        self._pos = end
        return self._buf[pos:end]

    def _string(self) -> str:
        return self._raw().decode("utf-8", "replace")

    # --- values -------------------------------------------------------------------------------

    def _single(self, tid: int) -> Any:
        """A top-level (or interface) value: structs as is, anything else after a 0 delta."""
        d = self._types.get(tid)
        if d is not None and d.kind is Kind.STRUCT:
            return self._struct(tid)
        if self._uint() != 0:
            raise GobError("gob: corrupted data: non-empty delta for basic type")
        return self._value(tid)

    def _value(self, tid: int) -> Any:
        if tid == 6:
            return self._string()
        if tid == 2:
            return self._int()
        if tid == 1:
            return self._uint() != 0
        if tid == 3:
            return self._uint()
        if tid == 5:
            return self._raw()
        if tid == 8:
            return self._iface()
        if tid == 4:
            return _bits_float(self._uint())
        if tid == 7:
            return complex(_bits_float(self._uint()), _bits_float(self._uint()))
        d = self._types.get(tid)
        if d is None:
            raise GobError(f"gob: unknown type id {tid}")
        k = d.kind
        if k is Kind.STRUCT:
            return self._struct(tid)
        if k is Kind.SLICE or k is Kind.ARRAY:
            n = self._uint()
            if k is Kind.ARRAY and n != d.length:
                raise GobError(f"gob: array length {n} does not match [{d.length}]")
            elem = d.elem
            return [self._value(elem) for _ in range(n)]
        if k is Kind.MAP:
            n = self._uint()
            key, elem = d.key, d.elem
            out: dict[Any, Any] = {}
            for _ in range(n):
                mk = self._value(key)
                try:
                    out[mk] = self._value(elem)
                except TypeError:
                    raise GobError("gob: unhashable map key") from None
            return out
        return self._raw()  # opaque (GobEncoder and friends)

    def _struct(self, tid: int) -> Struct:
        d = self._types.get(tid)
        if d is None:
            raise GobError(f"gob: unknown type id {tid}")
        if d.template is None:
            self._compile(d)
        assert d.template is not None
        out = Struct(d.template)
        out.type_name = d.name
        for fname, factory in d.mutable:
            out[fname] = factory()
        fields = d.fields
        nfields = len(fields)
        fieldnum = -1
        while True:
            delta = self._uint()
            if delta == 0:
                return out
            fieldnum += delta
            if fieldnum >= nfields:
                raise GobError(f"gob: field number {fieldnum} out of range for {d.name or 'struct'}")
            fname, ftid = fields[fieldnum]
            out[fname] = self._value(ftid)

    def _compile(self, d: _Wire) -> None:
        """Zero values for a struct's fields, so decoded structs always have every field."""
        template: dict[str, Any] = {}
        mutable: list[tuple[str, type]] = []
        for fname, ftid in d.fields:
            if ftid in _BASIC_ZERO:
                template[fname] = _BASIC_ZERO[ftid]
                continue
            fd = self._types.get(ftid)
            if fd is None:
                raise GobError(f"gob: unknown type id {ftid} in {d.name or 'struct'}.{fname}")
            template[fname] = b"" if fd.kind is Kind.OPAQUE else None
            if fd.kind in (Kind.SLICE, Kind.ARRAY):
                mutable.append((fname, list))
            elif fd.kind is Kind.MAP:
                mutable.append((fname, dict))
        d.template = template
        d.mutable = tuple(mutable)

    def _iface(self) -> Iface | None:
        n = self._uint()
        if n == 0:
            return None
        if n > _MAX_NAME or self._pos + n > len(self._buf):
            raise GobError(f"gob: invalid interface type name length {n}")
        name = self._buf[self._pos:self._pos + n].decode("utf-8", "replace")
        self._pos += n
        if name not in self._names:
            raise GobError(f"gob: name not registered for interface: {name!r}")
        tid = self._type_sequence(True)
        self._uint()  # Go's byte count: not the value's length once types were inlined; ignore
        return Iface(name, self._single(tid))


def frames_from(data: bytes, max_message: int = MAX_MESSAGE) -> ReadFrame:
    """A ``read_frame`` over bytes in memory (captures, tests, fuzzing)."""
    pos = 0

    def read_frame() -> bytes | None:
        nonlocal pos
        if pos >= len(data):
            return None
        b = data[pos]
        if b < 0x80:
            n, pos = b, pos + 1
        else:
            k = 256 - b
            if k > 8 or pos + 1 + k > len(data):
                raise GobError("gob: bad message length")
            n = int.from_bytes(data[pos + 1:pos + 1 + k], "big")
            pos += 1 + k
        if n > max_message:
            raise GobError(f"gob: message too big ({n} bytes, limit {max_message})")
        if pos + n > len(data):
            raise GobError("gob: unexpected EOF in message")
        frame = data[pos:pos + n]
        pos += n
        return frame

    return read_frame
