"""Distributed data structures: ``IgniteAtomicLong`` (ops 9000-9007) and ``IgniteSet`` (9010-9023), sans I/O.

Both exist on the server since Ignite 2.14 with no feature bit of their own: an older server answers
with ``INVALID_OP_CODE``, which the facade (:mod:`pyignite.datastructures`) turns into
:class:`~pyignite.exceptions.NotSupportedByClusterError`. Neither is a server resource of the
connection: each request names the structure, so any connection (and any node) serves it.

AtomicLong (``.../client/datastructures/ClientAtomicLong*Request``)
------------------------------------------------------------------
* create (9000): name String, ``i64`` initial value, ``bool`` has configuration and, if true,
  ``i32`` atomic sequence reserve size, ``byte`` cache mode (1 replicated, 2 partitioned), ``i32``
  backups, group name String. Gets the existing one or creates it. Empty reply;
* every other op starts with the name String and the group name String (Null: the default group;
  the group decides which cache holds the value, so it must be the one used at creation): remove
  (9001, empty reply), exists (9002, ``bool``), get (9003, ``i64``), add and get (9004, ``i64`` delta
  -> ``i64`` new value), get and set (9005, ``i64`` -> ``i64`` old value), compare and set (9006,
  ``i64`` expected, ``i64`` new -> ``bool``), compare and set and get (9007, same -> ``i64`` value
  before the operation).

  An op on a removed (or never created) AtomicLong fails with status 1011
  (``RESOURCE_DOES_NOT_EXIST``).

IgniteSet (``.../client/datastructures/ClientIgniteSet*Request``)
----------------------------------------------------------------
* get or create (9010): name String, ``bool`` create and, if true, the ``CollectionConfiguration``:
  ``byte`` atomicity mode (0 transactional, 1 atomic), ``byte`` cache mode, ``i32`` backups, group
  name String, ``bool`` collocated. Reply: ``bool`` exists and, if true, ``bool`` collocated, ``i32``
  cache id -- which every later op needs;
* every other op starts with name String, ``i32`` cache id, ``bool`` collocated: close (9011, removes
  the set; empty reply), exists (9012, ``bool``), size (9020, ``i32``), clear (9021, empty);
* single value ops (add 9013, remove 9015, contains 9017 -> ``bool``): ``bool`` keep binary, the
  value as an object. *Keep binary* makes the server store Complex objects as binary objects rather
  than deserialize them into Java classes (which it may not have); a Python client always sends it;
* many-value ops (add all 9014, remove all 9016, contains all 9018, retain all 9019 -> ``bool``):
  ``bool`` keep binary, ``i32`` count, the values;
* iterator start (9022): ``i32`` page size. Reply: ``i32`` count, the values, ``bool`` has more and,
  only if it has more, the ``i64`` id of the server's iterator; get page (9023): ``i64`` id, ``i32``
  page size -> a page as above (without id). The server releases the iterator after its last page;
  a client that stops earlier releases it with ``RESOURCE_CLOSE``.
"""

from __future__ import annotations

import struct
from typing import Any, Iterable, List, Optional, Tuple

from pyignite.datatypes.base import DECODERS, NO_CONTEXT, NULL_CODE, CodecContext, encode, encode_item
from pyignite.exceptions import CacheError, ParameterError, ParseError
from pyignite.protocol import op_codes as op
from pyignite.protocol.frames import new_request
from pyignite.protocol.query_ops import CursorCore, check_int, check_page_size
from pyignite.protocol.request import Request

__all__ = [
    "AtomicConfig", "SetConfig", "SetCursorCore", "SetRef", "atomic_long_create", "atomic_long_op",
    "set_get_or_create", "set_op",
]

_INT = struct.Struct("<i")
_LONG = struct.Struct("<q")
_LONG2 = struct.Struct("<qq")
_I64_MIN = -0x8000000000000000
_I64_MAX = 0x7FFFFFFFFFFFFFFF
_I32_MAX = 0x7FFFFFFF


def check_long(name: str, value: Any) -> int:
    return check_int(name, value, _I64_MIN, _I64_MAX)


