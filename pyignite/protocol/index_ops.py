"""Index queries (``OP_QUERY_INDEX`` 2008, ``OP_QUERY_INDEX_CURSOR_GET_PAGE`` 2009), sans I/O.

An index query reads a cache's entries through one of its sorted SQL indexes (a ``QueryEntity``
index), filtered by *criteria* on the indexed fields, without the SQL engine: the server walks the
index and answers with ``(key, value)`` rows in index order, page by page, exactly like a scan
query (``ClientCacheEntryQueryCursor``). The cursor is therefore a
:class:`~pyignite.protocol.query_ops.CursorCore` of kind ``PAIRS`` whose next-page op is 2009.

Wire format (``ClientCacheIndexQueryRequest``, Ignite 2.14+, feature ``INDEX_QUERY``)
--------------------------------------------------------------------------------------
cache prefix (``i32 cache id, byte flags``), ``i32 page size``, ``bool local``, ``i32 partition``
(negative: all), ``i32 limit`` **only when both sides announced** ``INDEX_QUERY_LIMIT`` (Ignite
2.16+; 0 = no limit), value type String, index name String (Null: the server picks an index that
fits the criteria), then the criteria: ``byte 1`` (``ARR_LIST``), ``i32 count`` and each criterion,
or ``Null`` (101) for none; then the filter object (``Null``: none).

A criterion starts with a byte: 0 = range, 1 = IN.

* range: field name String, bools ``lower inclusive``, ``upper inclusive``, ``lower is null``,
  ``upper is null``, then the lower and the upper bound as objects (``Null`` for an open end). The
  "is null" flags tell an explicit SQL ``NULL`` bound (``lt('AGE', None)``) from an open end;
* IN: field name String, ``i32 count``, the values as objects.

The criteria builders of the Java API (``IndexQueryCriteriaBuilder``) set these as follows, and so do
:func:`range_criterion`'s callers in :mod:`pyignite.index_query`: ``lt`` = ``(None, v)`` lower
inclusive, upper exclusive; ``lte`` = both inclusive; ``gt`` = ``(v, None)`` lower exclusive, upper
inclusive; ``gte`` and ``between`` = both inclusive; ``eq`` = ``between(v, v)``; ``in`` needs a
non-empty collection.
"""

from __future__ import annotations

import struct
from typing import Any, Iterable, NamedTuple, Optional, Tuple

from pyignite.datatypes.base import NO_CONTEXT, NULL_CODE, CodecContext, encode, encode_item
from pyignite.exceptions import CacheError, ParameterError
from pyignite.protocol import op_codes as op
from pyignite.protocol.cache_ops import CacheRef, cache_request
from pyignite.protocol.query_ops import PAIRS, CursorCore, check_bool, check_int, check_page_size
from pyignite.protocol.request import Request

__all__ = ["IndexCriterion", "index_query", "range_criterion", "in_criterion"]

#: ``GridBinaryMarshaller.ARR_LIST`` (the collection kind of an ``ArrayList``): the marker before a
#: list of criteria
ARR_LIST = 1
_RANGE = 0
_IN = 1
_I32_MAX = 0x7FFFFFFF
_INT = struct.Struct("<i")
_RANGE_FLAGS = struct.Struct("<????")
_HEAD = struct.Struct("<i?i")  # page size, local, partition


class IndexCriterion(NamedTuple):
    """One condition on an indexed field of an index query (immutable).

    Build them with :func:`pyignite.index_query.eq`, ``gt``, ``gte``, ``lt``, ``lte``, ``between``
    and ``in_``; the field name is the SQL column name of the index field (case as the index
    declares it, usually upper case).
    """

    kind: int
    field: str
    lower: Any = None
    upper: Any = None
    lower_incl: bool = False
    upper_incl: bool = False
    lower_null: bool = False
    upper_null: bool = False
    values: Tuple[Any, ...] = ()

    def __repr__(self) -> str:
        if self.kind == _IN:
            return f"in_({self.field!r}, {list(self.values)!r})"
        lo = "(" if not self.lower_incl else "["
        hi = ")" if not self.upper_incl else "]"
        lower = "NULL" if self.lower_null else ("-inf" if self.lower is None else repr(self.lower))
        upper = "NULL" if self.upper_null else ("+inf" if self.upper is None else repr(self.upper))
        return f"<IndexCriterion {self.field} in {lo}{lower}, {upper}{hi}>"

    def encode(self, buf: bytearray, ctx: CodecContext = NO_CONTEXT) -> None:
        if self.kind == _IN:
            buf.append(_IN)
            encode(buf, self.field, None, ctx)
            buf += _INT.pack(len(self.values))
            for value in self.values:
                encode_item(buf, value, ctx)
            return
        buf.append(_RANGE)
        encode(buf, self.field, None, ctx)
        buf += _RANGE_FLAGS.pack(self.lower_incl, self.upper_incl, self.lower_null, self.upper_null)
        encode_item(buf, self.lower, ctx)
        encode_item(buf, self.upper, ctx)


