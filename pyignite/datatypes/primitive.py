"""Primitive Ignite types: Byte, Short, Int, Long, Float, Double, Char, Bool and Null.

Values that do not fit (300 as a Byte, a two-character string as a Char, a non-BMP character as a
Char) raise :class:`ValueError`; nothing is wrapped or truncated. Floats are written as IEEE 754 like
Java; a Python float that overflows a Java float raises.
"""

from __future__ import annotations

import math
import struct
from typing import Any, Tuple

from pyignite.datatypes.base import (
    BYTE,
    DOUBLE,
    FLOAT,
    INT,
    LONG,
    NO_CONTEXT,
    NULL_CODE,
    SHORT,
    USHORT,
    CodecContext,
    IgniteDataType,
    register_inference,
)

__all__ = [
    "BoolObject",
    "ByteObject",
    "CharObject",
    "DoubleObject",
    "FloatObject",
    "IntObject",
    "LongObject",
    "Null",
    "ShortObject",
]

_B_BYTE = struct.Struct("<Bb")
_B_SHORT = struct.Struct("<Bh")
_B_INT = struct.Struct("<Bi")
_B_LONG = struct.Struct("<Bq")
_B_FLOAT = struct.Struct("<Bf")
_B_DOUBLE = struct.Struct("<Bd")
_B_CHAR = struct.Struct("<BH")


def _check_int(cls: Any, value: Any, lo: int, hi: int) -> int:
    if type(value) is not int:
        if isinstance(value, bool) or not isinstance(value, int):
            if hasattr(value, "__index__") and not isinstance(value, (bool, float)):
                value = value.__index__()
            else:
                raise TypeError(f"{cls.__name__} expects an int, got {type(value).__name__}")
    if not lo <= value <= hi:
        raise ValueError(f"{value} does not fit {cls.__name__} (range {lo}..{hi})")
    return value


def java_int(h: int) -> int:
    """Wrap an integer to a signed 32-bit Java int."""
    h &= 0xFFFFFFFF
    return h - 0x100000000 if h & 0x80000000 else h


