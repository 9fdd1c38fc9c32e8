"""Arrays of primitives (type codes 12..19) and of standard objects (20, 21, 22, 31, 34, 37).

Every array is an i32 element count followed by the elements: packed values for primitives, full values
(type code + payload, or Null) for standard objects.

====================  ====  ===========================  =============================================
hint                  code  decoded as                   accepted when encoding
====================  ====  ===========================  =============================================
ByteArrayObject       12    ``bytes``                    ``bytes``/``bytearray``/``memoryview``, or an
                                                         iterable of ints -128..255 (a negative int is
                                                         the signed view of the same byte)
ShortArrayObject      13    list of int                  iterable of ints in the i16 range
IntArrayObject        14    list of int                  iterable of ints in the i32 range
LongArrayObject       15    list of int                  iterable of ints in the i64 range
FloatArrayObject      16    list of float                iterable of floats/ints (within float32)
DoubleArrayObject     17    list of float                iterable of floats/ints
CharArrayObject       18    list of one-char str         a ``str`` (its UTF-16 code units, as Java's
                                                         ``toCharArray()``) or an iterable of BMP chars
BoolArrayObject       19    list of bool                 iterable of bools (or 0/1)
StringArrayObject     20    list of str/None             iterable of str/None
UUIDArrayObject       21    list of UUID/None            iterable of uuid.UUID/None
DateArrayObject       22    list of datetime/None        as DateObject, or None
DecimalArrayObject    31    list of Decimal/None         as DecimalObject, or None
TimestampArrayObject  34    list of (datetime, nanos)    as TimestampObject, or None
                            tuples/None
TimeArrayObject       37    list of timedelta/None       as TimeObject, or None
====================  ====  ===========================  =============================================

Elements are checked: a bool among ints, a float in an int array, an int out of range, a str among
UUIDs... raise :class:`TypeError`/:class:`ValueError` naming the index; nothing is wrapped or truncated.
(The specification lists the Time array as 0x23; the server's ``GridBinaryMarshaller.TIME_ARR`` is 37,
and 35 is ``PROXY``: the server wins.)

The Java hash codes are those of ``java.util.Arrays.hashCode`` for the array type.
"""

from __future__ import annotations

import struct
import sys
from array import array
from typing import Any, Callable, List, Tuple

from pyignite.datatypes.base import (
    CODE_INT,
    INT,
    NO_CONTEXT,
    NULL_CODE,
    CodecContext,
    IgniteDataType,
    register_decoder,
)
from pyignite.datatypes.primitive import (
    BoolObject,
    CharObject,
    _check_float,
    _check_int,
    check_float32,
    double_hash,
    float_bits,
    java_int,
    long_hash,
)
from pyignite.datatypes.standard import (
    DateObject,
    DecimalObject,
    TimeObject,
    TimestampObject,
    UUIDObject,
    _date_payload,
    _decimal_payload,
    _encode_str,
    _string_payload,
    _time_payload,
    _timestamp_payload,
    _uuid_payload,
    java_string_hash,
)
from pyignite.exceptions import ParseError

__all__ = [
    "BoolArrayObject",
    "ByteArrayObject",
    "CharArrayObject",
    "DateArrayObject",
    "DecimalArrayObject",
    "DoubleArrayObject",
    "FloatArrayObject",
    "IntArrayObject",
    "LongArrayObject",
    "ShortArrayObject",
    "StringArrayObject",
    "TimeArrayObject",
    "TimestampArrayObject",
    "UUIDArrayObject",
]

_BIG_ENDIAN = sys.byteorder == "big"
_MAX_COUNT = 2**31 - 1


def _typecode(size: int, signed: bool = True) -> str:
    for code in ("bhilq" if signed else "BHILQ"):
        if array(code).itemsize == size:
            return code
    raise ImportError(f"no array typecode of {size} bytes")  # pragma: no cover


