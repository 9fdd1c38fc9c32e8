"""Request builders for key-value and cache management operations.

Each function returns a :class:`~pyignite.protocol.request.Request`; none does I/O. A key-value request
starts with the cache prefix: ``i32 cache id, byte flags`` then, with ``WITH_EXPIRY_POLICY``, three
``i64`` durations in ms, and, with ``TRANSACTIONAL``, the ``i32`` transaction id.
"""

from __future__ import annotations

import itertools
import struct
from typing import Any, Dict, List, Optional, Tuple

from pyignite.datatypes.base import DECODERS, NO_CONTEXT, CodecContext, decode, encode, encode_item
from pyignite.datatypes.cache_properties import decode_settings, encode_settings
from pyignite.datatypes.prop_codes import PROP_NAME
from pyignite.datatypes.standard import java_string_hash
from pyignite.exceptions import CacheCreationError, CacheError
from pyignite.protocol import op_codes as op
from pyignite.protocol.frames import new_request
from pyignite.protocol.handshake import LATEST
from pyignite.protocol.request import Request

__all__ = ["CacheRef", "cache_id"]

FLAG_KEEP_BINARY = 0x01
FLAG_TRANSACTIONAL = 0x02
FLAG_WITH_EXPIRY_POLICY = 0x04

_PREFIX = struct.Struct("<ib")
_EXPIRY = struct.Struct("<qqq")
_INT = struct.Struct("<i")


def cache_id(name: str) -> int:
    """Cache id as Ignite computes it: Java ``String.hashCode()`` of the name, 0 replaced by 1."""
    h = java_string_hash(name)
    return h if h != 0 else 1


class CacheRef:
    """What a request needs to address a cache: its id, and the per-operation expiry policy if any.

    :ivar expiry: ``(create, update, access)`` in ms (-1 eternal, -2 unchanged) or ``None``.
    """

    __slots__ = ("cache_id", "expiry", "name", "prefixes", "what")

    def __init__(self, name: str, expiry: Optional[Tuple[int, int, int]] = None) -> None:
        self.name = name
        self.cache_id = cache_id(name)
        self.expiry = expiry
        self.what = f"cache {name!r}"
        #: op code -> the first bytes of its requests outside transactions (frame header with the
        #: length and request id left to the transport, cache id, flags, expiry durations): they
        #: never change for a cache, so a request starts as a copy of them (see cache_request)
        self.prefixes: Dict[int, bytes] = {}


def cache_request(op_code: int, ref: CacheRef, tx_id: Optional[int] = None) -> bytearray:
    """A request buffer with the cache prefix written (copied from ``ref.prefixes`` when it is
    there; a transaction's requests carry its id, so they are built each time)."""
    if tx_id is None:
        prefix = ref.prefixes.get(op_code)
        if prefix is None:
            prefix = ref.prefixes[op_code] = bytes(_build_prefix(op_code, ref, None))
        return bytearray(prefix)
    return _build_prefix(op_code, ref, tx_id)


def _build_prefix(op_code: int, ref: CacheRef, tx_id: Optional[int]) -> bytearray:
    buf = new_request(op_code)
    flags = 0
    if ref.expiry is not None:
        flags |= FLAG_WITH_EXPIRY_POLICY
    if tx_id is not None:
        flags |= FLAG_TRANSACTIONAL
    buf += _PREFIX.pack(ref.cache_id, flags)
    if ref.expiry is not None:
        buf += _EXPIRY.pack(*ref.expiry)
    if tx_id is not None:
        buf += _INT.pack(tx_id)
    return buf


# --- the hot path: common keys and values inline ------------------------------------------------
# Single-key operations spend more time in Python than on the wire when every value goes through
# the generic codec (encode -> type lookup -> the hint's encoder; decode -> the decoder table). The
# two helpers below write and read the commonest values -- an int as a Long, a str as a String,
# None -- in place, with exactly the bytes the generic codec produces (tests/test_call_budget.py
# checks both), and hand everything else to it.

_CODE_LONG = struct.Struct("<Bq")
_CODE_LEN = struct.Struct("<Bi")
_LONG = struct.Struct("<q")


