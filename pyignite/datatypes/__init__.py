"""Ignite data types and the type hint classes of the specification.

``from pyignite.datatypes import *`` brings every hint class (``IntObject``, ``String``,
``MapObject``...) into scope, as the specification's examples do.
"""

from pyignite.datatypes import inference as _inference  # noqa: F401  (issue 3: registers the defaults)
from pyignite.datatypes.arrays import (  # issue 3: arrays
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
from pyignite.datatypes.cache_config import PeekModes  # issue 4: Cache.get_size
from pyignite.datatypes.complex import BinaryObject  # Complex objects (issue 6)
from pyignite.datatypes.containers import (  # issue 3: containers
    CollectionObject,
    EnumArrayObject,
    MapObject,
    ObjectArray,
    ObjectArrayObject,
    WrappedDataObject,
)
from pyignite.datatypes.expiry_policy import ExpiryPolicy  # issue 4: PROP_EXPIRY_POLICY
from pyignite.datatypes.hashing import hashcode as hashcode  # issue 3: Java hash codes
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
from pyignite.datatypes.standard import (  # issue 3: standard objects
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

__all__ = [
    "BinaryObject",
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
    # issue 3
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
