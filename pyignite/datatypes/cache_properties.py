"""Cache configuration on the wire: settings dicts (``{PROP_*: value}``) to bytes and back.

Two formats, both from the server's ``ClientCacheConfigurationSerializer``:

* **Writing** (``OP_CACHE_CREATE_WITH_CONFIGURATION`` / ``OP_CACHE_GET_OR_CREATE_WITH_CONFIGURATION``):
  ``i32 length`` (of what follows), ``i16 count``, then ``count`` times ``i16 property code`` and the
  value. Only the properties given are sent; the server keeps its defaults for the rest. The server
  silently skips a code it does not know *without reading its value*, which would garble the rest of
  the message, so :func:`encode_settings` refuses unknown codes (and badly typed values) with
  :class:`~pyignite.exceptions.ParameterError` before anything is sent.
* **Reading** (``OP_CACHE_GET_CONFIGURATION``): ``i32 length`` then *every* property in a fixed order
  (see :data:`_READ_ORDER`), the cache key configurations, the query entities and, from protocol
  1.6.0, the expiry policy. :func:`decode_settings` returns a dict keyed by ``PROP_*`` codes.

Value encodings: strings are typed ``String`` objects (or ``Null``); ints, longs and booleans are raw
(``i32``, ``i64``, one byte); enums are ``i32`` (:mod:`pyignite.datatypes.cache_config`); a query
field's default value is a typed object of any Ignite type. Query entities carry decimal precision
and scale per field from protocol 1.2.0 (every version this client speaks).

``PROP_INVALIDATE`` is read-only in the specification; no server this client speaks to (protocol
1.2.0 and newer) reports it, so it is refused when given and absent from the dicts read back.

Settings dicts
--------------
A query entity (``PROP_QUERY_ENTITIES`` is a list of them) is a dict with the keys ``table_name``,
``key_field_name``, ``key_type_name``, ``value_field_name``, ``value_type_name`` (str or None),
``field_name_aliases`` (list of ``{'field_name', 'alias'}``), ``query_fields`` (list of
``{'name', 'type_name', 'is_key_field', 'is_notnull_constraint_field', 'default_value', 'precision',
'scale'}``) and ``query_indexes`` (list of ``{'index_name', 'index_type', 'inline_size', 'fields'}``
with ``fields`` a list of ``{'name', 'is_descending'}``). Keys may be left out: they default to
``None``, ``[]``, ``False``, -1 (precision, scale, inline size) and ``IndexType.SORTED``.
A default value is written as the Ignite type its field's ``type_name`` names (``java.lang.Integer``
-> ``IntObject``) unless it is given as a ``(value, hint)`` tuple.

A cache key configuration (``PROP_CACHE_KEY_CONFIGURATION`` is a list of them) is a dict with
``type_name`` and ``affinity_key_field_name``.
"""

from __future__ import annotations

import struct
from enum import IntEnum
from typing import Any, Callable, Dict, List, Optional, Tuple, Type

from pyignite.datatypes import prop_codes as pc
from pyignite.datatypes.base import (
    HINT_BY_CODE,
    INT,
    LONG,
    NO_CONTEXT,
    NULL_CODE,
    SHORT,
    CodecContext,
    decode,
    encode,
    is_hint,
)
from pyignite.datatypes.cache_config import (
    CacheAtomicityMode,
    CacheMode,
    IndexType,
    PartitionLossPolicy,
    RebalanceMode,
    WriteSynchronizationMode,
    check_enum,
    to_enum,
)
from pyignite.datatypes.expiry_policy import ExpiryPolicy
from pyignite.datatypes.standard import String
from pyignite.exceptions import NotSupportedByClusterError, ParameterError, ParseError

__all__ = [
    "PROP_NAMES",
    "WRITABLE_PROPERTIES",
    "decode_settings",
    "encode_settings",
    "prop_name",
]

Version = Tuple[int, int, int]

