"""The type codecs against real Ignite nodes.

* every type is put as a value (and as a key where Ignite allows: all of them) and read back equal;
* bytes written by the server (values inserted through SQL, results of SQL expressions) are compared
  with what this package writes for the same value (golden bytes captured from Java);
* values written through key-value are visible to SQL with the right column types, and rows inserted
  through SQL read back through key-value (tables created ``WITH "WRAP_VALUE=false"`` so a cache entry
  ``id -> value`` is a row);
* the Java hash codes agree with the partitions a 3-node cluster puts keys in.

The SQL node runs in the harness JVM's default time zone, which is the machine's (UTC here); the
expected text of DATE/TIME/TIMESTAMP casts assumes UTC, as do naive datetimes in this package.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import OrderedDict
from decimal import Decimal
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from pyignite import Client
from pyignite.datatypes import (
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
    ObjectArray,
    ObjectArrayObject,
    ShortArrayObject,
    ShortObject,
    SqlDateObject,
    String,
    StringArrayObject,
    TimeArrayObject,
    TimeObject,
    TimestampArrayObject,
    TimestampObject,
    UUIDArrayObject,
    UUIDObject,
)
from pyignite.datatypes.base import decode, encode
from pyignite.datatypes.hashing import hashcode
from pyignite.protocol import cache_ops, op_codes, query_ops
from pyignite.protocol.cache_ops import CacheRef

from .util import unique_name

U = uuid.UUID("12345678-1234-5678-9abc-def012345678")
TS = dt.datetime(2020, 1, 2, 3, 4, 5, 123456)
TS_MS = dt.datetime(2020, 1, 2, 3, 4, 5, 123000)
TS_NS = NanoDatetime(2020, 1, 2, 3, 4, 5, 123456, nanosecond=789)


def enc(value: Any, hint: Any = None) -> bytes:
    buf = bytearray()
    encode(buf, value, hint)
    return bytes(buf)


def ts(value: dt.datetime) -> Tuple[dt.datetime, int]:
    """How a Timestamp of ``value`` reads back: (the datetime in whole ms, nanoseconds within the ms)."""
    ms = value.replace(microsecond=value.microsecond // 1000 * 1000)
    ms = dt.datetime(ms.year, ms.month, ms.day, ms.hour, ms.minute, ms.second, ms.microsecond)
    return ms, value.microsecond % 1000 * 1000 + getattr(value, "nanosecond", 0)


def same(a: Any, b: Any) -> bool:
    """Equal, with the same Python types all the way down (a decoded object or enum array is a
    tuple of a private subclass: any tuple matches it)."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, ObjectArray) and a.type_id != b.type_id:
        return False
    return bool(a == b)


