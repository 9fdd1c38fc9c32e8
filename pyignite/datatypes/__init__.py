"""Ignite data types and the type hint classes of the specification.

``from pyignite.datatypes import *`` brings every hint class (``IntObject``, ``String``,
``MapObject``...) into scope, as the specification's examples do.
"""

from typing import Any

from pyignite.datatypes import inference as _inference  # noqa: F401  (import registers the default type of each Python value)
from pyignite.datatypes.arrays import (
    BoolArrayObject,
    ByteArrayObject,
    CharArrayObject,
    DateArrayObject,
    DecimalArrayObject,
    DoubleArrayObject,
    FloatArrayObject,
    IntArrayObject,
    LongArrayObject,
    ShortArrayObject,
    StringArrayObject,
    TimeArrayObject,
    TimestampArrayObject,
    UUIDArrayObject,
)
from pyignite.datatypes.base import IgniteDataType
from pyignite.datatypes.cache_config import PeekModes  # the peek_modes argument of Cache.get_size
from pyignite.datatypes.complex import BinaryObject
from pyignite.datatypes.containers import (
    BinaryEnumArrayObject,
    CollectionObject,
    EnumArrayObject,
    MapObject,
    ObjectArray,
    ObjectArrayObject,
    WrappedDataObject,
)
from pyignite.datatypes.expiry_policy import ExpiryPolicy  # value of PROP_EXPIRY_POLICY and of with_expire_policy
from pyignite.datatypes.hashing import hashcode as hashcode  # Java hashCode of a value: cache ids, affinity keys
from pyignite.datatypes.primitive import (
    BoolObject,
    ByteObject,
    CharObject,
    DoubleObject,
    FloatObject,
    IntObject,
    LongObject,
    Null,
    ShortObject,
)
from pyignite.datatypes.standard import (
    BinaryEnumObject,
    DateObject,
    DecimalObject,
    EnumObject,
    NanoDatetime,
    SqlDateObject,
    String,
    TimeObject,
    TimestampObject,
    UUIDObject,
)

#: the official client's name of the Byte array hint (its own ``ByteArray`` is a headerless
#: internal variant that no value should be written with)
ByteArray = ByteArrayObject

# The enums of transactions and cluster states live with their facades (pyignite.transaction,
# pyignite.cluster), which import this package: they are resolved on first access so that code
# importing them from here, as from the official client, gets the same classes.
_LAZY = {
    "ClusterState": "pyignite.cluster",
    "TransactionConcurrency": "pyignite.transaction",
    "TransactionIsolation": "pyignite.transaction",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "BinaryEnumArrayObject",
    "BinaryObject",
    "ClusterState",
    "TransactionConcurrency",
    "TransactionIsolation",
    "BoolObject",
    "ByteObject",
    "CharObject",
    "DoubleObject",
    "ExpiryPolicy",
    "FloatObject",
    "IgniteDataType",
    "IntObject",
    "LongObject",
    "Null",
    "PeekModes",
    "ShortObject",
    "String",
    # standard objects, arrays and containers
    "BinaryEnumObject",
    "BoolArrayObject",
    "ByteArrayObject",
    "CharArrayObject",
    "CollectionObject",
    "DateArrayObject",
    "DateObject",
    "DecimalArrayObject",
    "DecimalObject",
    "DoubleArrayObject",
    "EnumArrayObject",
    "EnumObject",
    "FloatArrayObject",
    "IntArrayObject",
    "LongArrayObject",
    "MapObject",
    "NanoDatetime",
    "ObjectArray",
    "ObjectArrayObject",
    "ShortArrayObject",
    "SqlDateObject",
    "StringArrayObject",
    "TimeArrayObject",
    "TimeObject",
    "TimestampArrayObject",
    "TimestampObject",
    "UUIDArrayObject",
    "UUIDObject",
    "WrappedDataObject",
]