def _elements(value: Any, hint: str) -> Any:
    """``value`` as a list or tuple of elements (rejects str, bytes and mappings)."""
    if type(value) is list or type(value) is tuple:
        return value
    if isinstance(value, (str, bytes, bytearray, dict)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{hint} expects a list (or another iterable) of elements, got {type(value).__name__}")
    return list(value)


def _header(buf: bytearray, code: int, count: int, hint: str) -> None:
    if count > _MAX_COUNT:
        raise ValueError(f"{hint} of {count} elements is longer than a Java array can be")
    buf += CODE_INT.pack(code, count)


def _count(buf: Any, pos: int, size: int, hint: str) -> Tuple[int, int]:
    """Read an element count; check that ``count * size`` bytes follow."""
    count = INT.unpack_from(buf, pos)[0]
    pos += 4
    if count < 0 or pos + count * size > len(buf):
        raise ParseError(f"{hint} of {count} elements at offset {pos - 5} exceeds the data")
    return count, pos


class _PrimitiveArray(IgniteDataType):
    """An array of fixed-size numbers packed with ``struct``/``array``."""

    _fmt = "i"  # struct format character of one element
    _size = 4
    _array_code = "i"  # array module typecode of the same size

    @classmethod
    def _check_elements(cls, values: Any) -> List[Any]:
        raise NotImplementedError

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        values = _elements(value, cls.__name__)
        cls.encode_checked(buf, values, set(map(type, values)))

    @classmethod
    def encode_checked(cls, buf: bytearray, values: Any, types: set) -> None:
        """Encode ``values`` (a list/tuple) whose element types are ``types``."""
        n = len(values)
        _header(buf, cls.type_code, n, cls.__name__)
        if not types <= cls._fast_types:
            values = cls._check_elements(values)
        try:
            if n > 256 and cls._fmt != "f":  # large: array is faster and needs no argument tuple
                arr = array(cls._array_code, values)
                if _BIG_ENDIAN:  # pragma: no cover - the wire is little-endian
                    arr.byteswap()
                buf += arr.tobytes()
            else:
                buf += struct.pack(f"<{n}{cls._fmt}", *values)
        except (struct.error, OverflowError, TypeError):
            del buf[len(buf) - 5:]
            cls._check_elements(values)  # raises, naming the element
            raise  # pragma: no cover - _check_elements found nothing wrong

    _fast_types: frozenset = frozenset()

    @classmethod
    def decode_payload(cls, buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        count, pos = _count(buf, pos, cls._size, cls.__name__)
        end = pos + count * cls._size
        arr = array(cls._array_code)
        arr.frombytes(buf[pos:end])
        if _BIG_ENDIAN:  # pragma: no cover - the wire is little-endian
            arr.byteswap()
        return arr.tolist(), end


def _check_ints(cls: Any, values: Any, lo: int, hi: int) -> List[int]:
    out = []
    for i, v in enumerate(values):
        try:
            out.append(_check_int(cls, v, lo, hi))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"element {i}: {exc}") from None
    return out


class ByteArrayObject(IgniteDataType):
    """Java ``byte[]`` (type code 12): ``bytes``; the default for ``bytes`` and ``bytearray``.

    Encodes bytes-like objects as they are, or an iterable of ints -128..255 (Java bytes are signed:
    -1 and 255 are the same byte). Decodes to ``bytes``.
    """

    type_code = 12
    java_type = "byte[]"

    @classmethod
    def to_bytes(cls, value: Any) -> bytes:
        """The bytes of ``value``; :class:`TypeError`/:class:`ValueError` if it is not a byte array."""
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        if isinstance(value, memoryview):
            return value.tobytes()
        values = _elements(value, "ByteArrayObject")
        if set(map(type, values)) <= {int}:
            try:
                return bytes(values)
            except ValueError:
                pass
        return bytes(v & 0xFF for v in _check_ints(cls, values, -128, 255))

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        if type(value) is not bytes and type(value) is not bytearray:
            value = cls.to_bytes(value)
        n = len(value)
        _header(buf, 12, n, "ByteArrayObject")
        buf += value

    @staticmethod
    def decode_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        count, pos = _count(buf, pos, 1, "ByteArrayObject")
        end = pos + count
        return bytes(buf[pos:end]), end

    @classmethod
    def hashcode(cls, value: Any) -> int:
        h = 1
        for b in cls.to_bytes(value):
            h = (31 * h + (b - 256 if b > 127 else b)) & 0xFFFFFFFF
        return java_int(h)


register_decoder(12, ByteArrayObject.decode_payload)


class ShortArrayObject(_PrimitiveArray):
    """Java ``short[]`` (type code 13): a list of ints in -32768..32767."""

    type_code = 13
    java_type = "short[]"
    _fmt, _size, _array_code = "h", 2, _typecode(2)
    _fast_types = frozenset((int,))

    @classmethod
    def _check_elements(cls, values: Any) -> List[Any]:
        return _check_ints(cls, values, -(2**15), 2**15 - 1)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        h = 1
        for v in cls._check_elements(_elements(value, cls.__name__)):
            h = (31 * h + v) & 0xFFFFFFFF
        return java_int(h)


class IntArrayObject(_PrimitiveArray):
    """Java ``int[]`` (type code 14): a list of ints in the i32 range."""

    type_code = 14
    java_type = "int[]"
    _fmt, _size, _array_code = "i", 4, _typecode(4)
    _fast_types = frozenset((int,))

    @classmethod
    def _check_elements(cls, values: Any) -> List[Any]:
        return _check_ints(cls, values, -(2**31), 2**31 - 1)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        h = 1
        for v in cls._check_elements(_elements(value, cls.__name__)):
            h = (31 * h + v) & 0xFFFFFFFF
        return java_int(h)


class LongArrayObject(_PrimitiveArray):
    """Java ``long[]`` (type code 15): a list of ints in the i64 range; the default for a list of ints."""

    type_code = 15
    java_type = "long[]"
    _fmt, _size, _array_code = "q", 8, _typecode(8)
    _fast_types = frozenset((int,))

    @classmethod
    def _check_elements(cls, values: Any) -> List[Any]:
        return _check_ints(cls, values, -(2**63), 2**63 - 1)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        h = 1
        for v in cls._check_elements(_elements(value, cls.__name__)):
            h = (31 * h + long_hash(v)) & 0xFFFFFFFF
        return java_int(h)


def _check_floats(cls: Any, values: Any, single: bool) -> List[float]:
    out = []
    for i, v in enumerate(values):
        try:
            out.append(check_float32(cls, v) if single else _check_float(cls, v))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"element {i}: {exc}") from None
    return out


