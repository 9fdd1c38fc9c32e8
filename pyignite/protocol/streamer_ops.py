"""The data streamer (``OP_DATA_STREAMER_START`` 8000, ``OP_DATA_STREAMER_ADD_DATA`` 8001), sans I/O.

Theory of operation
-------------------
The server side of a thin client streamer is an ``IgniteDataStreamer`` on the node the request reaches
(``ClientDataStreamerStartRequest``): it takes a batch of entries and loads them into the cache through
the streamer's bulk path, which skips the per-key locking and the reply per key of ``put_all``. A
START request may carry the ``CLOSE`` flag: the node then creates a streamer, adds the entries, flushes
and closes it and replies only once the entries are in the cache -- a *one-off* batch that leaves no
resource on the connection. This client streams that way, as the .NET thin client does (its
"stateless" variant): entries are buffered per primary node on the client, each full buffer goes out
as one START+CLOSE request to that node (with partition awareness on; else through the default
connection, and the node forwards), several batches are in flight at once, and a batch's reply means
its entries are loaded. No server state, so a broken connection loses only the batches in flight,
which report the error.

The long-lived form (START without CLOSE returns a resource id; ADD_DATA adds to it and the last one
sends ``CLOSE``) answers ADD_DATA before the data is written, so load errors would surface only at the
end; it is not used. Nor would it be faster: measured on one node, a long-lived streamer fed with
ADD_DATA costs the node as much CPU per entry as one-off batches of 4096 entries. Either way the
node spends nearly all of it storing each entry (``IsolatedUpdater``: an on-heap entry, a page
memory row, a B+tree insert per entry), which is also most of what ``put_all`` costs it; what a
one-off batch adds is a streamer's set-up and close per batch, hence batches of thousands.

Where the server lacks the operation (before Ignite 2.11 the op is unknown: ``INVALID_OP_CODE``), the
same batches go out as ``OP_CACHE_PUT_ALL`` (1004), whose body -- ``i32 count`` and key/value objects --
is the same bytes, so a batch refused as an unknown op is sent again as ``put_all``.

Wire format (``ClientDataStreamerStartRequest``)
------------------------------------------------
``i32 cache id``, ``byte flags`` (``ALLOW_OVERWRITE`` 1, ``SKIP_STORE`` 2, ``KEEP_BINARY`` 4, ``FLUSH``
8, ``CLOSE`` 16), ``i32 per-node buffer size`` (negative: the server's default, or with ``CLOSE`` the
batch size, so the node forwards a batch in one message per node), ``i32 per-thread buffer size``
(negative: default; unused with ``CLOSE``), the receiver object (``Null``: the default receiver; a Java
``StreamReceiver`` cannot come from Python, so no platform byte follows), ``i32 count`` and each entry
as a key object and a value object (``ClientDataStreamerReader``; a ``Null`` value removes the key).
Reply: ``i64`` resource id (0 with ``CLOSE``).

``ALLOW_OVERWRITE`` off (Ignite's default) makes the node skip keys that already have a value in the
cache (the fastest path, for initial loading); on, existing values are replaced. ``SKIP_STORE`` skips
the cache store (write-through) of a cache that has one.
"""

from __future__ import annotations

import struct
from typing import Any, Dict, Hashable, Iterator, List, Optional, Tuple

from pyignite.datatypes.base import NO_CONTEXT, NULL_CODE, CodecContext, encode_item
from pyignite.exceptions import CacheError, ParameterError
from pyignite.protocol import op_codes as op
from pyignite.protocol.cache_ops import CacheRef, cache_request
from pyignite.protocol.frames import new_request
from pyignite.protocol.request import Request, pending_prerequisites, take_prerequisites

__all__ = [
    "ALLOW_OVERWRITE", "CLOSE", "FLUSH", "KEEP_BINARY", "SKIP_STORE", "Batch", "StreamerCore", "put_all_request",
    "start_request",
]

ALLOW_OVERWRITE = 0x01
SKIP_STORE = 0x02
KEEP_BINARY = 0x04
FLUSH = 0x08
CLOSE = 0x10

_INT = struct.Struct("<i")
_CODE_LONG = struct.Struct("<Bq")  # a Long: type code 4 and the value
_CODE_LEN = struct.Struct("<Bi")  # a String: type code 9 and the UTF-8 length
_LONG_MIN, _LONG_MAX = -(1 << 63), (1 << 63) - 1
#: a batch is also full at this many bytes of entries, whatever its entry count: large values must
#: not make a request (and the node's copy of it) huge
BATCH_BYTES = 4 << 20
_START = struct.Struct("<ibii")  # cache id, flags, per-node buffer, per-thread buffer


def _parse_long(frame: Any, pos: int, ctx: CodecContext) -> int:
    return int(struct.unpack_from("<q", frame, pos)[0])


