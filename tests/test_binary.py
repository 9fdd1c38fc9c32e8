"""Complex objects offline: identifiers, GenericObjectMeta classes, the codec and the registry.

Golden values come from Java: the ids below were computed with Ignite's ``BinaryBasicIdMapper``
algorithm in a JVM, and the object bytes were produced by Ignite's ``BinaryObjectBuilder`` through the
Java thin client (``Interop.java hex``).
"""

from __future__ import annotations

import hashlib
import struct
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyignite import GenericObjectMeta
from pyignite.binary import BinaryRegistry, class_name_for, meta_for_schema, meta_to_dict
from pyignite.datatypes import (
    BinaryObject,
    BoolObject,
    ByteObject,
    CharObject,
    DoubleObject,
    FloatObject,
    IntObject,
    LongObject,
    ShortObject,
    String,
)
from pyignite.datatypes.base import MissingBinaryType, decode, encode
from pyignite.datatypes.complex import (
    COMPACT_FOOTER,
    EMPTY_SCHEMA_ID,
    HAS_RAW,
    HAS_SCHEMA,
    OFFSET_ONE_BYTE,
    OFFSET_TWO_BYTES,
    entity_id,
    hashcode_of_bytes,
    make_class,
    schema_id,
)
from pyignite.exceptions import ParameterError, ParseError
from pyignite.protocol.binary_ops import BinaryMeta, read_meta, write_meta
from pyignite.protocol.request import take_prerequisites

# --- identifiers -----------------------------------------------------------------------------------

JAVA_IDS = {  # BinaryBasicIdMapper.lowerCaseHashCode, computed by a JVM
    "Person": -991716523,
    "first_name": -160985414,
    "SQL_PUBLIC_CITY_KEY": 924030512,
    "İstanbul": 709137634,  # U+0130 lower-cases to 'i' in Java's simple mapping
    "Ωmega\U00010400x": 1859163806,  # a non-BMP letter: two UTF-16 units, not lower-cased by Java
    "ẞig": 217661,
    "Ǆ": 454,
    "\u0130\u0049": 3360,
}


@pytest.mark.parametrize("name", sorted(JAVA_IDS))
def test_ids_match_java(name: str) -> None:
    assert entity_id(name) == JAVA_IDS[name]


def test_entity_id_arguments() -> None:
    assert entity_id(12345) == 12345
    with pytest.raises(ValueError, match="id of name 'f5a5a608' is 0"):
        entity_id("f5a5a608")  # Java hashCode 0: Ignite refuses it
    with pytest.raises(ValueError):
        entity_id("")
    with pytest.raises(ValueError):
        entity_id(2**31)
    with pytest.raises(TypeError):
        entity_id(True)
    with pytest.raises(TypeError):
        entity_id(1.5)  # type: ignore[arg-type]


def test_schema_id_is_fnv1a_over_field_ids() -> None:
    ids = [entity_id(n) for n in ("head", "blob", "tail")]
    h = 0x811C9DC5
    for fid in ids:
        for b in struct.pack("<i", fid):
            h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    expected = h - (1 << 32) if h >= 1 << 31 else h
    assert schema_id(["head", "blob", "tail"]) == expected == schema_id(ids)
    assert schema_id(OrderedDict([("head", IntObject), ("blob", String), ("tail", IntObject)])) == expected
    # the schema id Java's builder wrote for InteropMid {head, blob, tail} (golden bytes below)
    assert expected == struct.unpack("<i", bytes.fromhex("eeeceed7"))[0]
    assert schema_id([]) == 0 and schema_id(None) == 0


def test_array_hashcode_matches_java() -> None:
    # java.util.Arrays.hashCode(new byte[] {1, -2, 3, 127, -128, 0, 55})
    assert hashcode_of_bytes(struct.pack("7b", 1, -2, 3, 127, -128, 0, 55)) == -1715480515
    assert hashcode_of_bytes(b"") == 1
    data = bytes(range(256)) * 40
    h = 1
    for b in data:
        h = (31 * h + (b - 256 if b > 127 else b)) & 0xFFFFFFFF
    assert hashcode_of_bytes(data) == (h - (1 << 32) if h >= 1 << 31 else h)
    assert hashcode_of_bytes(b"xx" + data + b"yy", 2, 2 + len(data)) == hashcode_of_bytes(data)


