"""Unit tests of the type codecs (no server): golden bytes, round trips, edge cases, Java hash codes.

The golden bytes follow the layouts of Ignite's ``BinaryWriterExImpl``/``BinaryUtils`` (the server
source); bytes captured from a real server are checked in ``test_datatypes_integration.py``.
"""

from __future__ import annotations

import datetime as dt
import math
import struct
import uuid
from collections import OrderedDict
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyignite.datatypes import (
    BinaryEnumArrayObject,
    BinaryEnumObject,
    BoolArrayObject,
    BoolObject,
    ByteArrayObject,
    ByteObject,
    CharArrayObject,
    CharObject,
    CollectionObject,
    DateArrayObject,
    DateObject,
    DecimalArrayObject,
    DecimalObject,
    DoubleArrayObject,
    DoubleObject,
    EnumArrayObject,
    EnumObject,
    FloatArrayObject,
    FloatObject,
    IntArrayObject,
    IntObject,
    LongArrayObject,
    LongObject,
    MapObject,
    NanoDatetime,
    Null,
    ObjectArray,
    ObjectArrayObject,
    ShortArrayObject,
    ShortObject,
    String,
    StringArrayObject,
    TimeArrayObject,
    TimeObject,
    TimestampArrayObject,
    TimestampObject,
    UUIDArrayObject,
    UUIDObject,
    WrappedDataObject,
)
from pyignite.datatypes.base import decode, encode, infer_hint
from pyignite.datatypes.hashing import hashcode
from pyignite.exceptions import ParseError

UTC = dt.timezone.utc


def enc(value: Any, hint: Any = None) -> bytes:
    buf = bytearray()
    encode(buf, value, hint)
    return bytes(buf)


def dec(data: bytes) -> Any:
    value, end = decode(data, 0)
    assert end == len(data), f"decoder stopped at {end} of {len(data)}"
    return value


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def roundtrip(value: Any, hint: Any = None) -> Any:
    return dec(enc(value, hint))


# --- golden bytes --------------------------------------------------------------------------------

U = uuid.UUID("12345678-1234-5678-9abc-def012345678")
U_BYTES = "78563412 78563412 78563412f0debc9a"  # msb then lsb, each a little-endian i64
D1 = dt.datetime(1970, 1, 2)  # 86 400 000 ms = 0x05265C00

