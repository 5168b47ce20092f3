"""Go gob's type model: the type descriptors we encode with, decoded values, primitive writers.

Kept apart from the codec so the protocol module can declare Go's types without pulling in
the encoder and decoder machinery.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, NamedTuple


class GobError(ValueError):
    """The bytes are not a valid gob stream (or not one we can represent)."""


class Kind(enum.IntEnum):
    """What a type is on the wire; the basic kinds use their builtin gob type ids."""

    BOOL = 1
    INT = 2
    UINT = 3
    FLOAT = 4
    BYTES = 5
    STRING = 6
    COMPLEX = 7
    INTERFACE = 8
    ARRAY = 20
    SLICE = 21
    STRUCT = 22
    MAP = 23
    OPAQUE = 24  # GobEncoder / BinaryMarshaler / TextMarshaler: a []byte on the wire


#: Kinds that never need a type definition (their ids are builtin).
BASIC_KINDS = frozenset(range(1, 9))
FIRST_USER_ID = 65


class GoType:
    """A Go type as gob describes it.  Compared by identity: one object per Go type."""

    __slots__ = ("kind", "name", "fields", "elem", "key", "length")

    def __init__(self, kind: Kind, name: str = "", *, fields: Sequence[tuple[str, GoType]] = (),
                 elem: GoType | None = None, key: GoType | None = None, length: int = 0) -> None:
        self.kind = kind
        self.name = name
        self.fields = tuple(fields)
        self.elem = elem
        self.key = key
        self.length = length

    def __repr__(self) -> str:
        return f"GoType({self.kind.name}, {self.name!r})"


BOOL = GoType(Kind.BOOL, "bool")
INT = GoType(Kind.INT, "int")
UINT = GoType(Kind.UINT, "uint")
FLOAT = GoType(Kind.FLOAT, "float64")
BYTES = GoType(Kind.BYTES, "[]byte")
STRING = GoType(Kind.STRING, "string")
COMPLEX = GoType(Kind.COMPLEX, "complex128")
INTERFACE = GoType(Kind.INTERFACE, "interface")


def struct(name: str, *fields: tuple[str, GoType]) -> GoType:
    return GoType(Kind.STRUCT, name, fields=fields)


def slice_of(elem: GoType, name: str = "") -> GoType:
    return GoType(Kind.SLICE, name, elem=elem)


def map_of(key: GoType, elem: GoType, name: str = "") -> GoType:
    return GoType(Kind.MAP, name, key=key, elem=elem)


class Struct(dict[str, Any]):
    """A decoded struct: every field by name (omitted ones hold their zero value)."""

    __slots__ = ("type_name",)
    type_name: str


class Iface(NamedTuple):
    """An interface value: gob's registered concrete-type name and the value.

    ``type`` is needed to encode (it says how); decoded values leave it None.
    """

    name: str
    value: Any
    type: GoType | None = None


#: The names Go's gob registers itself (``registerBasics``): usable in any interface value.
BUILTIN_NAMES = frozenset(
    "int int8 int16 int32 int64 uint uint8 uint16 uint32 uint64 float32 float64 complex64 "
    "complex128 uintptr bool string []uint8 []int []int8 []int16 []int32 []int64 []uint "
    "[]uint16 []uint32 []uint64 []float32 []float64 []complex64 []complex128 []uintptr "
    "[]bool []string".split())


# --- primitive writers ------------------------------------------------------------------------

def put_uint(b: bytearray, u: int) -> None:
    """gob's uint: one byte below 0x80, else ``-(byte count)`` then big-endian bytes."""
    if u < 0x80:
        b.append(u)
    else:
        n = (u.bit_length() + 7) >> 3
        b.append(256 - n)
        b += u.to_bytes(n, "big")


def put_int(b: bytearray, i: int) -> None:
    """gob's int: zigzag-folded into a uint."""
    put_uint(b, (i << 1) if i >= 0 else ((~i << 1) | 1))


def put_bytes(b: bytearray, data: bytes) -> None:
    put_uint(b, len(data))
    b += data


def write_message(w: bytearray, b: bytearray) -> None:
    """Append ``b`` to ``w`` as one length-prefixed message and empty ``b`` (Go's writeMessage)."""
    put_uint(w, len(b))
    w += b
    del b[:]