#: protocol version that added decimal precision and scale to query fields
PRECISION_SCALE_SINCE: Version = (1, 2, 0)
#: protocol version that added PROP_EXPIRY_POLICY
EXPIRY_POLICY_SINCE: Version = (1, 6, 0)

#: property code -> its name in :mod:`pyignite.datatypes.prop_codes`
PROP_NAMES: Dict[int, str] = {getattr(pc, n): n for n in pc.__all__}

_BOOL = struct.Struct("<?")
_BYTE = struct.Struct("<b")
_I32_MIN, _I32_MAX = -(2**31), 2**31 - 1
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1


def prop_name(code: Any) -> str:
    return PROP_NAMES.get(code, repr(code))


# --- writing -------------------------------------------------------------------------------------

Writer = Callable[[bytearray, Any, "_WriteCtx"], None]


class _WriteCtx:
    __slots__ = ("codec", "version")

    def __init__(self, version: Version, codec: CodecContext) -> None:
        self.version = version
        self.codec = codec


def _w_string(buf: bytearray, value: Any, w: _WriteCtx) -> None:
    if value is None:
        buf.append(NULL_CODE)
    elif isinstance(value, str):
        String.encode(buf, value)
    else:
        raise TypeError(f"expected a str or None, not {type(value).__name__}")


def _check_int(value: Any, lo: int, hi: int, kind: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an int, not {type(value).__name__}")
    if not lo <= value <= hi:
        raise ValueError(f"{value} does not fit a Java {kind} ({lo}..{hi})")
    return int(value)


def _w_int(buf: bytearray, value: Any, w: _WriteCtx) -> None:
    buf += INT.pack(_check_int(value, _I32_MIN, _I32_MAX, "int"))


def _w_long(buf: bytearray, value: Any, w: _WriteCtx) -> None:
    buf += LONG.pack(_check_int(value, _I64_MIN, _I64_MAX, "long"))


def _check_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise TypeError(f"expected a bool, not {value!r}")


def _w_bool(buf: bytearray, value: Any, w: _WriteCtx) -> None:
    buf.append(1 if _check_bool(value) else 0)


def _w_enum(enum_cls: Type[IntEnum]) -> Writer:
    def write(buf: bytearray, value: Any, w: _WriteCtx) -> None:
        buf += INT.pack(check_enum(enum_cls, value, enum_cls.__name__))

    return write


def _w_cache_mode(buf: bytearray, value: Any, w: _WriteCtx) -> None:
    mode = check_enum(CacheMode, value, "CacheMode")
    if mode == CacheMode.LOCAL:
        raise ValueError(
            "CacheMode.LOCAL is not supported: Ignite 2.16 and newer have no LOCAL caches and drop the "
            "connection when asked for one; use PARTITIONED or REPLICATED"
        )
    buf += INT.pack(mode)


def _w_name(buf: bytearray, value: Any, w: _WriteCtx) -> None:
    if not isinstance(value, str) or not value:
        raise TypeError(f"the cache name must be a non-empty str, not {value!r}")
    String.encode(buf, value)


def _list(value: Any, what: str) -> list:
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{what} must be a list, not {type(value).__name__}")
    return list(value)


def _dict(value: Any, what: str, allowed: Tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"{what} must be a dict, not {type(value).__name__}")
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ValueError(f"{what} has unknown keys {unknown}; allowed: {list(allowed)}")
    return value


def _field(d: dict, key: str, what: str, check: Callable[[Any], Any], default: Any = None) -> Any:
    value = d.get(key, default)
    try:
        return check(value)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{what}[{key!r}]: {exc}") from None


def _opt_str(value: Any) -> Optional[str]:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"expected a str or None, not {type(value).__name__}")
    return value


def _req_str(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"expected a non-empty str, not {value!r}")
    return value


def _i32(value: Any) -> int:
    return _check_int(value, _I32_MIN, _I32_MAX, "int")


def _put_str(buf: bytearray, value: Optional[str]) -> None:
    if value is None:
        buf.append(NULL_CODE)
    else:
        String.encode(buf, value)