GOLDEN = [
    # (value, hint, bytes, decoded value)
    (1, ByteObject, "01 01", 1),
    (-1, ByteObject, "01 ff", -1),
    (-2, ShortObject, "02 feff", -2),
    (0x01020304, IntObject, "03 04030201", 0x01020304),
    (-1, LongObject, "04 ffffffffffffffff", -1),
    (1.5, FloatObject, "05 0000c03f", 1.5),
    (1.5, DoubleObject, "06 000000000000f83f", 1.5),
    ("a", CharObject, "07 6100", "a"),
    ("\u20ac", CharObject, "07 ac20", "\u20ac"),
    (True, BoolObject, "08 01", True),
    (False, BoolObject, "08 00", False),
    (None, Null, "65", None),
    ("\u00e9", String, "09 02000000 c3a9", "\u00e9"),
    ("", String, "09 00000000", ""),
    (U, UUIDObject, "0a" + U_BYTES, U),
    # Timestamp: i64 ms since the epoch + i32 nanoseconds within the ms; read as (datetime in whole
    # ms, nanos within the ms), the specification's and the official client's shape
    (dt.datetime(1970, 1, 1, 0, 0, 1, 1500), TimestampObject, "21 e903000000000000 20a10700",
     (dt.datetime(1970, 1, 1, 0, 0, 1, 1000), 500000)),
    # before the epoch: ms is the floor, nanos stay positive (as java.sql.Timestamp.getTime/getNanos)
    (dt.datetime(1969, 12, 31, 23, 59, 59, 999500), TimestampObject, "21 ffffffffffffffff 20a10700",
     (dt.datetime(1969, 12, 31, 23, 59, 59, 999000), 500000)),
    ((dt.datetime(1970, 1, 1, 0, 0, 1), 123), TimestampObject, "21 e803000000000000 7b000000",
     (dt.datetime(1970, 1, 1, 0, 0, 1), 123)),
    # the official client's (datetime, 0): the datetime's own sub-millisecond part is kept
    ((dt.datetime(1970, 1, 1, 0, 0, 1, 1500), 0), TimestampObject, "21 e903000000000000 20a10700",
     (dt.datetime(1970, 1, 1, 0, 0, 1, 1000), 500000)),
    (D1, DateObject, "0b 005c260500000000", D1),
    (dt.date(1970, 1, 2), DateObject, "0b 005c260500000000", D1),
    (dt.timedelta(hours=1), TimeObject, "24 80ee360000000000", dt.timedelta(hours=1)),
    (dt.time(1, 0), TimeObject, "24 80ee360000000000", dt.timedelta(hours=1)),
    # Decimal: i32 scale, i32 length, big-endian magnitude, sign in the top bit of the first byte
    (Decimal("12.50"), DecimalObject, "1e 02000000 02000000 04e2", Decimal("12.50")),
    (Decimal("-12.50"), DecimalObject, "1e 02000000 02000000 84e2", Decimal("-12.50")),
    (Decimal("-1"), DecimalObject, "1e 00000000 01000000 81", Decimal("-1")),
    (Decimal("127"), DecimalObject, "1e 00000000 01000000 7f", Decimal("127")),
    (Decimal("128"), DecimalObject, "1e 00000000 02000000 0080", Decimal("128")),  # toByteArray adds a 0
    (Decimal("-128"), DecimalObject, "1e 00000000 02000000 8080", Decimal("-128")),
    (Decimal("0"), DecimalObject, "1e 00000000 01000000 00", Decimal("0")),
    (Decimal("0.000"), DecimalObject, "1e 03000000 01000000 00", Decimal("0.000")),
    (Decimal("1E+3"), DecimalObject, "1e fdffffff 01000000 01", Decimal("1E+3")),  # negative scale
    (5, DecimalObject, "1e 00000000 01000000 05", Decimal(5)),
    ((123, 2), EnumObject, "1c 7b000000 02000000", (123, 2)),
    (("com.x.E", 1), EnumObject, "1c 00000000 09 07000000" + b"com.x.E".hex() + "01000000", ("com.x.E", 1)),
    ((123, 2), BinaryEnumObject, "26 7b000000 02000000", (123, 2)),
    # arrays of primitives: i32 count + packed elements
    (b"\x01\xff", ByteArrayObject, "0c 02000000 01ff", b"\x01\xff"),
    ([1, -1], ByteArrayObject, "0c 02000000 01ff", b"\x01\xff"),
    ([1, -1], ShortArrayObject, "0d 02000000 0100 ffff", [1, -1]),
    ([1], IntArrayObject, "0e 01000000 01000000", [1]),
    ([], LongArrayObject, "0f 00000000", []),
    ([2**63 - 1], LongArrayObject, "0f 01000000 ffffffffffffff7f", [2**63 - 1]),
    ([1.5], FloatArrayObject, "10 01000000 0000c03f", [1.5]),
    ([1.5], DoubleArrayObject, "11 01000000 000000000000f83f", [1.5]),
    ("a\U0001f600", CharArrayObject, "12 03000000 6100 3dd8 00de", ["a", "\ud83d", "\ude00"]),
    (["a", "b"], CharArrayObject, "12 02000000 6100 6200", ["a", "b"]),
    ([True, False], BoolArrayObject, "13 02000000 0100", [True, False]),
    # arrays of standard objects: i32 count + full values or Null
    (["a", None], StringArrayObject, "14 02000000 09 01000000 61 65", ["a", None]),
    ([U, None], UUIDArrayObject, "15 02000000 0a" + U_BYTES + "65", [U, None]),
    ([D1], DateArrayObject, "16 01000000 0b 005c260500000000", [D1]),
    ([D1], TimestampArrayObject, "22 01000000 21 005c260500000000 00000000", [(D1, 0)]),
    ([dt.timedelta(hours=1)], TimeArrayObject, "25 01000000 24 80ee360000000000", [dt.timedelta(hours=1)]),
    ([Decimal("-1"), None], DecimalArrayObject, "1f 02000000 1e 00000000 01000000 81 65", [Decimal(-1), None]),
    # Object array: i32 component type id (-1: java.lang.Object), i32 count, values; read as
    # (type_id, list)
    ([1, "a"], ObjectArrayObject, "17 ffffffff 02000000 04 0100000000000000 09 01000000 61", (-1, [1, "a"])),
    ([(1, IntObject)], ObjectArrayObject, "17 ffffffff 01000000 03 01000000", (-1, [1])),
    ((7, [None]), ObjectArrayObject, "17 07000000 01000000 65", (7, [None])),
    (ObjectArray([None], "com.x.P"), ObjectArrayObject, "17 00000000 09 07000000" + b"com.x.P".hex()
     + "01000000 65", ("com.x.P", [None])),
    # Collection: i32 count, byte kind, values
    ((CollectionObject.ARR_LIST, [1]), CollectionObject, "18 01000000 01 04 0100000000000000", (1, [1])),
    ((CollectionObject.USER_SET, []), CollectionObject, "18 00000000 ff", (-1, [])),
    ([1], CollectionObject, "18 01000000 01 04 0100000000000000", (1, [1])),
    # Map: i32 count, byte kind, key/value pairs; read as (kind, dict)
    ({"a": 1}, MapObject, "19 01000000 01 09 01000000 61 04 0100000000000000", (1, {"a": 1})),
    (OrderedDict(a=None), MapObject, "19 01000000 02 09 01000000 61 65", (2, OrderedDict(a=None))),
    ((MapObject.LINKED_HASH_MAP, {}), MapObject, "19 00000000 02", (2, OrderedDict())),
    ({("a", CharObject): (1, ShortObject)}, MapObject, "19 01000000 01 07 6100 02 0100", (1, {"a": 1})),
    # Enum array: i32 component type id, i32 count, Enum values or Null; read as (type_id, list)
    ([(5, 1), None], EnumArrayObject, "1d 05000000 02000000 1c 05000000 01000000 65", (5, [(5, 1), None])),
    ((5, [(5, 1), None]), EnumArrayObject, "1d 05000000 02000000 1c 05000000 01000000 65", (5, [(5, 1), None])),
    ((5, [(5, 1)]), BinaryEnumArrayObject, "1d 05000000 01000000 26 05000000 01000000", (5, [(5, 1)])),
]


