"""Standard Ignite objects: String, UUID, Timestamp, Date, Time, Decimal, Enum and Binary enum.

Python representations
----------------------
================  ====  ==============================  ==============================================
hint              code  decoded as                      accepted when encoding
================  ====  ==============================  ==============================================
String            9     ``str``                         ``str`` (lone surrogates raise ValueError)
UUIDObject        10    ``uuid.UUID``                   ``uuid.UUID``
TimestampObject   33    ``(datetime, nanos)``: naive    ``(datetime, nanos)`` (nanos 0 takes the
                        UTC ``datetime`` in whole ms,   datetime's own sub-millisecond part), a
                        and the 0..999999 nanoseconds   ``datetime`` (naive = UTC, aware converted to
                        within that millisecond, as     UTC), a ``date`` (midnight UTC)
                        the specification and the
                        official client give it
                        (``to_datetime()`` of the hint
                        makes one datetime)
DateObject        11    naive UTC ``datetime``          ``datetime`` (naive = UTC, aware converted),
                                                        ``date`` (midnight UTC); must be a whole
                                                        millisecond
SqlDateObject     -2    naive UTC ``datetime``          as DateObject; writes ``java.sql.Date`` (what
                                                        SQL ``DATE`` columns hold) the way Ignite does,
                                                        with its optimized marshaller
TimeObject        36    ``timedelta`` (ms since         ``timedelta`` or ``datetime.time`` (aware:
                        midnight)                       converted to UTC); whole milliseconds
DecimalObject     30    ``decimal.Decimal`` (exact,     ``Decimal`` (finite; the scale is kept, so
                        scale kept)                     ``Decimal('1.50')`` is 150 with scale 2 as
                                                        in Java) or ``int``
EnumObject        28    ``(type_id, ordinal)``          ``(type_id, ordinal)``; or
                        (``(class_name, ordinal)`` if   ``(class_name, ordinal)``, which writes type
                        the type id is 0)               id 0 and the class name, as Java does for
                                                        unregistered enums
BinaryEnumObject  38    as EnumObject                   as EnumObject
================  ====  ==============================  ==============================================

Byte layouts (checked against ``BinaryWriterExImpl``/``BinaryUtils``): UUID is the most and the least
significant 64 bits, each a little-endian i64; Timestamp is an i64 of milliseconds since the epoch (UTC,
floor) and an i32 of nanoseconds within that millisecond (0..999999); Date and Time are an i64 of
milliseconds (Time: ``java.sql.Time.getTime()``, milliseconds of 1970-01-01 in UTC); Decimal is the i32
scale, an i32 length and the big-endian magnitude of the unscaled value as Java's
``BigInteger.toByteArray()`` writes it, with the sign in the top bit of the first byte; Enum is the i32
type id (plus the class name String if the id is 0) and the i32 ordinal.

(The specification's table gives 0x67 for the Binary enum; the server's ``GridBinaryMarshaller.BINARY_ENUM``
is 38, and 0x67 is the complex object: the server wins. The server keeps enums as binary enums and writes
them back with type code 38 whichever of the two codes they were put with.)

Nothing is truncated: a ``datetime`` with microseconds as a ``DateObject`` (Java dates hold whole
milliseconds), a NaN Decimal or one whose scale does not fit an i32, a naive/aware mix-up that cannot be
resolved... raise :class:`ValueError` or :class:`TypeError` naming the problem.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import struct
import uuid
from typing import Any, Optional, Tuple

from pyignite.datatypes.base import (
    CODE_INT,
    INT,
    LONG,
    NO_CONTEXT,
    CodecContext,
    IgniteDataType,
    register_decoder,
    register_inference,
)
from pyignite.datatypes.primitive import java_int, long_hash
from pyignite.exceptions import ParseError

__all__ = [
    "BinaryEnumObject",
    "DateObject",
    "DecimalObject",
    "EnumObject",
    "NanoDatetime",
    "SqlDateObject",
    "String",
    "TimeObject",
    "TimestampObject",
    "UUIDObject",
    "java_string_hash",
]

_UUID = struct.Struct("<BQQ")
_UUID_PAYLOAD = struct.Struct("<QQ")
_B_LONG = struct.Struct("<Bq")
_TS = struct.Struct("<Bqi")
_TS_PAYLOAD = struct.Struct("<qi")
_DEC_HEAD = struct.Struct("<Bii")
_ENUM = struct.Struct("<Bii")
_II = struct.Struct("<ii")

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


# --- String --------------------------------------------------------------------------------------

def java_string_hash(value: str) -> int:
    """Java ``String.hashCode()``: over UTF-16 code units (a non-BMP character counts as two)."""
    h = 0
    if value.isascii():
        for ch in value.encode("ascii"):
            h = (31 * h + ch) & 0xFFFFFFFF
    else:
        data = value.encode("utf-16-le", "surrogatepass")
        for i in range(0, len(data), 2):
            h = (31 * h + (data[i] | (data[i + 1] << 8))) & 0xFFFFFFFF
    return java_int(h)


def _decode_cesu8(data: bytes) -> str:
    """Decode Java's "modified UTF-8" (surrogate pairs as two 3-byte sequences, NUL as C0 80).

    Ignite writes it when ``IGNITE_BINARY_MARSHALLER_USE_STRING_SERIALIZATION_VER_2`` is on.
    """
    text = bytes(data).replace(b"\xc0\x80", b"\x00").decode("utf-8", "surrogatepass")
    # join surrogate pairs into the characters they encode; lone surrogates stay as they are
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _string_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
    length = INT.unpack_from(buf, pos)[0]
    start = pos + 4
    end = start + length
    if length < 0 or end > len(buf):
        raise ParseError(f"String of {length} bytes at offset {pos} exceeds the data")
    data = buf[start:end]
    try:
        return str(data, "utf-8"), end
    except UnicodeDecodeError:
        try:
            return _decode_cesu8(data), end
        except UnicodeDecodeError as exc:
            raise ParseError(f"String at offset {pos} is not valid UTF-8: {exc}") from None


def _encode_str(buf: bytearray, value: str) -> None:
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"string cannot be encoded as UTF-8 (lone surrogate?): {exc}") from None
    buf += CODE_INT.pack(9, len(data))
    buf += data


class String(IgniteDataType):
    """Java ``String`` (type code 9): i32 length in bytes, then UTF-8 bytes; Python ``str``.

    Lone surrogates cannot be represented in UTF-8 and raise :class:`ValueError`. Decoding also
    accepts Java's modified UTF-8 (CESU-8) that Ignite writes with string serialization version 2.
    """

    type_code = 9
    java_type = "java.lang.String"

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        if type(value) is not str and not isinstance(value, str):
            raise TypeError(f"String expects a str, got {type(value).__name__}")
        try:
            data = value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"string cannot be encoded as UTF-8 (lone surrogate?): {exc}") from None
        buf += CODE_INT.pack(9, len(data))
        buf += data

    decode_payload = staticmethod(_string_payload)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        if not isinstance(value, str):
            raise TypeError(f"String expects a str, got {type(value).__name__}")
        return java_string_hash(value)


register_decoder(9, _string_payload)


# --- UUID ----------------------------------------------------------------------------------------

_new_object = object.__new__
_set_attr = object.__setattr__
_SAFE_UNKNOWN = uuid.SafeUUID.unknown
_UUIDType = uuid.UUID
_MASK64 = 0xFFFFFFFFFFFFFFFF


def _make_uuid(value: int) -> uuid.UUID:
    # uuid.UUID(int=...) validates its arguments at length; the value is a valid 128-bit int here.
    u = _new_object(_UUIDType)
    _set_attr(u, "int", value)
    _set_attr(u, "is_safe", _SAFE_UNKNOWN)
    return u


def _uuid_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
    msb, lsb = _UUID_PAYLOAD.unpack_from(buf, pos)
    return _make_uuid((msb << 64) | lsb), pos + 16


class UUIDObject(IgniteDataType):
    """Java ``java.util.UUID`` (type code 10): ``uuid.UUID``; two i64 (msb, lsb), little-endian."""

    type_code = 10
    java_type = "java.util.UUID"

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        if not isinstance(value, uuid.UUID):
            raise TypeError(f"UUIDObject expects a uuid.UUID, got {type(value).__name__}")
        i = value.int
        buf += _UUID.pack(10, i >> 64, i & _MASK64)

    decode_payload = staticmethod(_uuid_payload)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        if not isinstance(value, uuid.UUID):
            raise TypeError(f"UUIDObject expects a uuid.UUID, got {type(value).__name__}")
        i = value.int
        return long_hash((i >> 64) ^ (i & _MASK64))


register_decoder(10, _uuid_payload)


# --- dates and times -----------------------------------------------------------------------------

_EPOCH = _dt.datetime(1970, 1, 1)
_UTC = _dt.timezone.utc
_datetime = _dt.datetime
_date = _dt.date
_timedelta = _dt.timedelta
_time = _dt.time
_DAY_MS = 86_400_000


class NanoDatetime(_dt.datetime):
    """A ``datetime`` that also keeps the nanoseconds below its microsecond (``nanosecond``, 0..999).

    Decoding a Timestamp whose nanoseconds are not a whole number of microseconds gives one of these,
    so writing it back is lossless. It equals a plain ``datetime`` only when ``nanosecond`` is 0.
    Arithmetic and ``replace()`` give plain ``datetime`` semantics (the nanoseconds are dropped).
    """

    __slots__ = ("_ns",)
    _ns: int

    def __new__(cls, *args: Any, nanosecond: int = 0, **kwargs: Any) -> NanoDatetime:
        if isinstance(nanosecond, bool) or not isinstance(nanosecond, int) or not 0 <= nanosecond <= 999:
            raise ValueError(f"nanosecond must be an int in 0..999, not {nanosecond!r}")
        self = super().__new__(cls, *args, **kwargs)
        self._ns = nanosecond
        return self

    @property
    def nanosecond(self) -> int:
        """Nanoseconds below the microsecond, 0..999."""
        return getattr(self, "_ns", 0)

    @classmethod
    def from_datetime(cls, value: _dt.datetime, nanosecond: int) -> NanoDatetime:
        """``value`` plus ``nanosecond`` (0..999) nanoseconds."""
        return cls(value.year, value.month, value.day, value.hour, value.minute, value.second,
                   value.microsecond, value.tzinfo, fold=value.fold, nanosecond=nanosecond)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _dt.datetime):
            return NotImplemented
        return _dt.datetime.__eq__(self, other) and self.nanosecond == getattr(other, "nanosecond", 0)

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = _dt.datetime.__hash__

    def __repr__(self) -> str:
        return f"{_dt.datetime.__repr__(self)[:-1]}, nanosecond={self.nanosecond})"

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (NanoDatetime.from_datetime, (_dt.datetime.fromisoformat(self.isoformat()), self.nanosecond))


def _naive_utc(value: _dt.datetime, hint: str) -> _dt.datetime:
    """``value`` as a naive UTC datetime (aware values are converted)."""
    offset = value.utcoffset()
    if offset is None:
        return value.replace(tzinfo=None) if value.tzinfo is not None else value
    return value.replace(tzinfo=None) - offset


def _epoch_us(value: Any, hint: str) -> int:
    """Microseconds since the epoch (UTC) of a datetime or a date."""
    if isinstance(value, _datetime):
        if value.tzinfo is not None:
            value = _naive_utc(value, hint)
        d = value - _EPOCH
    elif isinstance(value, _date):
        d = _datetime(value.year, value.month, value.day) - _EPOCH
    else:
        raise TypeError(f"{hint} expects a datetime or a date, got {type(value).__name__}")
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


def timestamp_parts(value: Any) -> Tuple[int, int]:
    """``(milliseconds since the epoch, nanoseconds within the millisecond)`` of a Timestamp value."""
    if type(value) is tuple:
        if len(value) != 2:
            raise TypeError("TimestampObject expects a datetime or a (datetime, nanos) tuple")
        dt, nanos = value
        if isinstance(nanos, bool) or not isinstance(nanos, int):
            raise TypeError(f"TimestampObject nanoseconds must be an int, got {type(nanos).__name__}")
        if not 0 <= nanos <= 999_999:
            raise ValueError(f"TimestampObject nanoseconds within the millisecond must be 0..999999, not {nanos}")
        us = _epoch_us(dt, "TimestampObject")
        ms, sub_us = divmod(us, 1000)
        extra = getattr(dt, "nanosecond", 0)
        if not nanos:
            # The official client's common ``(datetime.now(), 0)``: the datetime carries the
            # sub-millisecond part itself; keep it rather than drop it.
            nanos = sub_us * 1000 + extra
        elif (sub_us or extra) and sub_us * 1000 + extra != nanos:
            raise ValueError(
                f"TimestampObject: the datetime's sub-millisecond part ({sub_us} us) disagrees with "
                f"the nanoseconds {nanos}; give the datetime in whole milliseconds"
            )
    else:
        us = _epoch_us(value, "TimestampObject")
        ms, sub_us = divmod(us, 1000)
        nanos = sub_us * 1000 + getattr(value, "nanosecond", 0)
    return ms, nanos


def _timestamp_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
    # The specification's (and the official client's) shape: the whole milliseconds as a naive UTC
    # datetime, and the wire's nanoseconds within that millisecond as they are.
    ms, nanos = _TS_PAYLOAD.unpack_from(buf, pos)
    try:
        return (_EPOCH + _timedelta(0, 0, 0, ms), nanos), pos + 12
    except OverflowError:
        raise ParseError(f"Timestamp {ms} ms is outside the range of Python datetime") from None


def timestamp_to_datetime(value: Any) -> Any:
    """A decoded ``(datetime, nanos)`` Timestamp as one ``datetime`` (None stays None).

    The microseconds come from ``nanos``; a value with sub-microsecond nanoseconds gives a
    :class:`NanoDatetime`, which keeps them (writing it back is lossless). A ``datetime`` given as
    is comes back unchanged.
    """
    if value is None or isinstance(value, _datetime):
        return value
    if type(value) is not tuple or len(value) != 2 or not isinstance(value[0], _datetime):
        raise TypeError(f"expected a (datetime, nanos) Timestamp, got {value!r}")
    dt, nanos = value
    if isinstance(nanos, bool) or not isinstance(nanos, int) or not 0 <= nanos <= 999_999:
        raise ValueError(f"Timestamp nanoseconds within the millisecond must be 0..999999, not {nanos!r}")
    if not nanos:
        return dt
    us, ns = divmod(nanos, 1000)
    dt = dt + _timedelta(microseconds=us)
    return NanoDatetime.from_datetime(dt, ns) if ns else dt


class TimestampObject(IgniteDataType):
    """Java ``java.sql.Timestamp`` (type code 33): i64 ms since the epoch + i32 nanos within the ms.

    Decodes to the specification's ``(datetime, nanos)`` tuple, as the official client does: a naive
    UTC ``datetime`` in whole milliseconds and the nanoseconds within that millisecond (0..999999);
    :meth:`to_datetime` turns it into one ``datetime``. Encodes that tuple (``nanos`` 0 keeps the
    datetime's own sub-millisecond part), a ``datetime`` (naive = UTC; aware ones are converted) or a
    ``date`` (midnight UTC). The default hint for ``datetime``.
    """

    type_code = 33
    java_type = "java.sql.Timestamp"

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        vtype = type(value)
        if vtype is _datetime and value.tzinfo is None:
            d = value - _EPOCH
            ms, sub_us = divmod((d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds, 1000)
            buf += _TS.pack(33, ms, sub_us * 1000)
            return
        if vtype is tuple and len(value) == 2:  # fast path of the (naive datetime, nanos) form
            dtv, nanos = value
            if type(dtv) is _datetime and dtv.tzinfo is None and type(nanos) is int and 0 <= nanos <= 999_999:
                d = dtv - _EPOCH
                ms, sub_us = divmod((d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds, 1000)
                if not sub_us or sub_us * 1000 == nanos:
                    buf += _TS.pack(33, ms, nanos)
                    return
        ms, nanos = timestamp_parts(value)
        buf += _TS.pack(33, ms, nanos)

    decode_payload = staticmethod(_timestamp_payload)
    to_datetime = staticmethod(timestamp_to_datetime)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        """``java.sql.Timestamp.hashCode()``: ``Date.hashCode()`` of ``getTime()`` (whole ms)."""
        return long_hash(timestamp_parts(value)[0])


register_decoder(33, _timestamp_payload)


def date_ms(value: Any) -> int:
    """Milliseconds since the epoch of a Date value; :class:`ValueError` if it is not whole ms."""
    us = _epoch_us(value, "DateObject")
    ms, sub_us = divmod(us, 1000)
    if sub_us or getattr(value, "nanosecond", 0):
        raise ValueError(
            f"DateObject holds whole milliseconds; {value!r} has a sub-millisecond part "
            "(use TimestampObject, or round the value)"
        )
    return ms


def _date_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
    ms = LONG.unpack_from(buf, pos)[0]
    try:
        return _EPOCH + _timedelta(0, 0, 0, ms), pos + 8
    except OverflowError:
        raise ParseError(f"Date {ms} ms is outside the range of Python datetime") from None


class DateObject(IgniteDataType):
    """Java ``java.util.Date`` (type code 11): i64 ms since the epoch; a naive UTC ``datetime``.

    Encodes a ``datetime`` (naive = UTC, aware converted) or a ``date`` (midnight UTC). Java dates hold
    whole milliseconds: a value with leftover microseconds raises :class:`ValueError`.
    The default hint for ``date``.
    """

    type_code = 11
    java_type = "java.util.Date"

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        buf += _B_LONG.pack(11, date_ms(value))

    decode_payload = staticmethod(_date_payload)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        """``java.util.Date.hashCode()``: ``(int) t ^ (int) (t >> 32)`` of the ms."""
        return long_hash(date_ms(value))


register_decoder(11, _date_payload)


def time_ms(value: Any) -> int:
    """Milliseconds of a Time value (``timedelta`` or ``datetime.time``); whole milliseconds only."""
    if isinstance(value, _timedelta):
        us = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    elif isinstance(value, _time):
        us = ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond
        offset = value.utcoffset()
        if offset is not None:
            off_us = (offset.days * 86400 + offset.seconds) * 1_000_000 + offset.microseconds
            us = (us - off_us) % (_DAY_MS * 1000)
    else:
        raise TypeError(f"TimeObject expects a timedelta or a datetime.time, got {type(value).__name__}")
    ms, sub_us = divmod(us, 1000)
    if sub_us:
        raise ValueError(f"TimeObject holds whole milliseconds; {value!r} has a sub-millisecond part")
    if not _LONG_MIN <= ms <= _LONG_MAX:  # pragma: no cover - timedelta cannot get this large
        raise ValueError(f"{value!r} does not fit TimeObject")
    return ms


def _time_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
    ms = LONG.unpack_from(buf, pos)[0]
    try:
        return _timedelta(0, 0, 0, ms), pos + 8
    except OverflowError:
        raise ParseError(f"Time {ms} ms is outside the range of Python timedelta") from None


class TimeObject(IgniteDataType):
    """Java ``java.sql.Time`` (type code 36): i64 ms; a ``timedelta`` since midnight (UTC).

    Encodes a ``timedelta`` or a ``datetime.time`` (aware: converted to UTC). Whole milliseconds only.
    The default hint for ``timedelta`` and ``datetime.time``.
    """

    type_code = 36
    java_type = "java.sql.Time"

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        buf += _B_LONG.pack(36, time_ms(value))

    decode_payload = staticmethod(_time_payload)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        return long_hash(time_ms(value))


register_decoder(36, _time_payload)


# java.sql.Date (what SQL DATE columns hold) has no binary type code: Ignite writes it with its optimized
# marshaller (type code -2, ``OPTM_MARSH``): i32 length, then byte 102 (a Serializable), the i32 class
# id ("java.sql.Date".hashCode()), an i16 class checksum (the low 16 bits of java.sql.Date's fixed
# serialVersionUID 1511598038487230103) and, from java.util.Date.writeObject, the i64 time in ms. That
# one shape is read (and written by SqlDateObject); other Java-serialized objects cannot be read in Python.
_OPTM_HEAD = struct.Struct("<iBih")
_OPTM_SQL_DATE_ID = java_string_hash("java.sql.Date")  # 0x40d5de3a
_OPTM_SQL_DATE = struct.Struct("<BiBihq")
_SQL_DATE_CHECKSUM = 1511598038487230103 & 0xFFFF
_SQL_DATE_CHECKSUM -= 0x10000 if _SQL_DATE_CHECKSUM & 0x8000 else 0


def _optimized_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
    length = INT.unpack_from(buf, pos)[0]
    end = pos + 4 + length
    if length < 0 or end > len(buf):
        raise ParseError(f"Java-serialized object of {length} bytes at offset {pos - 1} exceeds the data")
    if length == 15:
        _, kind, class_id, _checksum = _OPTM_HEAD.unpack_from(buf, pos)
        if kind == 102 and class_id == _OPTM_SQL_DATE_ID:
            return _date_payload(buf, pos + 11)[0], end
    class_id = INT.unpack_from(buf, pos + 5)[0] if length >= 5 else None
    raise ParseError(
        f"a Java object serialized with Ignite's optimized marshaller (class id {class_id}) at offset "
        f"{pos - 1}: only java.sql.Date can be read by a Python client"
    )


class SqlDateObject(IgniteDataType):
    """Java ``java.sql.Date``, the value of an SQL ``DATE`` column: a naive UTC ``datetime``.

    Not in the specification's table: Ignite has no binary type code for ``java.sql.Date`` and writes it
    with its optimized marshaller (type code -2). Use this hint to put a value that SQL ``DATE``
    columns see (a ``DateObject``, a ``java.util.Date``, is not visible to them). Takes what
    :class:`DateObject` takes (whole milliseconds; an SQL date is midnight in the server's time zone).
    Decoding ``DATE`` columns needs nothing special: such values decode to ``datetime``.
    """

    type_code = 0xFE
    java_type = "java.sql.Date"

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        buf += _OPTM_SQL_DATE.pack(0xFE, 15, 102, _OPTM_SQL_DATE_ID, _SQL_DATE_CHECKSUM, date_ms(value))

    decode_payload = staticmethod(_optimized_payload)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        """``java.sql.Date.hashCode()`` (``java.util.Date``'s): of the milliseconds."""
        return long_hash(date_ms(value))


register_decoder(0xFE, _optimized_payload)


# --- Decimal -------------------------------------------------------------------------------------

#: a context that never rounds (scaleb only moves the exponent)
_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
_Decimal = decimal.Decimal


def decimal_parts(value: Any) -> Tuple[int, int]:
    """``(unscaled value, scale)`` of a Decimal as Java's ``BigDecimal`` has them."""
    if isinstance(value, _Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be stored as a Java BigDecimal (only finite values)")
        exp = value.as_tuple().exponent
        scale = -exp  # type: ignore[operator]
        if not _INT_MIN <= scale <= _INT_MAX:
            raise ValueError(f"the scale {scale} of {value} does not fit a Java BigDecimal (i32)")
        return int(value.scaleb(scale, _EXACT)), scale
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value), 0
    raise TypeError(f"DecimalObject expects a decimal.Decimal or an int, got {type(value).__name__}")


def decimal_magnitude(unscaled: int) -> bytes:
    """The magnitude bytes Ignite writes: ``abs(unscaled).toByteArray()``, sign in the top bit."""
    if unscaled >= 0:
        return unscaled.to_bytes(unscaled.bit_length() // 8 + 1, "big")
    mag = -unscaled
    data = bytearray(mag.to_bytes(mag.bit_length() // 8 + 1, "big"))
    data[0] |= 0x80
    return bytes(data)


def _decimal_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
    scale, length = _II.unpack_from(buf, pos)
    start = pos + 8
    end = start + length
    if length <= 0 or end > len(buf):
        raise ParseError(f"Decimal magnitude of {length} bytes at offset {pos} is invalid or exceeds the data")
    first = buf[start]
    if first & 0x80:
        mag = int.from_bytes(bytes((first & 0x7F,)) + bytes(buf[start + 1:end]), "big")
        unscaled = -mag
    else:
        unscaled = int.from_bytes(buf[start:end], "big")
    return _Decimal(unscaled).scaleb(-scale, _EXACT), end


class DecimalObject(IgniteDataType):
    """Java ``java.math.BigDecimal`` (type code 30): ``decimal.Decimal``, exact, scale preserved.

    Layout: i32 scale, i32 length, big-endian magnitude with the sign in the top bit of its first byte
    (``BinaryWriterExImpl.doWriteDecimal``). NaN and infinities raise :class:`ValueError`, as does a
    scale outside the i32 range. Ints are written with scale 0.
    """

    type_code = 30
    java_type = "java.math.BigDecimal"

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        unscaled, scale = decimal_parts(value)
        mag = decimal_magnitude(unscaled)
        buf += _DEC_HEAD.pack(30, scale, len(mag))
        buf += mag

    decode_payload = staticmethod(_decimal_payload)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        """``BigDecimal.hashCode()``: ``31 * unscaledValue().hashCode() + scale``."""
        unscaled, scale = decimal_parts(value)
        return java_int(31 * big_integer_hash(unscaled) + scale)


register_decoder(30, _decimal_payload)


def big_integer_hash(value: int) -> int:
    """Java ``BigInteger.hashCode()``: over the 32-bit words of the magnitude, times the signum."""
    mag = -value if value < 0 else value
    h = 0
    if mag:
        words = (mag.bit_length() + 31) // 32
        data = mag.to_bytes(words * 4, "big")
        for i in range(0, len(data), 4):
            h = (31 * h + int.from_bytes(data[i:i + 4], "big")) & 0xFFFFFFFF
    h = java_int(h)
    return java_int(-h) if value < 0 else h


# --- Enum ----------------------------------------------------------------------------------------

def check_type_id(type_id: Any, hint: str) -> Any:
    """A type id as given for an enum or an object array: an i32 other than 0, or a class name str."""
    if isinstance(type_id, str):
        return type_id
    if isinstance(type_id, bool) or not isinstance(type_id, int):
        raise TypeError(f"{hint} type id must be an int (or a class name str), got {type(type_id).__name__}")
    if not _INT_MIN <= type_id <= _INT_MAX:
        raise ValueError(f"{hint} type id {type_id} does not fit an i32")
    if type_id == 0:
        raise ValueError(f"{hint} type id 0 means an unregistered type: give the class name instead")
    return type_id


def enum_parts(value: Any, hint: str) -> Tuple[int, Optional[str], int]:
    """``(type id, class name or None, ordinal)`` of an enum value."""
    if not isinstance(value, tuple) or len(value) != 2:
        raise TypeError(f"{hint} expects a (type_id, ordinal) tuple, got {value!r}")
    type_id, ordinal = value
    if isinstance(ordinal, bool) or not isinstance(ordinal, int):
        raise TypeError(f"{hint} ordinal must be an int, got {type(ordinal).__name__}")
    if not _INT_MIN <= ordinal <= _INT_MAX:
        raise ValueError(f"{hint} ordinal {ordinal} does not fit an i32")
    type_id = check_type_id(type_id, hint)
    if isinstance(type_id, str):
        return 0, type_id, ordinal
    return type_id, None, ordinal


def write_enum(buf: bytearray, code: int, value: Any, hint: str) -> None:
    type_id, name, ordinal = enum_parts(value, hint)
    if name is None:
        buf += _ENUM.pack(code, type_id, ordinal)
    else:
        buf += CODE_INT.pack(code, 0)
        _encode_str(buf, name)
        buf += INT.pack(ordinal)


def read_enum_type(buf: Any, pos: int) -> Tuple[Any, int]:
    """Read an enum (or array) type: the i32 type id, followed by a class name String if it is 0."""
    type_id = INT.unpack_from(buf, pos)[0]
    pos += 4
    if type_id != 0:
        return type_id, pos
    if buf[pos] != 9:
        raise ParseError(f"expected a class name String at offset {pos}, found type code {buf[pos]}")
    return _string_payload(buf, pos + 1)


def _enum_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
    type_id, pos = read_enum_type(buf, pos)
    return (type_id, INT.unpack_from(buf, pos)[0]), pos + 4


def enum_hash(value: Any, hint: str) -> int:
    """``BinaryEnumObjectImpl.hashCode()``: ``31 * typeId + ordinal``."""
    type_id, name, ordinal = enum_parts(value, hint)
    if name is not None:
        raise ValueError(f"{hint}: the hash of an unregistered enum ({name}) depends on the Java class")
    return java_int(31 * type_id + ordinal)


class EnumObject(IgniteDataType):
    """Java enum (type code 28): a ``(type_id, ordinal)`` tuple.

    ``type_id`` is the binary type id of the enum class (a ``(class_name, ordinal)`` tuple is written
    as Java writes unregistered enums: type id 0 and the class name). Decoding gives the same tuples.
    """

    type_code = 28

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        write_enum(buf, 28, value, "EnumObject")

    decode_payload = staticmethod(_enum_payload)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        return enum_hash(value, "EnumObject")


class BinaryEnumObject(IgniteDataType):
    """Binary enum (type code 38): a ``(type_id, ordinal)`` tuple, same layout as :class:`EnumObject`."""

    type_code = 38

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        write_enum(buf, 38, value, "BinaryEnumObject")

    decode_payload = staticmethod(_enum_payload)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        return enum_hash(value, "BinaryEnumObject")


register_inference(str, String)
register_inference(uuid.UUID, UUIDObject)
register_inference(_dt.datetime, TimestampObject)
register_inference(NanoDatetime, TimestampObject)
register_inference(_dt.date, DateObject)
register_inference(_dt.timedelta, TimeObject)
register_inference(_dt.time, TimeObject)
register_inference(decimal.Decimal, DecimalObject)
