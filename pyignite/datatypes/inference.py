"""Default Ignite types of plain Python values (used when no type hint is given).

=====================================  =====================  ==============================================
Python value                           Ignite type (hint)     notes
=====================================  =====================  ==============================================
``None``                               Null (101)
``bool``                               Bool (BoolObject)
``int``                                Long (LongObject)      beyond the i64 range: ValueError (use
                                                              DecimalObject for bigger numbers)
``float``                              Double (DoubleObject)
``str``                                String
``bytes``, ``bytearray``,              Byte array             decoded as ``bytes``
``memoryview``                         (ByteArrayObject)
``uuid.UUID``                          UUID (UUIDObject)
``datetime.datetime``                  Timestamp              naive = UTC, aware converted; lossless (Java
                                       (TimestampObject)      ``java.sql.Timestamp``, a ``java.util.Date``;
                                                              SQL ``TIMESTAMP``). The official client
                                                              writes a Date, which cannot hold
                                                              microseconds; pass ``DateObject`` for that.
                                                              Decoded as ``(datetime, nanos)``.
``datetime.date``                      Date (DateObject)      midnight UTC; decoded as a ``datetime``. SQL
                                                              ``DATE`` columns hold ``java.sql.Date``: use
                                                              the ``SqlDateObject`` hint for them
``datetime.timedelta``,                Time (TimeObject)      whole milliseconds; decoded as ``timedelta``
``datetime.time``
``decimal.Decimal``                    Decimal                scale kept exactly
                                       (DecimalObject)
``list`` or ``tuple`` whose elements   the typed array:       ``int`` -> LongArrayObject, ``float`` ->
are all of one type among ``int``,     LongArrayObject ...    DoubleArrayObject, ``bool`` ->
``float``, ``bool`` (no None), or                             BoolArrayObject, ``str`` ->
``str``, ``UUID``, ``datetime``,                              StringArrayObject, ``UUID`` ->
``date``, ``timedelta``, ``Decimal``                          UUIDArrayObject, ``datetime`` ->
(None allowed among these)                                    TimestampArrayObject, ``date`` ->
                                                              DateArrayObject, ``timedelta`` ->
                                                              TimeArrayObject, ``Decimal`` ->
                                                              DecimalArrayObject (as the official client)
``(kind, dict)`` tuple, ``kind`` 1, 2  Map (MapObject)        as the official client; decoded the same way
``(kind, list)`` (or tuple, set)       Collection             as the official client (the specification's
tuple, ``kind`` -1..5                  (CollectionObject)     "Collection: tuple"); decoded the same way
``(datetime, nanos)`` tuple, with      Timestamp              how a Timestamp is decoded
``nanos`` 0..999999                    (TimestampObject)
any other ``list`` or ``tuple``        Object array           each element inferred by this table, or
(empty, mixed types, nested, with      (ObjectArrayObject)    written with its hint if it is a ``(value,
``(value, hint)`` elements...)                                hint)`` tuple; decoded as ``(-1, list)``
a decoded ``(type_id, list)`` Object   Object array / Enum    keeps its type and ``type_id`` (they are
array or Enum array                    array                  tuples of a private subclass)
``dict``                               Map (MapObject,        keys and values inferred (or ``(value,
                                       ``HASH_MAP``)          hint)`` tuples); decoded as ``(1, dict)``
``collections.OrderedDict``            Map (MapObject,        decoded as ``(2, OrderedDict)``
                                       ``LINKED_HASH_MAP``)
``set``, ``frozenset``                 Collection             decoded as ``(CollectionObject.HASH_SET,
                                       (CollectionObject,     list)``
                                       ``HASH_SET``)
:class:`~.containers.ObjectArray`      Object array           keeps its component ``type_id``
Complex objects                        BinaryObject           see :mod:`pyignite.binary`
=====================================  =====================  ==============================================

A subclass of a type in this table (an ``IntEnum``, say) takes its base's Ignite type. A value of any
other type raises :class:`TypeError` unless a hint is given. Typed-array inference looks at the exact
types of all elements, so ``[1, True]`` and ``[1, 2.5]`` become Object arrays, never a Long array that
silently turns ``True`` into 1 or a Double array that turns 1 into 1.0.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections import OrderedDict
from typing import Any, Dict, Type

from pyignite.datatypes.arrays import (
    BoolArrayObject,
    ByteArrayObject,
    DateArrayObject,
    DecimalArrayObject,
    DoubleArrayObject,
    LongArrayObject,
    StringArrayObject,
    TimeArrayObject,
    TimestampArrayObject,
    UUIDArrayObject,
)
from pyignite.datatypes.base import (
    CodecContext,
    IgniteDataType,
    encode,
    is_hint,
    register_inference,
    register_value_inference,
)
from pyignite.datatypes.containers import (
    CollectionObject,
    EnumArrayObject,
    MapObject,
    ObjectArray,
    ObjectArrayObject,
    _EnumArrayPair,
    _ObjectArrayPair,
    container_pair_hint,
    write_object_array,
)
from pyignite.datatypes.standard import NanoDatetime, TimestampObject

__all__ = ["array_hint_for_types", "infer_sequence_hint"]

_NONE = type(None)

#: exact element type -> typed array hint (primitive element types: no None allowed)
_PRIMITIVE_ARRAYS: Dict[type, Type[IgniteDataType]] = {
    int: LongArrayObject,
    float: DoubleArrayObject,
    bool: BoolArrayObject,
}
#: exact element type -> typed array hint of nullable objects
_OBJECT_ARRAYS: Dict[type, Type[IgniteDataType]] = {
    str: StringArrayObject,
    uuid.UUID: UUIDArrayObject,
    datetime.datetime: TimestampArrayObject,
    NanoDatetime: TimestampArrayObject,
    datetime.date: DateArrayObject,
    datetime.timedelta: TimeArrayObject,
    datetime.time: TimeArrayObject,
    decimal.Decimal: DecimalArrayObject,
}


def array_hint_for_types(types: set) -> Type[IgniteDataType]:
    """The array hint for a sequence whose elements have exactly the Python ``types``."""
    if _NONE in types:
        rest = types - {_NONE}
        table = _OBJECT_ARRAYS
    else:
        rest = types
        table = _ARRAYS
    if len(rest) == 1:
        return table.get(next(iter(rest)), ObjectArrayObject)
    if rest == _DATETIMES:
        return TimestampArrayObject
    return ObjectArrayObject


_ARRAYS = {**_PRIMITIVE_ARRAYS, **_OBJECT_ARRAYS}
_DATETIMES = {datetime.datetime, NanoDatetime}


def _pair_hint(value: tuple) -> Any:
    """The hint of an unhinted 2-tuple that is not an array: a Map, a Collection or a Timestamp."""
    hint = container_pair_hint(value)
    if hint is None and isinstance(value[0], datetime.datetime):
        nanos = value[1]
        if type(nanos) is int and 0 <= nanos <= 999_999:
            return TimestampObject
    return hint


def infer_sequence_hint(value: Any) -> Type[IgniteDataType]:
    """The hint for a list or tuple (a typed array when all elements share one simple type)."""
    if len(value) == 2 and isinstance(value, tuple):
        hint = _pair_hint(value)
        if hint is not None:
            return hint
    return array_hint_for_types(set(map(type, value)))


def _encode_sequence(buf: bytearray, value: Any, ctx: CodecContext) -> None:
    if len(value) == 2 and type(value) is tuple:
        if is_hint(value[1]):  # a top-level (value, hint)
            encode(buf, value[0], value[1], ctx)
            return
        hint = _pair_hint(value)
        if hint is not None:
            hint.encode(buf, value, ctx)
            return
    types = set(map(type, value))
    hint = array_hint_for_types(types)
    if hint is ObjectArrayObject:
        write_object_array(buf, -1, value, ctx)
    else:
        hint.encode_checked(buf, value, types)  # type: ignore[attr-defined]


register_value_inference(list, infer_sequence_hint, _encode_sequence)
register_value_inference(tuple, infer_sequence_hint, _encode_sequence)
register_inference(ObjectArray, ObjectArrayObject)
register_inference(_ObjectArrayPair, ObjectArrayObject)
register_inference(_EnumArrayPair, EnumArrayObject)
register_inference(bytes, ByteArrayObject)
register_inference(bytearray, ByteArrayObject)
register_inference(memoryview, ByteArrayObject)
register_inference(dict, MapObject)
register_inference(OrderedDict, MapObject)
register_inference(set, CollectionObject)
register_inference(frozenset, CollectionObject)
