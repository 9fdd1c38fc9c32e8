"""Enumerations used in cache settings (``PROP_*`` values) and by :meth:`Cache.get_size`.

Every class is an :class:`enum.IntEnum`, so a member is also the plain ``int`` the protocol carries,
and either may be used in a settings dict::

    from pyignite.datatypes.cache_config import CacheMode
    from pyignite.datatypes.prop_codes import PROP_NAME, PROP_CACHE_MODE

    client.create_cache({PROP_NAME: 'my_cache', PROP_CACHE_MODE: CacheMode.REPLICATED})

The values are the codes the server reads in ``ClientCacheConfigurationSerializer`` (Ignite 2.17 and
2.18): Java enum ordinals, except :class:`CacheMode`, whose wire values are the codes of
``CacheMode.fromCode`` (1 and 2; 0 was ``LOCAL``, which Ignite no longer has).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Type, TypeVar, Union

__all__ = [
    "CacheAtomicityMode",
    "CacheMode",
    "IndexType",
    "PartitionLossPolicy",
    "PeekModes",
    "RebalanceMode",
    "WriteSynchronizationMode",
    "to_enum",
]


class CacheMode(IntEnum):
    """How the cache is distributed (``PROP_CACHE_MODE``).

    ``LOCAL`` (0) existed in Ignite before 2.16 and may be reported by old servers; it cannot be used
    to create a cache (Ignite 2.16 and newer fail to parse it and drop the connection, so pyignite
    refuses it with a ``ParameterError``).
    """

    LOCAL = 0
    REPLICATED = 1
    PARTITIONED = 2


class CacheAtomicityMode(IntEnum):
    """``PROP_CACHE_ATOMICITY_MODE``: transactional or atomic (the default) cache."""

    TRANSACTIONAL = 0
    ATOMIC = 1


class WriteSynchronizationMode(IntEnum):
    """``PROP_WRITE_SYNCHRONIZATION_MODE``: which copies a write waits for."""

    FULL_SYNC = 0
    FULL_ASYNC = 1
    PRIMARY_SYNC = 2


class RebalanceMode(IntEnum):
    """``PROP_REBALANCE_MODE``."""

    SYNC = 0
    ASYNC = 1
    NONE = 2


class PartitionLossPolicy(IntEnum):
    """``PROP_PARTITION_LOSS_POLICY``: what happens to operations when partitions are lost."""

    READ_ONLY_SAFE = 0
    READ_ONLY_ALL = 1
    READ_WRITE_SAFE = 2
    READ_WRITE_ALL = 3
    IGNORE = 4


class IndexType(IntEnum):
    """``index_type`` of a query index (written as one byte)."""

    SORTED = 0
    FULLTEXT = 1
    GEOSPATIAL = 2


class PeekModes(IntEnum):
    """Which entries :meth:`Cache.get_size` counts (Java ``CachePeekMode`` ordinals).

    ``ALL`` counts every copy a node holds (primary and backup); ``PRIMARY`` counts each entry once.
    """

    ALL = 0
    NEAR = 1
    PRIMARY = 2
    BACKUP = 3
    ONHEAP = 4
    OFFHEAP = 5


E = TypeVar("E", bound=IntEnum)


def to_enum(enum_cls: Type[E], value: int) -> Union[E, int, None]:
    """The member of ``enum_cls`` for a value read from the server.

    ``-1`` (Java ``null``) becomes ``None``; a value the enum does not know (a newer server) is kept as
    the plain ``int`` rather than failing the whole reply.
    """
    if value == -1:
        return None
    try:
        return enum_cls(value)
    except ValueError:
        return value


def check_enum(enum_cls: Type[IntEnum], value: Any, what: str) -> int:
    """``value`` as the int of a member of ``enum_cls``; :class:`ValueError`/:class:`TypeError` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be a {enum_cls.__name__} (an int), not {type(value).__name__}")
    try:
        return int(enum_cls(value))
    except ValueError:
        names = ", ".join(f"{m.name}={m.value}" for m in enum_cls)
        raise ValueError(f"{what}: {value} is not a {enum_cls.__name__} ({names})") from None