def start_request(cache_id: int, flags: int, count: int, body: Any, what: str,
                  per_node_buffer: int = -1, per_thread_buffer: int = -1) -> Request:
    """A START request with ``count`` entries already encoded in ``body``; reply: the resource id."""
    buf = new_request(op.OP_DATA_STREAMER_START)
    buf += _START.pack(cache_id, flags, per_node_buffer, per_thread_buffer)
    buf.append(NULL_CODE)  # the default receiver
    buf += _INT.pack(count)
    buf += body
    return Request(buf, _parse_long, CacheError, what)


def put_all_request(ref: CacheRef, count: int, body: Any) -> Request:
    """The same entries as ``OP_CACHE_PUT_ALL`` (the fallback)."""
    buf = cache_request(op.OP_CACHE_PUT_ALL, ref)
    buf += _INT.pack(count)
    buf += body
    return Request(buf, None, CacheError, ref.what)


def _encode_pair(body: bytearray, key: Any, value: Any, ctx: CodecContext) -> None:
    """A key and a value as :func:`encode_item` writes them, Longs and ASCII Strings inline."""
    for item in (key, value):
        if type(item) is int and _LONG_MIN <= item <= _LONG_MAX:
            body += _CODE_LONG.pack(4, item)
        elif type(item) is str and item.isascii():
            body += _CODE_LEN.pack(9, len(item))
            body += item.encode("ascii")
        else:
            encode_item(body, item, ctx)


class Batch:
    """Encoded entries bound for one node: the body, how many, the key that routes it, and the
    prerequisites (binary type registrations) their encoding found."""

    __slots__ = ("body", "count", "group", "prerequisites", "route_key")

    def __init__(self, group: Hashable) -> None:
        self.group = group
        self.body = bytearray()
        self.count = 0
        self.route_key: Any = None
        self.prerequisites: list = []