@pytest.mark.parametrize(("value", "hint", "data", "expected"), GOLDEN, ids=lambda v: repr(v)[:40])
def test_golden(value: Any, hint: Any, data: str, expected: Any) -> None:
    assert enc(value, hint).hex() == h(data).hex()
    decoded = dec(h(data))
    assert decoded == expected
    if isinstance(expected, tuple):  # decoded object/enum arrays are tuples of a private subclass
        assert isinstance(decoded, tuple)
        for got, want in zip(decoded, expected):
            assert type(got) is type(want)
    else:
        assert type(decoded) is type(expected)
    if isinstance(expected, Decimal):
        assert decoded.as_tuple() == expected.as_tuple()


def test_null_for_any_hint() -> None:
    for hint in (IntObject, String, MapObject, TimestampObject, LongArrayObject):
        assert enc(None, hint) == b"\x65"


def test_nan_and_infinities_are_java_bits() -> None:
    assert enc(math.nan, DoubleObject) == h("06 000000000000f87f")
    assert math.isnan(dec(h("06 000000000000f87f")))
    assert enc(math.inf, FloatObject) == h("05 0000807f")
    assert dec(enc(-math.inf)) == -math.inf
    assert enc(-0.0) == h("06 0000000000000080")


# a binary object with no fields: type 103, version 1, flags USER_TYPE, type id 123, hash 1, length 24,
# schema id 0, schema offset 0
EMPTY_OBJECT = h("67 01 0100 7b000000 01000000 18000000 00000000 00000000")


def test_wrapped_data_encoding() -> None:
    # Wrapped data: i32 length, the bytes, i32 offset of the binary object in them
    wrapped = h("1b 1c000000 65 656565") + EMPTY_OBJECT + h("04000000")
    assert enc((h("65656565") + EMPTY_OBJECT, 4), WrappedDataObject) == wrapped
    assert WrappedDataObject.decode_raw(wrapped, 0) == ((h("65656565") + EMPTY_OBJECT, 4), len(wrapped))
    # the server reads wrapped bytes as a binary object: anything else is refused before sending
    with pytest.raises(TypeError, match="binary objects"):
        enc((7, IntObject), WrappedDataObject)
    with pytest.raises(TypeError, match="binary objects"):
        enc((h("0307000000"), 0), WrappedDataObject)
    with pytest.raises(ValueError, match="header or length"):
        enc((EMPTY_OBJECT[:20], 0), WrappedDataObject)


def test_wrapped_raw_bytes_and_offset() -> None:
    assert dec(h("1b 05000000 0307000000 00000000")) == 7
    # wrapped bytes holding two values; the offset points at the second one
    data = h("1b 0a000000 0307000000 0308000000 05000000")
    assert dec(data) == 8
    assert WrappedDataObject.decode_raw(data, 0) == ((h("0307000000 0308000000"), 5), len(data))
    with pytest.raises(ParseError):
        dec(h("1b 05000000 0307000000 05000000"))  # offset outside the data
    with pytest.raises(ParseError):
        dec(h("1b 03000000 030700 00000000"))  # the wrapped value runs past the wrapped bytes


def test_handle_to_an_earlier_object_is_the_same_object() -> None:
    # Object array [collection, handle -> that collection]; the handle's offset is relative to itself
    data = h("17 ffffffff 02000000" "18 00000000 01" "66 06000000")
    value = dec(data)
    assert value == (-1, [(1, []), (1, [])])
    assert value[1][0] is value[1][1]


def test_handle_cycle_resolves_to_the_enclosing_object() -> None:
    data = h("18 01000000 01" "66 06000000")  # an ArrayList that contains itself
    value = dec(data)
    assert value[0] == 1
    assert value[1][0] is value


def test_handle_to_a_map_and_an_object_array() -> None:
    data = h("17 ffffffff 03000000" "19 01000000 01 09 01000000 61 65" "17 ffffffff 00000000" "66 16000000")
    _, value = dec(data)
    assert value == [(1, {"a": None}), (-1, []), (1, {"a": None})]
    assert value[2] is value[0]


def test_handle_to_a_value_that_is_not_registered_is_decoded_again() -> None:
    data = h("17 ffffffff 02000000" "09 01000000 61" "66 06000000")
    assert dec(data) == (-1, ["a", "a"])


