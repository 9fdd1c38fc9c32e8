"""Complex (binary) objects: :class:`GenericObjectMeta` classes and the ``BinaryObject`` codec.

A Complex object (type code 103) is how Ignite stores a structured value: every SQL row, every Java or
.NET object put into a cache. Its layout::

    header (24 bytes): byte 103, byte version (1), i16 flags, i32 type id, i32 hash code,
                       i32 total length, i32 schema id, i32 schema offset (or raw data offset)
    field data:        each field's value (type code + payload), in schema order
    raw data:          optional (HAS_RAW), written by Java ``Binarylizable`` raw writers
    footer:            per field, its offset from the object start (1, 2 or 4 bytes); with a full
                       (non-compact) footer each offset is preceded by the i32 field id
    raw offset:        i32, present when the object has both fields and raw data

Identifiers are computed as Java does (``BinaryBasicIdMapper``, ``BinaryUtils``):

* type id and field id: Java ``hashCode`` of the lower-cased name, over UTF-16 code units (a
  character outside the BMP counts as two units, which Java does not lower-case);
* schema id: FNV-1a over the little-endian bytes of the field ids in write order (0 for no fields,
  as the specification's ``schema_id`` says; on the wire and in metadata a field-less object has the
  FNV-1a offset basis, as Java writes it);
* hash code: Java ``Arrays.hashCode(byte[])`` of the bytes between the header and the footer, so a
  Python-written key is found by SQL and by Java.

Python classes
--------------
:class:`GenericObjectMeta` makes Python classes whose instances are Complex objects::

    class Person(metaclass=GenericObjectMeta, type_name='Person', schema=OrderedDict([
        ('first_name', String), ('last_name', String), ('age', IntObject),
    ])):
        pass

The metaclass generates ``__init__`` (keyword or positional arguments in schema order, missing
fields default to ``None``), ``__repr__``, ``__eq__`` and ``__hash__``, unless the class defines
its own. Every instance has a ``version`` attribute (the binary format version from the header: 1),
unless the type has a field named ``version`` (common in Java classes): the field then takes its place.
Classes expose ``type_name``, ``type_id``, ``schema`` (a copy), ``schema_id`` and ``field_ids``.

Raw data
--------
Java classes that implement ``Binarylizable`` may write *raw* data after the fields. A decoded object
keeps it (``bytes``) in its ``_raw_data`` attribute, and encoding writes it back after the fields, so
such objects survive a round trip through Python.

Handles
-------
Inside one top-level value Ignite writes a second occurrence of the same object as a *handle* (type
code 102, ``i32`` distance back from the handle's type code to the referenced value). The encoder
here writes a handle when the same Python Complex object occurs twice within one top-level Complex
object (which also makes cyclic references possible). The decoder registers each object it builds
with :func:`~pyignite.datatypes.base.begin_object` before reading its fields, so the handle decoder
(:mod:`pyignite.datatypes.containers`) resolves handles to the very same Python object: shared and
cyclic references survive a round trip.

Context
-------
Codecs stay pure: decoding asks ``ctx.binary_type(type_id)`` for the registry entry of a type (an
object with a ``classes`` dict ``{schema_id: class}`` and a ``type_name``); when the type or the
schema is unknown it raises :class:`~pyignite.datatypes.base.MissingBinaryType` and the client
fetches the metadata and decodes again. Encoding calls ``ctx.ensure_binary_type(cls)`` when the
context has it, so the client can register a class the first time one of its objects is sent.
"""

from __future__ import annotations

import keyword
import struct
import threading
from collections import OrderedDict
from operator import mul
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from pyignite.datatypes.base import (
    DECODERS,
    INT,
    NO_CONTEXT,
    NULL_CODE,
    CodecContext,
    IgniteDataType,
    MissingBinaryType,
    begin_object,
    encode,
    end_object,
    infer_hint,
    is_hint,
    register_inference,
)
from pyignite.datatypes.primitive import java_int
from pyignite.exceptions import ParseError