# (value, hint, what get() returns)
TYPES: List[Tuple[Any, Any, Any]] = [
    (-128, ByteObject, -128), (-32768, ShortObject, -32768), (-(2**31), IntObject, -(2**31)),
    (2**63 - 1, LongObject, 2**63 - 1), (1.5, FloatObject, 1.5), (-1e300, DoubleObject, -1e300),
    ("\u20ac", CharObject, "\u20ac"), (True, BoolObject, True),
    ("z\u00df\u6c34\U0001d11e", String, "z\u00df\u6c34\U0001d11e"),
    (U, UUIDObject, U), (TS, TimestampObject, ts(TS)), (TS_NS, TimestampObject, ts(TS_NS)),
    (dt.datetime(1969, 7, 20, 20, 17, 40), TimestampObject, (dt.datetime(1969, 7, 20, 20, 17, 40), 0)),
    ((TS_MS, 456789), TimestampObject, (TS_MS, 456789)),
    (TS_MS, DateObject, TS_MS), (dt.date(2020, 1, 2), DateObject, dt.datetime(2020, 1, 2)),
    (dt.date(2020, 1, 2), SqlDateObject, dt.datetime(2020, 1, 2)),
    (dt.timedelta(hours=23, milliseconds=5), TimeObject, dt.timedelta(hours=23, milliseconds=5)),
    (dt.time(10, 11, 12), TimeObject, dt.timedelta(hours=10, minutes=11, seconds=12)),
    (Decimal("-12.50"), DecimalObject, Decimal("-12.50")), (Decimal(2**100), DecimalObject, Decimal(2**100)),
    (Decimal("1E+5"), DecimalObject, Decimal("1E+5")), (Decimal("0.000"), DecimalObject, Decimal("0.000")),
    ((12345, 2), EnumObject, (12345, 2)), ((12345, 3), BinaryEnumObject, (12345, 3)),
    (b"\x00\x01\xff", ByteArrayObject, b"\x00\x01\xff"), ([1, -1, 32767], ShortArrayObject, [1, -1, 32767]),
    ([2**31 - 1, 0], IntArrayObject, [2**31 - 1, 0]), ([-(2**63)], LongArrayObject, [-(2**63)]),
    ([0.5, -2.0], FloatArrayObject, [0.5, -2.0]), ([0.1, 1e-300], DoubleArrayObject, [0.1, 1e-300]),
    ("a\U0001f600", CharArrayObject, ["a", "\ud83d", "\ude00"]), ([True, False], BoolArrayObject, [True, False]),
    (["a", None, "\u00e9"], StringArrayObject, ["a", None, "\u00e9"]), ([U, None], UUIDArrayObject, [U, None]),
    ([TS_NS, None], TimestampArrayObject, [ts(TS_NS), None]), ([TS_MS], DateArrayObject, [TS_MS]),
    ([dt.timedelta(seconds=1)], TimeArrayObject, [dt.timedelta(seconds=1)]),
    ([Decimal("1.10"), None], DecimalArrayObject, [Decimal("1.10"), None]),
    ([1, "a", None, [1.5], {"k": U}], ObjectArrayObject, (-1, [1, "a", None, [1.5], (1, {"k": U})])),
    ([(1, IntObject), ("c", CharObject)], ObjectArrayObject, (-1, [1, "c"])),
    ((CollectionObject.LINKED_LIST, [1, "x"]), CollectionObject, (CollectionObject.LINKED_LIST, [1, "x"])),
    ((CollectionObject.HASH_SET, ["x"]), CollectionObject, (CollectionObject.HASH_SET, ["x"])),
    ({"a": 1, "b": [TS]}, MapObject, (1, {"a": 1, "b": [ts(TS)]})),
    (OrderedDict([("z", 1), ("a", 2)]), MapObject, (2, OrderedDict([("z", 1), ("a", 2)]))),
    ({("k", CharObject): (5, ShortObject)}, MapObject, (1, {"k": 5})),
    # the server keeps enums as binary enums and hands an enum array back as an Object[] of them
    # (component type java.lang.Object: -1)
    ([(12345, 1), None], EnumArrayObject, (-1, [(12345, 1), None])),
    ((12345, [(12345, 1)]), EnumArrayObject, (-1, [(12345, 1)])),
    ([], ObjectArrayObject, (-1, [])), (b"", ByteArrayObject, b""),
]

# plain Python values without hints (inference), and what comes back
PLAIN: List[Tuple[Any, Any]] = [
    (None, None), (True, True), (7, 7), (2.5, 2.5), ("s", "s"), (b"b", b"b"), (bytearray(b"b"), b"b"),
    (U, U), (TS, ts(TS)), (dt.date(2020, 1, 1), dt.datetime(2020, 1, 1)),
    (dt.timedelta(minutes=1), dt.timedelta(minutes=1)),
    (Decimal("3.14"), Decimal("3.14")), ([1, 2], [1, 2]), ((1, 2), [1, 2]), (["a", None], ["a", None]),
    ([1, "a"], (-1, [1, "a"])), ([1, True], (-1, [1, True])), ([[1], ["a"]], (-1, [[1], ["a"]])),
    ({"a": {"b": 1}}, (1, {"a": (1, {"b": 1})})),
    ({1, 2}, (CollectionObject.HASH_SET, [1, 2])), ([TS, None], [ts(TS), None]),
    # the official client's unhinted tuples: a Collection and a Map
    ((CollectionObject.ARR_LIST, [1, "a"]), (CollectionObject.ARR_LIST, [1, "a"])),
    ((MapObject.LINKED_HASH_MAP, {"a": 1}), (2, OrderedDict(a=1))),
]
PLAIN = [p for p in PLAIN if p[0] is not None]  # a cache cannot hold null


@pytest.fixture(scope="module")
def kv_client(node: Tuple[str, int], client_kwargs: Dict[str, Any]) -> Iterator[Client]:
    c = Client(**client_kwargs)
    c.connect(*node)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def kv_cache(kv_client: Client) -> Iterator[Any]:
    c = kv_client.create_cache(unique_name("types"))
    try:
        yield c
    finally:
        c.destroy()


