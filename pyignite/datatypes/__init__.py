"""Ignite data types and the type hint classes of the specification.

``from pyignite.datatypes import *`` brings every hint class (``IntObject``, ``String``,
``MapObject``...) into scope, as the specification's examples do.
"""

from pyignite.datatypes.base import IgniteDataType
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
from pyignite.datatypes.standard import String

__all__ = [
    "BoolObject",
    "ByteObject",
    "CharObject",
    "DoubleObject",
    "FloatObject",
    "IgniteDataType",
    "IntObject",
    "LongObject",
    "Null",
    "ShortObject",
    "String",
]