__all__ = [
    "BinaryObject",
    "GenericObjectMeta",
    "entity_id",
    "hashcode_of_bytes",
    "is_binary_object",
    "java_lower_hash",
    "make_class",
    "schema_id",
]

TYPE_CODE = 103
HANDLE_CODE = 102
PROTO_VER = 1
HEADER_SIZE = 24

USER_TYPE = 0x01
HAS_SCHEMA = 0x02
HAS_RAW = 0x04
OFFSET_ONE_BYTE = 0x08
OFFSET_TWO_BYTES = 0x10
COMPACT_FOOTER = 0x20

# header after the type code byte: version, flags, type id, hash, length, schema id, schema offset
_HEADER_TAIL = struct.Struct("<Bhiiiii")
_HEADER = struct.Struct("<BBhiiiii")
_HANDLE = struct.Struct("<Bi")

FNV1_OFFSET_BASIS = 0x811C9DC5
FNV1_PRIME = 0x01000193
#: the schema id Java writes (and registers) for an object without fields: the FNV-1a offset basis
EMPTY_SCHEMA_ID = FNV1_OFFSET_BASIS - 0x100000000


# --- identifiers ----------------------------------------------------------------------------------

def _lower_code_unit(unit: int) -> int:
    """``Character.toLowerCase(char)`` for one UTF-16 code unit (simple case mapping).

    Checked against Java 17 for every BMP code unit: the same, except for the 5 letters Unicode 14
    added (U+2C2F, U+A7C0, U+A7D0, U+A7D6, U+A7D8), which Python lower-cases and Java 17 does not yet.
    """
    if unit < 0x80:
        return unit + 32 if 65 <= unit <= 90 else unit
    if 0xD800 <= unit <= 0xDFFF:  # a surrogate: Java leaves it alone
        return unit
    low = chr(unit).lower()
    if len(low) == 1:
        return ord(low)
    # full case mappings longer than one character (only U+0130 among BMP letters): Java's simple
    # mapping keeps the first character
    return ord(low[0])


def java_lower_hash(name: str) -> int:
    """Java ``hashCode`` of ``name`` lower-cased unit by unit, as ``BinaryBasicIdMapper`` computes it."""
    h = 0
    if name.isascii():
        for ch in name.lower().encode("ascii"):
            h = (31 * h + ch) & 0xFFFFFFFF
    else:
        data = name.encode("utf-16-le", "surrogatepass")
        for i in range(0, len(data), 2):
            h = (31 * h + _lower_code_unit(data[i] | (data[i + 1] << 8))) & 0xFFFFFFFF
    return java_int(h)


def entity_id(name: Union[str, int, None]) -> int:
    """Type id or field id of a name (an ``int`` is taken as an id already).

    Raises :class:`TypeError` for anything else and :class:`ValueError` for a name whose id is 0
    (Ignite rejects it).
    """
    if isinstance(name, bool):
        raise TypeError(f"a binary type or field is a name (str) or an id (int), not {name!r}")
    if isinstance(name, int):
        if not -(2**31) <= name < 2**31:
            raise ValueError(f"binary type/field id {name} does not fit a Java int")
        return name
    if not isinstance(name, str):
        raise TypeError(f"a binary type or field is a name (str) or an id (int), not {type(name).__name__}")
    if not name:
        raise ValueError("a binary type or field name must not be empty")
    h = java_lower_hash(name)
    if h == 0:
        raise ValueError(f"the id of name {name!r} is 0, which Ignite does not accept; choose another name")
    return h


def schema_id(fields: Union[Mapping[str, Any], Iterable[Union[str, int]], None]) -> int:
    """Schema id of fields given by name or id, in order (a mapping's keys): FNV-1a, 0 if none."""
    if fields is None:
        return 0
    ids = [f if isinstance(f, int) and not isinstance(f, bool) else entity_id(f) for f in fields]
    return _schema_id_of_ids(ids)