def _field(field: Any) -> str:
    if not isinstance(field, str) or not field:
        raise ParameterError(f"an index query criterion needs a field name (non-empty str), not {field!r}")
    return field


def range_criterion(
    field: str, lower: Any, upper: Any, lower_incl: bool, upper_incl: bool, lower_null: bool, upper_null: bool,
) -> IndexCriterion:
    """A range criterion (type 0); the flags as ``RangeIndexQueryCriterion`` has them."""
    return IndexCriterion(_RANGE, _field(field), lower, upper, lower_incl, upper_incl, lower_null, upper_null)


def in_criterion(field: str, values: Iterable[Any]) -> IndexCriterion:
    """An IN criterion (type 1) over a non-empty collection of values."""
    if isinstance(values, (str, bytes, dict)) or not isinstance(values, Iterable):
        raise ParameterError(f"in_() expects a collection of values, not {type(values).__name__}")
    vals = list(values)
    if not vals:
        raise ParameterError("in_() needs at least one value")
    return IndexCriterion(_IN, _field(field), values=tuple(vals))


def index_query(
    ref: CacheRef,
    value_type: str,
    index_name: Optional[str] = None,
    criteria: Optional[Iterable[IndexCriterion]] = None,
    limit: int = 0,
    partition: int = -1,
    local: bool = False,
    page_size: int = 1024,
    send_limit: bool = True,
    ctx: CodecContext = NO_CONTEXT,
) -> Tuple[Request, CursorCore]:
    """The index query request and the core of its cursor (see the module docstring).

    :param send_limit: write the ``limit`` field (only when ``INDEX_QUERY_LIMIT`` is negotiated on
        the connection the request goes to); the cursor stops after ``limit`` rows either way.
    :raises ParameterError: a bad argument (nothing is sent).
    """
    if not isinstance(value_type, str) or not value_type:
        raise ParameterError(f"value_type must be a non-empty str (the value's type name), not {value_type!r}")
    if index_name is not None and (not isinstance(index_name, str) or not index_name):
        raise ParameterError(f"index_name must be a non-empty str or None, not {index_name!r}")
    check_page_size(page_size)
    check_int("limit", limit, 0, _I32_MAX)
    check_int("partition", partition, -0x80000000, _I32_MAX)
    check_bool("local", local)
    crits: list = []
    if criteria is not None:
        if isinstance(criteria, IndexCriterion):
            crits = [criteria]
        elif isinstance(criteria, (str, bytes, dict)) or not isinstance(criteria, Iterable):
            raise ParameterError(f"criteria must be a list of index query criteria, not {type(criteria).__name__}")
        else:
            crits = list(criteria)
        for c in crits:
            if not isinstance(c, IndexCriterion):
                raise ParameterError(
                    f"criteria must be built with eq, gt, gte, lt, lte, between or in_ "
                    f"(pyignite.index_query), not {c!r}"
                )
    if limit and limit < page_size:
        page_size = limit

    buf = cache_request(op.OP_QUERY_INDEX, ref)
    buf += _HEAD.pack(page_size, local, partition if partition >= 0 else -1)
    if send_limit:
        buf += _INT.pack(limit)
    encode(buf, value_type, None, ctx)
    if index_name is None:
        buf.append(NULL_CODE)
    else:
        encode(buf, index_name, None, ctx)
    if crits:
        buf.append(ARR_LIST)
        buf += _INT.pack(len(crits))
        for c in crits:
            try:
                c.encode(buf, ctx)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"index query criterion {c!r}: {exc}") from exc
    else:
        buf.append(NULL_CODE)
    buf.append(NULL_CODE)  # no filter: a Java IgniteBiPredicate cannot come from Python
    what = f"index query on {ref.what}"
    core = CursorCore(PAIRS, op.OP_QUERY_INDEX, CacheError, what, limit or None)
    return Request(buf, core.parse_first, CacheError, what), core
