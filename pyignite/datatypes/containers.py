"""Object array (23), Collection (24), Map (25), Enum array (29), Wrapped data (27) and handles (102).

==================  ====  =========================================  ===========================================
hint                code  decoded as                                 accepted when encoding
==================  ====  =========================================  ===========================================
ObjectArrayObject   23    ``(type_id, list)``: the component type    ``(type_id, list)``; a list/tuple/iterable
                          id (``-1`` is ``java.lang.Object``, a      of any values (type id -1); an
                          class name str for unregistered types)     :class:`ObjectArray` keeps its ``type_id``
                          and the elements
CollectionObject    24    ``(kind, list)``                           ``(kind, iterable)``; a list/tuple
                                                                     (``ARR_LIST``); a set (``HASH_SET``)
MapObject           25    ``(kind, dict)``: a ``dict``               ``(kind, mapping)``; a dict (``HASH_MAP``),
                          (``HASH_MAP``) or an ``OrderedDict``       an ``OrderedDict`` (``LINKED_HASH_MAP``)
                          (``LINKED_HASH_MAP``)
EnumArrayObject     29    ``(type_id, list)`` of                     ``(type_id, list)``; a list of
                          ``(type_id, ordinal)``/None                ``(type_id, ordinal)``/None
WrappedDataObject   27    the wrapped value (decoded in place);      ``(bytes, offset)`` (raw wrapped data), or
                          raw bytes:                                 any value (wrapped at offset 0) (wraps
                          :meth:`WrappedDataObject.decode_raw`       binary objects only: the server reads
                                                                     the bytes as one)
(handle)            102   the object it refers to                    never written
==================  ====  =========================================  ===========================================

The decoded shapes are the specification's and the official client's (a map inside a complex object
field or inside another container is a ``(kind, dict)`` too). Decoded object arrays and enum arrays are
tuples of a private subclass, so that writing one back without a hint keeps its type; they compare,
print and unpack as plain tuples.

Elements, keys and values of object arrays, collections and maps may be ``(value, hint)`` tuples, which
are written with that hint (``{('a', CharObject): (1, ShortObject)}``); other elements are inferred
(:mod:`pyignite.datatypes.inference`). A 2-tuple given to these hints directly is read as the
``(kind, elements)`` / ``(type_id, elements)`` form when its first item is an int and its second a
list, tuple, set or mapping; pass a list to store such a pair as plain elements.

Collection kinds are the ``GridBinaryMarshaller`` constants: ``USER_SET`` -1, ``USER_COL`` 0,
``ARR_LIST`` 1, ``LINKED_LIST`` 2, ``HASH_SET`` 3, ``LINKED_HASH_SET`` 4, ``SINGLETON_LIST`` 5; map
kinds: ``HASH_MAP`` 1, ``LINKED_HASH_MAP`` 2. Decoded collections always hold a list (set elements may
be unhashable in Python). A decoded map key that Python cannot hash (a list, a dict) is made hashable
(lists become tuples, dicts tuples of pairs).

Decoders register the containers they build with :func:`~pyignite.datatypes.base.begin_object`, so a
handle (a Java back reference) resolves to the same Python object, cycles included.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from typing import Any, List, Optional, Tuple

from pyignite.datatypes.base import (
    CODE_INT,
    DECODERS,
    INT,
    NO_CONTEXT,
    NOT_FOUND,
    NULL_CODE,
    CodecContext,
    IgniteDataType,
    begin_object,
    encode,
    encode_item,
    end_object,
    infer_hint,
    is_hint,
    lookup_object,
    register_decoder,
)
from pyignite.datatypes.primitive import java_int
from pyignite.datatypes.standard import _encode_str, check_type_id, enum_hash, read_enum_type, write_enum
from pyignite.exceptions import ParseError

__all__ = [
    "BinaryEnumArrayObject",
    "CollectionObject",
    "container_pair_hint",
    "EnumArrayObject",
    "MapObject",
    "ObjectArray",
    "ObjectArrayObject",
    "WrappedDataObject",
    "item_hash",
]

_INT_MAX = 2**31 - 1
_HEAD = CODE_INT  # type code + i32
_COUNT_KIND = struct.Struct("<Bib")  # type code, i32 count, byte kind


class ObjectArray(list):
    """A list decoded from an Object array (or Enum array) that remembers its component type.

    ``type_id`` is the binary type id of the array's component type (``-1`` is ``java.lang.Object``),
    or the Java class name when the type is unregistered. Writing it back keeps the type.
    """

    __slots__ = ("type_id",)

    def __init__(self, items: Any = (), type_id: Any = -1) -> None:
        super().__init__(items)
        self.type_id = type_id


class _ObjectArrayPair(tuple):
    """A decoded Object array ``(type_id, list)``; inference writes it back as an Object array."""

    __slots__ = ()


class _EnumArrayPair(tuple):
    """A decoded Enum array ``(type_id, list)``; inference writes it back as an Enum array."""

    __slots__ = ()


def _write_type(buf: bytearray, code: int, type_id: Any) -> None:
    if isinstance(type_id, str):
        buf += _HEAD.pack(code, 0)
        _encode_str(buf, type_id)
    else:
        buf += _HEAD.pack(code, type_id)


def _is_pair_form(value: Any, seconds: tuple) -> bool:
    return (
        isinstance(value, tuple) and len(value) == 2
        and isinstance(value[0], (int, str)) and not isinstance(value[0], bool)
        and isinstance(value[1], seconds)
    )


def _iterable(value: Any, hint: str) -> Any:
    if type(value) is list or type(value) is tuple:
        return value
    if isinstance(value, (str, bytes, bytearray, dict)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{hint} expects a list (or another iterable) of elements, got {type(value).__name__}")
    return list(value)


def _check_count(n: int, hint: str) -> None:
    if n > _INT_MAX:
        raise ValueError(f"{hint} of {n} elements is longer than Java allows")


def _decode_count(buf: Any, pos: int, hint: str) -> Tuple[int, int]:
    count = INT.unpack_from(buf, pos)[0]
    if count < 0 or count > len(buf) - pos - 4:  # every element takes at least one byte
        raise ParseError(f"{hint} of {count} elements at offset {pos - 1} exceeds the data")
    return count, pos + 4


_COLLECTION_KINDS = frozenset(range(-1, 6))


def container_pair_hint(value: tuple) -> Any:
    """The hint of an unhinted 2-tuple written as the official client writes it, or None.

    ``(kind, dict)`` is a Map and ``(kind, list/tuple/set)`` a Collection when ``kind`` is one of
    their kinds (the specification's "Collection: tuple"); decoded object and enum arrays keep their
    type. Any other tuple is left to the array inference.
    """
    vtype = type(value)
    if vtype is _ObjectArrayPair:
        return ObjectArrayObject
    if vtype is _EnumArrayPair:
        return EnumArrayObject
    first, second = value
    if type(first) is not int:
        return None
    if isinstance(second, dict):
        return MapObject if first in (1, 2) else None
    if isinstance(second, (list, tuple, set, frozenset)) and first in _COLLECTION_KINDS:
        return CollectionObject
    return None


# --- Object array ---------------------------------------------------------------------------------

def write_object_array(buf: bytearray, type_id: Any, items: Any, ctx: CodecContext) -> None:
    """Write an Object array of ``items`` (values or ``(value, hint)`` tuples)."""
    _check_count(len(items), "ObjectArrayObject")
    _write_type(buf, 23, type_id)
    buf += INT.pack(len(items))
    for item in items:
        encode_item(buf, item, ctx)


def _object_array_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
    start = pos - 1
    type_id, pos = read_enum_type(buf, pos)
    count, pos = _decode_count(buf, pos, "ObjectArrayObject")
    items: List[Any] = []
    out = _ObjectArrayPair((type_id, items))
    append = items.append
    decoders = DECODERS
    begin_object(buf, start, out)
    try:
        for _ in range(count):
            v, pos = decoders[buf[pos]](buf, pos + 1, ctx)
            append(v)
    finally:
        end_object()
    return out, pos


class ObjectArrayObject(IgniteDataType):
    """Java ``Object[]`` (type code 23): i32 component type id, i32 count, then any values.

    Encodes a ``(type_id, list)`` tuple, a list (or tuple or other iterable) with component type
    ``java.lang.Object`` (type id -1), or an :class:`ObjectArray` with its ``type_id``. Decodes to
    ``(type_id, list)``, as the official client does. The default for lists whose elements are not
    all of one simple type (see :mod:`pyignite.datatypes.inference`).
    """

    type_code = 23
    java_type = "java.lang.Object[]"
    #: component type id of ``java.lang.Object``
    OBJECT = -1

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        if isinstance(value, ObjectArray):
            write_object_array(buf, check_type_id(value.type_id, cls.__name__), value, ctx)
        elif _is_pair_form(value, (list, tuple)):
            write_object_array(buf, check_type_id(value[0], cls.__name__), value[1], ctx)
        else:
            write_object_array(buf, -1, _iterable(value, cls.__name__), ctx)

    decode_payload = staticmethod(_object_array_payload)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        """``Arrays.hashCode(Object[])`` of the elements' hash codes."""
        if _is_pair_form(value, (list, tuple)):
            value = value[1]
        return list_hash(_iterable(value, cls.__name__))


register_decoder(23, _object_array_payload)


# --- Collection -----------------------------------------------------------------------------------
_SET_KINDS = frozenset((-1, 3, 4))


def _collection_parts(value: Any) -> Tuple[int, Any]:
    if _is_pair_form(value, (list, tuple, set, frozenset)) and not isinstance(value[0], str):
        kind, items = value
        if kind not in _COLLECTION_KINDS:
            raise ValueError(f"CollectionObject kind must be one of -1..5, not {kind}")
        items = list(items) if not isinstance(items, (list, tuple)) else items
    elif isinstance(value, (set, frozenset)):
        kind, items = CollectionObject.HASH_SET, list(value)
    else:
        kind, items = CollectionObject.ARR_LIST, _iterable(value, "CollectionObject")
    if kind == CollectionObject.SINGLETON_LIST and len(items) != 1:
        raise ValueError(f"a SINGLETON_LIST collection holds exactly one element, not {len(items)}")
    return kind, items


def _collection_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
    start = pos - 1
    count, pos = _decode_count(buf, pos, "CollectionObject")
    kind = buf[pos]
    kind = kind - 256 if kind > 127 else kind
    pos += 1
    items: List[Any] = []
    out = (kind, items)
    append = items.append
    decoders = DECODERS
    begin_object(buf, start, out)
    try:
        for _ in range(count):
            v, pos = decoders[buf[pos]](buf, pos + 1, ctx)
            append(v)
    finally:
        end_object()
    return out, pos


class CollectionObject(IgniteDataType):
    """Java ``Collection`` (type code 24): i32 count, byte kind, then the elements.

    Encodes ``(kind, iterable)`` (kinds below), a list or tuple (``ARR_LIST``) or a set (``HASH_SET``);
    decodes to ``(kind, list)``. The default for Python ``set`` and ``frozenset``.
    """

    type_code = 24
    java_type = "java.util.Collection"

    USER_SET = -1
    USER_COL = 0
    ARR_LIST = 1
    LINKED_LIST = 2
    HASH_SET = 3
    LINKED_HASH_SET = 4
    SINGLETON_LIST = 5

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        kind, items = _collection_parts(value)
        _check_count(len(items), cls.__name__)
        buf += _COUNT_KIND.pack(24, len(items), kind)
        for item in items:
            encode_item(buf, item, ctx)

    decode_payload = staticmethod(_collection_payload)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        """``List.hashCode()`` for list kinds, ``Set.hashCode()`` (sum of hashes) for set kinds."""
        kind, items = _collection_parts(value)
        if kind in _SET_KINDS:
            return java_int(sum(item_hash(v) for v in items))
        return list_hash(items)


register_decoder(24, _collection_payload)


# --- Map ------------------------------------------------------------------------------------------

def _map_parts(value: Any) -> Tuple[int, Any]:
    if type(value) is dict:
        return MapObject.HASH_MAP, value
    if isinstance(value, OrderedDict):
        return MapObject.LINKED_HASH_MAP, value
    if isinstance(value, dict):
        return MapObject.HASH_MAP, value
    if _is_pair_form(value, (dict,)) and not isinstance(value[0], str):
        kind, mapping = value
        if kind not in (1, 2):
            raise ValueError(f"MapObject kind must be HASH_MAP (1) or LINKED_HASH_MAP (2), not {kind}")
        return kind, mapping
    if hasattr(value, "items") and hasattr(value, "__len__"):
        return MapObject.HASH_MAP, value
    raise TypeError(f"MapObject expects a dict (or a (kind, dict) tuple), got {type(value).__name__}")


def _hashable(key: Any) -> Any:
    if isinstance(key, list):
        return tuple(_hashable(k) for k in key)
    if isinstance(key, tuple):
        return tuple(_hashable(k) for k in key)
    if isinstance(key, dict):
        return tuple((_hashable(k), _hashable(v)) for k, v in key.items())
    if isinstance(key, set):
        return frozenset(key)
    return key


def _map_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
    start = pos - 1
    count, pos = _decode_count(buf, pos, "MapObject")
    kind = buf[pos]
    pos += 1
    mapping: Any = OrderedDict() if kind == 2 else {}
    out = (kind, mapping)
    decoders = DECODERS
    begin_object(buf, start, out)
    try:
        for _ in range(count):
            k, pos = decoders[buf[pos]](buf, pos + 1, ctx)
            v, pos = decoders[buf[pos]](buf, pos + 1, ctx)
            try:
                mapping[k] = v
            except TypeError:
                mapping[_hashable(k)] = v
    finally:
        end_object()
    return out, pos


class MapObject(IgniteDataType):
    """Java ``Map`` (type code 25): i32 count, byte kind, then key/value pairs.

    Encodes ``(kind, mapping)``, a dict (``HASH_MAP``) or an ``OrderedDict`` (``LINKED_HASH_MAP``);
    decodes to ``(kind, dict)`` as the official client does (the dict is an ``OrderedDict`` for
    ``LINKED_HASH_MAP``). Keys and values may be ``(value, hint)`` tuples. The default for ``dict``
    and for an unhinted ``(kind, dict)`` tuple.
    """

    type_code = 25
    java_type = "java.util.Map"

    HASH_MAP = 1
    LINKED_HASH_MAP = 2

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        kind, mapping = _map_parts(value)
        _check_count(len(mapping), cls.__name__)
        buf += _COUNT_KIND.pack(25, len(mapping), kind)
        for k, v in mapping.items():
            encode_item(buf, k, ctx)
            encode_item(buf, v, ctx)

    decode_payload = staticmethod(_map_payload)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        """``Map.hashCode()``: the sum of ``key.hashCode() ^ value.hashCode()`` over the entries."""
        _, mapping = _map_parts(value)
        return java_int(sum(item_hash(k) ^ item_hash(v) for k, v in mapping.items()))


register_decoder(25, _map_payload)


# --- Enum array -----------------------------------------------------------------------------------

def _enum_array_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
    type_id, pos = read_enum_type(buf, pos)
    count, pos = _decode_count(buf, pos, "EnumArrayObject")
    items: List[Any] = []
    append = items.append
    for _ in range(count):
        code = buf[pos]
        if code == NULL_CODE:
            append(None)
            pos += 1
        elif code == 28 or code == 38:
            tid, pos = read_enum_type(buf, pos + 1)
            append((tid, INT.unpack_from(buf, pos)[0]))
            pos += 4
        else:
            raise ParseError(f"EnumArrayObject: element of type code {code} at offset {pos}")
    return _EnumArrayPair((type_id, items)), pos


class EnumArrayObject(IgniteDataType):
    """Java enum array (type code 29): i32 component type id, i32 count, then Enum values or Null.

    Encodes the official client's ``(type_id, [(type_id, ordinal), ...])`` or a list of
    ``(type_id, ordinal)`` tuples (or None); the array's type id of a list is its ``type_id`` if it is
    an :class:`ObjectArray`, otherwise that of its first element (-1 if empty). Decodes to
    ``(type_id, list)`` of ``(type_id, ordinal)`` tuples and None.
    """

    type_code = 29
    #: type code of the elements: Enum (28); the server reads 28 and 38 alike
    _element_code = 28

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        type_id: Any
        if _is_pair_form(value, (list, tuple)):
            type_id, items = value
        else:
            items = _iterable(value, cls.__name__)
            type_id = getattr(value, "type_id", None)
        if type_id is None:
            first = next((v for v in items if v is not None), None)
            type_id = -1 if first is None else (first[0] if isinstance(first, tuple) and first else first)
        type_id = check_type_id(type_id, cls.__name__)
        _check_count(len(items), cls.__name__)
        _write_type(buf, 29, type_id)
        buf += INT.pack(len(items))
        for i, v in enumerate(items):
            if v is None:
                buf.append(NULL_CODE)
                continue
            try:
                write_enum(buf, cls._element_code, v, cls.__name__)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"element {i}: {exc}") from None

    decode_payload = staticmethod(_enum_array_payload)

    @classmethod
    def hashcode(cls, value: Any) -> int:
        if _is_pair_form(value, (list, tuple)):
            value = value[1]
        h = 1
        for v in _iterable(value, cls.__name__):
            h = (31 * h + (0 if v is None else enum_hash(v, cls.__name__))) & 0xFFFFFFFF
        return java_int(h)