def _schema_id_of_ids(ids: Sequence[int]) -> int:
    if not ids:
        return 0
    h = FNV1_OFFSET_BASIS
    for fid in ids:
        fid &= 0xFFFFFFFF
        for shift in (0, 8, 16, 24):
            h ^= (fid >> shift) & 0xFF
            h = (h * FNV1_PRIME) & 0xFFFFFFFF
    return java_int(h)


# powers of 31 modulo 2**32, extended on demand (Arrays.hashCode over long objects)
_POW31: List[int] = [1]


def _powers(n: int) -> List[int]:
    pw = _POW31
    if len(pw) <= n:
        with _POW_LOCK:
            while len(pw) <= n:
                pw.append((pw[-1] * 31) & 0xFFFFFFFF)
    return pw


_POW_LOCK = threading.Lock()
_powers(4096)


def hashcode_of_bytes(data: Union[bytes, bytearray, memoryview], start: int = 0, end: Optional[int] = None) -> int:
    """Java ``Arrays.hashCode(byte[])`` of ``data[start:end]`` (bytes taken as signed)."""
    if end is None:
        end = len(data)
    n = end - start
    if n <= 0:
        return 1
    pw = _powers(n)
    chunk = bytes(data[start:end])[::-1]
    h = pw[n] + sum(map(mul, memoryview(chunk).cast("b"), pw))
    return java_int(h)


# --- classes ----------------------------------------------------------------------------------------

def _freeze(value: Any) -> Any:
    """A hashable stand-in for a field value (lists, dicts and sets are frozen recursively)."""
    try:
        hash(value)
        return value
    except TypeError:
        pass
    if isinstance(value, dict):
        return frozenset((_freeze(k), _freeze(v)) for k, v in value.items())
    if isinstance(value, (set, frozenset)):
        return frozenset(_freeze(v) for v in value)
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return id(value)


def _check_schema(class_name: str, schema: Any) -> OrderedDict[str, Any]:
    if schema is None:
        return OrderedDict()
    if not isinstance(schema, Mapping):
        raise TypeError(
            f"schema of {class_name} must be a dict of field name -> type hint, not {type(schema).__name__}"
        )
    checked: OrderedDict[str, Any] = OrderedDict()
    seen: Dict[int, str] = {}
    for name, hint in schema.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"field names of {class_name} must be non-empty str, not {name!r}")
        if hint is not None and not is_hint(hint):
            raise TypeError(
                f"field {name!r} of {class_name}: {hint!r} is not a pyignite type hint class (IntObject, String...)"
            )
        fid = entity_id(name)
        if fid in seen:
            raise ValueError(
                f"fields {seen[fid]!r} and {name!r} of {class_name} have the same field id {fid} "
                "(Ignite field names are case-insensitive)"
            )
        seen[fid] = name
        checked[name] = hint
    return checked


_INIT_TEMPLATE = """
def __init__(self{params}):
    d = self.__dict__
{body}"""


def _make_init(names: Tuple[str, ...]) -> Any:
    # the format version is an argument too, unless a field is called 'version'
    params_names = names if "version" in names else (*names, "version")
    defaults = {n: (None if n in names else PROTO_VER) for n in params_names}
    usable = all(n.isidentifier() and not keyword.iskeyword(n) and n not in ("self", "d") for n in names)
    if usable:
        params = "".join(f", {n}={defaults[n]!r}" for n in params_names)
        body = "".join(f"    d[{n!r}] = {n}\n" for n in params_names)
        ns: Dict[str, Any] = {}
        exec(_INIT_TEMPLATE.format(params=params, body=body), ns)
        return ns["__init__"]

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(params_names):
            raise TypeError(f"{type(self).__name__}() takes at most {len(params_names)} positional arguments")
        values: Dict[str, Any] = dict(defaults)
        for name, value in zip(params_names, args):
            values[name] = value
        for name, value in kwargs.items():
            if name not in values:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {name!r}")
            if name in names[: len(args)]:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument {name!r}")
            values[name] = value
        self.__dict__.update(values)

    return __init__