def _string(buf: bytearray, value: Optional[str]) -> None:
    if value is None:
        buf.append(NULL_CODE)
    else:
        encode(buf, value)


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ParameterError(f"{what} name must be a non-empty str, not {value!r}")
    return value


def _parse_long(frame: Any, pos: int, ctx: CodecContext) -> int:
    return int(_LONG.unpack_from(frame, pos)[0])


def _parse_int(frame: Any, pos: int, ctx: CodecContext) -> int:
    return int(_INT.unpack_from(frame, pos)[0])


def _parse_bool(frame: Any, pos: int, ctx: CodecContext) -> bool:
    return frame[pos] != 0


# --- AtomicLong ----------------------------------------------------------------------------------

class AtomicConfig:
    """``AtomicConfiguration`` of a new AtomicLong (the server's defaults where ``None``)."""

    __slots__ = ("atomic_sequence_reserve_size", "backups", "cache_mode", "group_name")

    def __init__(self, atomic_sequence_reserve_size: int = 1000, cache_mode: int = 2, backups: int = 1,
                 group_name: Optional[str] = None) -> None:
        from pyignite.datatypes.cache_config import CacheMode, check_enum

        self.atomic_sequence_reserve_size = check_int(
            "atomic_sequence_reserve_size", atomic_sequence_reserve_size, 0, _I32_MAX)
        try:
            mode = check_enum(CacheMode, cache_mode, "cache_mode")
        except (TypeError, ValueError) as exc:
            raise ParameterError(str(exc)) from None
        if mode == CacheMode.LOCAL:
            raise ParameterError("cache_mode must be PARTITIONED or REPLICATED (Ignite has no LOCAL atomics)")
        self.cache_mode = int(mode)
        self.backups = check_int("backups", backups, 0, _I32_MAX)
        if group_name is not None:
            _name(group_name, "group")
        self.group_name = group_name

    def encode(self, buf: bytearray) -> None:
        buf.append(1)
        buf += _INT.pack(self.atomic_sequence_reserve_size)
        buf.append(self.cache_mode)
        buf += _INT.pack(self.backups)
        _string(buf, self.group_name)


def atomic_long_create(name: str, initial: int, config: Optional[AtomicConfig]) -> Request:
    """``OP_ATOMIC_LONG_CREATE``: get or create the AtomicLong ``name`` with ``initial``."""
    _name(name, "AtomicLong")
    buf = new_request(op.OP_ATOMIC_LONG_CREATE)
    encode(buf, name)
    buf += _LONG.pack(check_long("initial", initial))
    if config is None:
        buf.append(0)
    else:
        config.encode(buf)
    return Request(buf, None, CacheError, f"AtomicLong {name!r}")


#: op code -> (number of i64 arguments, reply parser)
_ATOMIC_OPS = {
    op.OP_ATOMIC_LONG_REMOVE: (0, None),
    op.OP_ATOMIC_LONG_EXISTS: (0, _parse_bool),
    op.OP_ATOMIC_LONG_VALUE_GET: (0, _parse_long),
    op.OP_ATOMIC_LONG_VALUE_ADD_AND_GET: (1, _parse_long),
    op.OP_ATOMIC_LONG_VALUE_GET_AND_SET: (1, _parse_long),
    op.OP_ATOMIC_LONG_VALUE_COMPARE_AND_SET: (2, _parse_bool),
    op.OP_ATOMIC_LONG_VALUE_COMPARE_AND_SET_AND_GET: (2, _parse_long),
}


def atomic_long_op(op_code: int, name: str, group_name: Optional[str], *args: int) -> Request:
    """An operation on an existing AtomicLong: name, group name, then the ``i64`` arguments."""
    count, parse = _ATOMIC_OPS[op_code]
    if len(args) != count:  # pragma: no cover - a programming error
        raise TypeError(f"op {op_code} takes {count} arguments")
    buf = new_request(op_code)
    encode(buf, name)
    _string(buf, group_name)
    if count == 1:
        buf += _LONG.pack(check_long("value", args[0]))
    elif count == 2:
        buf += _LONG2.pack(check_long("expected", args[0]), check_long("value", args[1]))
    return Request(buf, parse, CacheError, f"AtomicLong {name!r}")


