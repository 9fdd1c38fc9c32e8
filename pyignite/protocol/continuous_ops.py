"""Continuous queries on the wire, sans I/O: the request that starts one, the Java remote filter
object, and the event notifications.

Wire formats (``ClientCacheQueryContinuousRequest``, ``ClientCacheQueryContinuousHandle`` and
``ClientCacheEntryEventNotification`` in Apache Ignite 2.18)
------------------------------------------------------------------------------------------------------
* **Request** (``OP_QUERY_CONTINUOUS``, 2006): cache id and flags (``KEEP_BINARY`` here, see
  :func:`continuous_query`), ``i32 page size``, ``i64 time interval (ms)``, ``bool include
  expired``, then the remote filter: Null, or a binary object followed by ``byte platform``
  (1 = Java). Released servers read nothing after it: there is no initial query in the message (the
  Java thin client, like this one, runs the initial query as an ordinary scan or SQL query once the
  continuous query is registered).
* **Reply**: ``i64`` id of the query, a resource of the connection that asked (released by
  ``RESOURCE_CLOSE`` or when the connection ends). The server counts it against the connection's
  open-cursor limit (``maxOpenCursorsPerConnection``, 128 by default).
* **Notification** (op 2007, the query id where a reply has its request id): ``i32 count``, then per
  event: key, old value, value (Null for REMOVED and EXPIRED) as objects, and ``byte type``
  (0 CREATED, 1 UPDATED, 2 REMOVED, 3 EXPIRED). The server starts notifying only once the reply has
  been sent; events of the window between registration and that moment are not delivered (an
  initial query covers them). With ``page size`` > 1 the server batches events per notification and
  sends a partly filled batch only after ``time interval`` ms (never, with 0).
* **Java remote filter**: the server deserializes the filter object (with the Java platform byte)
  into a ``javax.cache.configuration.Factory`` and asks it for the filter, which must implement
  ``CacheEntryEventSerializableFilter`` and runs on every server node, on each event before it is
  sent. A filter named by its Java class is sent as the JSR 107 ``FactoryBuilder$ClassFactory``
  (one String field ``className``), which instantiates the class by name: the class must be on the
  server nodes' class path. The server resolves the object's type id to a Java class through the
  cluster's type name mapping, so the client registers the type name first
  (``OP_REGISTER_BINARY_TYPE_NAME``, 3001: ``byte platform`` 0 = Java, ``i32 type id``, name
  String; the reply is a bool), as the Java thin client does when it serializes an object.
"""

from __future__ import annotations

import struct
from enum import IntEnum
from typing import Any, List, NamedTuple

from pyignite.datatypes.base import DECODERS, MALFORMED, NO_CONTEXT, NULL_CODE, CodecContext, encode, malformed
from pyignite.exceptions import CacheError, ParameterError, ParseError
from pyignite.protocol import op_codes as op
from pyignite.protocol.cache_ops import FLAG_KEEP_BINARY, CacheRef
from pyignite.protocol.frames import new_request
from pyignite.protocol.request import Request

__all__ = [
    "CacheEntryEvent",
    "DEFAULT_BUFFER_SIZE",
    "EventType",
    "continuous_query",
    "event_count",
    "register_type_name",
    "CLASS_FACTORY_TYPE",
    "parse_events",
]

#: Events a client keeps for a continuous query before its consumer takes them (see
#: :mod:`pyignite.continuous`: the query ends with an overflow error beyond that).
DEFAULT_BUFFER_SIZE = 100_000

_INT = struct.Struct("<i")
_LONG = struct.Struct("<q")
_PREFIX = struct.Struct("<ib")
_TAIL = struct.Struct("<iq?")  # page size, time interval, include expired
#: ``ClientPlatform.JAVA``: the platform byte after a filter object
_PLATFORM_JAVA = 1
#: platform id of Java classes in the cluster's type name mapping (``OP_REGISTER_BINARY_TYPE_NAME``)
_PLATFORM_JAVA_MAPPING = 0
#: the JSR 107 factory that instantiates a class by name (field ``className``)
CLASS_FACTORY_TYPE = "javax.cache.configuration.FactoryBuilder$ClassFactory"


class EventType(IntEnum):
    """What happened to a cache entry (``javax.cache.event.EventType``)."""

    #: the entry was created (``value`` is the new value, ``old_value`` None)
    CREATED = 0
    #: the entry's value changed (``old_value`` is the previous value)
    UPDATED = 1
    #: the entry was removed (``value`` is None, ``old_value`` the removed value)
    REMOVED = 2
    #: the entry expired (``include_expired=True`` only; ``value`` None, ``old_value`` the last value)
    EXPIRED = 3