class _Guard(threading.local):
    """Objects whose repr or hash is being computed in this thread (cyclic references)."""

    def __init__(self) -> None:
        self.repr: set = set()
        self.hash: set = set()


_GUARD = _Guard()


def _repr(self: Any) -> str:
    cls = type(self)
    active = _GUARD.repr
    if id(self) in active:
        return f"{cls.__name__}(...)"
    active.add(id(self))
    try:
        d = self.__dict__
        parts = [f"{name}={d.get(name)!r}" for name in cls._names]
        if not cls._version_field:
            parts.append(f"version={d.get('version', PROTO_VER)!r}")
        return f"{cls.__name__}({', '.join(parts)})"
    finally:
        active.discard(id(self))


def _eq(self: Any, other: Any) -> Any:
    if self is other:
        return True
    cls = type(self)
    ocls = type(other)
    if ocls is not cls:
        if not isinstance(ocls, GenericObjectMeta):
            return NotImplemented
        if ocls._type_id != cls._type_id or ocls._schema_id != cls._schema_id:
            return False
    d, od = self.__dict__, other.__dict__
    for name in cls._names:
        a, b = d.get(name), od.get(name)
        if a is not b and a != b:
            return False
    return d.get("version", PROTO_VER) == od.get("version", PROTO_VER)


def _hash(self: Any) -> int:
    cls = type(self)
    active = _GUARD.hash
    if id(self) in active:
        return cls._type_id
    active.add(id(self))
    try:
        d = self.__dict__
        return hash((cls._type_id, *tuple(_freeze(d.get(name)) for name in cls._names)))
    finally:
        active.discard(id(self))


class _ClassProperty:
    """``Person.schema`` and ``person.schema`` both give a copy of the class's schema."""

    def __get__(self, obj: Any, owner: Any = None) -> OrderedDict[str, Any]:
        cls = owner if obj is None else type(obj)
        return OrderedDict(cls._schema)


def _instance_property(attr: str) -> property:
    def get(self: Any) -> Any:
        return getattr(type(self), attr)

    return property(get, doc=f"the class's {attr.lstrip('_')}")


# instances see the identifiers of their class (person.type_id == Person.type_id)
_INSTANCE_IDS = {name: _instance_property("_" + name) for name in ("type_name", "type_id", "schema_id", "field_ids")}


