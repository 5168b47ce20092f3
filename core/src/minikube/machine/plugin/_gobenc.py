"""Go gob encoding with Go's own framing, so what we send is byte-identical to a Go peer.

The subtle part is Go's writer stack: a type first met inside an interface value is defined
inline, and the message being built is cut (flushed) right there.  We do the same.
"""

from __future__ import annotations

import struct as _struct
from collections.abc import Iterable
from typing import Any

from ._gobtypes import (
    BASIC_KINDS,
    BOOL,
    BYTES,
    FIRST_USER_ID,
    FLOAT,
    INT,
    STRING,
    GobError,
    GoType,
    Iface,
    Kind,
    put_bytes,
    put_int,
    put_uint,
    write_message,
)


def _float_bits(f: float) -> int:
    return int.from_bytes(_struct.pack(">d", f), "little")


class Encoder:
    """One direction of one gob stream: it defines each type once, on first use."""

    def __init__(self) -> None:
        self._ids: dict[GoType, int] = {}
        self._sent: dict[GoType, None] = {}  # ordered, for rollback
        self._next = FIRST_USER_ID

    def encode(self, t: GoType, value: Any) -> bytes:
        """The bytes (type definitions first, then the value) that send ``value`` as a ``t``."""
        return self.encode_all(((t, value),))

    def encode_all(self, items: Iterable[tuple[GoType, Any]]) -> bytes:
        """Several values in a row; if one cannot be encoded, none counts as sent."""
        out = bytearray()
        n_ids, n_sent, next_id = len(self._ids), len(self._sent), self._next
        try:
            for t, value in items:
                b = bytearray()
                self._describe(out, b, t)
                put_int(b, self._id(t))
                if t.kind is not Kind.STRUCT:
                    b.append(0)  # a non-struct value is a singleton field: delta 0
                self._value(b, t, value, out)
                write_message(out, b)
        except Exception:
            # Nothing goes out: forget the types these values would have defined.
            for k in list(self._ids)[n_ids:]:
                del self._ids[k]
            for k in list(self._sent)[n_sent:]:
                del self._sent[k]
            self._next = next_id
            raise
        return bytes(out)

    # --- type ids and definitions (Go's getTypeInfo / sendType) ------------------------------

    def _id(self, t: GoType) -> int:
        if t.kind in BASIC_KINDS:
            return int(t.kind)
        tid = self._ids.get(t)
        if tid is not None:
            return tid
        if t.kind is Kind.STRUCT or t.kind is Kind.OPAQUE:
            tid = self._alloc(t)  # Go numbers a struct before its fields
            for _, ft in t.fields:
                self._id(ft)
            return tid
        if t.key is not None:  # containers: Go numbers the components first
            self._id(t.key)
        if t.elem is not None:
            self._id(t.elem)
        return self._ids.get(t) or self._alloc(t)

    def _alloc(self, t: GoType) -> int:
        tid = self._ids[t] = self._next
        self._next += 1
        return tid

    def _describe(self, w: bytearray, b: bytearray, t: GoType) -> None:
        """Define ``t`` and the types inside it: each definition ends the message in ``b``."""
        if t.kind in BASIC_KINDS or t in self._sent:
            return
        put_int(b, -self._id(t))
        self._wire_type(b, t)
        write_message(w, b)
        self._sent[t] = None
        for _, ft in t.fields:
            self._describe(w, b, ft)
        if t.key is not None:
            self._describe(w, b, t.key)
        if t.elem is not None:
            self._describe(w, b, t.elem)

    def _wire_type(self, b: bytearray, t: GoType) -> None:
        k = t.kind
        b.append({Kind.ARRAY: 1, Kind.SLICE: 2, Kind.STRUCT: 3, Kind.MAP: 4, Kind.OPAQUE: 5}[k])
        b.append(1)  # CommonType
        if t.name:
            b.append(1)
            put_bytes(b, t.name.encode())
            b.append(1)
        else:
            b.append(2)
        put_int(b, self._id(t))
        b.append(0)
        if k is Kind.STRUCT:
            if t.fields:
                b.append(1)
                put_uint(b, len(t.fields))
                for fname, ft in t.fields:
                    b.append(1)
                    put_bytes(b, fname.encode())
                    b.append(1)
                    put_int(b, self._id(ft))
                    b.append(0)
        elif k is Kind.MAP:
            assert t.key is not None and t.elem is not None
            b.append(1)
            put_int(b, self._id(t.key))
            b.append(1)
            put_int(b, self._id(t.elem))
        elif k is not Kind.OPAQUE:
            assert t.elem is not None
            b.append(1)
            put_int(b, self._id(t.elem))
            if k is Kind.ARRAY and t.length:
                b.append(1)
                put_int(b, t.length)
        b.append(0)
        b.append(0)

    # --- values ------------------------------------------------------------------------------

    def _value(self, b: bytearray, t: GoType, v: Any, w: bytearray) -> None:
        k = t.kind
        if k is Kind.STRING:
            put_bytes(b, v.encode() if isinstance(v, str) else bytes(v))
        elif k is Kind.INT:
            put_int(b, int(v))
        elif k is Kind.STRUCT:
            self._struct(b, t, v, w)
        elif k is Kind.BOOL:
            b.append(1 if v else 0)
        elif k is Kind.UINT:
            if v < 0:
                raise GobError(f"gob: negative value {v} for a uint")
            put_uint(b, int(v))
        elif k is Kind.BYTES or k is Kind.OPAQUE:
            put_bytes(b, bytes(v))
        elif k is Kind.INTERFACE:
            self._iface(b, v, w)
        elif k is Kind.SLICE or k is Kind.ARRAY:
            assert t.elem is not None
            if k is Kind.ARRAY and len(v) != t.length:
                raise GobError(f"gob: array of length {len(v)} for [{t.length}]")
            put_uint(b, len(v))
            for x in v:
                self._value(b, t.elem, x, w)
        elif k is Kind.MAP:
            assert t.key is not None and t.elem is not None
            put_uint(b, len(v))
            for mk, mv in v.items():
                self._value(b, t.key, mk, w)
                self._value(b, t.elem, mv, w)
        elif k is Kind.FLOAT:
            put_uint(b, _float_bits(float(v)))
        else:  # complex
            c = complex(v)
            put_uint(b, _float_bits(c.real))
            put_uint(b, _float_bits(c.imag))

    def _struct(self, b: bytearray, t: GoType, v: Any, w: bytearray) -> None:
        flat = _flat(t)
        last = -1
        if flat is not None and v is not None:  # the per-call headers: keep this path short
            for i, (fname, k) in enumerate(flat):
                x = v.get(fname)
                if not x:
                    continue
                put_uint(b, i - last)
                last = i
                if k == 6:
                    put_bytes(b, x.encode() if isinstance(x, str) else bytes(x))
                elif k == 3:
                    if x < 0:
                        raise GobError(f"gob: negative value {x} for a uint")
                    put_uint(b, x)
                elif k == 2:
                    put_int(b, x)
                else:
                    b.append(1)
            b.append(0)
            return
        for i, (fname, ft) in enumerate(t.fields):
            x = None if v is None else v.get(fname)
            fk = ft.kind
            if x is None:
                if fk is not Kind.STRUCT and fk is not Kind.ARRAY:
                    continue  # nil and zero fields are not sent
            elif not x and fk is not Kind.MAP and fk is not Kind.STRUCT and fk is not Kind.ARRAY:
                continue  # Go sends empty non-nil maps, and structs always
            put_uint(b, i - last)
            last = i
            self._value(b, ft, x if x is not None else (None if fk is Kind.STRUCT else ()), w)
        b.append(0)

    def _iface(self, b: bytearray, v: Iface | None, w: bytearray) -> None:
        """Go's encodeInterface, framing included (see the module docstring)."""
        if v is None:
            b.append(0)
            return
        name, value, t = v
        if not name:
            raise GobError("gob: interface value without a type name")
        if t is None:
            t = _infer(value)
        put_bytes(b, name.encode())
        self._describe(w, b, t)
        put_int(b, self._id(t))
        data = bytearray()
        if t.kind is not Kind.STRUCT:
            data.append(0)
        self._value(data, t, value, b)
        write_message(b, data)


def _infer(value: Any) -> GoType:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        return STRING
    if isinstance(value, (bytes, bytearray)):
        return BYTES
    raise GobError(f"gob: no Go type given for interface value of type {type(value).__name__}")


_FLAT_KINDS = (Kind.STRING, Kind.INT, Kind.UINT, Kind.BOOL)
_flat_cache: dict[GoType, tuple[tuple[str, int], ...] | None] = {}


def _flat(t: GoType) -> tuple[tuple[str, int], ...] | None:
    """A struct's (field, kind id) pairs when every field is a string, int, uint or bool."""
    try:
        return _flat_cache[t]
    except KeyError:
        flat = (tuple((n, int(ft.kind)) for n, ft in t.fields)
                if all(ft.kind in _FLAT_KINDS for _, ft in t.fields) else None)
        _flat_cache[t] = flat
        return flat