QUERY_ENTITY_KEYS = (
    "table_name", "key_field_name", "key_type_name", "value_field_name", "value_type_name",
    "field_name_aliases", "query_fields", "query_indexes",
)
QUERY_FIELD_KEYS = (
    "name", "type_name", "is_key_field", "is_notnull_constraint_field", "default_value", "precision", "scale",
)
ALIAS_KEYS = ("field_name", "alias")
INDEX_KEYS = ("index_name", "index_type", "inline_size", "fields")
INDEX_FIELD_KEYS = ("name", "is_descending")
KEY_CONFIG_KEYS = ("type_name", "affinity_key_field_name")


def _hint_for_java_type(type_name: Optional[str]) -> Any:
    """The hint class whose ``java_type`` is ``type_name`` (``java.lang.Integer`` -> IntObject), if any."""
    if not type_name:
        return None
    for hint in HINT_BY_CODE.values():
        if getattr(hint, "java_type", None) == type_name:
            return hint
    return None


def _w_default_value(buf: bytearray, value: Any, type_name: Optional[str], what: str, w: _WriteCtx) -> None:
    if type(value) is tuple and len(value) == 2 and is_hint(value[1]):
        value, hint = value
    else:
        hint = _hint_for_java_type(type_name) if value is not None else None
    encode(buf, value, hint, w.codec)


def _w_query_field(buf: bytearray, field: Any, what: str, w: _WriteCtx) -> None:
    _dict(field, what, QUERY_FIELD_KEYS)
    name = _field(field, "name", what, _req_str)
    type_name = _field(field, "type_name", what, _opt_str)
    is_key = _field(field, "is_key_field", what, _check_bool, False)
    not_null = _field(field, "is_notnull_constraint_field", what, _check_bool, False)
    precision = _field(field, "precision", what, _i32, -1)
    scale = _field(field, "scale", what, _i32, -1)
    _put_str(buf, name)
    _put_str(buf, type_name)
    buf.append(1 if is_key else 0)
    buf.append(1 if not_null else 0)
    try:
        _w_default_value(buf, field.get("default_value"), type_name, what, w)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{what}['default_value']: {exc}") from None
    if w.version >= PRECISION_SCALE_SINCE:
        buf += INT.pack(precision)
        buf += INT.pack(scale)
    elif precision != -1 or scale != -1:
        raise ValueError(f"{what}: precision and scale need protocol {PRECISION_SCALE_SINCE} or newer")


def _w_index(buf: bytearray, index: Any, what: str, w: _WriteCtx) -> None:
    _dict(index, what, INDEX_KEYS)
    name = _field(index, "index_name", what, _opt_str)
    index_type = _field(index, "index_type", what, lambda v: check_enum(IndexType, v, "IndexType"),
                        IndexType.SORTED)
    inline_size = _field(index, "inline_size", what, _i32, -1)
    fields = _field(index, "fields", what, lambda v: _list(v, "fields"), [])
    _put_str(buf, name)
    buf += _BYTE.pack(index_type)
    buf += INT.pack(inline_size)
    buf += INT.pack(len(fields))
    for i, f in enumerate(fields):
        fwhat = f"{what}['fields'][{i}]"
        _dict(f, fwhat, INDEX_FIELD_KEYS)
        _put_str(buf, _field(f, "name", fwhat, _req_str))
        buf.append(1 if _field(f, "is_descending", fwhat, _check_bool, False) else 0)