def test_bad_handles() -> None:
    with pytest.raises(ParseError):
        dec(h("17 ffffffff 01000000 66 00000000"))  # points at itself
    with pytest.raises(ParseError):
        dec(h("17 ffffffff 01000000 66 ff000000"))  # before the buffer


def test_handles_do_not_leak_between_values() -> None:
    dec(h("18 00000000 01"))
    assert dec(h("17 ffffffff 02000000" "09 01000000 62" "66 06000000")) == (-1, ["b", "b"])


def test_string_decodes_java_modified_utf8() -> None:
    # IGNITE_BINARY_MARSHALLER_USE_STRING_SERIALIZATION_VER_2: surrogates as 3-byte sequences, NUL as C0 80
    assert dec(h("09 08000000 eda0bdedb880 c080")) == "\U0001f600\x00"


# --- inference ------------------------------------------------------------------------------------

INFERRED = [
    (None, Null), (True, BoolObject), (1, LongObject), (1.5, DoubleObject), ("s", String),
    (b"b", ByteArrayObject), (bytearray(b"b"), ByteArrayObject), (U, UUIDObject),
    (dt.datetime(2020, 1, 1), TimestampObject), (dt.datetime(2020, 1, 1, tzinfo=UTC), TimestampObject),
    (dt.date(2020, 1, 1), DateObject), (dt.timedelta(1), TimeObject), (dt.time(1), TimeObject),
    (Decimal(1), DecimalObject), ([1, 2], LongArrayObject), ((1, 2), LongArrayObject),
    ([1.5], DoubleArrayObject), ([True], BoolArrayObject), (["a", None], StringArrayObject),
    ([U], UUIDArrayObject), ([dt.datetime(2020, 1, 1), None], TimestampArrayObject),
    ([dt.date(2020, 1, 1)], DateArrayObject), ([dt.timedelta(1)], TimeArrayObject),
    ([Decimal(1)], DecimalArrayObject), ([], ObjectArrayObject), ([1, "a"], ObjectArrayObject),
    ([1, True], ObjectArrayObject), ([1, 2.5], ObjectArrayObject), ([1, None], ObjectArrayObject),
    ([None], ObjectArrayObject), ([[1]], ObjectArrayObject), ({"a": 1}, MapObject),
    (OrderedDict(), MapObject), ({1, 2}, CollectionObject), (frozenset(), CollectionObject),
    (ObjectArray([1], 5), ObjectArrayObject),
    # unhinted 2-tuples as the official client writes them (the specification's "Collection: tuple")
    ((1, {"a": 1}), MapObject), ((2, {}), MapObject), ((1, [1, "a"]), CollectionObject),
    ((CollectionObject.HASH_SET, (1, 2)), CollectionObject), ((-1, set()), CollectionObject),
    ((dt.datetime(2020, 1, 1), 5), TimestampObject),
    # ...but not when the first item is no kind: then an Object array as before
    ((7, {"a": 1}), ObjectArrayObject), ((True, [1]), ObjectArrayObject),
    ((dt.datetime(2020, 1, 1), 10**6), ObjectArrayObject),
]


@pytest.mark.parametrize(("value", "hint"), INFERRED, ids=lambda v: repr(v)[:30])
def test_inference(value: Any, hint: Any) -> None:
    assert infer_hint(value) is hint
    assert enc(value) == enc(value, hint)


def test_inference_of_subclasses_and_unknown_types() -> None:
    import enum

    class Color(enum.IntEnum):
        RED = 3

    assert enc(Color.RED) == enc(3, LongObject)
    with pytest.raises(TypeError, match="object"):
        enc(object())
    with pytest.raises(TypeError, match="not a pyignite type hint"):
        enc(1, int)  # type: ignore[arg-type]


def test_top_level_value_hint_tuple() -> None:
    assert enc(("a", CharObject)) == h("07 6100")


def test_decoded_representations() -> None:
    assert type(roundtrip(b"x")) is bytes
    assert roundtrip((1, "a")) == (-1, [1, "a"])
    assert roundtrip({1, 2}) == (CollectionObject.HASH_SET, [1, 2])
    assert roundtrip(dt.date(2020, 2, 3)) == dt.datetime(2020, 2, 3)
    assert type(roundtrip(OrderedDict(a=1))[1]) is OrderedDict
    assert type(roundtrip({"a": 1})[1]) is dict
    # aware datetimes are converted to UTC, decoded naive
    assert roundtrip(dt.datetime(2020, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))) == (
        dt.datetime(2020, 1, 1), 0)
    # a 2-tuple whose first item is no collection kind is an Object array of its two items
    assert infer_hint((2024, ["a"])) is ObjectArrayObject
    assert roundtrip((2024, ["a"])) == (-1, [2024, ["a"]])
    # decoded values written back without a hint keep their Ignite type
    for value, hint in (([1, "a"], ObjectArrayObject), ((7, [None]), ObjectArrayObject),
                        ({"a": [1, "b"]}, MapObject), ((2, {1: 2}), MapObject), ({1}, CollectionObject),
                        ([(5, 1)], EnumArrayObject), (dt.datetime(2020, 1, 1, 0, 0, 0, 1001), TimestampObject)):
        data = enc(value, hint)
        assert enc(dec(data)) == data, value