class GenericObjectMeta(type):
    """Metaclass of the Python classes that represent Ignite Complex object types.

    Class keyword arguments:

    :param type_name: (optional) the binary type name; defaults to the class name. Type ids are
        case-insensitive (Java lower-cases names before hashing);
    :param schema: (optional) an ordered dict of field name -> type hint class (``IntObject``,
        ``String``, ``BinaryObject``...); ``None`` as a hint means "infer from the value". Fields
        are written in this order. Defaults to the schema of a base class, or no fields;
    :param version: (optional) the binary object format version, accepted for code written for the
        official client; Ignite reads only version 1, so any other value raises :class:`ValueError`.

    Raises :class:`TypeError` or :class:`ValueError` for a malformed schema (a name that is not a
    str, a hint that is not a hint class, two names with the same field id, a name whose id is 0).
    """

    _type_name: str
    _type_id: int
    _schema: OrderedDict[str, Any]
    _schema_id: int
    _names: Tuple[str, ...]
    _hints: Tuple[Any, ...]
    _field_ids: Tuple[int, ...]
    _autogenerated: bool
    _version_field: bool
    _footers: Dict[Tuple[bool, int], struct.Struct]

    def __new__(
        mcs,
        name: str,
        bases: Tuple[type, ...],
        namespace: Dict[str, Any],
        type_name: Optional[str] = None,
        schema: Optional[Mapping[str, Any]] = None,
        version: Optional[int] = None,
        **kwargs: Any,
    ) -> GenericObjectMeta:
        if version is not None and (isinstance(version, bool) or version != PROTO_VER):
            raise ValueError(
                f"{name}: binary object version {version!r} is not supported; Ignite reads version {PROTO_VER}"
            )
        if schema is None:
            for base in bases:
                if isinstance(base, GenericObjectMeta):
                    schema = base._schema
                    break
        checked = _check_schema(name, schema)
        if type_name is None:
            type_name = name
        if not isinstance(type_name, str) or not type_name:
            raise TypeError(f"type_name of {name} must be a non-empty str, not {type_name!r}")
        names = tuple(checked)
        namespace = dict(namespace)
        for attr, fn in (("__init__", _make_init(names)), ("__repr__", _repr), ("__eq__", _eq), ("__hash__", _hash)):
            if attr not in namespace:
                namespace[attr] = fn
        namespace["schema"] = _ClassProperty()
        for attr in ("type_name", "type_id", "schema_id", "field_ids"):
            if attr not in namespace and attr not in checked:
                namespace[attr] = _INSTANCE_IDS[attr]
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        cls._type_name = type_name
        cls._type_id = entity_id(type_name)
        cls._schema = checked
        cls._names = names
        cls._hints = tuple(checked.values())
        cls._field_ids = tuple(entity_id(n) for n in names)
        cls._schema_id = _schema_id_of_ids(cls._field_ids)
        cls._autogenerated = False
        cls._version_field = "version" in checked
        cls._footers = {}
        register_inference(cls, BinaryObject)
        return cls

    def __init__(cls, name: str, bases: Tuple[type, ...], namespace: Dict[str, Any], **kwargs: Any) -> None:
        super().__init__(name, bases, namespace)  # type_name, schema and version are ours, not type's

    @property
    def type_name(cls) -> str:
        """The binary type name."""
        return cls._type_name

    @property
    def type_id(cls) -> int:
        """The binary type id (Java hash code of the lower-cased type name)."""
        return cls._type_id

    @property
    def schema_id(cls) -> int:
        """The schema id (FNV-1a over the field ids; 0 for no fields)."""
        return cls._schema_id

    @property
    def field_ids(cls) -> Tuple[int, ...]:
        """Field ids in schema order."""
        return cls._field_ids

    @property
    def version(cls) -> int:
        """The binary object format version objects are written with (always 1)."""
        return PROTO_VER

    def _footer_struct(cls, compact: bool, offset_size: int) -> struct.Struct:
        key = (compact, offset_size)
        st = cls._footers.get(key)
        if st is None:
            code = {1: "B", 2: "H", 4: "i"}[offset_size]
            n = len(cls._names)
            st = struct.Struct("<" + (code * n if compact else ("i" + code) * n))
            cls._footers[key] = st
        return st


def make_class(
    type_name: str, schema: Mapping[str, Any], class_name: Optional[str] = None, autogenerated: bool = True
) -> GenericObjectMeta:
    """Create a :class:`GenericObjectMeta` class for a binary type (used for types first seen on read).

    The class is named after the type (``class_name`` overrides).
    """
    cls = GenericObjectMeta(class_name or type_name, (), {}, type_name=type_name, schema=schema)
    cls._autogenerated = autogenerated
    return cls


def is_binary_object(value: Any) -> bool:
    """True if ``value`` is an instance of a :class:`GenericObjectMeta` class."""
    return isinstance(type(value), GenericObjectMeta)


# --- per-thread state for handles -------------------------------------------------------------------

class _EncodeState(threading.local):
    def __init__(self) -> None:
        self.buf: Optional[bytearray] = None
        self.depth = 0
        self.positions: Dict[int, Tuple[int, Any]] = {}


_ENC = _EncodeState()


# --- the codec --------------------------------------------------------------------------------------

def _offset_size(last: int) -> int:
    if last < 0x100:
        return 1
    if last < 0x10000:
        return 2
    return 4