def _w_query_entity(buf: bytearray, entity: Any, what: str, w: _WriteCtx) -> None:
    _dict(entity, what, QUERY_ENTITY_KEYS)
    for key in ("key_type_name", "value_type_name", "table_name", "key_field_name", "value_field_name"):
        _put_str(buf, _field(entity, key, what, _opt_str))
    fields = _field(entity, "query_fields", what, lambda v: _list(v, "query_fields"), [])
    buf += INT.pack(len(fields))
    for i, f in enumerate(fields):
        _w_query_field(buf, f, f"{what}['query_fields'][{i}]", w)
    aliases = _field(entity, "field_name_aliases", what, lambda v: _list(v, "field_name_aliases"), [])
    buf += INT.pack(len(aliases))
    for i, a in enumerate(aliases):
        awhat = f"{what}['field_name_aliases'][{i}]"
        _dict(a, awhat, ALIAS_KEYS)
        _put_str(buf, _field(a, "field_name", awhat, _req_str))
        _put_str(buf, _field(a, "alias", awhat, _req_str))
    indexes = _field(entity, "query_indexes", what, lambda v: _list(v, "query_indexes"), [])
    buf += INT.pack(len(indexes))
    for i, idx in enumerate(indexes):
        _w_index(buf, idx, f"{what}['query_indexes'][{i}]", w)


def _w_query_entities(buf: bytearray, value: Any, w: _WriteCtx) -> None:
    entities = _list(value, "query entities")
    buf += INT.pack(len(entities))
    for i, entity in enumerate(entities):
        _w_query_entity(buf, entity, f"[{i}]", w)


def _w_key_configs(buf: bytearray, value: Any, w: _WriteCtx) -> None:
    configs = _list(value, "cache key configurations")
    buf += INT.pack(len(configs))
    for i, cfg in enumerate(configs):
        what = f"[{i}]"
        _dict(cfg, what, KEY_CONFIG_KEYS)
        _put_str(buf, _field(cfg, "type_name", what, _req_str))
        _put_str(buf, _field(cfg, "affinity_key_field_name", what, _req_str))


def _w_expiry(buf: bytearray, value: Any, w: _WriteCtx) -> None:
    if value is None:
        buf.append(0)
        return
    if not isinstance(value, ExpiryPolicy):
        raise TypeError(f"expected an ExpiryPolicy or None, not {type(value).__name__}")
    buf.append(1)
    buf += struct.pack("<qqq", *value.millis())


#: writable property code -> how its value is written
WRITABLE_PROPERTIES: Dict[int, Writer] = {
    pc.PROP_NAME: _w_name,
    pc.PROP_CACHE_MODE: _w_cache_mode,
    pc.PROP_CACHE_ATOMICITY_MODE: _w_enum(CacheAtomicityMode),
    pc.PROP_BACKUPS_NUMBER: _w_int,
    pc.PROP_WRITE_SYNCHRONIZATION_MODE: _w_enum(WriteSynchronizationMode),
    pc.PROP_COPY_ON_READ: _w_bool,
    pc.PROP_READ_FROM_BACKUP: _w_bool,
    pc.PROP_DATA_REGION_NAME: _w_string,
    pc.PROP_IS_ONHEAP_CACHE_ENABLED: _w_bool,
    pc.PROP_QUERY_ENTITIES: _w_query_entities,
    pc.PROP_QUERY_PARALLELISM: _w_int,
    pc.PROP_QUERY_DETAIL_METRIC_SIZE: _w_int,
    pc.PROP_SQL_SCHEMA: _w_string,
    pc.PROP_SQL_INDEX_INLINE_MAX_SIZE: _w_int,
    pc.PROP_SQL_ESCAPE_ALL: _w_bool,
    pc.PROP_MAX_QUERY_ITERATORS: _w_int,
    pc.PROP_REBALANCE_MODE: _w_enum(RebalanceMode),
    pc.PROP_REBALANCE_DELAY: _w_long,
    pc.PROP_REBALANCE_TIMEOUT: _w_long,
    pc.PROP_REBALANCE_BATCH_SIZE: _w_int,
    pc.PROP_REBALANCE_BATCHES_PREFETCH_COUNT: _w_long,
    pc.PROP_REBALANCE_ORDER: _w_int,
    pc.PROP_REBALANCE_THROTTLE: _w_long,
    pc.PROP_GROUP_NAME: _w_string,
    pc.PROP_CACHE_KEY_CONFIGURATION: _w_key_configs,
    pc.PROP_DEFAULT_LOCK_TIMEOUT: _w_long,
    pc.PROP_MAX_CONCURRENT_ASYNC_OPERATIONS: _w_int,
    pc.PROP_PARTITION_LOSS_POLICY: _w_enum(PartitionLossPolicy),
    pc.PROP_EAGER_TTL: _w_bool,
    pc.PROP_STATISTICS_ENABLED: _w_bool,
    pc.PROP_EXPIRY_POLICY: _w_expiry,
}


