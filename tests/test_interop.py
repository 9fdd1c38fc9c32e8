"""Java interoperability beyond SQL: a Java thin client (``server/src/.../Interop.java``) and pyignite
read each other's Complex objects through a real node, and every field is compared.

The Java side uses Ignite's own binary API (``withKeepBinary``, ``BinaryObjectBuilder``, and the thin
client's marshaller for plain Java objects with cyclic references). Values are compared through the
plain structures of ``server/interop.py``; declared field types are compared too.
"""

from __future__ import annotations

import datetime
import decimal
import struct
import uuid
from collections import OrderedDict
from typing import Any, Dict, Iterator, Tuple

import interop
import pytest

from pyignite import Client, GenericObjectMeta
from pyignite.datatypes import (
    BinaryEnumObject,
    BinaryObject,
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
    FloatArrayObject,
    FloatObject,
    IntArrayObject,
    IntObject,
    LongArrayObject,
    LongObject,
    MapObject,
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
)
from pyignite.datatypes.complex import COMPACT_FOOTER, entity_id

from .util import unique_name

Node = Tuple[str, int]


class Server:
    """A test node and how to run the Java program against it (the same Ignite version)."""

    def __init__(self, address: Node, sql: bool) -> None:
        self.address = address
        self.sql = sql

    def java(self, *args: str) -> list:
        return interop.run(self.address[1], *args, sql=self.sql)


@pytest.fixture(params=["2.18", "2.17-sql"])
def server(request: pytest.FixtureRequest) -> Server:
    """Each test runs against the default node (Ignite 2.18.0) and the SQL node (2.17.0)."""
    if request.param == "2.18":
        return Server(request.getfixturevalue("node"), sql=False)
    return Server(request.getfixturevalue("sql_node"), sql=True)


@pytest.fixture
def fresh_client(server: Server, client_kwargs: Dict[str, Any]) -> Iterator[Client]:
    c = Client(**client_kwargs)
    c.connect(*server.address)
    try:
        yield c
    finally:
        c.close()


def _check_fields(obj: Any, java: dict, where: str) -> None:
    """Every field of a Python object has the Java type its hint names (when both know it)."""
    assert java["t"] == "object", f"{where}: Java sees {java['t']}"
    assert java["type"] == type(obj).type_name
    assert set(java["fields"]) == set(type(obj).schema), f"{where}: fields differ"
    for name, hint in type(obj).schema.items():
        jv = java["fields"][name]
        tag = interop.java_tag(hint)
        if jv is None or tag is None or hint is BinaryObject:
            continue
        if hint in (BinaryEnumObject,):
            assert jv["t"] == "enum", f"{where}.{name}"
            continue
        assert jv["t"] == tag, f"{where}.{name}: Java sees {jv['t']}, the hint writes {tag}"


# --- Java writes, Python reads ---------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["write", "write-full"])
def test_python_reads_what_java_wrote(server: Server, fresh_client: Client, mode: str) -> None:
    name = unique_name("java_written")
    assert server.java(mode, name)[-1] == {"written": 7}
    dump = server.java("dump", name)
    assert dump[-1] == {"done": 7}
    cache = fresh_client.get_cache(name)
    try:
        assert fresh_client.compact_footer is True  # nothing read yet
        seen = 0
        for entry in dump[:-1]:
            key = entry["key"]
            if key["t"] != "int":
                continue
            value = cache.get(key["v"], key_hint=IntObject)
            assert interop.from_python(value) == interop.from_java(entry["value"]), f"key {key['v']}"
            _check_fields(value, entry["value"], f"key {key['v']}")
            seen += 1
        assert seen == 6
        # a full-footer object from the server switches a client that follows the server
        assert fresh_client.compact_footer is (mode == "write")

        everything = cache.get(1, key_hint=IntObject)
        assert type(everything).__name__ == "InteropAll"
        assert everything.address2 is everything.address  # Java wrote a handle: the same object
        assert TimestampObject.to_datetime(everything.ts).nanosecond == 789
        assert everything.dec == decimal.Decimal("-12345.678900")
        assert everything.str == "Ünïcödé \U0001F600 text"
        color = fresh_client.get_binary_type("InteropColor")
        assert color["is_enum"] and color["enums"]["BLUE"] == 7
        assert everything.color == (entity_id("InteropColor"), 7)

        root = cache.get(3, key_hint=IntObject)  # a plain Java object graph with cycles
        assert type(root).__name__ == "Node" and type(root).type_name == "org.pyignite.harness.Interop$Node"
        assert root.next.next is root
        _kind, children = root.children
        assert children[0] is root.next and children[1] is root
        assert root.weights == [3, 1] and root.shade == (entity_id("org.pyignite.harness.Interop$Shade"), 1)

        empty = cache.get(2, key_hint=IntObject)
        assert type(empty).__name__ == "InteropEmpty" and repr(empty) == "InteropEmpty(version=1)"
    finally:
        cache.destroy()