def encode_value(buf: bytearray, value: Any, hint: Any, ctx: CodecContext) -> None:
    """:func:`~pyignite.datatypes.base.encode` with int, str and None (without a hint) inline."""
    if hint is None:
        vtype = type(value)
        if vtype is int:
            if -0x8000000000000000 <= value <= 0x7FFFFFFFFFFFFFFF:
                buf += _CODE_LONG.pack(4, value)
                return
        elif vtype is str:
            try:
                data = value.encode("utf-8")
            except UnicodeEncodeError:
                pass  # a lone surrogate: the generic encoder raises the ValueError
            else:
                buf += _CODE_LEN.pack(9, len(data))
                buf += data
                return
        elif value is None:
            buf.append(101)
            return
    encode(buf, value, hint, ctx)


#: ``plain_request``'s "no value" (a key-only operation)
NO_VALUE: Any = object()
_CODE_DOUBLE = struct.Struct("<Bd")


def plain_request(ref: CacheRef, op_code: int, key: Any, value: Any = NO_VALUE) -> Optional[bytearray]:
    """The request of a single-key operation outside a transaction, built without a :class:`Request`
    -- the blocking client's shortest path (:meth:`pyignite.client.Client._plain`) -- when it is
    that simple: ``op_code``'s prefix for ``ref`` is known (made by an earlier request), the key is
    an int (a Long), str, float or bool without hint, and so is the value, if any, or it is None.
    The bytes are the ones :func:`key_op` / :func:`key_value_op` write. ``None`` in every other
    case (nothing to register first, no hint to honour): then the caller takes the general path."""
    prefix = ref.prefixes.get(op_code)
    if prefix is None:
        return None
    buf = bytearray(prefix)
    for item in (key,) if value is NO_VALUE else (key, value):
        vtype = type(item)
        if vtype is int:
            if not -0x8000000000000000 <= item <= 0x7FFFFFFFFFFFFFFF:
                return None
            buf += _CODE_LONG.pack(4, item)
        elif vtype is str:
            try:
                data = item.encode("utf-8")
            except UnicodeEncodeError:
                return None  # a lone surrogate: the generic encoder raises the ValueError
            buf += _CODE_LEN.pack(9, len(data))
            buf += data
        elif vtype is float:
            buf += _CODE_DOUBLE.pack(6, item)
        elif vtype is bool:
            buf += b"\x08\x01" if item else b"\x08\x00"
        elif item is None and item is not key:  # a None value; a None key is refused on the general path
            buf.append(101)
        else:
            return None
    return buf


def plain_as_request(ref: CacheRef, frame: bytearray, key: Any, parse: Any) -> Request:
    """The :class:`Request` of a frame :func:`plain_request` built, for the general path to finish
    it: a resend by the retry policy, a reply that is not a plain success."""
    return Request(frame, parse, CacheError, ref.what, (ref.cache_id, key, None))


# --- reply parsers -------------------------------------------------------------------------------

def parse_value(frame: bytes, pos: int, ctx: CodecContext) -> Any:
    """One value; a String, Long, Int or Null is read in place (see encode_value), the rest by
    :func:`~pyignite.datatypes.base.decode`."""
    code = frame[pos]
    if code == 9:
        (length,) = _INT.unpack_from(frame, pos + 1)
        end = pos + 5 + length
        if length >= 0 and end <= len(frame):
            try:
                return str(frame[pos + 5 : end], "utf-8")
            except UnicodeDecodeError:
                pass  # Java's modified UTF-8 (CESU-8): the String decoder knows it
    elif code == 4:
        return _LONG.unpack_from(frame, pos + 1)[0]
    elif code == 101:
        return None
    elif code == 3:
        return _INT.unpack_from(frame, pos + 1)[0]
    return decode(frame, pos, ctx)[0]


def parse_bool(frame: bytes, pos: int, ctx: CodecContext) -> bool:
    return frame[pos] != 0


def parse_long(frame: bytes, pos: int, ctx: CodecContext) -> int:
    return struct.unpack_from("<q", frame, pos)[0]


def parse_string_list(frame: bytes, pos: int, ctx: CodecContext) -> list:
    (count,) = _INT.unpack_from(frame, pos)
    pos += 4
    out = []
    for _ in range(count):
        value, pos = decode(frame, pos, ctx)
        out.append(value)
    return out


# --- cache management ----------------------------------------------------------------------------