# --- classes ---------------------------------------------------------------------------------------

class Person(metaclass=GenericObjectMeta, schema=OrderedDict([
    ("first_name", String),
    ("last_name", String),
    ("age", IntObject),
])):
    pass


def test_generated_methods() -> None:
    p = Person(first_name="Ivan", last_name="Ivanov", age=33)
    assert repr(p) == "Person(first_name='Ivan', last_name='Ivanov', age=33, version=1)"
    assert str(p) == repr(p)
    assert Person().first_name is None and Person().version == 1
    assert Person("Ivan", "Ivanov", 33) == p
    assert p != Person(first_name="Ivan", last_name="Ivanov", age=34)
    assert hash(p) == hash(Person("Ivan", "Ivanov", 33))
    assert p != object() and p != ("Ivan", "Ivanov", 33)
    with pytest.raises(TypeError):
        Person(nickname="x")  # type: ignore[call-arg]
    p.age = 34
    assert p.age == 34


def test_class_properties() -> None:
    assert Person.type_name == "Person"
    assert Person.type_id == entity_id("Person") == Person().type_id
    assert Person.schema_id == schema_id(["first_name", "last_name", "age"]) == Person().schema_id
    assert list(Person.schema) == ["first_name", "last_name", "age"]
    schema = Person.schema
    schema["extra"] = IntObject
    assert "extra" not in Person.schema  # a copy
    assert Person().schema == Person.schema
    assert Person.field_ids == tuple(entity_id(n) for n in ("first_name", "last_name", "age"))
    assert Person.version == 1


def test_type_name_and_inheritance() -> None:
    class Local(metaclass=GenericObjectMeta, type_name="org.example.Local", schema={"x": IntObject}):
        def double(self) -> int:
            return self.x * 2

    assert Local.type_name == "org.example.Local" and Local.type_id == entity_id("org.example.Local")
    assert Local(x=21).double() == 42

    class Child(Local):
        pass

    assert Child.type_name == "Child" and list(Child.schema) == ["x"]


def test_user_methods_are_kept() -> None:
    class Custom(metaclass=GenericObjectMeta, schema={"a": IntObject}):
        def __init__(self, a: int = 7) -> None:
            self.a = a

        def __repr__(self) -> str:
            return "custom"

    assert Custom().a == 7 and repr(Custom()) == "custom"


def test_names_that_are_not_identifiers() -> None:
    cls = make_class("odd", OrderedDict([("my field", IntObject), ("class", String)]))
    obj = cls(**{"my field": 1, "class": "x"})
    assert getattr(obj, "my field") == 1 and getattr(obj, "class") == "x"
    assert cls(1, "x") == obj
    with pytest.raises(TypeError):
        cls(nope=1)


@pytest.mark.parametrize("schema, error", [
    ({"a": int}, TypeError),
    ({"": IntObject}, TypeError),
    ({1: IntObject}, TypeError),
    ({"a": IntObject, "A": LongObject}, ValueError),  # same field id
    ({"f5a5a608": IntObject}, ValueError),
    ([("a", IntObject)], TypeError),
])
def test_bad_schemas(schema: Any, error: type) -> None:
    with pytest.raises(error):
        GenericObjectMeta("Bad", (), {}, schema=schema)


def test_a_field_named_version() -> None:
    cls = make_class("org.example.Entity", OrderedDict([("id", LongObject), ("version", IntObject)]))
    obj = cls(id=1, version=7)
    assert repr(obj) == "org.example.Entity(id=1, version=7)" and cls().version is None
    assert cls(1, 7) == obj
    reg = BinaryRegistry()
    reg.register(cls)
    out = _roundtrip(obj, reg)
    assert out == obj and out.version == 7


