"""Primitive Ignite types: Byte, Short, Int, Long, Float, Double, Char, Bool and Null.

=============  ====  ==========================  ==================================================
hint           code  Python value                accepted when encoding
=============  ====  ==========================  ==================================================
ByteObject     1     int -128..127               int (or anything with ``__index__``), not bool
ShortObject    2     int -32768..32767           as above
IntObject      3     int (32-bit signed)         as above
LongObject     4     int (64-bit signed)         as above; the default for ``int``
FloatObject    5     float                       float or int (rounded to single precision like a
                                                 Java ``(float)`` cast); beyond its range: error
DoubleObject   6     float                       float or int; the default for ``float``
CharObject     7     one-character str           a one-character str in the BMP, or an int 0..65535
BoolObject     8     bool                        bool, or the ints 0 and 1
Null           101   None                        None (any hint writes None as Null)
=============  ====  ==========================  ==================================================

Values that do not fit (300 as a Byte, a two-character string as a Char, a non-BMP character as a
Char, ``True`` as an Int) raise :class:`ValueError` or :class:`TypeError`; nothing is wrapped or
truncated. Floats are written as IEEE 754 like Java (NaN and infinities included); a Python float that
overflows a Java float raises :class:`ValueError`.
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
    register_decoder,
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
    "java_int",
]

_B_BYTE = struct.Struct("<Bb")
_B_SHORT = struct.Struct("<Bh")
_B_INT = struct.Struct("<Bi")
_B_LONG = struct.Struct("<Bq")
_B_FLOAT = struct.Struct("<Bf")
_B_DOUBLE = struct.Struct("<Bd")
_B_CHAR = struct.Struct("<BH")
_F_BITS = struct.Struct("<I")
_D_BITS = struct.Struct("<Q")


def _check_int(cls: Any, value: Any, lo: int, hi: int) -> int:
    if type(value) is not int:
        if isinstance(value, bool):
            raise TypeError(f"{cls.__name__} expects an int, got bool")
        if not isinstance(value, int):
            if hasattr(value, "__index__") and not isinstance(value, float):
                value = value.__index__()
            else:
                raise TypeError(f"{cls.__name__} expects an int, got {type(value).__name__}")
        value = int(value)
    if not lo <= value <= hi:
        raise ValueError(f"{value} does not fit {cls.__name__} (range {lo}..{hi})")
    return value


def java_int(h: int) -> int:
    """Wrap an integer to a signed 32-bit Java int."""
    h &= 0xFFFFFFFF
    return h - 0x100000000 if h & 0x80000000 else h


def long_hash(v: int) -> int:
    """Java ``Long.hashCode(v)``: ``(int) (v ^ (v >>> 32))``."""
    v &= 0xFFFFFFFFFFFFFFFF
    return java_int(v ^ (v >> 32))


class _IntegerType(IgniteDataType):
    _lo = 0
    _hi = 0
    _packer = _B_INT
    _unpacker = INT

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "type_code" not in cls.__dict__:
            return
        code, lo, hi, pack = cls.type_code, cls._lo, cls._hi, cls._packer.pack
        unpack_from, size = cls._unpacker.unpack_from, cls._unpacker.size

        def encode(klass: Any, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
            if type(value) is not int or not lo <= value <= hi:
                value = _check_int(klass, value, lo, hi)
            buf += pack(code, value)

        def decode_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
            return unpack_from(buf, pos)[0], pos + size

        cls.encode = classmethod(encode)  # type: ignore[method-assign,assignment]
        cls.decode_payload = staticmethod(decode_payload)  # type: ignore[method-assign]
        register_decoder(code, decode_payload)

    @classmethod
    def check(cls, value: Any) -> int:
        """``value`` as an int if it fits this type; :class:`TypeError`/:class:`ValueError` otherwise."""
        return _check_int(cls, value, cls._lo, cls._hi)

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
        return long_hash(_check_int(cls, value, cls._lo, cls._hi))


def _check_float(cls: Any, value: Any) -> float:
    if type(value) is float:
        return value
    if isinstance(value, (bool, str, bytes)) or not (isinstance(value, (int, float)) or hasattr(value, "__float__")):
        raise TypeError(f"{cls.__name__} expects a float, got {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{value!r} is too large for {cls.__name__} (IEEE 754)") from None


def float_bits(value: float) -> int:
    """Java ``Float.floatToIntBits`` (NaN canonicalised) as a signed int."""
    if math.isnan(value):
        return 0x7FC00000
    return java_int(_F_BITS.unpack(struct.pack("<f", value))[0])


def double_hash(value: float) -> int:
    """Java ``Double.hashCode(value)`` (``doubleToLongBits``, NaN canonicalised)."""
    if math.isnan(value):
        bits = 0x7FF8000000000000
    else:
        bits = _D_BITS.unpack(DOUBLE.pack(value))[0]
    return java_int(bits ^ (bits >> 32))


def check_float32(cls: Any, value: Any) -> float:
    """``value`` as a float that a Java float can hold (after rounding); :class:`ValueError` beyond."""
    value = _check_float(cls, value)
    try:
        FLOAT.pack(value)
    except OverflowError:
        raise ValueError(f"{value} does not fit {cls.__name__} (IEEE 754 single precision)") from None
    return value


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

    @staticmethod
    def decode_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        return FLOAT.unpack_from(buf, pos)[0], pos + 4

    @classmethod
    def hashcode(cls, value: Any) -> int:
        return float_bits(check_float32(cls, value))


class DoubleObject(IgniteDataType):
    """Java ``double`` (type code 6): IEEE 754 double precision; the default for Python ``float``."""

    type_code = 6
    java_type = "java.lang.Double"

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        if type(value) is not float:
            value = _check_float(cls, value)
        buf += _B_DOUBLE.pack(6, value)

    @staticmethod
    def decode_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        return DOUBLE.unpack_from(buf, pos)[0], pos + 8

    @classmethod
    def hashcode(cls, value: Any) -> int:
        return double_hash(_check_float(cls, value))


class CharObject(IgniteDataType):
    """Java ``char`` (type code 7): one UTF-16 code unit, as a one-character ``str``.

    Characters outside the Basic Multilingual Plane need two code units and raise :class:`ValueError`.
    An int 0..65535 is taken as the code unit itself.
    """

    type_code = 7
    java_type = "java.lang.Character"

    @classmethod
    def code_unit(cls, value: Any) -> int:
        """The UTF-16 code unit of ``value``; :class:`TypeError`/:class:`ValueError` if it is not one."""
        if isinstance(value, str):
            if len(value) != 1:
                raise ValueError(f"CharObject expects exactly one character, got {len(value)}: {value!r}")
            code = ord(value)
            if code > 0xFFFF:
                raise ValueError(f"character {value!r} is outside the BMP and does not fit a Java char")
            return code
        if isinstance(value, int) and not isinstance(value, bool):
            return _check_int(cls, value, 0, 0xFFFF)
        raise TypeError(f"CharObject expects a one-character str, got {type(value).__name__}")

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        buf += _B_CHAR.pack(7, cls.code_unit(value))

    @staticmethod
    def decode_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        return chr(USHORT.unpack_from(buf, pos)[0]), pos + 2

    @classmethod
    def hashcode(cls, value: Any) -> int:
        return cls.code_unit(value)


class BoolObject(IgniteDataType):
    """Java ``boolean`` (type code 8): ``True``/``False`` (the ints 0 and 1 are accepted too)."""

    type_code = 8
    java_type = "java.lang.Boolean"

    @classmethod
    def check(cls, value: Any) -> bool:
        """``value`` as a bool; :class:`TypeError`/:class:`ValueError` unless a bool or 0/1."""
        if value is True or value is False:
            return value
        if isinstance(value, int):
            if value in (0, 1):
                return bool(value)
            raise ValueError(f"BoolObject accepts True/False or 0/1, not {value}")
        raise TypeError(f"BoolObject expects a bool, got {type(value).__name__}")

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        if value is True:
            buf += b"\x08\x01"
        elif value is False:
            buf += b"\x08\x00"
        else:
            buf += b"\x08\x01" if cls.check(value) else b"\x08\x00"

    @staticmethod
    def decode_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        return buf[pos] != 0, pos + 1

    @classmethod
    def hashcode(cls, value: Any) -> int:
        return 1231 if cls.check(value) else 1237


class Null(IgniteDataType):
    """The null value (type code 101), ``None`` in Python."""

    type_code = NULL_CODE

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        if value is not None:
            raise TypeError(f"Null can only encode None, got {type(value).__name__}")
        buf.append(NULL_CODE)

    @staticmethod
    def decode_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        return None, pos

    @classmethod
    def hashcode(cls, value: Any) -> int:
        return 0


register_inference(int, LongObject)
register_inference(float, DoubleObject)
register_inference(bool, BoolObject)
register_inference(type(None), Null)