# --- IgniteSet -----------------------------------------------------------------------------------

class SetConfig:
    """``CollectionConfiguration`` of a new IgniteSet."""

    __slots__ = ("atomicity_mode", "backups", "cache_mode", "collocated", "group_name")

    def __init__(self, atomicity_mode: int = 1, cache_mode: int = 2, backups: int = 1,
                 group_name: Optional[str] = None, collocated: bool = False) -> None:
        from pyignite.datatypes.cache_config import CacheAtomicityMode, CacheMode, check_enum

        try:
            self.atomicity_mode = int(check_enum(CacheAtomicityMode, atomicity_mode, "atomicity_mode"))
            mode = check_enum(CacheMode, cache_mode, "cache_mode")
        except (TypeError, ValueError) as exc:
            raise ParameterError(str(exc)) from None
        if mode == CacheMode.LOCAL:
            raise ParameterError("cache_mode must be PARTITIONED or REPLICATED (Ignite has no LOCAL sets)")
        self.cache_mode = int(mode)
        self.backups = check_int("backups", backups, 0, _I32_MAX)
        if group_name is not None:
            _name(group_name, "group")
        self.group_name = group_name
        if not isinstance(collocated, bool):
            raise ParameterError(f"collocated must be True or False, not {collocated!r}")
        self.collocated = collocated


class SetRef:
    """What every IgniteSet op names: the set, the cache that holds it and whether it is collocated."""

    __slots__ = ("cache_id", "collocated", "name", "what")

    def __init__(self, name: str, cache_id: int, collocated: bool) -> None:
        self.name = name
        self.cache_id = cache_id
        self.collocated = collocated
        self.what = f"IgniteSet {name!r}"


def set_get_or_create(name: str, config: Optional[SetConfig]) -> Request:
    """``OP_SET_GET_OR_CREATE``; the reply parses to a :class:`SetRef` or ``None`` (no such set)."""
    _name(name, "IgniteSet")
    buf = new_request(op.OP_SET_GET_OR_CREATE)
    encode(buf, name)
    if config is None:
        buf.append(0)
    else:
        buf.append(1)
        buf.append(config.atomicity_mode)
        buf.append(config.cache_mode)
        buf += _INT.pack(config.backups)
        _string(buf, config.group_name)
        buf.append(1 if config.collocated else 0)

    def parse(frame: Any, pos: int, ctx: CodecContext) -> Optional[SetRef]:
        if not frame[pos]:
            return None
        collocated = frame[pos + 1] != 0
        (cache_id,) = _INT.unpack_from(frame, pos + 2)
        return SetRef(name, cache_id, collocated)

    return Request(buf, parse, CacheError, f"IgniteSet {name!r}")


def _set_header(op_code: int, ref: SetRef) -> bytearray:
    buf = new_request(op_code)
    encode(buf, ref.name)
    buf += _INT.pack(ref.cache_id)
    buf.append(1 if ref.collocated else 0)
    return buf


_SET_PLAIN = {
    op.OP_SET_CLOSE: None,
    op.OP_SET_EXISTS: _parse_bool,
    op.OP_SET_SIZE: _parse_int,
    op.OP_SET_CLEAR: None,
}
_SET_ONE = (op.OP_SET_VALUE_ADD, op.OP_SET_VALUE_REMOVE, op.OP_SET_VALUE_CONTAINS)
_SET_MANY = (op.OP_SET_VALUE_ADD_ALL, op.OP_SET_VALUE_REMOVE_ALL, op.OP_SET_VALUE_CONTAINS_ALL,
             op.OP_SET_VALUE_RETAIN_ALL)


def set_op(op_code: int, ref: SetRef, ctx: CodecContext = NO_CONTEXT) -> Request:
    """close, exists, size or clear."""
    buf = _set_header(op_code, ref)
    return Request(buf, _SET_PLAIN[op_code], CacheError, ref.what)