def test_class_name_for_type_names() -> None:
    assert class_name_for("SQL_PUBLIC_CITY_6fe650e1_700f_4e74_867d_58f52f433c43_KEY") == (
        "SQL_PUBLIC_CITY_6fe650e1_700f_4e74_867d_58f52f433c43_KEY")
    assert class_name_for("org.apache.ignite.Person") == "Person"
    assert class_name_for("org.pyignite.harness.Interop$Node") == "Node"
    assert class_name_for("Outer+Inner") == "Inner"
    assert class_name_for("1abc") == "_1abc"


# --- the codec -------------------------------------------------------------------------------------

class Mid(metaclass=GenericObjectMeta, type_name="InteropMid", schema=OrderedDict([
    ("head", IntObject), ("blob", String), ("tail", IntObject),
])):
    pass


class Empty(metaclass=GenericObjectMeta, type_name="InteropEmpty", schema={}):
    pass


def _blob(n: int) -> str:
    return "".join(chr(97 + i % 26) for i in range(n))


class Big(metaclass=GenericObjectMeta, type_name="InteropBig", schema=Mid.schema):
    pass


# bytes of Java's BinaryObjectBuilder (compact footer), see Interop.java `write` and `hex`
JAVA_EMPTY = "67012100b0a763490100000018000000c59d1c8118000000"
JAVA_MID_HEADER = "670133006b053ea18eac549659010000eeeceed753010000"
JAVA_MID_TAIL = "030200000018001d004e01"  # field tail, then 2-byte offsets 24, 29, 334
JAVA_MID_SHA256 = "1ec86a9a7b4f4cbac50ada5017a894ecdc3cc3ee5f149c876e76a53a71e1efc9"
JAVA_BIG_HEADER = "6701230023dc3da1e1da0f84a3110100eeeceed797110100"
JAVA_BIG_SHA256 = "1dd47670a99a716e0976b4072c3e937469b2f48d82492ede99d00acb8ca098fd"


def _enc(value: Any, ctx: Any = None) -> bytes:
    buf = bytearray()
    encode(buf, value, None, ctx if ctx is not None else BinaryRegistry())
    take_prerequisites()
    return bytes(buf)


def test_golden_empty_object() -> None:
    assert _enc(Empty()).hex() == JAVA_EMPTY


def test_golden_two_byte_offsets() -> None:
    data = _enc(Mid(head=1, blob=_blob(300), tail=2))
    assert data.startswith(bytes.fromhex(JAVA_MID_HEADER)) and data.endswith(bytes.fromhex(JAVA_MID_TAIL))
    assert hashlib.sha256(data).hexdigest() == JAVA_MID_SHA256
    assert data[2] & OFFSET_TWO_BYTES and data[2] & COMPACT_FOOTER and data[2] & HAS_SCHEMA


def test_golden_four_byte_offsets() -> None:
    data = _enc(Big(head=1, blob=_blob(70000), tail=2))
    assert data.startswith(bytes.fromhex(JAVA_BIG_HEADER))
    assert data.endswith(struct.pack("<3i", 24, 29, 70034))
    assert hashlib.sha256(data).hexdigest() == JAVA_BIG_SHA256
    assert not data[2] & (OFFSET_ONE_BYTE | OFFSET_TWO_BYTES)


def test_hash_code_in_header() -> None:
    data = _enc(Mid(head=1, blob=_blob(300), tail=2))
    (h,) = struct.unpack_from("<i", data, 8)
    assert h == hashcode_of_bytes(data, 24, struct.unpack_from("<i", data, 20)[0])
    assert h == struct.unpack("<i", bytes.fromhex("8eac5496"))[0]  # what Java computed
    assert BinaryObject.hashcode(Mid(head=1, blob=_blob(300), tail=2)) == h
    # an Object field holding another value: that value's own hash code
    assert BinaryObject.hashcode("abc") == String.hashcode("abc") and BinaryObject.hashcode(None) == 0


def _registry(*classes: Any, compact: Any = None) -> BinaryRegistry:
    reg = BinaryRegistry(compact)
    for cls in classes:
        reg.register(cls)
    return reg


def _roundtrip(value: Any, reg: BinaryRegistry) -> Any:
    data = _enc(value, reg)
    out, pos = decode(data, 0, reg)
    assert pos == len(data)
    return out