def test_map_keys_that_python_cannot_hash() -> None:
    data = h("19 01000000 01" "0f 01000000 0100000000000000" "65")  # {long[]{1}: null}
    assert dec(data) == (1, {(1,): None})


# --- edge cases: values that do not fit are rejected, never truncated ------------------------------

@pytest.mark.parametrize(("value", "hint", "error"), [
    (300, ByteObject, ValueError), (-129, ByteObject, ValueError), (2**15, ShortObject, ValueError),
    (2**31, IntObject, ValueError), (2**63, LongObject, ValueError), (2**63, None, ValueError),
    (True, IntObject, TypeError), (1.0, IntObject, TypeError), ("1", LongObject, TypeError),
    (1e300, FloatObject, ValueError), (10**400, DoubleObject, ValueError), (True, DoubleObject, TypeError),
    ("1.5", DoubleObject, TypeError),
    ("ab", CharObject, ValueError), ("", CharObject, ValueError), ("\U0001f600", CharObject, ValueError),
    (65536, CharObject, ValueError), (1.5, CharObject, TypeError),
    (2, BoolObject, ValueError), ("true", BoolObject, TypeError),
    (1, String, TypeError), ("a\ud800", String, ValueError),
    ("u", UUIDObject, TypeError),
    (dt.datetime(2020, 1, 1, 0, 0, 0, 1), DateObject, ValueError),
    (dt.timedelta(microseconds=1), TimeObject, ValueError), (dt.time(0, 0, 0, 1), TimeObject, ValueError),
    (1, TimestampObject, TypeError), ((dt.datetime(2020, 1, 1), 10**6), TimestampObject, ValueError),
    ((dt.datetime(2020, 1, 1, 0, 0, 0, 5), 6000), TimestampObject, ValueError),
    ((dt.datetime(2020, 1, 1), -1), TimestampObject, ValueError),
    (Decimal("NaN"), DecimalObject, ValueError), (Decimal("Infinity"), DecimalObject, ValueError),
    (Decimal("1E-2147483649"), DecimalObject, ValueError), (Decimal("1E+2147483649"), DecimalObject, ValueError),
    (1.5, DecimalObject, TypeError),
    ((1, 2**31), EnumObject, ValueError), ((0, 1), EnumObject, ValueError), (1, EnumObject, TypeError),
    ([1, 2**31], IntArrayObject, ValueError), ([1, "a"], IntArrayObject, TypeError),
    ([1, True], IntArrayObject, TypeError), ([1, 1.5], IntArrayObject, TypeError),
    ([2**63], LongArrayObject, ValueError), ([-(2**15) - 1], ShortArrayObject, ValueError),
    ([256], ByteArrayObject, ValueError), ([-129], ByteArrayObject, ValueError), (["a"], ByteArrayObject, TypeError),
    ([1e300], FloatArrayObject, ValueError), ([True], DoubleArrayObject, TypeError),
    (["ab"], CharArrayObject, ValueError), (["\U0001f600"], CharArrayObject, ValueError),
    ([2], BoolArrayObject, ValueError), (["x"], BoolArrayObject, TypeError),
    (["a", 1], StringArrayObject, TypeError), ([U, "u"], UUIDArrayObject, TypeError),
    ([dt.datetime(2020, 1, 1, 0, 0, 0, 1)], DateArrayObject, ValueError),
    ("abc", StringArrayObject, TypeError), (5, ObjectArrayObject, TypeError),
    ({"a": 1}, LongArrayObject, TypeError), ((9, [1]), CollectionObject, ValueError),
    ((CollectionObject.SINGLETON_LIST, [1, 2]), CollectionObject, ValueError),
    ([1, 2], MapObject, TypeError), ((3, {}), MapObject, ValueError),
    ([(1, 2), "x"], EnumArrayObject, TypeError),
    ((b"ab", 2), WrappedDataObject, ValueError), ("x", WrappedDataObject, TypeError),
])
def test_values_that_do_not_fit(value: Any, hint: Any, error: type) -> None:
    buf = bytearray(b"prefix")
    with pytest.raises(error):
        encode(buf, value, hint)


def test_bool_array_accepts_zero_and_one() -> None:
    assert enc([1, 0], BoolArrayObject) == h("13 02000000 0100")
    with pytest.raises(ValueError, match="element 0"):
        enc([2], BoolArrayObject)


def test_array_errors_name_the_element() -> None:
    with pytest.raises(ValueError, match="element 2"):
        enc([1, 2, 2**31], IntArrayObject)
    with pytest.raises(TypeError, match="element 1"):
        enc(["a", 1], StringArrayObject)
    with pytest.raises(ValueError, match="element 1"):
        enc([1.0, 1e300], FloatArrayObject)