def set_value_op(op_code: int, ref: SetRef, value: Any, keep_binary: bool = True,
                 ctx: CodecContext = NO_CONTEXT) -> Request:
    """add, remove or contains of one value (or ``(value, hint)``); reply ``bool``."""
    if op_code not in _SET_ONE:  # pragma: no cover - a programming error
        raise ValueError(op_code)
    if value is None or (type(value) is tuple and len(value) == 2 and value[0] is None):
        raise ParameterError("an IgniteSet cannot hold None")
    buf = _set_header(op_code, ref)
    buf.append(1 if keep_binary else 0)
    encode_item(buf, value, ctx)
    return Request(buf, _parse_bool, CacheError, ref.what)


def set_values_op(op_code: int, ref: SetRef, values: Iterable[Any], keep_binary: bool = True,
                  ctx: CodecContext = NO_CONTEXT) -> Request:
    """add all, remove all, contains all or retain all; reply ``bool``."""
    if op_code not in _SET_MANY:  # pragma: no cover - a programming error
        raise ValueError(op_code)
    if isinstance(values, (str, bytes, dict)) or not isinstance(values, Iterable):
        raise ParameterError(f"expected a collection of values, not {type(values).__name__}")
    items = list(values)
    for v in items:
        if v is None or (type(v) is tuple and len(v) == 2 and v[0] is None):
            raise ParameterError("an IgniteSet cannot hold None")
    buf = _set_header(op_code, ref)
    buf.append(1 if keep_binary else 0)
    buf += _INT.pack(len(items))
    for v in items:
        encode_item(buf, v, ctx)
    return Request(buf, _parse_bool, CacheError, ref.what)


def _read_values(frame: Any, pos: int, ctx: CodecContext) -> Tuple[List[Any], bool, int]:
    try:
        (count,) = _INT.unpack_from(frame, pos)
        pos += 4
        if count < 0:
            raise ParseError(f"negative value count {count} in an IgniteSet page")
        values = []
        for _ in range(count):
            value, pos = DECODERS[frame[pos]](frame, pos + 1, ctx)
            values.append(value)
        return values, frame[pos] != 0, pos + 1
    except (struct.error, IndexError) as exc:
        raise ParseError(f"truncated or malformed IgniteSet page: {exc}") from None


class SetCursorCore(CursorCore):
    """The iterator of an IgniteSet as a cursor (:mod:`pyignite.cursors` hands its rows out): the
    first reply puts the server's iterator id *after* the first page, and a page request names the
    page size again."""

    __slots__ = ("page_size",)

    def __init__(self, ref: SetRef, page_size: int) -> None:
        super().__init__(0, op.OP_QUERY_SCAN, CacheError, ref.what, page_op=op.OP_SET_ITERATOR_GET_PAGE)
        self.page_size = page_size

    def parse_first(self, frame: Any, pos: int, ctx: CodecContext) -> SetCursorCore:
        values, more, pos = _read_values(frame, pos, ctx)
        cursor_id = None
        if more:
            try:
                (cursor_id,) = _LONG.unpack_from(frame, pos)
            except struct.error as exc:
                raise ParseError(f"truncated IgniteSet iterator reply: {exc}") from None
        self.cursor_id = cursor_id
        self._take(values, more)
        return self

    def parse_page(self, frame: Any, pos: int, ctx: CodecContext) -> list:
        values, more, _ = _read_values(frame, pos, ctx)
        return self._take(values, more)

    def next_page_request(self) -> Request:
        if self.cursor_id is None or self.done:
            raise ParameterError("the IgniteSet iterator has no more pages")
        buf = new_request(self.page_op)
        buf += _LONG.pack(self.cursor_id)
        buf += _INT.pack(self.page_size)
        return Request(buf, self.parse_page, self.error, self.what)


def set_iterator(ref: SetRef, page_size: int) -> Tuple[Request, SetCursorCore]:
    """``OP_SET_ITERATOR_START`` and the core of its cursor."""
    check_page_size(page_size)
    buf = _set_header(op.OP_SET_ITERATOR_START, ref)
    buf += _INT.pack(page_size)
    core = SetCursorCore(ref, page_size)
    return Request(buf, core.parse_first, CacheError, ref.what), core