def _encode_object(buf: bytearray, value: Any, ctx: CodecContext) -> None:
    cls = type(value)
    ensure = getattr(ctx, "ensure_binary_type", None)
    if ensure is not None:
        ensure(cls)
    st = _ENC
    start = len(buf)
    top = st.buf is not buf or st.depth == 0
    if top:
        saved = (st.buf, st.depth, st.positions)
        st.buf, st.depth, st.positions = buf, 0, {}
    else:
        seen = st.positions.get(id(value))
        if seen is not None:
            buf += _HANDLE.pack(HANDLE_CODE, start - seen[0])
            return
    st.positions[id(value)] = (start, value)  # keep the object alive: its id stays unique
    st.depth += 1
    try:
        d = value.__dict__
        version = PROTO_VER if cls._version_field else d.get("version", PROTO_VER)
        if version != PROTO_VER:
            raise ValueError(
                f"{cls.__name__}.version is {version!r}; Ignite only reads binary objects of version {PROTO_VER}"
            )
        buf += bytes(HEADER_SIZE)
        names = cls._names
        offsets: List[int] = []
        append = offsets.append
        for name, hint in zip(names, cls._hints):
            append(len(buf) - start)
            v = d.get(name)
            if v is None:
                buf.append(NULL_CODE)
            elif hint is None:
                encode(buf, v, None, ctx)
            else:
                try:
                    hint.encode(buf, v, ctx)
                except (TypeError, ValueError) as exc:
                    error = TypeError if isinstance(exc, TypeError) else ValueError
                    raise error(f"{cls.__name__}.{name}: {exc}") from None
        raw = d.get("_raw_data")
        flags = USER_TYPE
        compact = ctx.compact_footer is not False
        if compact:
            flags |= COMPACT_FOOTER
        raw_offset = 0
        if raw:
            raw_offset = len(buf) - start
            buf += raw
            flags |= HAS_RAW
        data_end = len(buf)
        if offsets:
            flags |= HAS_SCHEMA
            size = _offset_size(offsets[-1])
            if size == 1:
                flags |= OFFSET_ONE_BYTE
            elif size == 2:
                flags |= OFFSET_TWO_BYTES
            footer = cls._footer_struct(compact, size)
            if compact:
                buf += footer.pack(*offsets)
            else:
                pairs: List[int] = []
                for fid, off in zip(cls._field_ids, offsets):
                    pairs.append(fid)
                    pairs.append(off)
                buf += footer.pack(*pairs)
            if raw:
                buf += INT.pack(raw_offset)
            sid = cls._schema_id
            schema_offset = data_end - start
        else:
            sid = EMPTY_SCHEMA_ID  # as Java writes it; readers ignore it without HAS_SCHEMA
            schema_offset = raw_offset if raw else HEADER_SIZE
        hashcode = hashcode_of_bytes(buf, start + HEADER_SIZE, data_end)
        _HEADER.pack_into(buf, start, TYPE_CODE, PROTO_VER, flags, cls._type_id, hashcode,
                          len(buf) - start, sid, schema_offset)
    finally:
        st.depth -= 1
        if top:
            st.buf, st.depth, st.positions = saved


def _footer_count(flags: int, footer_len: int) -> int:
    if flags & OFFSET_ONE_BYTE:
        size = 1
    elif flags & OFFSET_TWO_BYTES:
        size = 2
    else:
        size = 4
    if not flags & COMPACT_FOOTER:
        size += 4
    return footer_len // size