@pytest.mark.parametrize("compact", [True, False])
@pytest.mark.parametrize("size", [10, 300, 70000])
def test_roundtrip_footers_and_offsets(compact: bool, size: int) -> None:
    reg = _registry(Mid, compact=compact)
    value = Mid(head=-5, blob=_blob(size), tail=2**31 - 1)
    data = _enc(value, reg)
    flags = data[2]
    assert bool(flags & COMPACT_FOOTER) == compact
    assert bool(flags & OFFSET_ONE_BYTE) == (size < 200)
    assert bool(flags & OFFSET_TWO_BYTES) == (200 < size < 65000)
    out, _ = decode(data, 0, _registry(Mid))
    assert out == value and type(out) is Mid


def test_full_footer_holds_field_ids() -> None:
    data = _enc(Mid(head=1, blob="x", tail=2), _registry(Mid, compact=False))
    footer = data[struct.unpack_from("<i", data, 20)[0]:]
    ids = [struct.unpack_from("<i", footer, i)[0] for i in range(0, len(footer), 5)]
    assert ids == list(Mid.field_ids)


def test_reading_records_the_servers_footer_mode() -> None:
    full = _enc(Mid(head=1, blob="x", tail=2), _registry(Mid, compact=False))
    reg = _registry(Mid)
    assert reg.compact_footer is None
    decode(full, 0, reg)
    assert reg.compact_footer is False
    reg = _registry(Mid, compact=True)
    decode(full, 0, reg)
    assert reg.compact_footer is True  # an explicit choice is kept


class Node(metaclass=GenericObjectMeta, schema=OrderedDict([
    ("name", String), ("next", BinaryObject), ("other", BinaryObject),
])):
    pass


def test_nested_shared_and_cyclic_references() -> None:
    reg = _registry(Node)
    leaf = Node(name="leaf")
    root = Node(name="root", next=leaf, other=leaf)  # shared: written once, then a handle
    data = _enc(root, reg)
    assert data.count(b"leaf") == 1 and 102 in data
    out = _roundtrip(root, reg)
    assert out.next is out.other and out.next.name == "leaf"

    a = Node(name="a")
    b = Node(name="b", next=a)
    a.next = b
    a.other = a
    out = _roundtrip(a, reg)
    assert out.next.next is out and out.other is out
    assert repr(out) == (
        "Node(name='a', next=Node(name='b', next=Node(...), other=None, version=1), other=Node(...), version=1)"
    )


def test_objects_inside_arrays_collections_and_maps() -> None:
    from pyignite.datatypes import CollectionObject, MapObject, ObjectArrayObject

    class Holder(metaclass=GenericObjectMeta, schema=OrderedDict([
        ("array", ObjectArrayObject), ("collection", CollectionObject), ("map", MapObject),
    ])):
        pass

    reg = _registry(Holder, Node, Person)
    shared = Person(first_name="Ann", age=5)
    value = Holder(array=[shared, Node(name="n"), 3], collection=(1, [shared, "x"]), map={"p": shared, 1: None})
    out = _roundtrip(value, reg)
    # fields read back in the official client's shapes: (type_id, list) and (kind, dict)
    assert out == Holder(array=(-1, value.array), collection=value.collection, map=(1, value.map))
    assert out.array[1][0] is out.collection[1][0] is out.map[1]["p"]  # written once, then handles
    assert _roundtrip(out, reg) == out  # and those shapes write back as the same types
    # as top-level values too (each element a top-level object of its own)
    buf = bytearray()
    encode(buf, [shared, shared], None, reg)
    encode(buf, {"k": shared}, None, reg)
    take_prerequisites()
    first, pos = decode(bytes(buf), 0, reg)
    second, _ = decode(bytes(buf), pos, reg)
    assert first == (-1, [shared, shared]) and second == (1, {"k": shared})