register_decoder(29, _enum_array_payload)


class BinaryEnumArrayObject(EnumArrayObject):
    """An Enum array (type code 29) whose elements are written as Binary enums (type code 38), as the
    official client's class of this name does; read like any Enum array."""

    _element_code = 38


# --- Wrapped data ---------------------------------------------------------------------------------

def _wrapped_bounds(buf: Any, pos: int) -> Tuple[int, int, int]:
    length = INT.unpack_from(buf, pos)[0]
    start = pos + 4
    end = start + length
    if length < 0 or end + 4 > len(buf):
        raise ParseError(f"wrapped data of {length} bytes at offset {pos - 1} exceeds the data")
    offset = INT.unpack_from(buf, end)[0]
    if not 0 <= offset < length:
        raise ParseError(f"wrapped data offset {offset} is outside its {length} bytes (at offset {pos - 1})")
    return start, end, offset


def _wrapped_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
    start, end, offset = _wrapped_bounds(buf, pos)
    value, inner_end = DECODERS[buf[start + offset]](buf, start + offset + 1, ctx)
    if inner_end > end:
        raise ParseError(f"the value wrapped at offset {pos - 1} runs past its {end - start} bytes")
    return value, end + 4


def _check_binary_object(data: bytes, offset: int) -> None:
    # The server reads wrapped data as a binary object (BinaryObjectImpl over the bytes); anything else
    # makes it fail, even corrupt its storage. Check the header before sending.
    if data[offset] != 103:
        raise TypeError(
            f"WrappedDataObject wraps binary objects (type code 103); the value at offset {offset} has "
            f"type code {data[offset]}"
        )
    if offset + 24 > len(data) or not 24 <= INT.unpack_from(data, offset + 12)[0] <= len(data) - offset:
        raise ValueError("the wrapped binary object's header or length does not fit the wrapped bytes")