def test_failed_array_leaves_nothing_half_written_in_typed_arrays() -> None:
    buf = bytearray(b"x")
    with pytest.raises(ValueError):
        encode(buf, [1, 2**40], IntArrayObject)
    assert buf == b"x"


def test_float_rounding_like_java() -> None:
    # a Java (float) cast rounds to nearest; 0.1f is 0x3dcccccd
    assert enc(0.1, FloatObject) == h("05 cdcccc3d")
    assert enc(2**53 + 1, DoubleObject) == enc(float(2**53), DoubleObject)  # int -> double widening


def test_non_bmp_and_unicode_strings() -> None:
    for text in ("\U0001f600", "z\u00df\u6c34\U0001d11e", "\x00", "a" * 100_000):
        assert roundtrip(text) == text
    assert enc("\U0001f600") == h("09 04000000 f09f9880")


def test_huge_and_empty_arrays() -> None:
    big = list(range(-500_000, 500_000))
    assert roundtrip(big) == big
    assert roundtrip(big, IntArrayObject) == big
    assert roundtrip([float(x) for x in range(1000)]) == [float(x) for x in range(1000)]
    assert roundtrip(bytes(3_000_000)) == bytes(3_000_000)
    for hint in (ByteArrayObject, ShortArrayObject, IntArrayObject, LongArrayObject, FloatArrayObject,
                 DoubleArrayObject, CharArrayObject, BoolArrayObject, StringArrayObject, UUIDArrayObject,
                 DateArrayObject, TimestampArrayObject, TimeArrayObject, DecimalArrayObject,
                 ObjectArrayObject, EnumArrayObject):
        expected: Any = b"" if hint is ByteArrayObject else []
        if hint in (ObjectArrayObject, EnumArrayObject):
            expected = (-1, [])
        assert roundtrip([], hint) == expected


def test_huge_decimals() -> None:
    for value in (Decimal(10**1000), Decimal("-1E+2147483647"), Decimal("1E-2147483647"),
                  Decimal("-" + "9" * 500 + "." + "1" * 500)):
        out = roundtrip(value)
        assert out == value and out.as_tuple() == value.as_tuple()


def test_negative_zero_decimal_is_java_zero() -> None:
    assert enc(Decimal("-0.00")) == enc(Decimal("0.00"))


def test_timestamps_keep_nanoseconds() -> None:
    ns = NanoDatetime(2021, 5, 6, 7, 8, 9, 123456, nanosecond=789)
    data = enc(ns)
    assert data[9:] == struct.pack("<i", 456789)
    out = dec(data)
    assert out == (dt.datetime(2021, 5, 6, 7, 8, 9, 123000), 456789)
    assert enc(out) == data  # the decoded tuple writes back the same nanoseconds
    as_dt = TimestampObject.to_datetime(out)
    assert isinstance(as_dt, NanoDatetime) and as_dt == ns and as_dt.nanosecond == 789
    assert as_dt != dt.datetime(2021, 5, 6, 7, 8, 9, 123456)
    assert TimestampObject.to_datetime(dec(h("21 e803000000000000 3f420f00"))) == NanoDatetime(
        1970, 1, 1, 0, 0, 1, 999, nanosecond=999)
    assert TimestampObject.to_datetime((dt.datetime(2020, 1, 1), 5000)) == dt.datetime(2020, 1, 1, 0, 0, 0, 5)
    assert type(TimestampObject.to_datetime((dt.datetime(2020, 1, 1), 5000))) is dt.datetime
    assert TimestampObject.to_datetime(None) is None
    with pytest.raises(TypeError):
        TimestampObject.to_datetime((1, 2))
    with pytest.raises(ValueError):
        TimestampObject.to_datetime((dt.datetime(2020, 1, 1), 10**6))
    # the specification's (datetime, nanos) tuple and its consistency check
    assert enc((dt.datetime(2020, 1, 1, 0, 0, 0, 5000), 5001), TimestampObject) == enc(
        NanoDatetime(2020, 1, 1, 0, 0, 0, 5005, nanosecond=1), TimestampObject)  # 5 ms + 5001 ns


def test_out_of_python_range_dates_raise_parse_error() -> None:
    with pytest.raises(ParseError, match="range"):
        dec(b"\x0b" + struct.pack("<q", 2**62))
    with pytest.raises(ParseError, match="range"):
        dec(b"\x21" + struct.pack("<qi", -(2**62), 0))


@pytest.mark.parametrize("data", [
    "", "03 0100", "09 05000000 6162", "09 ffffffff", "0e 02000000 01000000", "0c 05000000 01",
    "1e 00000000 00000000", "1e 00000000 05000000 01", "14 01000000 03 01000000", "17 ffffffff 02000000 65",
    "19 01000000 01 65", "18 ffffffff 01", "fe", "13 10000000 01", "0a 0102", "1c 00000000 04",
    "09 02000000 c328",
])
def test_garbled_data_raises_parse_error(data: str) -> None:
    with pytest.raises(ParseError):
        decode(h(data), 0)