def test_separate_top_level_values_do_not_share_handles() -> None:
    reg = _registry(Node)
    leaf = Node(name="leaf")
    buf = bytearray()
    encode(buf, Node(name="x", next=leaf), None, reg)
    encode(buf, Node(name="y", next=leaf), None, reg)
    take_prerequisites()
    assert bytes(buf).count(b"leaf") == 2
    first, pos = decode(bytes(buf), 0, reg)
    second, _ = decode(bytes(buf), pos, reg)
    assert first.next == second.next


def test_object_field_holds_any_value() -> None:
    reg = _registry(Node)
    out = _roundtrip(Node(name="n", next="just a string", other=42), reg)
    assert out.next == "just a string" and out.other == 42


def test_raw_data_is_kept() -> None:
    reg = _registry(Mid, Empty)
    value = Mid(head=1, blob="b", tail=3)
    value._raw_data = b"\x01\x02raw"
    data = _enc(value, reg)
    assert data[2] & HAS_RAW
    out, _ = decode(data, 0, reg)
    assert out._raw_data == b"\x01\x02raw" and out == value
    empty = Empty()
    empty._raw_data = b"xyz"
    out, _ = decode(_enc(empty, reg), 0, reg)
    assert out._raw_data == b"xyz"


def test_unknown_type_or_schema_asks_for_metadata() -> None:
    data = _enc(Mid(head=1, blob="b", tail=3))
    with pytest.raises(MissingBinaryType) as info:
        decode(data, 0, BinaryRegistry())
    assert info.value.type_id == Mid.type_id

    class MidV2(metaclass=GenericObjectMeta, type_name="InteropMid", schema={"head": IntObject}):
        pass

    with pytest.raises(MissingBinaryType) as info:
        decode(data, 0, _registry(MidV2))
    assert (info.value.type_id, info.value.schema_id) == (Mid.type_id, Mid.schema_id)


def test_garbled_objects_raise_parse_error() -> None:
    reg = _registry(Mid)
    data = bytearray(_enc(Mid(head=1, blob="b", tail=3), reg))
    with pytest.raises(ParseError):
        decode(bytes(data[:30]), 0, reg)
    bad = bytearray(data)
    struct.pack_into("<i", bad, 12, 10_000)  # length beyond the data
    with pytest.raises(ParseError):
        decode(bytes(bad), 0, reg)
    bad = bytearray(data)
    bad[2] ^= OFFSET_ONE_BYTE | OFFSET_TWO_BYTES  # footer entries of another size: wrong count
    with pytest.raises(ParseError):
        decode(bytes(bad), 0, reg)
    bad = bytearray(data)
    bad[1] = 2  # unsupported version
    with pytest.raises(ParseError):
        decode(bytes(bad), 0, reg)


def test_values_that_do_not_fit_name_the_field() -> None:
    with pytest.raises(TypeError, match=r"Person\.age"):
        _enc(Person(age="old"))
    with pytest.raises(ValueError, match=r"Person\.age"):
        _enc(Person(age=2**40))
    p = Person()
    p.version = 2
    with pytest.raises(ValueError, match="version"):
        _enc(p)


ALL_PRIMITIVES = OrderedDict([
    ("b", ByteObject), ("s", ShortObject), ("i", IntObject), ("l", LongObject), ("f", FloatObject),
    ("d", DoubleObject), ("c", CharObject), ("z", BoolObject), ("str", String), ("any", BinaryObject),
])


class Primitives(metaclass=GenericObjectMeta, schema=ALL_PRIMITIVES):
    pass


@settings(max_examples=200, deadline=None)
@given(
    b=st.none() | st.integers(-128, 127), s=st.none() | st.integers(-(2**15), 2**15 - 1),
    i=st.none() | st.integers(-(2**31), 2**31 - 1), l=st.none() | st.integers(-(2**63), 2**63 - 1),
    f=st.none() | st.floats(width=32, allow_nan=False), d=st.none() | st.floats(allow_nan=False),
    c=st.none() | st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",)),
    z=st.none() | st.booleans(), text=st.none() | st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    compact=st.booleans(),
)
def test_roundtrip_property(b: Any, s: Any, i: Any, l: Any, f: Any, d: Any, c: Any, z: Any, text: Any,  # noqa: E741
                            compact: bool) -> None:
    reg = _registry(Primitives, compact=compact)
    value = Primitives(b=b, s=s, i=i, l=l, f=f, d=d, c=c, z=z, str=text, any=text)
    out = _roundtrip(value, reg)
    assert out == value
    assert BinaryObject.hashcode(out) == BinaryObject.hashcode(value)