def get_names() -> Request:
    return Request(new_request(op.OP_CACHE_GET_NAMES), parse_string_list)


def _named(op_code: int, name: str, error: type) -> Request:
    buf = new_request(op_code)
    encode(buf, name)
    return Request(buf, None, error, f"cache {name!r}")


def create_with_name(name: str) -> Request:
    return _named(op.OP_CACHE_CREATE_WITH_NAME, name, CacheCreationError)


def get_or_create_with_name(name: str) -> Request:
    return _named(op.OP_CACHE_GET_OR_CREATE_WITH_NAME, name, CacheCreationError)


def destroy(ref: CacheRef) -> Request:
    buf = new_request(op.OP_CACHE_DESTROY)
    buf += _INT.pack(ref.cache_id)
    return Request(buf, None, CacheError, ref.what)


# --- key-value -----------------------------------------------------------------------------------

def key_op(
    op_code: int,
    ref: CacheRef,
    key: Any,
    key_hint: Any = None,
    parse: Any = None,
    tx_id: Optional[int] = None,
    ctx: CodecContext = NO_CONTEXT,
) -> Request:
    """A single-key operation (get, contains_key, remove_key...).

    ``req.affinity`` records ``(cache id, key, key hint)``: what partition awareness routes by
    (:mod:`pyignite.protocol.affinity`).
    """
    prefix = ref.prefixes.get(op_code) if tx_id is None else None
    buf = bytearray(prefix) if prefix is not None else cache_request(op_code, ref, tx_id)
    encode_value(buf, key, key_hint, ctx)
    return Request(buf, parse, CacheError, ref.what, (ref.cache_id, key, key_hint), tx_id)


def key_value_op(
    op_code: int,
    ref: CacheRef,
    key: Any,
    value: Any,
    key_hint: Any = None,
    value_hint: Any = None,
    parse: Any = None,
    tx_id: Optional[int] = None,
    ctx: CodecContext = NO_CONTEXT,
) -> Request:
    """A key + value operation (put, get_and_put, replace...); ``req.affinity`` as in :func:`key_op`."""
    prefix = ref.prefixes.get(op_code) if tx_id is None else None
    buf = bytearray(prefix) if prefix is not None else cache_request(op_code, ref, tx_id)
    encode_value(buf, key, key_hint, ctx)
    encode_value(buf, value, value_hint, ctx)
    return Request(buf, parse, CacheError, ref.what, (ref.cache_id, key, key_hint), tx_id)


def get(ref: CacheRef, key: Any, key_hint: Any = None, tx_id: Optional[int] = None,
        ctx: CodecContext = NO_CONTEXT) -> Request:
    return key_op(op.OP_CACHE_GET, ref, key, key_hint, parse_value, tx_id, ctx)


def put(ref: CacheRef, key: Any, value: Any, key_hint: Any = None, value_hint: Any = None,
        tx_id: Optional[int] = None, ctx: CodecContext = NO_CONTEXT) -> Request:
    return key_value_op(op.OP_CACHE_PUT, ref, key, value, key_hint, value_hint, None, tx_id, ctx)


def parse_pairs(frame: bytes, pos: int, ctx: CodecContext) -> dict:
    """``i32 count`` then ``count`` (key, value) pairs, as a dict.

    A bulk reply (``get_all`` of up to 100,000 keys) is read in one loop: Long keys and String values
    in place, every other value straight through the decoder table (what :func:`decode` does, without its call);
    truncated data raises ``struct.error``/``IndexError``, which ``read_response`` reports as a
    :class:`~pyignite.exceptions.ParseError`.
    """
    (count,) = _INT.unpack_from(frame, pos)
    pos += 4
    out = {}
    decoders = DECODERS
    unpack_long = _LONG.unpack_from
    unpack_int = _INT.unpack_from
    size = len(frame)
    for _ in range(count):
        code = frame[pos]
        if code == 4:
            key = unpack_long(frame, pos + 1)[0]
            pos += 9
        else:
            key, pos = decoders[code](frame, pos + 1, ctx)
        code = frame[pos]
        if code == 9:  # a String value: in place unless it is not plain UTF-8 (see parse_value)
            (length,) = unpack_int(frame, pos + 1)
            end = pos + 5 + length
            if length >= 0 and end <= size:
                try:
                    out[key] = str(frame[pos + 5 : end], "utf-8")
                    pos = end
                    continue
                except UnicodeDecodeError:
                    pass
        value, pos = decoders[code](frame, pos + 1, ctx)
        out[key] = value
    return out