def encode_settings(
    buf: bytearray, settings: dict, version: Version, ctx: CodecContext = NO_CONTEXT
) -> None:
    """Append the cache configuration message for ``settings`` (``{PROP_*: value}``) to ``buf``.

    :param version: the negotiated protocol version (decides the query field and expiry formats);
    :raises ParameterError: ``settings`` is not a dict, lacks ``PROP_NAME``, holds an unknown or
        read-only property code, or a value of the wrong type or out of range (the message names
        the property);
    :raises NotSupportedError: ``PROP_EXPIRY_POLICY`` with a server older than protocol 1.6.0.
    """
    if not isinstance(settings, dict):
        raise ParameterError(f"cache settings must be a dict of PROP_* codes and values, not {settings!r}")
    if pc.PROP_NAME not in settings:
        raise ParameterError("cache settings must contain PROP_NAME")
    if len(settings) > 0x7FFF:
        raise ParameterError(f"too many cache properties ({len(settings)})")
    w = _WriteCtx(version, ctx)
    start = len(buf)
    buf += INT.pack(0)  # length, patched below
    buf += SHORT.pack(len(settings))
    for code, value in settings.items():
        if code == pc.PROP_INVALIDATE:
            raise ParameterError("PROP_INVALIDATE is a read-only cache property and cannot be set")
        writer = WRITABLE_PROPERTIES.get(code) if isinstance(code, int) and not isinstance(code, bool) else None
        if writer is None:
            raise ParameterError(
                f"unknown cache property code {code!r}; use the PROP_* codes of pyignite.datatypes.prop_codes"
            )
        if code == pc.PROP_EXPIRY_POLICY and version < EXPIRY_POLICY_SINCE:
            raise NotSupportedByClusterError(
                f"PROP_EXPIRY_POLICY needs protocol {'.'.join(map(str, EXPIRY_POLICY_SINCE))} or newer; "
                f"the server speaks {'.'.join(map(str, version))}",
                "expiry policies", None, EXPIRY_POLICY_SINCE, version,
            )
        buf += SHORT.pack(code)
        try:
            writer(buf, value, w)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"{prop_name(code)}: {exc}") from None
    INT.pack_into(buf, start, len(buf) - start - 4)


# --- reading -------------------------------------------------------------------------------------

Reader = Callable[[Any, int, CodecContext], Tuple[Any, int]]


def _r_string(buf: Any, pos: int, ctx: CodecContext) -> Tuple[Optional[str], int]:
    code = buf[pos]
    if code == NULL_CODE:
        return None, pos + 1
    if code != String.type_code:
        raise ParseError(f"expected a String at offset {pos}, found type code {code}")
    return String.decode_payload(buf, pos + 1, ctx)


def _r_int(buf: Any, pos: int, ctx: CodecContext) -> Tuple[int, int]:
    return INT.unpack_from(buf, pos)[0], pos + 4


def _r_long(buf: Any, pos: int, ctx: CodecContext) -> Tuple[int, int]:
    return LONG.unpack_from(buf, pos)[0], pos + 8


def _r_bool(buf: Any, pos: int, ctx: CodecContext) -> Tuple[bool, int]:
    return buf[pos] != 0, pos + 1


def _r_enum(enum_cls: Type[IntEnum]) -> Reader:
    def read(buf: Any, pos: int, ctx: CodecContext) -> Tuple[Any, int]:
        return to_enum(enum_cls, INT.unpack_from(buf, pos)[0]), pos + 4

    return read