# --- metadata and the registry ---------------------------------------------------------------------

def test_metadata_layout_roundtrip() -> None:
    meta = BinaryMeta(12, "T", "aff", [("aff", 3, entity_id("aff")), ("x", 9, entity_id("x"))], False, [],
                      [(schema_id(["aff", "x"]), [entity_id("aff"), entity_id("x")])])
    buf = bytearray()
    write_meta(buf, meta)
    back, pos = read_meta(bytes(buf), 0)
    assert pos == len(buf)
    assert (back.type_id, back.type_name, back.affinity_key_field, back.fields, back.is_enum, back.schemas) == (
        meta.type_id, meta.type_name, meta.affinity_key_field, meta.fields, meta.is_enum, meta.schemas)
    enum = BinaryMeta(13, "E", None, [], True, [("RED", 0), ("BLUE", 7)], [])
    buf = bytearray()
    write_meta(buf, enum)
    back, _ = read_meta(bytes(buf), 0)
    assert back.is_enum and back.enums == [("RED", 0), ("BLUE", 7)] and back.affinity_key_field is None
    with pytest.raises(ParseError):
        read_meta(bytes(buf[:-3]), 0)


def test_meta_to_dict_layout() -> None:
    meta = meta_for_schema("T", schema=OrderedDict([("a", IntObject), ("b", String)]))
    d = meta_to_dict(meta)
    assert d == {
        "type_exists": True, "type_id": entity_id("T"), "type_name": "T", "affinity_key_field": None,
        "is_enum": False, "schemas": [OrderedDict([("a", IntObject), ("b", String)])],
    }
    assert meta_to_dict(None) == {"type_exists": False}
    enum = meta_to_dict(meta_for_schema("E", is_enum=True, schema={"RED": 0, "GREEN": 1}))
    assert enum["is_enum"] and enum["enums"] == OrderedDict([("RED", 0), ("GREEN", 1)])
    assert meta_for_schema("Nothing").schemas == [(EMPTY_SCHEMA_ID, [])]


@pytest.mark.parametrize("kwargs", [
    {"type_name": ""}, {"type_name": 5}, {"type_name": "T", "affinity_key_field": 3},
    {"type_name": "T", "is_enum": 1}, {"type_name": "T", "schema": [1]},
    {"type_name": "T", "schema": {"a": int}}, {"type_name": "T", "is_enum": True, "schema": {"A": "x"}},
    {"type_name": "T", "schema": {"a": IntObject}, "affinity_key_field": "b"},
])
def test_put_binary_type_arguments_are_checked(kwargs: dict) -> None:
    with pytest.raises(ParameterError):
        meta_for_schema(**kwargs)


def test_registry_defers_one_registration_per_class() -> None:
    take_prerequisites()
    reg = BinaryRegistry()
    buf = bytearray()
    for _ in range(3):
        encode(buf, Person(first_name="x"), None, reg)
    pending = take_prerequisites()
    assert len(pending) == 1
    (req,) = pending
    assert int.from_bytes(req.frame[4:6], "little") == 3003
    # once the cluster confirmed it (the reply's parse ran), nothing more is deferred
    req.parse(b"", 0, reg)
    encode(buf, Person(first_name="x"), None, reg)
    assert take_prerequisites() == []