def keys_op(op_code: int, ref: CacheRef, keys: Any, parse: Any = None, tx_id: Optional[int] = None,
            ctx: CodecContext = NO_CONTEXT, offsets: Optional[List[int]] = None) -> Request:
    """A multi-key operation: ``i32 count`` then the keys (each a value or a ``(value, hint)`` tuple).

    ``offsets``: a list that receives where each key starts in the frame, then where the last one
    ends (see :func:`part_of`)."""
    keys = list(keys)
    buf = cache_request(op_code, ref, tx_id)
    buf += _INT.pack(len(keys))
    _encode_items(buf, keys, ctx, offsets)
    return Request(buf, parse, CacheError, ref.what, tx_id=tx_id)


def _encode_items(buf: bytearray, items: Any, ctx: CodecContext, offsets: Optional[List[int]] = None) -> None:
    """:func:`encode_item` of each of ``items``, with ints (Longs) and strs (Strings) inline: the bulk
    operations' loop (same bytes as the generic codec). With ``offsets``, where each item starts in
    ``buf`` and, last, where the items end."""
    pack_long = _CODE_LONG.pack
    pack_len = _CODE_LEN.pack
    mark = offsets.append if offsets is not None else None
    for item in items:
        if mark is not None:
            mark(len(buf))
        vtype = type(item)
        if vtype is int and -0x8000000000000000 <= item <= 0x7FFFFFFFFFFFFFFF:
            buf += pack_long(4, item)
        elif vtype is str and item.isascii():  # ASCII: UTF-8 without surprises (no lone surrogates)
            buf += pack_len(9, len(item))
            buf += item.encode("ascii")
        else:
            encode_item(buf, item, ctx)
    if mark is not None:
        mark(len(buf))


def part_of(req: Request, offsets: List[int], indices: List[int], per: int = 1,
            frame: Optional[bytes] = None) -> Request:
    """The multi-key request ``req`` for some of its items only, cut out of its encoded frame.

    ``offsets`` are what the builder recorded (:func:`keys_op`, :func:`put_all`); ``indices`` the
    items wanted, in order; ``per`` encoded values per item (2 for ``put_all``: a key and a value).
    A partition-aware client splits a request by node this way (:class:`pyignite.protocol.affinity.
    KeySplit`): every key is encoded once, and the binary types it needed were registered for the
    whole request before any part is sent. The frame header (length, request id) is stamped when a
    part is sent. ``frame``: ``bytes(req.frame)``, if the caller cuts several parts (one copy).
    """
    if frame is None:
        frame = bytes(req.frame)  # slices of bytes are the cheapest pieces to join
    pieces = [frame[: offsets[0] - 4], _INT.pack(len(indices))]  # the i32 count precedes the first item
    add = pieces.append
    for i in indices:
        add(frame[offsets[i * per] : offsets[i * per + per]])
    return Request(bytearray(b"".join(pieces)), req.parse, req.error, req.what)


def get_all(ref: CacheRef, keys: Any, tx_id: Optional[int] = None, ctx: CodecContext = NO_CONTEXT,
            offsets: Optional[List[int]] = None) -> Request:
    return keys_op(op.OP_CACHE_GET_ALL, ref, keys, parse_pairs, tx_id, ctx, offsets)


# --- key-value operations and cache configuration ------------------------------------------------

_BYTE = struct.Struct("<b")


def put_if_absent(ref: CacheRef, key: Any, value: Any, key_hint: Any = None, value_hint: Any = None,
                  tx_id: Optional[int] = None, ctx: CodecContext = NO_CONTEXT) -> Request:
    """Reply: True if the value was put (the key was absent)."""
    return key_value_op(op.OP_CACHE_PUT_IF_ABSENT, ref, key, value, key_hint, value_hint, parse_bool, tx_id, ctx)