def test_raw_data_survives_a_python_round_trip(server: Server, fresh_client: Client) -> None:
    name = unique_name("java_raw")
    server.java("write", name)
    cache = fresh_client.get_cache(name)
    try:
        raw = cache.get(6, key_hint=IntObject)  # a Binarylizable Java object: a field, then raw data
        assert type(raw).__name__ == "Raw" and raw.a == 42
        assert raw._raw_data == b"\x09\x0b\x00\x00\x00raw \xc3\xa9 text" + struct.pack("<q", -9876543210)
        cache.put(7, raw, key_hint=IntObject)
        raw.a = 43
        cache.put(8, raw, key_hint=IntObject)
        # Java deserializes what Python wrote into its own class, raw part included
        assert server.java("raw", name, "7") == [{"a": 42, "text": "raw \u00e9 text", "number": -9876543210}]
        assert server.java("raw", name, "8") == [{"a": 43, "text": "raw \u00e9 text", "number": -9876543210}]
    finally:
        cache.destroy()


def test_python_key_finds_what_java_wrote(server: Server, fresh_client: Client) -> None:
    name = unique_name("java_key")
    server.java("write", name)

    class InteropKey(metaclass=GenericObjectMeta, schema=OrderedDict([("id", IntObject), ("code", String)])):
        pass

    cache = fresh_client.get_cache(name)
    try:
        assert cache.get(InteropKey(id=7, code="abc")) == "found by Python"
        assert cache.get(InteropKey(id=7, code="abd")) is None
    finally:
        cache.destroy()


def _old_empty_object(data: bytes) -> bool:
    """A Complex object header without a schema (no fields) that says schema id 0 and offset 0."""
    return len(data) >= 24 and data[0] == 103 and data[16:24] == bytes(8)


def test_golden_bytes_from_java(server: Server, fresh_client: Client) -> None:
    """Python writes Java's objects byte for byte (header hash, footer, offsets)."""
    name = unique_name("java_hex")
    server.java("write", name)
    java_hex = {e["key"]["v"]: e["hex"] for e in server.java("hex", name)[:-1] if e["key"]["t"] == "int"}
    cache = fresh_client.get_cache(name)
    try:
        from pyignite.datatypes.base import encode
        from pyignite.protocol.request import take_prerequisites

        for key in (2, 4, 5):
            value = cache.get(key, key_hint=IntObject)
            buf = bytearray()
            encode(buf, value, None, fresh_client._ctx)
            take_prerequisites()
            expected = bytes.fromhex(java_hex[key])
            if _old_empty_object(expected) and not type(value).schema:
                # Java thin clients before 2.14 write an object without fields with schema id 0 and
                # schema offset 0 where 2.14+ (and this client) write the FNV basis and the header
                # length; servers read both. Compare the rest byte for byte.
                expected = expected[:16] + bytes(buf[16:24]) + expected[24:]
            assert buf.hex() == expected.hex(), f"key {key}"
    finally:
        cache.destroy()