@pytest.mark.parametrize(("value", "hint", "expected"), TYPES, ids=lambda v: repr(v)[:30])
def test_value_roundtrip_through_the_server(kv_cache: Any, value: Any, hint: Any, expected: Any) -> None:
    kv_cache.put(1, value, value_hint=hint)
    assert same(kv_cache.get(1), expected)


def _nested_array(value: Any) -> bool:
    """A container holding an array: Java hashes the nested array by identity, so as a key it is never
    found again (Ignite itself cannot use such keys)."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], list):
        value = value[1]
    items = list(value.values()) + list(value) if isinstance(value, dict) else value
    return isinstance(items, list) and any(isinstance(v, (list, bytes)) for v in items)


KEY_TYPES = [t for t in TYPES if not (t[1] in (ObjectArrayObject, CollectionObject, MapObject) and _nested_array(t[0]))]


@pytest.fixture
def key_cache(kv_client: Client) -> Iterator[Any]:
    # A fresh cache per key: Ignite's on-heap entries compare keys with Java equals(), and a
    # java.util.Date equals a Timestamp or a java.sql.Date of the same millisecond, so reusing one
    # cache for keys that are Java-equal but of different types mixes them up (Ignite's behaviour).
    c = kv_client.create_cache(unique_name("keys"))
    try:
        yield c
    finally:
        c.destroy()


@pytest.mark.parametrize(("value", "hint", "expected"), KEY_TYPES, ids=lambda v: repr(v)[:30])
def test_key_roundtrip_through_the_server(key_cache: Any, value: Any, hint: Any, expected: Any) -> None:
    kv_cache = key_cache
    kv_cache.put(value, "v", key_hint=hint)
    assert kv_cache.get(value, key_hint=hint) == "v"
    assert kv_cache.contains_key(value, key_hint=hint)
    # the key the server stored is the one we wrote: scanning returns it as it decodes
    keys = [k for k, v in kv_cache.scan() if v == "v"]
    assert any(same(k, expected) for k in keys), keys
    kv_cache.remove_key(value, key_hint=hint)
    assert not kv_cache.contains_key(value, key_hint=hint)


@pytest.mark.parametrize(("value", "expected"), PLAIN, ids=lambda v: repr(v)[:30])
def test_plain_python_values_through_the_server(kv_cache: Any, value: Any, expected: Any) -> None:
    kv_cache.put("plain", value)
    assert same(kv_cache.get("plain"), expected)


def test_hinted_tuples_in_put_all_and_get_all(kv_cache: Any) -> None:
    kv_cache.put_all({("a", CharObject): (1, ShortObject), 2: ([1, 2], IntArrayObject)})
    assert kv_cache.get("a", key_hint=CharObject) == 1
    assert kv_cache.get("a") is None  # the String key "a" is another key
    got = kv_cache.get_all([("a", CharObject), 2])
    assert got == {"a": 1, 2: [1, 2]}


def test_raw_bytes_the_server_stores_are_ours(kv_client: Client, kv_cache: Any) -> None:
    """What we put is what the server hands back, byte for byte (it keeps values in binary form)."""
    for value, hint, _ in TYPES:
        kv_cache.put(1, value, value_hint=hint)
        raw = _raw_get(kv_client, kv_cache.name, 1, LongObject)
        if hint is EnumObject:  # kept as a binary enum: written back as one (type code 38)
            assert raw == enc(value, BinaryEnumObject)
        elif hint is EnumArrayObject:  # an Object[] of binary enums
            items = value[1] if isinstance(value, tuple) else value
            assert raw == enc([(v, BinaryEnumObject) for v in items], ObjectArrayObject)
        else:
            assert raw == enc(value, hint)


# --- SQL ------------------------------------------------------------------------------------------

def _raw_get(client: Client, cache_name: str, key: Any, key_hint: Any = IntObject) -> bytes:
    """The value bytes of a cache get, straight from the reply frame."""
    req = cache_ops.get(CacheRef(cache_name), key, key_hint)
    header, frame = client.connection.request(req.frame)
    assert header.status == 0, header.message
    return bytes(frame[header.payload_offset:])


def _raw_sql_value(client: Client, query: str) -> bytes:
    """The bytes of the single value an SQL query returns (one row, one column), as Java wrote them."""
    req, _ = query_ops.sql_fields(query, page_size=10)
    header, frame = client.connection.request(req.frame)
    assert header.status == 0, header.message
    payload = bytes(frame[header.payload_offset:])
    # i64 cursor id, i32 columns, i32 rows, the values, bool "more pages"
    assert payload[8:16] == b"\x01\x00\x00\x00\x01\x00\x00\x00" and payload[-1] == 0
    return payload[16:-1]


# (column type, SQL literal, value, hint, decoded value, CAST(V AS VARCHAR))
SQL_TYPES: List[Tuple[str, str, Any, Any, Any, str]] = [
    ("INT", "-7", -7, IntObject, -7, "-7"),
    ("BIGINT", "9223372036854775807", 2**63 - 1, None, 2**63 - 1, "9223372036854775807"),
    ("SMALLINT", "-2", -2, ShortObject, -2, "-2"),
    ("TINYINT", "-1", -1, ByteObject, -1, "-1"),
    ("DOUBLE", "1.5", 1.5, None, 1.5, "1.5"),
    ("REAL", "-0.25", -0.25, FloatObject, -0.25, "-0.25"),
    ("BOOLEAN", "TRUE", True, None, True, "TRUE"),
    ("VARCHAR", "'z\u00df\u6c34\U0001d11e'", "z\u00df\u6c34\U0001d11e", None, "z\u00df\u6c34\U0001d11e",
     "z\u00df\u6c34\U0001d11e"),
    ("DECIMAL(20,2)", "-12.50", Decimal("-12.50"), None, Decimal("-12.50"), "-12.50"),
    ("DECIMAL(30,0)", "123456789012345678901234567890", Decimal("123456789012345678901234567890"), None,
     Decimal("123456789012345678901234567890"), "123456789012345678901234567890"),
    ("DATE", "DATE '2020-01-02'", dt.date(2020, 1, 2), SqlDateObject, dt.datetime(2020, 1, 2), "2020-01-02"),
    ("DATE", "DATE '1969-12-31'", dt.datetime(1969, 12, 31), SqlDateObject, dt.datetime(1969, 12, 31), "1969-12-31"),
    ("TIME", "TIME '10:11:12'", dt.timedelta(hours=10, minutes=11, seconds=12), None,
     dt.timedelta(hours=10, minutes=11, seconds=12), "10:11:12"),
    ("TIMESTAMP", "TIMESTAMP '2020-01-02 03:04:05.123456789'", TS_NS, None, ts(TS_NS),
     "2020-01-02 03:04:05.123456789"),
    ("TIMESTAMP", "TIMESTAMP '1969-07-20 20:17:40.5'", dt.datetime(1969, 7, 20, 20, 17, 40, 500000), None,
     (dt.datetime(1969, 7, 20, 20, 17, 40, 500000), 0), "1969-07-20 20:17:40.5"),
    ("UUID", f"CAST('{U}' AS UUID)", U, None, U, str(U)),
    ("VARBINARY", "X'00ff01'", b"\x00\xff\x01", None, b"\x00\xff\x01", "00ff01"),
]


@pytest.fixture(scope="module")
def sql_conn(sql_node: Tuple[str, int], client_kwargs: Dict[str, Any]) -> Iterator[Client]:
    c = Client(**client_kwargs)
    c.connect(*sql_node)
    try:
        yield c
    finally:
        c.close()


@pytest.mark.sql
@pytest.mark.parametrize(("column", "literal", "value", "hint", "decoded", "text"), SQL_TYPES,
                         ids=lambda v: repr(v)[:25])
def test_sql_and_key_value_see_the_same_data(
    sql_conn: Client, column: str, literal: str, value: Any, hint: Any, decoded: Any, text: str
) -> None:
    name = unique_name("T").upper()
    sql = sql_conn.sql
    list(sql(f'CREATE TABLE {name} (ID INT PRIMARY KEY, V {column}) WITH "WRAP_VALUE=false, CACHE_NAME={name}"'))
    try:
        cache = sql_conn.get_cache(name)
        # SQL -> key-value: the row inserted by SQL is the cache entry ID -> V, in the bytes Java wrote
        list(sql(f"INSERT INTO {name} (ID, V) VALUES (1, {literal})"))
        assert _raw_get(sql_conn, name, 1) == enc(value, hint)
        assert same(cache.get(1, key_hint=IntObject), decoded)
        # key-value -> SQL: a value put with the matching hint is a row with the right column type
        cache.put(2, value, key_hint=IntObject, value_hint=hint)
        rows = list(sql(f"SELECT V, CAST(V AS VARCHAR) FROM {name} WHERE ID = 2"))
        assert len(rows) == 1 and same(rows[0][0], decoded) and rows[0][1] == text
        # and as a query argument
        arg = (value, hint) if hint is not None else value
        assert list(sql(f"SELECT COUNT(*) FROM {name} WHERE V = ?", query_args=[arg])) == [[2]]
    finally:
        list(sql(f"DROP TABLE {name}"))


@pytest.mark.sql
def test_a_value_of_another_type_is_not_a_row(sql_conn: Client) -> None:
    """A Long (the default for int) in an INT column is not seen by SQL: hints matter."""
    name = unique_name("T").upper()
    list(sql_conn.sql(f'CREATE TABLE {name} (ID INT PRIMARY KEY, V INT) WITH "WRAP_VALUE=false, CACHE_NAME={name}"'))
    try:
        cache = sql_conn.get_cache(name)
        cache.put(1, 7, key_hint=IntObject)  # a Long
        cache.put(2, 7, key_hint=IntObject, value_hint=IntObject)
        assert list(sql_conn.sql(f"SELECT ID FROM {name}")) == [[2]]
    finally:
        list(sql_conn.sql(f"DROP TABLE {name}"))


# SQL expressions: the bytes Java writes for the result, and what we write for the same value
SQL_EXPRESSIONS: List[Tuple[str, Any, Any, Any]] = [
    ("CAST(-7 AS TINYINT)", -7, ByteObject, -7),
    ("CAST(1.5 AS REAL)", 1.5, FloatObject, 1.5),
    ("CAST(-1.5 AS DOUBLE)", -1.5, None, -1.5),
    ("CAST(-9.99 AS DECIMAL(5,2))", Decimal("-9.99"), None, Decimal("-9.99")),
    ("CAST(128 AS DECIMAL(5,0))", Decimal("128"), None, Decimal("128")),
    ("CAST(-128 AS DECIMAL(5,0))", Decimal("-128"), None, Decimal("-128")),
    ("CAST(0 AS DECIMAL(5,3))", Decimal("0.000"), None, Decimal("0.000")),
    ("CAST(-340282366920938463463374607431768211456.5 AS DECIMAL(50,1))",
     Decimal("-340282366920938463463374607431768211456.5"), None,
     Decimal("-340282366920938463463374607431768211456.5")),
    ("TIMESTAMP '1970-01-01 00:00:00.000000001'", NanoDatetime(1970, 1, 1, nanosecond=1), None,
     (dt.datetime(1970, 1, 1), 1)),
    ("TIMESTAMP '1969-12-31 23:59:59.999500'", dt.datetime(1969, 12, 31, 23, 59, 59, 999500), None,
     (dt.datetime(1969, 12, 31, 23, 59, 59, 999000), 500000)),
    ("TIME '23:59:59'", dt.timedelta(hours=23, minutes=59, seconds=59), None,
     dt.timedelta(hours=23, minutes=59, seconds=59)),
    ("DATE '2000-02-29'", dt.date(2000, 2, 29), SqlDateObject, dt.datetime(2000, 2, 29)),
    (f"CAST('{U}' AS UUID)", U, None, U),
    ("X''", b"", None, b""),
    ("'\U0001f600\u00e9'", "\U0001f600\u00e9", None, "\U0001f600\u00e9"),
    ("(1, 'a', NULL)", [1, "a", None], ObjectArrayObject, (-1, [1, "a", None])),  # H2 array: Object[]
]


@pytest.mark.sql
@pytest.mark.parametrize(("expr", "value", "hint", "decoded"), SQL_EXPRESSIONS, ids=lambda v: repr(v)[:30])
def test_sql_expression_golden_bytes(sql_conn: Client, expr: str, value: Any, hint: Any, decoded: Any) -> None:
    raw = _raw_sql_value(sql_conn, f"SELECT {expr}")
    if hint is ObjectArrayObject:
        # H2 writes its ints as Integer: compare with an Object[] of an Int, a String and a null
        assert raw == enc([(1, IntObject), "a", None], ObjectArrayObject)
    else:
        assert raw == enc(value, hint)
    out, end = decode(raw, 0)
    assert end == len(raw) and same(out, decoded)


# --- hash codes against a real cluster ------------------------------------------------------------

HASH_KEYS: List[Tuple[Any, Any]] = [
    *[(v, ByteObject) for v in (-128, -1, 7, 100)],
    *[(v, ShortObject) for v in (-30000, 5, 999, 31111)],
    *[(v, IntObject) for v in (-(2**31), -5, 123456, 2**31 - 1)],
    *[(v, LongObject) for v in (-(2**63), -1, 2**32 + 7, 2**62 + 12345)],
    *[(v, FloatObject) for v in (-1.5, 0.1, 3e38, 2.5)],
    *[(v, DoubleObject) for v in (-0.0, 0.1, 1e300, -7.25)],
    *[(v, CharObject) for v in ("a", "\u20ac", "\uffff", "Z")],
    (True, BoolObject), (False, BoolObject),
    *[(v, String) for v in ("hello", "\U0001f600x", "z\u00df\u6c34", "key_12345")],
    *[(uuid.UUID(int=i * 0x0123456789ABCDEF0123456789ABCDEF % 2**128), UUIDObject) for i in range(1, 5)],
    *[(v, TimestampObject) for v in (TS, TS_NS, dt.datetime(1960, 1, 1, 0, 0, 0, 1), dt.datetime(2100, 5, 5))],
    # (Date, Timestamp, Time and SQL date keys of one millisecond are Java-equal: keep them apart)
    *[(v, DateObject) for v in (dt.datetime(2020, 1, 2, 3, 4, 6, 7000), dt.datetime(1901, 2, 3),
                                dt.datetime(2038, 1, 19, 3, 14, 8), dt.date(1970, 1, 1))],
    *[(v, SqlDateObject) for v in (dt.date(2020, 1, 2), dt.date(1800, 1, 1), dt.date(2999, 12, 31))],
    *[(v, TimeObject) for v in (dt.timedelta(hours=1), dt.timedelta(milliseconds=-5), dt.timedelta(days=5, seconds=3))],
    *[(v, DecimalObject) for v in (Decimal("-12.50"), Decimal(2**70), Decimal("-1E+5"), Decimal("3.14159265358979"))],
    *[(v, EnumObject) for v in ((5, 1), (-77, 3), (123456789, 0))],
    *[(v, BinaryEnumObject) for v in ((5, 2), (99, 4))],
    ([1, "a", U], ObjectArrayObject), ([TS, None], ObjectArrayObject), (["x"], ObjectArrayObject),
    (b"\x01\xff", ByteArrayObject), (b"abcdef", ByteArrayObject), ([1, -2], IntArrayObject),
    ([7, 2**40], LongArrayObject),
    (["a", None], StringArrayObject), ([U], UUIDArrayObject), ([1.5, -0.0], DoubleArrayObject), ("xy", CharArrayObject),
    ((CollectionObject.ARR_LIST, [1, 2]), CollectionObject),
    ((CollectionObject.HASH_SET, ["a", "b"]), CollectionObject),
    ((CollectionObject.LINKED_LIST, [TS, None]), CollectionObject),
    ({"a": 1}, MapObject), ({1: "x", 2: "y"}, MapObject), (OrderedDict(k=U), MapObject),
]


@pytest.mark.cluster
def test_hash_codes_match_the_partitions_of_a_cluster(cluster3: Any, client_kwargs: Dict[str, Any]) -> None:
    """A key lands on the same node as the Int key equal to its Java hash code (same partition).

    Ignite maps a key to a partition by its Java ``hashCode()``, and ``Integer.hashCode(h) == h``: if
    our hash code of a key were wrong, the Int key would sit in another partition, on another of the 3
    nodes with probability 2/3 (several keys of each type make a chance agreement negligible).
    """
    clients = []
    for port in cluster3.ports[:3]:
        c = Client(**client_kwargs)
        c.connect("127.0.0.1", port)
        clients.append(c)
    cache = clients[0].create_cache(unique_name("hash"))
    try:
        ref = CacheRef(cache.name)

        def owner(key: Any, hint: Any) -> int:
            holders = [
                i for i, c in enumerate(clients)
                if c._execute(cache_ops.key_op(op_codes.OP_CACHE_LOCAL_PEEK, ref, key, hint,
                                               cache_ops.parse_value)) is not None
            ]
            assert len(holders) == 1, (key, holders)
            return holders[0]

        mismatches = []
        for key, hint in HASH_KEYS:
            h = hashcode(key, hint)
            cache.put(key, "k", key_hint=hint)
            cache.put(h, "h", key_hint=IntObject)
            if owner(key, hint) != owner(h, IntObject):
                mismatches.append((hint.__name__, key, h))
            cache.remove_key(key, key_hint=hint)
            cache.remove_key(h, key_hint=IntObject)
        assert not mismatches, mismatches
    finally:
        cache.destroy()
        for c in clients:
            c.close()