def get_and_put(ref: CacheRef, key: Any, value: Any, key_hint: Any = None, value_hint: Any = None,
                tx_id: Optional[int] = None, ctx: CodecContext = NO_CONTEXT) -> Request:
    """Reply: the previous value or None."""
    return key_value_op(op.OP_CACHE_GET_AND_PUT, ref, key, value, key_hint, value_hint, parse_value, tx_id, ctx)


def get_and_put_if_absent(ref: CacheRef, key: Any, value: Any, key_hint: Any = None, value_hint: Any = None,
                          tx_id: Optional[int] = None, ctx: CodecContext = NO_CONTEXT) -> Request:
    """Reply: the current value (nothing was put) or None (the value was put)."""
    return key_value_op(op.OP_CACHE_GET_AND_PUT_IF_ABSENT, ref, key, value, key_hint, value_hint, parse_value,
                        tx_id, ctx)


def get_and_replace(ref: CacheRef, key: Any, value: Any, key_hint: Any = None, value_hint: Any = None,
                    tx_id: Optional[int] = None, ctx: CodecContext = NO_CONTEXT) -> Request:
    """Reply: the previous value (it was replaced) or None (the key was absent, nothing put)."""
    return key_value_op(op.OP_CACHE_GET_AND_REPLACE, ref, key, value, key_hint, value_hint, parse_value,
                        tx_id, ctx)


def replace(ref: CacheRef, key: Any, value: Any, key_hint: Any = None, value_hint: Any = None,
            tx_id: Optional[int] = None, ctx: CodecContext = NO_CONTEXT) -> Request:
    """Reply: True if the key existed and its value was replaced."""
    return key_value_op(op.OP_CACHE_REPLACE, ref, key, value, key_hint, value_hint, parse_bool, tx_id, ctx)


def replace_if_equals(ref: CacheRef, key: Any, sample: Any, value: Any, key_hint: Any = None,
                      sample_hint: Any = None, value_hint: Any = None, tx_id: Optional[int] = None,
                      ctx: CodecContext = NO_CONTEXT) -> Request:
    """``key, old value, new value``. Reply: True if the stored value equalled ``sample`` and was replaced."""
    buf = cache_request(op.OP_CACHE_REPLACE_IF_EQUALS, ref, tx_id)
    encode(buf, key, key_hint, ctx)
    encode(buf, sample, sample_hint, ctx)
    encode(buf, value, value_hint, ctx)
    return Request(buf, parse_bool, CacheError, ref.what, (ref.cache_id, key, key_hint), tx_id)


def get_and_remove(ref: CacheRef, key: Any, key_hint: Any = None, tx_id: Optional[int] = None,
                   ctx: CodecContext = NO_CONTEXT) -> Request:
    """Reply: the removed value or None."""
    return key_op(op.OP_CACHE_GET_AND_REMOVE, ref, key, key_hint, parse_value, tx_id, ctx)


def remove_key(ref: CacheRef, key: Any, key_hint: Any = None, tx_id: Optional[int] = None,
               ctx: CodecContext = NO_CONTEXT) -> Request:
    """Reply: True if the key was there and was removed."""
    return key_op(op.OP_CACHE_REMOVE_KEY, ref, key, key_hint, parse_bool, tx_id, ctx)


def remove_if_equals(ref: CacheRef, key: Any, sample: Any, key_hint: Any = None, sample_hint: Any = None,
                     tx_id: Optional[int] = None, ctx: CodecContext = NO_CONTEXT) -> Request:
    """Reply: True if the stored value equalled ``sample`` and the entry was removed."""
    return key_value_op(op.OP_CACHE_REMOVE_IF_EQUALS, ref, key, sample, key_hint, sample_hint, parse_bool,
                        tx_id, ctx)


def remove_keys(ref: CacheRef, keys: Any, tx_id: Optional[int] = None, ctx: CodecContext = NO_CONTEXT,
                offsets: Optional[List[int]] = None) -> Request:
    return keys_op(op.OP_CACHE_REMOVE_KEYS, ref, keys, None, tx_id, ctx, offsets)


def remove_all(ref: CacheRef, tx_id: Optional[int] = None) -> Request:
    return Request(cache_request(op.OP_CACHE_REMOVE_ALL, ref, tx_id), None, CacheError, ref.what, tx_id=tx_id)