# --- hypothesis round trips ----------------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
DATETIMES = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31))
DECIMALS = st.decimals(allow_nan=False, allow_infinity=False)


def _int_range(hint: Any) -> Any:
    bits = {ByteObject: 8, ShortObject: 16, IntObject: 32, LongObject: 64}[hint]
    return st.integers(min_value=-(2 ** (bits - 1)), max_value=2 ** (bits - 1) - 1)


@pytest.mark.parametrize("hint", [ByteObject, ShortObject, IntObject, LongObject])
@given(data=st.data())
def test_roundtrip_integers(hint: Any, data: Any) -> None:
    value = data.draw(_int_range(hint))
    out = roundtrip(value, hint)
    assert out == value and type(out) is int


@given(st.floats(allow_nan=False))
def test_roundtrip_double(value: float) -> None:
    assert roundtrip(value) == value


@given(st.floats(width=32, allow_nan=False))
def test_roundtrip_float(value: float) -> None:
    assert roundtrip(value, FloatObject) == value


@given(TEXT)
def test_roundtrip_string(value: str) -> None:
    assert roundtrip(value) == value
    assert hashcode(value) == _java_string_hash_reference(value)


@given(st.uuids())
def test_roundtrip_uuid(value: uuid.UUID) -> None:
    assert roundtrip(value) == value