def _r_count(buf: Any, pos: int) -> Tuple[int, int]:
    (count,) = INT.unpack_from(buf, pos)
    if count < 0 or count > len(buf) - pos:
        raise ParseError(f"garbled count {count} at offset {pos}")
    return count, pos + 4


def _r_query_entity(buf: Any, pos: int, ctx: CodecContext) -> Tuple[dict, int]:
    key_type, pos = _r_string(buf, pos, ctx)
    value_type, pos = _r_string(buf, pos, ctx)
    table, pos = _r_string(buf, pos, ctx)
    key_field, pos = _r_string(buf, pos, ctx)
    value_field, pos = _r_string(buf, pos, ctx)
    count, pos = _r_count(buf, pos)
    fields = []
    for _ in range(count):
        name, pos = _r_string(buf, pos, ctx)
        type_name, pos = _r_string(buf, pos, ctx)
        is_key, pos = _r_bool(buf, pos, ctx)
        not_null, pos = _r_bool(buf, pos, ctx)
        default, pos = decode(buf, pos, ctx)
        precision, pos = _r_int(buf, pos, ctx)
        scale, pos = _r_int(buf, pos, ctx)
        fields.append({
            "name": name, "type_name": type_name, "is_key_field": is_key,
            "is_notnull_constraint_field": not_null, "default_value": default,
            "precision": precision, "scale": scale,
        })
    count, pos = _r_count(buf, pos)
    aliases = []
    for _ in range(count):
        field_name, pos = _r_string(buf, pos, ctx)
        alias, pos = _r_string(buf, pos, ctx)
        aliases.append({"field_name": field_name, "alias": alias})
    count, pos = _r_count(buf, pos)
    indexes = []
    for _ in range(count):
        index_name, pos = _r_string(buf, pos, ctx)
        (index_type,) = _BYTE.unpack_from(buf, pos)
        inline_size, pos = _r_int(buf, pos + 1, ctx)
        n, pos = _r_count(buf, pos)
        index_fields = []
        for _ in range(n):
            fname, pos = _r_string(buf, pos, ctx)
            desc, pos = _r_bool(buf, pos, ctx)
            index_fields.append({"name": fname, "is_descending": desc})
        indexes.append({
            "index_name": index_name, "index_type": to_enum(IndexType, index_type),
            "inline_size": inline_size, "fields": index_fields,
        })
    entity = {
        "table_name": table, "key_field_name": key_field, "key_type_name": key_type,
        "value_field_name": value_field, "value_type_name": value_type,
        "field_name_aliases": aliases, "query_fields": fields, "query_indexes": indexes,
    }
    return entity, pos


def _r_query_entities(buf: Any, pos: int, ctx: CodecContext) -> Tuple[list, int]:
    count, pos = _r_count(buf, pos)
    out = []
    for _ in range(count):
        entity, pos = _r_query_entity(buf, pos, ctx)
        out.append(entity)
    return out, pos


def _r_key_configs(buf: Any, pos: int, ctx: CodecContext) -> Tuple[list, int]:
    count, pos = _r_count(buf, pos)
    out = []
    for _ in range(count):
        type_name, pos = _r_string(buf, pos, ctx)
        field, pos = _r_string(buf, pos, ctx)
        out.append({"type_name": type_name, "affinity_key_field_name": field})
    return out, pos


def _r_expiry(buf: Any, pos: int, ctx: CodecContext) -> Tuple[Optional[ExpiryPolicy], int]:
    if buf[pos] == 0:
        return None, pos + 1
    create, update, access = struct.unpack_from("<qqq", buf, pos + 1)
    try:
        return ExpiryPolicy.from_millis(create, update, access), pos + 25
    except (TypeError, ValueError) as exc:
        raise ParseError(f"garbled expiry policy at offset {pos}: {exc}") from None