class StreamerCore:
    """The client side buffers of a streamer, without I/O.

    :meth:`add` encodes an entry into the buffer of its node (a *group*: the primary node's UUID when
    the cache's partition map is known, else ``None``) and returns the :class:`Batch` that became full,
    if any; :meth:`drain` returns every non-empty batch; :meth:`request` turns a batch into the request
    of the current mode (``"streamer"`` or ``"put_all"``).

    :param ref: the cache;
    :param flags: streamer flags (``ALLOW_OVERWRITE``, ``SKIP_STORE``);
    :param batch_size: entries per batch (the per-node buffer); a batch is also full once its
        entries take :data:`BATCH_BYTES`;
    :param ctx: the client's codec context.
    """

    __slots__ = ("_batches", "added", "affinity", "batch_size", "ctx", "flags", "mode", "ref")

    def __init__(self, ref: CacheRef, flags: int, batch_size: int, mode: str, ctx: CodecContext = NO_CONTEXT) -> None:
        self.ref = ref
        self.flags = flags
        self.batch_size = batch_size
        self.mode = mode
        self.ctx = ctx
        #: the cache's :class:`~pyignite.protocol.affinity.CacheAffinity` (routing), or ``None``
        self.affinity: Any = None
        self._batches: Dict[Hashable, Batch] = {}
        #: entries encoded into the buffers so far
        self.added = 0

    @property
    def buffered(self) -> int:
        """Entries added and not yet handed out in a batch."""
        return sum(b.count for b in self._batches.values())

    def group_of(self, key: Any) -> Tuple[Hashable, bool]:
        """The group of ``key`` and whether the key can route a request to it (a plain key whose
        Java hash code is known; Complex object keys are never used for routing)."""
        aff = self.affinity
        if aff is None:
            return None, False
        from pyignite.datatypes.complex import GenericObjectMeta
        from pyignite.datatypes.hashing import hashcode

        plain = key[0] if type(key) is tuple and len(key) == 2 else key
        if isinstance(type(plain), GenericObjectMeta):
            return None, False
        try:
            return aff.node_for_hash(hashcode(key)), True
        except (TypeError, ValueError, NotImplementedError):
            return None, False

    def add(self, key: Any, value: Any) -> Optional[Batch]:
        """Encode one entry into its node's buffer; return that buffer's batch once it is full.

        :raises ParameterError: a ``None`` key or value;
        :raises TypeError: or ValueError: a key or value no Ignite type fits (nothing is buffered).
        """
        if key is None or value is None:
            raise ParameterError("streamer entries need a key and a value (None is not allowed)")
        group, routable = self.group_of(key) if self.affinity is not None else (None, False)
        batch = self._batches.get(group)
        if batch is None:
            batch = self._batches[group] = Batch(group)
        body = batch.body
        mark = len(body)
        ctx = self.ctx
        try:
            encode_item(body, key, ctx)
            encode_item(body, value, ctx)
        except BaseException:
            del body[mark:]
            raise
        if pending_prerequisites():
            batch.prerequisites.extend(take_prerequisites())
        batch.count += 1
        self.added += 1
        if routable and batch.route_key is None:
            batch.route_key = key
        if batch.count >= self.batch_size or len(body) >= BATCH_BYTES:
            del self._batches[group]
            return batch
        return None

    def fill(self, pairs: Iterator[Any]) -> Optional[Batch]:
        """Encode ``(key, value)`` pairs from the iterator ``pairs`` until a buffer is full, and return
        that batch; ``None`` once ``pairs`` is exhausted. The same entries and bytes as :meth:`add`
        one by one, but bulk loading spends most of the client's time here, so the common cases are
        inline: int keys and values (Longs) and ASCII strings are packed without a call per value,
        and a cache whose partitions all have one primary needs no hash code per key. An entry that
        cannot be encoded raises with nothing of it buffered; the entries before it stay buffered.
        """
        aff = self.affinity
        single = aff is None or len(aff.nodes) == 1
        if not single:
            return self._fill_routed(pairs)
        group = None if aff is None else aff.nodes[0]
        batch = self._batches.get(group)
        if batch is None:
            batch = self._batches[group] = Batch(group)
        body = batch.body
        count = batch.count
        size = self.batch_size
        ctx = self.ctx
        pack_long = _CODE_LONG.pack
        pack_len = _CODE_LEN.pack
        full = False
        try:
            for key, value in pairs:
                mark = len(body)
                try:
                    # the key, then the value: inline for Longs and ASCII Strings (the bytes
                    # encode_item writes), encode_item for everything else
                    if type(key) is int and _LONG_MIN <= key <= _LONG_MAX:
                        body += pack_long(4, key)
                    elif type(key) is str and key.isascii():
                        body += pack_len(9, len(key))
                        body += key.encode("ascii")
                    elif key is None:
                        raise ParameterError("streamer entries need a key and a value (None is not allowed)")
                    else:
                        encode_item(body, key, ctx)
                    if type(value) is int and _LONG_MIN <= value <= _LONG_MAX:
                        body += pack_long(4, value)
                    elif type(value) is str and value.isascii():
                        body += pack_len(9, len(value))
                        body += value.encode("ascii")
                    elif value is None:
                        raise ParameterError("streamer entries need a key and a value (None is not allowed)")
                    else:
                        encode_item(body, value, ctx)
                except BaseException:
                    del body[mark:]
                    raise
                if pending_prerequisites():
                    batch.prerequisites.extend(take_prerequisites())
                if batch.route_key is None and aff is not None and self.group_of(key)[1]:
                    batch.route_key = key
                count += 1
                if count >= size or len(body) >= BATCH_BYTES:
                    full = True
                    break
        finally:
            self.added += count - batch.count
            batch.count = count
        if full:
            del self._batches[group]
            return batch
        return None

    def _fill_routed(self, pairs: Iterator[Any]) -> Optional[Batch]:
        """:meth:`fill` for a cache spread over several primary nodes: each entry goes to the buffer
        of its key's primary (Long keys hashed inline, as Java's ``Long.hashCode``)."""
        aff = self.affinity
        owners = aff.owners
        parts = aff.partitions
        pow2 = parts & (parts - 1) == 0
        mask = parts - 1
        batches = self._batches
        size = self.batch_size
        for key, value in pairs:
            if pow2 and type(key) is int and _LONG_MIN <= key <= _LONG_MAX:
                u = key & 0xFFFFFFFFFFFFFFFF
                h = (u ^ (u >> 32)) & 0xFFFFFFFF
                group: Hashable = owners[(h ^ (h >> 16)) & mask]
                routable = True
            else:
                group, routable = self.group_of(key)
            batch = batches.get(group)
            if batch is None:
                batch = batches[group] = Batch(group)
            body = batch.body
            mark = len(body)
            try:
                if key is None or value is None:
                    raise ParameterError("streamer entries need a key and a value (None is not allowed)")
                _encode_pair(body, key, value, self.ctx)
            except BaseException:
                del body[mark:]
                raise
            if pending_prerequisites():
                batch.prerequisites.extend(take_prerequisites())
            batch.count += 1
            self.added += 1
            if routable and batch.route_key is None:
                batch.route_key = key
            if batch.count >= size or len(body) >= BATCH_BYTES:
                del batches[group]
                return batch
        return None

    def drain(self) -> List[Batch]:
        """Every non-empty buffer, as batches (the buffers are emptied)."""
        out = [b for b in self._batches.values() if b.count]
        self._batches = {}
        return out

    def request(self, batch: Batch, mode: Optional[str] = None) -> Request:
        """The request that loads ``batch`` in ``mode`` (default: the current one)."""
        mode = self.mode if mode is None else mode
        ref = self.ref
        if mode == "streamer":
            req = start_request(ref.cache_id, self.flags | CLOSE, batch.count, batch.body, f"streamer of {ref.what}")
        elif mode == "put_all":
            req = put_all_request(ref, batch.count, batch.body)
        else:  # pragma: no cover - checked by the facade
            raise ParameterError(f"unknown streamer mode {mode!r}")
        if batch.prerequisites:
            req.prerequisites = batch.prerequisites + req.prerequisites
        if batch.route_key is not None:
            # the partition-aware runner sends a request with affinity to the key's primary node
            req.affinity = (ref.cache_id, batch.route_key, None)
        return req