@given(DATETIMES, st.integers(min_value=0, max_value=999))
def test_roundtrip_timestamp(value: dt.datetime, nanos: int) -> None:
    out = roundtrip(value)
    assert out[0] == value.replace(microsecond=value.microsecond // 1000 * 1000)
    assert TimestampObject.to_datetime(out) == value
    ns = NanoDatetime.from_datetime(value, nanos)
    out = TimestampObject.to_datetime(roundtrip(ns))
    assert out == ns and getattr(out, "nanosecond", 0) == nanos


@given(DATETIMES)
def test_roundtrip_date(value: dt.datetime) -> None:
    value = value.replace(microsecond=value.microsecond // 1000 * 1000)
    assert roundtrip(value, DateObject) == value


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_roundtrip_time(ms: int) -> None:
    value = dt.timedelta(milliseconds=ms)
    assert roundtrip(value) == value


@given(DECIMALS)
def test_roundtrip_decimal(value: Decimal) -> None:
    out = roundtrip(value)
    assert out == value
    if not value.is_zero():
        assert out.as_tuple() == value.as_tuple()
    else:
        assert out.as_tuple().exponent == value.as_tuple().exponent


@pytest.mark.parametrize(("hint", "elements"), [
    (ShortArrayObject, _int_range(ShortObject)), (IntArrayObject, _int_range(IntObject)),
    (LongArrayObject, _int_range(LongObject)), (DoubleArrayObject, st.floats(allow_nan=False)),
    (FloatArrayObject, st.floats(width=32, allow_nan=False)), (BoolArrayObject, st.booleans()),
    (StringArrayObject, st.none() | TEXT), (UUIDArrayObject, st.none() | st.uuids()),
    (TimestampArrayObject, st.none() | DATETIMES), (DecimalArrayObject, st.none() | DECIMALS),
    (CharArrayObject, st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",))),
])
@given(data=st.data())
def test_roundtrip_typed_arrays(hint: Any, elements: Any, data: Any) -> None:
    value = data.draw(st.lists(elements, max_size=20))
    out = roundtrip(value, hint)
    if hint is TimestampArrayObject:  # elements read as (datetime, nanos), as TimestampObject
        out = [TimestampObject.to_datetime(v) for v in out]
    assert out == value


@given(st.binary(max_size=100))
def test_roundtrip_bytes(value: bytes) -> None:
    assert roundtrip(value) == value
    assert hashcode(value) == _java_bytes_hash_reference(value)


SCALARS = (
    st.none() | st.booleans() | _int_range(LongObject) | st.floats(allow_nan=False) | TEXT | st.uuids()
    | DATETIMES | DECIMALS | st.binary(max_size=8)
)
KEYS = st.booleans() | _int_range(LongObject) | TEXT | st.uuids()
NESTED = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=20,
)


def _same(a: Any, b: Any) -> bool:
    """Equality that also checks Python types (1 vs True vs 1.0), for values that round trip (in
    the shapes they are read back: an Object array as ``(-1, list)``, a map as ``(1, dict)``, a
    datetime as ``(datetime, nanos)``)."""
    if isinstance(a, (list, tuple)):
        if all(type(x) is int for x in a) and a:  # a typed Long array reads back as a list
            return isinstance(b, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
        if isinstance(b, tuple) and len(b) == 2 and b[0] == -1:
            b = b[1]
        return isinstance(b, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        if not (isinstance(b, tuple) and b[0] == 1):
            return False
        b = b[1]
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if type(a) is dt.datetime:
        return isinstance(b, tuple) and TimestampObject.to_datetime(b) == a
    return type(a) is type(b) and (a == b or (a != a and b != b))


@settings(max_examples=300)
@given(NESTED)
def test_roundtrip_nested_values(value: Any) -> None:
    assert _same(value, roundtrip(value))


@given(st.lists(st.tuples(TEXT, st.sampled_from([String, CharObject]))))
def test_hints_inside_lists(items: list) -> None:
    items = [(v, hint) for v, hint in items if hint is String or (len(v) == 1 and ord(v) <= 0xFFFF)]
    assert roundtrip(items, ObjectArrayObject) == (-1, [v for v, _ in items])


# --- Java hash codes ----------------------------------------------------------------------------

def _java_string_hash_reference(s: str) -> int:
    units = s.encode("utf-16-le", "surrogatepass")
    acc = 0
    for i in range(0, len(units), 2):
        acc = (acc * 31 + int.from_bytes(units[i:i + 2], "little")) % 2**32
    return acc - 2**32 if acc >= 2**31 else acc


def _java_bytes_hash_reference(data: bytes) -> int:
    acc = 1
    for b in data:
        acc = (acc * 31 + (b if b < 128 else b - 256)) % 2**32
    return acc - 2**32 if acc >= 2**31 else acc


@pytest.mark.parametrize(("value", "hint", "expected"), [
    ("hello", None, 99162322),  # "hello".hashCode()
    ("\U0001f600", None, 1772899),  # two UTF-16 units: 31 * 0xd83d + 0xde00
    ("", None, 0),
    (5, IntObject, 5), (-5, ByteObject, -5), (-5, ShortObject, -5),
    (2**32, LongObject, 1), (-1, None, 0), (2**63 - 1, None, -2147483648),
    (1.5, None, 1073217536), (-0.0, None, -2147483648), (math.nan, None, 2146959360),
    (1.5, FloatObject, 1069547520), (math.nan, FloatObject, 2143289344),
    (True, None, 1231), (False, None, 1237), ("a", CharObject, 97), (None, None, 0),
    (uuid.UUID(int=(1 << 64) | 2), None, 3),  # new UUID(1, 2).hashCode()
    (U, None, -2004318072),  # hilo = 0x8888888800000000: (int) (hilo >>> 32) ^ (int) hilo
    (Decimal("12.50"), None, 31 * 1250 + 2),  # BigDecimal.hashCode = 31 * unscaled.hashCode() + scale
    (Decimal("-1.5"), None, 31 * -15 + 1),
    (Decimal(2**64), None, 31 * 961),  # BigInteger mag {1, 0, 0}: (1 * 31 + 0) * 31 + 0
    (Decimal("-1E+3"), None, 31 * -1 - 3),
    (dt.datetime(1970, 1, 1, 0, 0, 0, 1000), DateObject, 1),  # Date(1).hashCode()
    (dt.datetime(1969, 12, 31, 23, 59, 59, 999000), DateObject, 0),  # Date(-1): -1 ^ -1
    (dt.datetime(1970, 1, 1, 0, 0, 0, 1999), None, 1),  # Timestamp: Date.hashCode of getTime()
    (dt.timedelta(milliseconds=7), None, 7),
    ((5, 1), EnumObject, 31 * 5 + 1), ((5, 1), BinaryEnumObject, 156),
    (b"\x01\xff", None, 31 * 32 - 1),  # Arrays.hashCode(new byte[]{1, -1})
    ([1, 2], LongArrayObject, 31 * 32 + 2), ([1, 2], IntArrayObject, 994), ([1, 2], ShortArrayObject, 994),
    ([True], BoolArrayObject, 31 + 1231), ("ab", CharArrayObject, 31 * (31 + 97) + 98),
    ([1.5], DoubleArrayObject, 31 + 1073217536), ([1.5], FloatArrayObject, 31 + 1069547520),
    (["a", None], StringArrayObject, 31 * (31 + 97)), ([1, 2], ObjectArrayObject, 994),
    ([1, 2], CollectionObject, 994), ({1, 2}, CollectionObject, 3),  # List.hashCode / Set.hashCode
    ({"a": 1}, MapObject, 97 ^ 1),  # Map.hashCode: sum of key ^ value
    ({("a", CharObject): (2, IntObject)}, MapObject, 97 ^ 2),
    ([(5, 1), None], EnumArrayObject, 31 * (31 + 156)),
])
def test_java_hash_codes(value: Any, hint: Any, expected: int) -> None:
    assert hashcode(value, hint) == expected
    assert -(2**31) <= expected < 2**31
    if hint is not None:
        assert hint.hashcode(value) == expected


def test_hashcode_of_a_hinted_tuple_and_errors() -> None:
    assert hashcode(("a", CharObject)) == 97
    with pytest.raises(ValueError, match="identity"):
        hashcode({"a": [1, 2]})  # Java hashes a nested long[] by identity
    with pytest.raises(ValueError, match="identity"):
        hashcode([[1], "a"], ObjectArrayObject)
    with pytest.raises(ValueError):
        hashcode(300, ByteObject)
    with pytest.raises(TypeError):
        hashcode(object())
    with pytest.raises(NotImplementedError):
        hashcode(1, WrappedDataObject)