# --- Python writes, Java reads ---------------------------------------------------------------------

def _classes(suffix: str) -> Dict[str, Any]:
    class PyAddress(metaclass=GenericObjectMeta, type_name=f"PyAddress{suffix}",
                    schema=OrderedDict([("street", String), ("zip", IntObject)])):
        pass

    class PyAll(metaclass=GenericObjectMeta, type_name=f"PyAll{suffix}", schema=OrderedDict([
        ("b", ByteObject), ("s", ShortObject), ("i", IntObject), ("l", LongObject), ("f", FloatObject),
        ("d", DoubleObject), ("c", CharObject), ("z", BoolObject), ("str", String), ("uuid", UUIDObject),
        ("date", DateObject), ("ts", TimestampObject), ("time", TimeObject), ("dec", DecimalObject),
        ("ba", ByteArrayObject), ("sa", ShortArrayObject), ("ia", IntArrayObject), ("la", LongArrayObject),
        ("fa", FloatArrayObject), ("da", DoubleArrayObject), ("ca", CharArrayObject), ("za", BoolArrayObject),
        ("stra", StringArrayObject), ("uuida", UUIDArrayObject), ("datea", DateArrayObject),
        ("tsa", TimestampArrayObject), ("timea", TimeArrayObject), ("deca", DecimalArrayObject),
        ("objs", ObjectArrayObject), ("list", CollectionObject), ("set", CollectionObject), ("map", MapObject),
        ("lmap", MapObject), ("color", BinaryEnumObject), ("colors", EnumArrayObject),
        ("address", BinaryObject), ("address2", BinaryObject), ("anything", BinaryObject), ("nothing", String),
    ])):
        pass

    class PyNode(metaclass=GenericObjectMeta, type_name=f"PyNode{suffix}",
                 schema=OrderedDict([("name", String), ("next", BinaryObject), ("children", CollectionObject)])):
        pass

    class PyEmpty(metaclass=GenericObjectMeta, type_name=f"PyEmpty{suffix}", schema={}):
        pass

    class PyBig(metaclass=GenericObjectMeta, type_name=f"PyBig{suffix}",
                schema=OrderedDict([("head", IntObject), ("blob", String), ("tail", LongObject)])):
        pass

    class PyKey(metaclass=GenericObjectMeta, type_name=f"PyKey{suffix}",
                schema=OrderedDict([("id", IntObject), ("code", String)])):
        pass

    return dict(PyAddress=PyAddress, PyAll=PyAll, PyNode=PyNode, PyEmpty=PyEmpty, PyBig=PyBig, PyKey=PyKey)


def _python_objects(client: Client, c: Dict[str, Any], suffix: str) -> Dict[int, Any]:
    color_type = f"PyColor{suffix}"
    client.put_binary_type(color_type, is_enum=True, schema=OrderedDict([("RED", 0), ("GREEN", 1), ("BLUE", 7)]))
    color_id = entity_id(color_type)
    address = c["PyAddress"](street="Main St. 1", zip=12345)
    epoch = datetime.datetime(1970, 1, 1)
    everything = c["PyAll"](
        b=-7, s=-300, i=123456789, l=-1234567890123, f=1.5, d=3.141592653589793, c="я", z=True,
        str="Ünïcödé \U0001F600 text", uuid=uuid.UUID("12345678-9abc-def0-1234-56789abcdef0"),
        date=datetime.datetime(2009, 2, 13, 23, 31, 30, 123000),
        ts=datetime.datetime(2009, 2, 13, 23, 31, 30, 123456), time=datetime.timedelta(seconds=45296, milliseconds=789),
        dec=decimal.Decimal("-12345.678900"), ba=b"\x01\xfe\x7f\x80", sa=[1, -2, 32767], ia=[1, -2, 2**31 - 1],
        la=[1, -2, -(2**63)], fa=[1.25, -0.0, float("inf")], da=[1e300, float("-inf")], ca=["a", "я"],
        za=[True, False, True], stra=["x", None, "é"], uuida=[uuid.UUID(int=2**64 + 2)],
        datea=[epoch, epoch - datetime.timedelta(days=1)], tsa=[datetime.datetime(2020, 1, 2, 3, 4, 5, 6)],
        timea=[datetime.timedelta(hours=1)], deca=[decimal.Decimal("1.50"), decimal.Decimal(0)],
        objs=[1, "two", 3.0, None, address], list=(1, [1, "x", address]), set=(3, ["a", "b"]),
        map={"one": 1, "two": 2}, lmap=OrderedDict([(10, "ten"), (9, address)]), color=(color_id, 7),
        colors=[(color_id, 0), None, (color_id, 1)], address=address, address2=address,
        anything="a string in an Object field", nothing=None,
    )
    a = c["PyNode"](name="a")
    b = c["PyNode"](name="b", next=a)
    a.next = b
    a.children = (1, [b, a])
    return {
        1: everything,
        2: c["PyEmpty"](),
        3: a,
        4: c["PyBig"](head=1, blob="z" * 70000, tail=2),
        5: c["PyBig"](head=1, blob="z" * 300, tail=2),
    }


