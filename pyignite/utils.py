"""Helpers under the names of the official client's ``pyignite.utils``.

Code written for the official client computes ids and hash codes with these (``entity_id`` for a
binary type id, ``schema_id``, ``hashcode`` of a string or bytes, ``unsigned`` to print an id...).
Each function here is this client's own computation (see :mod:`pyignite.datatypes.hashing` and
:mod:`pyignite.datatypes.complex`); where the official function is loose (Python code points
instead of Java's UTF-16 units), this one gives Java's number.
"""

from __future__ import annotations

import ctypes
import decimal
from typing import Any, Mapping, Optional, Union

from pyignite.datatypes.base import IgniteDataType, is_hint
from pyignite.datatypes.complex import GenericObjectMeta, hashcode_of_bytes
from pyignite.datatypes.complex import entity_id as _entity_id
from pyignite.datatypes.complex import schema_id as _schema_id
from pyignite.datatypes.primitive import java_int, long_hash
from pyignite.datatypes.standard import DecimalObject, java_string_hash
from pyignite.protocol.cache_ops import cache_id as _cache_id

__all__ = [
    "cache_id",
    "datetime_hashcode",
    "decimal_hashcode",
    "entity_id",
    "hashcode",
    "int_overflow",
    "is_binary",
    "is_hinted",
    "is_iterable",
    "schema_id",
    "unsigned",
]


def hashcode(data: Union[str, bytes, bytearray, memoryview, None]) -> int:
    """Java ``String.hashCode()`` of a str, ``Arrays.hashCode(byte[])`` of bytes (0 for None)."""
    if data is None:
        return 0
    if isinstance(data, str):
        return java_string_hash(data)
    if isinstance(data, (bytes, bytearray, memoryview)):
        return hashcode_of_bytes(data)
    raise TypeError(f"hashcode() takes a str or bytes, not {type(data).__name__}")


def cache_id(cache: Union[str, int]) -> int:
    """The cache id of a cache name (an int is taken as an id already)."""
    if isinstance(cache, int) and not isinstance(cache, bool):
        return cache
    if not isinstance(cache, str):
        raise TypeError(f"cache_id() takes a cache name (str) or an id (int), not {type(cache).__name__}")
    return _cache_id(cache)


def entity_id(name: Union[str, int, None]) -> Optional[int]:
    """The type id or field id of a name (case-insensitive, as Ignite maps names); an int is taken
    as an id already; None gives None."""
    if name is None:
        return None
    return _entity_id(name)


def schema_id(schema: Union[int, Mapping[str, Any], None]) -> int:
    """The schema id of a ``{field name: hint}`` schema (its names, in order); an int is taken as a
    schema id already; None (or no fields) gives 0."""
    if isinstance(schema, bool):
        raise TypeError("schema_id() takes a schema dict or a schema id (int), not a bool")
    if isinstance(schema, int):
        return schema
    return _schema_id(schema)


def int_overflow(value: int) -> int:
    """``value`` wrapped to a signed 32-bit int, as Java int arithmetic overflows."""
    return java_int(value)


def unsigned(value: int, c_type: Any = ctypes.c_uint) -> int:
    """``value`` as the unsigned integer of ``c_type``'s width (default 32 bits)."""
    bits = ctypes.sizeof(c_type) * 8
    return value & ((1 << bits) - 1)


def decimal_hashcode(value: decimal.Decimal) -> int:
    """Java ``BigDecimal.hashCode()`` of ``value``."""
    return DecimalObject.hashcode(value)


def datetime_hashcode(value: int) -> int:
    """Java ``java.util.Date.hashCode()`` of ``value`` milliseconds since the epoch."""
    return long_hash(value)


def is_iterable(value: Any) -> bool:
    """Whether ``value`` can be iterated."""
    try:
        iter(value)
    except TypeError:
        return False
    return True


def is_hinted(value: Any) -> bool:
    """Whether ``value`` is a ``(value, hint)`` pair."""
    return isinstance(value, tuple) and len(value) == 2 and is_hint(value[1]) and issubclass(value[1], IgniteDataType)


def is_binary(value: Any) -> bool:
    """Whether ``value`` is a Complex object (an instance of a :class:`~pyignite.GenericObjectMeta` class)."""
    return isinstance(type(value), GenericObjectMeta)