class FloatArrayObject(_PrimitiveArray):
    """Java ``float[]`` (type code 16): a list of floats (single precision; beyond its range: error)."""

    type_code = 16
    java_type = "float[]"
    _fmt, _size, _array_code = "f", 4, "f"
    _fast_types = frozenset((float, int))

    @classmethod
    def _check_elements(cls, values: Any) -> List[Any]:
        return _check_floats(cls, values, True)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        h = 1
        for v in cls._check_elements(_elements(value, cls.__name__)):
            h = (31 * h + float_bits(v)) & 0xFFFFFFFF
        return java_int(h)


class DoubleArrayObject(_PrimitiveArray):
    """Java ``double[]`` (type code 17): a list of floats; the default for a list of floats."""

    type_code = 17
    java_type = "double[]"
    _fmt, _size, _array_code = "d", 8, "d"
    _fast_types = frozenset((float, int))

    @classmethod
    def _check_elements(cls, values: Any) -> List[Any]:
        return _check_floats(cls, values, False)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        h = 1
        for v in cls._check_elements(_elements(value, cls.__name__)):
            h = (31 * h + double_hash(v)) & 0xFFFFFFFF
        return java_int(h)


class CharArrayObject(_PrimitiveArray):
    """Java ``char[]`` (type code 18): a list of one-character strings.

    A ``str`` is written as its UTF-16 code units (as Java's ``String.toCharArray()``: a character
    outside the BMP becomes a surrogate pair); a list must hold BMP characters (or ints 0..65535).
    """

    type_code = 18
    java_type = "char[]"
    _fmt, _size, _array_code = "H", 2, _typecode(2, signed=False)

    @classmethod
    def _check_elements(cls, values: Any) -> List[Any]:
        out = []
        for i, v in enumerate(values):
            try:
                out.append(CharObject.code_unit(v))
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"element {i}: {exc}") from None
        return out

    @classmethod
    def code_units(cls, value: Any) -> List[int]:
        if isinstance(value, str):
            data = value.encode("utf-16-le", "surrogatepass")
            return list(struct.unpack(f"<{len(data) // 2}H", data))
        return cls._check_elements(_elements(value, cls.__name__))

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        units = cls.code_units(value)
        _header(buf, 18, len(units), cls.__name__)
        buf += struct.pack(f"<{len(units)}H", *units)

    @classmethod
    def decode_payload(cls, buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        units, end = super().decode_payload(buf, pos, ctx)
        return list(map(chr, units)), end

    @classmethod
    def hashcode(cls, value: Any) -> int:
        h = 1
        for v in cls.code_units(value):
            h = (31 * h + v) & 0xFFFFFFFF
        return java_int(h)


class BoolArrayObject(IgniteDataType):
    """Java ``boolean[]`` (type code 19): a list of bools; the default for a list of bools."""

    type_code = 19
    java_type = "boolean[]"

    @classmethod
    def _check_elements(cls, values: Any) -> List[bool]:
        out = []
        for i, v in enumerate(values):
            try:
                out.append(BoolObject.check(v))
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"element {i}: {exc}") from None
        return out

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        values = _elements(value, cls.__name__)
        cls.encode_checked(buf, values, set(map(type, values)))

    @classmethod
    def encode_checked(cls, buf: bytearray, values: Any, types: set) -> None:
        if not types <= {bool}:
            values = cls._check_elements(values)
        _header(buf, 19, len(values), cls.__name__)
        buf += bytes(values)

    @staticmethod
    def decode_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        count, pos = _count(buf, pos, 1, "BoolArrayObject")
        end = pos + count
        return list(map(bool, buf[pos:end])), end

    @classmethod
    def hashcode(cls, value: Any) -> int:
        h = 1
        for v in cls._check_elements(_elements(value, cls.__name__)):
            h = (31 * h + (1231 if v else 1237)) & 0xFFFFFFFF
        return java_int(h)