@pytest.mark.parametrize("compact", [True, False])
def test_java_reads_what_python_wrote(server: Server, client_kwargs: Dict[str, Any], compact: bool) -> None:
    suffix = unique_name("")
    c = _classes(suffix)
    name = unique_name("py_written")
    with Client(compact_footer=compact, **client_kwargs) as client:
        client.connect(*server.address)
        cache = client.create_cache(name)
        try:
            objects = _python_objects(client, c, suffix)
            for key, value in objects.items():
                cache.put(key, value, key_hint=IntObject)
            cache.put(c["PyKey"](id=5, code="xyz"), "found by Java")
            dump = server.java("dump", name)
            assert dump[-1] == {"done": 6}
            by_key = {e["key"]["v"]: e["value"] for e in dump[:-1] if e["key"]["t"] == "int"}
            assert set(by_key) == set(objects)
            for key, value in objects.items():
                assert interop.from_java(by_key[key]) == interop.from_python(value), f"key {key}"
                _check_fields(value, by_key[key], f"key {key}")
            composite = [e for e in dump[:-1] if e["key"]["t"] == "object"]
            assert interop.from_java(composite[0]["key"]) == interop.from_python(c["PyKey"](id=5, code="xyz"))
            # Java builds the same key itself (with compact footers, the server's setting) and finds the
            # entry: same bytes, same hash code. Ignite compares stored keys byte for byte, footer
            # included, so a key written with full footers is only found by a key in the same form.
            found = server.java("get", name, f"PyKey{suffix}", "id=int:5", "code=string:xyz")
            expected = {"t": "string", "v": "found by Java"} if compact else None
            assert found == [{"value": expected}]

            flags = {e["key"]["v"]: bytes.fromhex(e["hex"])[2] for e in server.java("hex", name)[:-1]
                     if e["key"]["t"] == "int"}
            assert all(bool(f & COMPACT_FOOTER) == compact for f in flags.values())
            # and Python reads it all back
            for key, value in objects.items():
                assert interop.from_python(cache.get(key, key_hint=IntObject)) == interop.from_python(value)
        finally:
            cache.destroy()


def test_hash_codes_match_java(server: Server, fresh_client: Client) -> None:
    """Java's hex dump holds the hash code Ignite computed for Python-written objects' bytes."""
    suffix = unique_name("")
    c = _classes(suffix)
    name = unique_name("py_hash")
    cache = fresh_client.create_cache(name)
    try:
        value = c["PyBig"](head=3, blob="hash me", tail=-1)
        cache.put(1, value, key_hint=IntObject)
        (entry, _done) = server.java("hex", name)
        data = bytes.fromhex(entry["hex"])
        assert struct.unpack_from("<i", data, 8)[0] == BinaryObject.hashcode(value)
    finally:
        cache.destroy()