def test_implicit_registration_takes_the_affinity_key_field_from_the_cluster() -> None:
    take_prerequisites()
    reg = BinaryRegistry()
    encode(bytearray(), Person(first_name="x"), None, reg)
    (put,) = take_prerequisites()
    (get,) = put.prerequisites  # the type is unknown here: its metadata is fetched first
    assert int.from_bytes(get.frame[4:6], "little") == 3002
    assert read_meta(put.frame, 6 + 8)[0].affinity_key_field is None
    fields = [(n, 9, entity_id(n)) for n in ("first_name", "last_name")] + [("age", 3, entity_id("age"))]
    ids = [fid for _, _, fid in fields]
    server = BinaryMeta(Person.type_id, Person.type_name, "last_name", fields, False, [], [(schema_id(ids), ids)])
    reply = bytearray(b"\x01")
    write_meta(reply, server)
    get.parse(bytes(reply), 0, reg)
    sent = read_meta(put.frame, 6 + 8)[0]
    assert sent.affinity_key_field == "last_name" and sent.type_name == Person.type_name
    put.parse(b"", 0, reg)
    assert reg.type_info(Person.type_id).affinity_key_field == "last_name"
    # a type the cluster does not know: the registration goes out unchanged
    reg2 = BinaryRegistry()
    encode(bytearray(), Person(first_name="x"), None, reg2)
    (put2,) = take_prerequisites()
    before = bytes(put2.frame)
    put2.prerequisites[0].parse(b"\x00", 0, reg2)
    assert bytes(put2.frame) == before
    put2.parse(b"", 0, reg2)
    # known to the cluster now: no more fetches for other classes of the type
    class Other(metaclass=GenericObjectMeta, type_name=Person.type_name, schema={"first_name": String}):
        pass
    encode(bytearray(), Other(first_name="y"), None, reg2)
    (put3,) = take_prerequisites()
    assert put3.prerequisites == []


def test_registration_confirmed_through_another_client_does_not_count() -> None:
    take_prerequisites()
    reg = BinaryRegistry()
    encode(bytearray(), Person(), None, reg)
    (req,) = take_prerequisites()
    req.parse(b"", 0, BinaryRegistry())  # parsed by another client's registry
    encode(bytearray(), Person(), None, reg)
    assert len(take_prerequisites()) == 1


def test_registry_records_metadata_and_generates_classes() -> None:
    reg = BinaryRegistry()
    fields = [("name", 9, entity_id("name")), ("age", 3, entity_id("age")), ("city", 103, entity_id("city"))]
    s1 = [entity_id("name"), entity_id("age")]
    s2 = [entity_id("name"), entity_id("city")]
    meta = BinaryMeta(entity_id("org.example.Person"), "org.example.Person", None, fields, False, [],
                      [(schema_id(s1), s1), (schema_id(s2), s2)])
    info = reg.record(meta)
    classes = reg.lookup(meta.type_id)
    assert set(classes) == {schema_id(s1), schema_id(s2)}
    c1 = classes[schema_id(s1)]
    assert c1.__name__ == "Person" and c1.type_name == "org.example.Person"
    assert c1.schema == OrderedDict([("name", String), ("age", IntObject)])
    assert classes[schema_id(s2)].schema == OrderedDict([("name", String), ("city", BinaryObject)])
    assert info.fields["age"] == (3, entity_id("age"))
    # an explicitly registered class replaces the generated one; an implicit one does not
    class Mine(metaclass=GenericObjectMeta, type_name="org.example.Person",
               schema=OrderedDict([("name", String), ("age", IntObject)])):
        pass

    reg.register(Mine, explicit=False)
    assert reg.lookup(meta.type_id, schema_id(s1)) is Mine  # generated classes give way
    class Other(metaclass=GenericObjectMeta, type_name="org.example.Person",
                schema=OrderedDict([("name", String), ("age", IntObject)])):
        pass

    reg.register(Other, explicit=False)
    assert reg.lookup(meta.type_id, schema_id(s1)) is Mine
    reg.register(Other)
    assert reg.lookup(meta.type_id, schema_id(s1)) is Other


def test_registry_enum_helpers() -> None:
    reg = BinaryRegistry()
    reg.record(BinaryMeta(entity_id("Color"), "Color", None, [], True, [("RED", 0), ("BLUE", 7)], []))
    assert reg.enum_ordinal("Color", "BLUE") == (entity_id("Color"), 7)
    assert reg.enum_name(entity_id("Color"), 0) == "RED"
    with pytest.raises(ParameterError):
        reg.enum_ordinal("Color", "PINK")
    with pytest.raises(ParameterError):
        reg.enum_ordinal("Nope", "RED")