register_decoder(19, BoolArrayObject.decode_payload)


# --- arrays of standard objects --------------------------------------------------------------------

class _ObjectsArray(IgniteDataType):
    """An array of nullable standard objects, each written with its type code."""

    _element: Any = None  # hint class of the elements
    _element_code = 0
    _element_decoder: Callable[..., Tuple[Any, int]]
    _element_types: frozenset = frozenset()  # exact Python types the element encoder takes as is

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        values = _elements(value, cls.__name__)
        cls.encode_checked(buf, values, None)

    @classmethod
    def encode_checked(cls, buf: bytearray, values: Any, types: Any) -> None:
        _header(buf, cls.type_code, len(values), cls.__name__)
        enc = cls._element.encode
        for i, v in enumerate(values):
            if v is None:
                buf.append(NULL_CODE)
                continue
            try:
                enc(buf, v)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"{cls.__name__} element {i}: {exc}") from None

    @classmethod
    def decode_payload(cls, buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        count, pos = _count(buf, pos, 1, cls.__name__)
        code = cls._element_code
        dec = cls._element_decoder
        out: List[Any] = []
        append = out.append
        for _ in range(count):
            c = buf[pos]
            if c == code:
                v, pos = dec(buf, pos + 1)
                append(v)
            elif c == NULL_CODE:
                append(None)
                pos += 1
            else:
                raise ParseError(f"{cls.__name__}: element of type code {c} at offset {pos} (expected {code})")
        return out, pos

    @classmethod
    def element_hash(cls, value: Any) -> int:
        return cls._element.hashcode(value)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        """``Arrays.hashCode(Object[])``: ``31 * h + (e == null ? 0 : e.hashCode())`` from 1."""
        h = 1
        for v in _elements(value, cls.__name__):
            h = (31 * h + (0 if v is None else cls.element_hash(v))) & 0xFFFFFFFF
        return java_int(h)


class _StringElement:
    """Writes one String element (a namespace like a hint class, but not one)."""

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        if not isinstance(value, str):
            raise TypeError(f"expected a str, got {type(value).__name__}")
        _encode_str(buf, value)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        if not isinstance(value, str):
            raise TypeError(f"expected a str, got {type(value).__name__}")
        return java_string_hash(value)


class StringArrayObject(_ObjectsArray):
    """Java ``String[]`` (type code 20): a list of str (or None); the default for a list of str."""

    type_code = 20
    java_type = "java.lang.String[]"
    _element = _StringElement
    _element_code = 9
    _element_decoder = staticmethod(_string_payload)

    @classmethod
    def encode_checked(cls, buf: bytearray, values: Any, types: Any) -> None:
        if types is None or not types <= {str, type(None)}:
            super().encode_checked(buf, values, types)
            return
        _header(buf, 20, len(values), cls.__name__)
        head = CODE_INT.pack
        for v in values:
            if v is None:
                buf.append(NULL_CODE)
                continue
            try:
                data = v.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ValueError(f"StringArrayObject: string cannot be encoded as UTF-8: {exc}") from None
            buf += head(9, len(data))
            buf += data


class UUIDArrayObject(_ObjectsArray):
    """Java ``UUID[]`` (type code 21): a list of uuid.UUID (or None)."""

    type_code = 21
    java_type = "java.util.UUID[]"
    _element = UUIDObject
    _element_code = 10
    _element_decoder = staticmethod(_uuid_payload)


class DateArrayObject(_ObjectsArray):
    """Java ``Date[]`` (type code 22): a list of datetime (or None); the default for a list of dates."""

    type_code = 22
    java_type = "java.util.Date[]"
    _element = DateObject
    _element_code = 11
    _element_decoder = staticmethod(_date_payload)


class DecimalArrayObject(_ObjectsArray):
    """Java ``BigDecimal[]`` (type code 31): a list of Decimal (or None)."""

    type_code = 31
    java_type = "java.math.BigDecimal[]"
    _element = DecimalObject
    _element_code = 30
    _element_decoder = staticmethod(_decimal_payload)


class TimestampArrayObject(_ObjectsArray):
    """Java ``Timestamp[]`` (type code 34): a list of datetime (or None); default for a list of datetimes.

    Elements decode as TimestampObject does, to ``(datetime, nanos)`` tuples (or None).
    """

    type_code = 34
    java_type = "java.sql.Timestamp[]"
    _element = TimestampObject
    _element_code = 33
    _element_decoder = staticmethod(_timestamp_payload)


class TimeArrayObject(_ObjectsArray):
    """Java ``Time[]`` (type code 37): a list of timedelta (or None); default for a list of timedeltas."""

    type_code = 37
    java_type = "java.sql.Time[]"
    _element = TimeObject
    _element_code = 36
    _element_decoder = staticmethod(_time_payload)