class WrappedDataObject(IgniteDataType):
    """Wrapped data (type code 27): i32 length, the bytes of a binary object, i32 offset of the object.

    Decodes to the wrapped value itself (read in place from the same buffer). To get the raw bytes use
    :meth:`decode_raw`. Encodes ``(bytes, offset)`` as raw wrapped data, or a complex object wrapped at
    offset 0. The server reads wrapped data as a binary object, so anything else (the bytes at
    ``offset`` not a binary object header, type code 103) raises :class:`TypeError` before sending.
    """

    type_code = 27

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        if (type(value) is tuple and len(value) == 2 and isinstance(value[0], (bytes, bytearray, memoryview))
                and isinstance(value[1], int) and not isinstance(value[1], bool)):
            data, offset = bytes(value[0]), value[1]
            if not 0 <= offset < len(data):
                raise ValueError(f"wrapped data offset {offset} is outside its {len(data)} bytes")
        else:
            inner = bytearray()
            encode(inner, value, None, ctx)
            data, offset = bytes(inner), 0
        _check_binary_object(data, offset)
        buf += _HEAD.pack(27, len(data))
        buf += data
        buf += INT.pack(offset)

    decode_payload = staticmethod(_wrapped_payload)

    @staticmethod
    def decode_raw(buf: Any, pos: int) -> Tuple[Tuple[bytes, int], int]:
        """Read wrapped data at ``pos`` (the type code byte): ``((bytes, offset), next position)``."""
        if buf[pos] != 27:
            raise ParseError(f"expected wrapped data (type code 27) at offset {pos}, found {buf[pos]}")
        start, end, offset = _wrapped_bounds(buf, pos + 1)
        return (bytes(buf[start:end]), offset), end + 4