class _IntegerType(IgniteDataType):
    _lo = 0
    _hi = 0
    _packer = _B_INT
    _unpacker = INT

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        if type(value) is not int or not cls._lo <= value <= cls._hi:
            value = _check_int(cls, value, cls._lo, cls._hi)
        buf += cls._packer.pack(cls.type_code, value)

    @classmethod
    def decode_payload(cls, buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        return cls._unpacker.unpack_from(buf, pos)[0], pos + cls._unpacker.size

    @classmethod
    def hashcode(cls, value: Any) -> int:
        return java_int(_check_int(cls, value, cls._lo, cls._hi))


class ByteObject(_IntegerType):
    """Java ``byte`` (type code 1): a signed 8-bit integer."""

    type_code = 1
    java_type = "java.lang.Byte"
    _lo, _hi, _packer, _unpacker = -128, 127, _B_BYTE, BYTE


class ShortObject(_IntegerType):
    """Java ``short`` (type code 2): a signed 16-bit integer."""

    type_code = 2
    java_type = "java.lang.Short"
    _lo, _hi, _packer, _unpacker = -(2**15), 2**15 - 1, _B_SHORT, SHORT


class IntObject(_IntegerType):
    """Java ``int`` (type code 3): a signed 32-bit integer."""

    type_code = 3
    java_type = "java.lang.Integer"
    _lo, _hi, _packer, _unpacker = -(2**31), 2**31 - 1, _B_INT, INT


class LongObject(_IntegerType):
    """Java ``long`` (type code 4): a signed 64-bit integer; the default for Python ``int``."""

    type_code = 4
    java_type = "java.lang.Long"
    _lo, _hi, _packer, _unpacker = -(2**63), 2**63 - 1, _B_LONG, LONG

    @classmethod
    def hashcode(cls, value: Any) -> int:
        v = _check_int(cls, value, cls._lo, cls._hi) & 0xFFFFFFFFFFFFFFFF
        return java_int(v ^ (v >> 32))


def _check_float(cls: Any, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if not hasattr(value, "__float__"):
            raise TypeError(f"{cls.__name__} expects a float, got {type(value).__name__}")
    return float(value)


class FloatObject(IgniteDataType):
    """Java ``float`` (type code 5): IEEE 754 single precision. Values beyond its range raise."""

    type_code = 5
    java_type = "java.lang.Float"

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        value = _check_float(cls, value)
        try:
            buf += _B_FLOAT.pack(5, value)
        except OverflowError:
            raise ValueError(f"{value} does not fit FloatObject (IEEE 754 single precision)") from None

    @classmethod
    def decode_payload(cls, buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        return FLOAT.unpack_from(buf, pos)[0], pos + 4

    @classmethod
    def hashcode(cls, value: Any) -> int:
        value = _check_float(cls, value)
        if math.isnan(value):
            return 0x7FC00000  # Float.floatToIntBits canonical NaN
        return java_int(struct.unpack("<i", struct.pack("<f", value))[0])


class DoubleObject(IgniteDataType):
    """Java ``double`` (type code 6): IEEE 754 double precision; the default for Python ``float``."""

    type_code = 6
    java_type = "java.lang.Double"

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        if type(value) is not float:
            value = _check_float(cls, value)
        buf += _B_DOUBLE.pack(6, value)

    @classmethod
    def decode_payload(cls, buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        return DOUBLE.unpack_from(buf, pos)[0], pos + 8

    @classmethod
    def hashcode(cls, value: Any) -> int:
        value = _check_float(cls, value)
        if math.isnan(value):
            bits = 0x7FF8000000000000  # Double.doubleToLongBits canonical NaN
        else:
            bits = struct.unpack("<Q", struct.pack("<d", value))[0]
        return java_int(bits ^ (bits >> 32))


class CharObject(IgniteDataType):
    """Java ``char`` (type code 7): one UTF-16 code unit, as a one-character ``str``.

    Characters outside the Basic Multilingual Plane need two code units and raise :class:`ValueError`.
    """

    type_code = 7
    java_type = "java.lang.Character"

    @classmethod
    def _code_unit(cls, value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return _check_int(cls, value, 0, 0xFFFF)
        if not isinstance(value, str):
            raise TypeError(f"CharObject expects a one-character str, got {type(value).__name__}")
        if len(value) != 1:
            raise ValueError(f"CharObject expects exactly one character, got {len(value)}: {value!r}")
        code = ord(value)
        if code > 0xFFFF:
            raise ValueError(f"character {value!r} is outside the BMP and does not fit a Java char")
        return code

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        buf += _B_CHAR.pack(7, cls._code_unit(value))

    @classmethod
    def decode_payload(cls, buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        return chr(USHORT.unpack_from(buf, pos)[0]), pos + 2

    @classmethod
    def hashcode(cls, value: Any) -> int:
        return cls._code_unit(value)


class BoolObject(IgniteDataType):
    """Java ``boolean`` (type code 8)."""

    type_code = 8
    java_type = "java.lang.Boolean"

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        if not isinstance(value, (bool, int)):
            raise TypeError(f"BoolObject expects a bool, got {type(value).__name__}")
        buf += b"\x08\x01" if value else b"\x08\x00"

    @classmethod
    def decode_payload(cls, buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        return buf[pos] != 0, pos + 1

    @classmethod
    def hashcode(cls, value: Any) -> int:
        return 1231 if value else 1237


class Null(IgniteDataType):
    """The null value (type code 101), ``None`` in Python."""

    type_code = NULL_CODE

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        buf.append(NULL_CODE)

    @classmethod
    def decode_payload(cls, buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        return None, pos

    @classmethod
    def hashcode(cls, value: Any) -> int:
        return 0


register_inference(int, LongObject)
register_inference(float, DoubleObject)
register_inference(bool, BoolObject)
register_inference(type(None), Null)