#: the order in which the server writes the configuration (``ClientCacheConfigurationSerializer.write``)
_READ_ORDER: List[Tuple[int, Reader]] = [
    (pc.PROP_CACHE_ATOMICITY_MODE, _r_enum(CacheAtomicityMode)),
    (pc.PROP_BACKUPS_NUMBER, _r_int),
    (pc.PROP_CACHE_MODE, _r_enum(CacheMode)),
    (pc.PROP_COPY_ON_READ, _r_bool),
    (pc.PROP_DATA_REGION_NAME, _r_string),
    (pc.PROP_EAGER_TTL, _r_bool),
    (pc.PROP_STATISTICS_ENABLED, _r_bool),
    (pc.PROP_GROUP_NAME, _r_string),
    (pc.PROP_DEFAULT_LOCK_TIMEOUT, _r_long),
    (pc.PROP_MAX_CONCURRENT_ASYNC_OPERATIONS, _r_int),
    (pc.PROP_MAX_QUERY_ITERATORS, _r_int),
    (pc.PROP_NAME, _r_string),
    (pc.PROP_IS_ONHEAP_CACHE_ENABLED, _r_bool),
    (pc.PROP_PARTITION_LOSS_POLICY, _r_enum(PartitionLossPolicy)),
    (pc.PROP_QUERY_DETAIL_METRIC_SIZE, _r_int),
    (pc.PROP_QUERY_PARALLELISM, _r_int),
    (pc.PROP_READ_FROM_BACKUP, _r_bool),
    (pc.PROP_REBALANCE_BATCH_SIZE, _r_int),
    (pc.PROP_REBALANCE_BATCHES_PREFETCH_COUNT, _r_long),
    (pc.PROP_REBALANCE_DELAY, _r_long),
    (pc.PROP_REBALANCE_MODE, _r_enum(RebalanceMode)),
    (pc.PROP_REBALANCE_ORDER, _r_int),
    (pc.PROP_REBALANCE_THROTTLE, _r_long),
    (pc.PROP_REBALANCE_TIMEOUT, _r_long),
    (pc.PROP_SQL_ESCAPE_ALL, _r_bool),
    (pc.PROP_SQL_INDEX_INLINE_MAX_SIZE, _r_int),
    (pc.PROP_SQL_SCHEMA, _r_string),
    (pc.PROP_WRITE_SYNCHRONIZATION_MODE, _r_enum(WriteSynchronizationMode)),
    (pc.PROP_CACHE_KEY_CONFIGURATION, _r_key_configs),
    (pc.PROP_QUERY_ENTITIES, _r_query_entities),
]


def decode_settings(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> dict:
    """Read the configuration an ``OP_CACHE_GET_CONFIGURATION`` reply carries at ``pos``.

    Returns ``{PROP_*: value}`` with every property the server reports, keys in code order.
    ``PROP_EXPIRY_POLICY`` is present when the server sends it (protocol >= 1.6.0): an
    :class:`ExpiryPolicy`, or ``None`` when the cache has none. The configuration is length-prefixed,
    so whether the expiry policy is there is read from the length, and anything a newer server
    appends after it is skipped. Raises :class:`ParseError` on truncated or garbled data.
    """
    try:
        (length,) = INT.unpack_from(buf, pos)
        pos += 4
        end = pos + length
        if length < 0 or end > len(buf):
            raise ParseError(f"cache configuration of {length} bytes exceeds the reply ({len(buf) - pos})")
        data = bytes(buf[:end])  # nothing may be read past the configuration
        out: Dict[int, Any] = {}
        for code, read in _READ_ORDER:
            out[code], pos = read(data, pos, ctx)
        if pos < end:
            out[pc.PROP_EXPIRY_POLICY], pos = _r_expiry(data, pos, ctx)
    except (struct.error, IndexError):
        raise ParseError("truncated cache configuration") from None
    if pos > end:
        raise ParseError(f"cache configuration overruns its length by {pos - end} bytes")
    return dict(sorted(out.items()))