def _decode_object(buf: Any, pos: int, ctx: CodecContext) -> Tuple[Any, int]:
    start = pos - 1
    version, flags, type_id, _hash, length, sid, schema_offset = _HEADER_TAIL.unpack_from(buf, pos)
    end = start + length
    if length < HEADER_SIZE or end > len(buf):
        raise ParseError(f"Complex object at offset {start} claims {length} bytes, beyond the data")
    if version != PROTO_VER:
        raise ParseError(f"Complex object at offset {start} has unsupported version {version}")
    info = ctx.binary_type(type_id)
    if not flags & HAS_SCHEMA:
        sid = 0
    cls = info.classes.get(sid)
    if cls is None:
        if sid == 0:
            cls = info.class_for_schema(0)
        else:
            raise MissingBinaryType(type_id, sid)
    if ctx.compact_footer is None and ctx is not NO_CONTEXT:
        ctx.compact_footer = bool(flags & COMPACT_FOOTER)
    # data ends where the raw data, or else the footer, starts
    if flags & HAS_SCHEMA:
        footer_start = start + schema_offset
        footer_end = end - 4 if flags & HAS_RAW else end
        if flags & HAS_RAW:
            raw_start = start + INT.unpack_from(buf, footer_end)[0]
        else:
            raw_start = footer_start
        if _footer_count(flags, footer_end - footer_start) != len(cls._names):
            raise ParseError(
                f"Complex object {info.type_name!r} at offset {start}: its footer does not match schema {sid}"
            )
    else:
        footer_start = end
        raw_start = start + schema_offset if flags & HAS_RAW else end
    if not start + HEADER_SIZE <= raw_start <= footer_start <= end:
        raise ParseError(f"Complex object at offset {start} has inconsistent offsets")

    obj = object.__new__(cls)
    begin_object(buf, start, obj)  # handles to this object resolve to ``obj`` (cycles included)
    try:
        values: Dict[str, Any] = {}
        p = start + HEADER_SIZE
        decoders = DECODERS
        for name in cls._names:
            code = buf[p]
            values[name], p = decoders[code](buf, p + 1, ctx)
        if p != raw_start:
            raise ParseError(
                f"Complex object {info.type_name!r} at offset {start}: field data does not match schema {sid}"
            )
        if not cls._version_field:
            values["version"] = version
        if raw_start < footer_start:
            values["_raw_data"] = bytes(buf[raw_start:footer_start])
        obj.__dict__.update(values)
    except (struct.error, IndexError) as exc:
        raise ParseError(f"truncated Complex object at offset {start}: {exc}") from None
    finally:
        end_object()
    return obj, end


class BinaryObject(IgniteDataType):
    """Complex object (type code 103): an instance of a :class:`GenericObjectMeta` class.

    As a field hint it stands for Java ``Object``: a Complex object is written as one; any other value
    is written as the type inferred from it (Ignite declares such fields with type ``Object``).
    Decoding needs the type's metadata (see the module documentation).
    """

    type_code = TYPE_CODE
    java_type = "java.lang.Object"

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        if isinstance(type(value), GenericObjectMeta):
            _encode_object(buf, value, ctx)
        elif value is None:
            buf.append(NULL_CODE)
        else:
            encode(buf, value, None, ctx)

    @classmethod
    def decode_payload(cls, buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        return _decode_object(buf, pos, ctx)

    @classmethod
    def hashcode(cls, value: Any, client: Any = None) -> int:
        """The hash code Ignite stores in a Complex object's header (Java's ``hashCode()`` of it);
        for any other value, the hash code of the type inferred from it (as :meth:`encode` writes it).

        ``client`` (a :class:`~pyignite.Client` or :class:`~pyignite.AioClient`, optional) is accepted
        for the official client's signature, which needs it to serialize; ours does not: the hash
        depends only on the object's fields, and nothing is sent or registered.
        """
        if not isinstance(type(value), GenericObjectMeta):
            if value is None:
                return 0
            return int(infer_hint(value).hashcode(value))
        buf = bytearray()
        _encode_object(buf, value, NO_CONTEXT)
        return INT.unpack_from(buf, 8)[0]

    @classmethod
    async def hashcode_async(cls, value: Any, client: Any = None) -> int:
        """:meth:`hashcode` for asyncio code (the official client's name); it does no I/O."""
        return cls.hashcode(value, client)