_EVENT_TYPES = tuple(EventType)
#: the first event type code after which an entry has no value (REMOVED, EXPIRED)
_FIRST_GONE = EventType.REMOVED


class CacheEntryEvent(NamedTuple):
    """One change of one cache entry, as a continuous query delivers it."""

    #: an :class:`EventType`
    type: EventType
    key: Any
    #: the new value (None for REMOVED and EXPIRED)
    value: Any
    #: the previous value (None for CREATED)
    old_value: Any


# --- the request ----------------------------------------------------------------------------------

def _check_int(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"{name} must be an int, not {type(value).__name__}")
    if not lo <= value <= hi:
        raise ParameterError(f"{name} must be in {lo}..{hi}, not {value}")
    return value


def register_type_name(type_id: int, type_name: str) -> Request:
    """``OP_REGISTER_BINARY_TYPE_NAME`` (3001) for the Java platform: map ``type_id`` to the Java
    class ``type_name`` in the cluster (idempotent)."""
    buf = new_request(op.OP_REGISTER_BINARY_TYPE_NAME)
    buf.append(_PLATFORM_JAVA_MAPPING)
    buf += _INT.pack(type_id)
    encode(buf, type_name, None, NO_CONTEXT)
    return Request(buf, None, CacheError, f"type name {type_name!r}")


def continuous_query(
    ref: CacheRef,
    page_size: int = 1,
    time_interval: int = 0,
    include_expired: bool = False,
    filter_object: Any = None,
    ctx: CodecContext = NO_CONTEXT,
) -> Request:
    """``OP_QUERY_CONTINUOUS``: start a continuous query on ``ref``'s cache; the reply's parse returns
    the query's resource id. ``filter_object`` is the remote filter's factory (a Complex object
    whose Java class implements ``javax.cache.configuration.Factory``), or ``None``.

    The cache prefix carries ``KEEP_BINARY``, so a Java remote filter sees keys and values as the
    server stores them (complex objects as ``BinaryObject``: the server needs no Python-defined
    class). The per-operation expiry policy of ``ref`` does not apply to a query and is not sent.
    """
    _check_int("page_size", page_size, 1, 0x7FFFFFFF)
    _check_int("time_interval", time_interval, 0, (1 << 63) - 1)
    if not isinstance(include_expired, bool):
        raise ParameterError(f"include_expired must be True or False, not {include_expired!r}")
    buf = new_request(op.OP_QUERY_CONTINUOUS)
    buf += _PREFIX.pack(ref.cache_id, FLAG_KEEP_BINARY)
    buf += _TAIL.pack(page_size, time_interval, include_expired)
    if filter_object is None:
        buf.append(NULL_CODE)
    else:
        encode(buf, filter_object, None, ctx)
        buf.append(_PLATFORM_JAVA)
    return Request(buf, _parse_id, CacheError, f"continuous query on {ref.what}")


def _parse_id(frame: Any, pos: int, ctx: CodecContext) -> int:
    return _LONG.unpack_from(frame, pos)[0]


# --- notifications --------------------------------------------------------------------------------

def event_count(frame: Any, pos: int) -> int:
    """How many events the notification payload at ``pos`` holds (without decoding them)."""
    try:
        (count,) = _INT.unpack_from(frame, pos)
    except struct.error:
        raise ParseError("truncated continuous query notification") from None
    if count < 0:
        raise ParseError(f"negative event count {count} in a continuous query notification")
    return count


def parse_events(frame: Any, pos: int, ctx: CodecContext) -> List[CacheEntryEvent]:
    """The events of a notification payload at ``pos`` (raises ``MissingBinaryType`` when a value
    names a binary type ``ctx`` does not know: the caller fetches it and parses again)."""
    decoders = DECODERS
    events: List[CacheEntryEvent] = []
    append = events.append
    try:
        count = event_count(frame, pos)
        pos += 4
        for _ in range(count):
            key, pos = decoders[frame[pos]](frame, pos + 1, ctx)
            old, pos = decoders[frame[pos]](frame, pos + 1, ctx)
            value, pos = decoders[frame[pos]](frame, pos + 1, ctx)
            code = frame[pos]
            pos += 1
            if code >= len(_EVENT_TYPES):
                raise ParseError(f"unknown continuous query event type {code}")
            if code >= _FIRST_GONE:
                # Releases before 2.16 repeat the old value as the value of a REMOVED or EXPIRED
                # event; the entry has no value any more, whichever release says so.
                value = None
            append(CacheEntryEvent(_EVENT_TYPES[code], key, value, old))
    except MALFORMED as exc:  # a notification is parsed here, not by read_response: same rule
        raise malformed("malformed continuous query notification", exc) from None
    return events