def contains_key(ref: CacheRef, key: Any, key_hint: Any = None, tx_id: Optional[int] = None,
                 ctx: CodecContext = NO_CONTEXT) -> Request:
    return key_op(op.OP_CACHE_CONTAINS_KEY, ref, key, key_hint, parse_bool, tx_id, ctx)


def contains_keys(ref: CacheRef, keys: Any, tx_id: Optional[int] = None, ctx: CodecContext = NO_CONTEXT,
                  offsets: Optional[List[int]] = None) -> Request:
    return keys_op(op.OP_CACHE_CONTAINS_KEYS, ref, keys, parse_bool, tx_id, ctx, offsets)


def clear(ref: CacheRef, tx_id: Optional[int] = None) -> Request:
    return Request(cache_request(op.OP_CACHE_CLEAR, ref, tx_id), None, CacheError, ref.what, tx_id=tx_id)


def clear_key(ref: CacheRef, key: Any, key_hint: Any = None, tx_id: Optional[int] = None,
              ctx: CodecContext = NO_CONTEXT) -> Request:
    return key_op(op.OP_CACHE_CLEAR_KEY, ref, key, key_hint, None, tx_id, ctx)


def clear_keys(ref: CacheRef, keys: Any, tx_id: Optional[int] = None, ctx: CodecContext = NO_CONTEXT,
               offsets: Optional[List[int]] = None) -> Request:
    return keys_op(op.OP_CACHE_CLEAR_KEYS, ref, keys, None, tx_id, ctx, offsets)


def put_all(ref: CacheRef, pairs: Any, tx_id: Optional[int] = None, ctx: CodecContext = NO_CONTEXT,
            offsets: Optional[List[int]] = None) -> Request:
    """``i32 count`` then (key, value) pairs; each key or value may be a ``(value, hint)`` tuple.
    ``offsets``: as in :func:`keys_op`, two per pair (its key's start, its value's start)."""
    buf = cache_request(op.OP_CACHE_PUT_ALL, ref, tx_id)
    buf += _INT.pack(len(pairs))
    # keys and values alternate on the wire: one flat iterator over them, encoded in one loop
    _encode_items(buf, itertools.chain.from_iterable(pairs.items()), ctx, offsets)
    return Request(buf, None, CacheError, ref.what, tx_id=tx_id)


def get_size(ref: CacheRef, peek_modes: Any = (), tx_id: Optional[int] = None) -> Request:
    """``i32 count`` then one byte per peek mode (``CachePeekMode`` ordinal). Reply: an i64 count."""
    modes = list(peek_modes)
    buf = cache_request(op.OP_CACHE_GET_SIZE, ref, tx_id)
    buf += _INT.pack(len(modes))
    for mode in modes:
        buf += _BYTE.pack(mode)
    return Request(buf, parse_long, CacheError, ref.what, tx_id=tx_id)


def get_configuration(ref: CacheRef) -> Request:
    """``OP_CACHE_GET_CONFIGURATION``. Reply: the settings dict ``{PROP_*: value}``."""
    buf = new_request(op.OP_CACHE_GET_CONFIGURATION)
    buf += _PREFIX.pack(ref.cache_id, 0)
    return Request(buf, decode_settings, CacheError, ref.what)


def create_with_configuration(settings: dict, create: bool, version: Optional[Tuple[int, int, int]] = None,
                              ctx: CodecContext = NO_CONTEXT) -> Request:
    """``OP_CACHE_CREATE_WITH_CONFIGURATION`` (``create``) or ``OP_CACHE_GET_OR_CREATE_WITH_CONFIGURATION``.

    :param settings: ``{PROP_*: value}`` with at least ``PROP_NAME``;
    :param version: the negotiated protocol version (default: the newest this client speaks);
    :raises ParameterError: unknown property codes or badly typed values (nothing is sent);
    :raises NotSupportedError: ``PROP_EXPIRY_POLICY`` with protocol < 1.6.0.
    Error replies raise :class:`CacheCreationError` (status 1001 when the cache exists).
    """
    buf = new_request(
        op.OP_CACHE_CREATE_WITH_CONFIGURATION if create else op.OP_CACHE_GET_OR_CREATE_WITH_CONFIGURATION
    )
    encode_settings(buf, settings, version or LATEST, ctx)
    return Request(buf, None, CacheCreationError, f"cache {settings[PROP_NAME]!r}")