register_decoder(27, _wrapped_payload)


# --- handles --------------------------------------------------------------------------------------

HANDLE_CODE = 102


def _handle_payload(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
    offset = INT.unpack_from(buf, pos)[0]
    target = pos - 1 - offset
    if offset <= 0 or target < 0:
        raise ParseError(f"handle at offset {pos - 1} points outside the data (offset {offset})")
    obj = lookup_object(buf, target)
    if obj is NOT_FOUND:
        code = buf[target]
        if code == HANDLE_CODE:
            raise ParseError(f"handle at offset {pos - 1} points to another handle")
        obj = DECODERS[code](buf, target + 1, ctx)[0]
    return obj, pos + 4


register_decoder(HANDLE_CODE, _handle_payload)


# --- hash codes of elements -----------------------------------------------------------------------

#: type codes of Java arrays: inside a collection, a map or an Object array, Java hashes them by identity
_ARRAY_CODES = frozenset((*range(12, 24), 29, 31, 34, 37))


def item_hash(item: Any) -> int:
    """Java ``hashCode()`` of a container element: a value (type inferred) or ``(value, hint)``.

    Raises :class:`ValueError` for an array: Java's ``List``/``Map``/``Arrays.hashCode`` use the
    element's own ``hashCode()``, which for an array is its identity, so such a key has no stable hash.
    """
    if item is None:
        return 0
    if type(item) is tuple and len(item) == 2 and is_hint(item[1]):
        value, hint = item
        if value is None:
            return 0
    else:
        value, hint = item, infer_hint(item)
    if getattr(hint, "type_code", -1) in _ARRAY_CODES:
        raise ValueError(
            f"an array ({hint.__name__}) inside a collection, map or Object array has no stable Java hash code "
            "(Java hashes nested arrays by identity)"
        )
    return int(hint.hashcode(value))


def list_hash(items: Any, hint: Optional[Any] = None) -> int:
    """``List.hashCode()`` / ``Arrays.hashCode(Object[])``: ``h = 31 * h + hash(e)`` from 1."""
    h = 1
    for v in items:
        h = (31 * h + item_hash(v)) & 0xFFFFFFFF
    return java_int(h)
