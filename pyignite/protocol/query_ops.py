"""Query operations -- scan, SQL and SQL fields queries -- and the sans-IO cursor core.

Theory of operation
-------------------
A query opens a *cursor* on the server (a resource of the connection it was sent on, with an ``i64``
id that is unique only on that connection) and answers with the first page of rows. The client asks
for more pages with the cursor id until the server says there are none; the server then releases the
cursor by itself. A client that stops earlier must release it with ``RESOURCE_CLOSE`` (op 0), or the
connection keeps it open; a connection may hold at most ``maxOpenCursorsPerConnection`` (128 by
default) cursors, after which queries fail with ``TOO_MANY_CURSORS``.

:class:`CursorCore` holds what is known about one cursor -- its id, the current page, whether the
server has more, how many rows the caller still wants (``max_rows``) -- and builds the next-page and
close requests. Its parse functions are the ``parse`` of those requests, so the sync and async
facades (:mod:`pyignite.cursors`) only send requests and hand rows out; nothing here does I/O.

Wire formats (``ClientCacheQueryCursor`` and friends on the server)
-------------------------------------------------------------------
* a page: ``i32 row count``, the rows, ``bool has more``; a scan or SQL row is a key object and a value
  object, an SQL fields row is ``column count`` objects;
* scan / SQL reply: ``i64 cursor id`` then a page; SQL fields reply: ``i64 cursor id, i32 column
  count``, the column names as Strings when asked for, then a page;
* next-page request (2001, 2003, 2005) and ``RESOURCE_CLOSE``: ``i64 cursor id``; a next-page reply
  is a page.

The request layouts are given with each builder below; they are the same for every protocol version
from 1.2.0 to 1.7.0 as long as ``QRY_PARTITIONS_BATCH_SIZE`` is not announced (see
:func:`sql_fields`).
"""

from __future__ import annotations

import struct
from typing import Any, Iterable, List, Optional, Tuple

from pyignite.datatypes.base import DECODERS, NO_CONTEXT, NULL_CODE, CodecContext, encode, encode_item
from pyignite.exceptions import CacheError, ParameterError, ParseError, SQLError
from pyignite.protocol import op_codes as op
from pyignite.protocol.cache_ops import CacheRef, cache_request
from pyignite.protocol.frames import new_request
from pyignite.protocol.handshake import CLIENT_FEATURES, Feature
from pyignite.protocol.request import Request

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "CursorCore",
    "StatementType",
    "resource_close",
    "scan",
    "sql",
    "sql_fields",
    "sql_type_name",
]

#: Rows per page unless the caller says otherwise. The 0.1.0 specification's default of 1 makes one
#: round trip per row; 1024 keeps memory small and round trips few.
DEFAULT_PAGE_SIZE = 1024

_I32_MAX = 0x7FFFFFFF
_I64_MAX = 0x7FFFFFFFFFFFFFFF

_INT = struct.Struct("<i")
_LONG = struct.Struct("<q")
_PREFIX = struct.Struct("<ib")  # cache id, flags
_ID_COUNT = struct.Struct("<qi")  # cursor id, row count (scan / SQL first page)
_ID_COLUMNS = struct.Struct("<qi")  # cursor id, column count (SQL fields)
# SQL fields tail: statement type, six flags (distributed joins, local, replicated only, enforce join
# order, collocated, lazy), timeout, include field names
_FIELDS_TAIL = struct.Struct("<b??????q?")
_SQL_TAIL = struct.Struct("<???iq")  # distributed joins, local, replicated only, page size, timeout
_SCAN_TAIL = struct.Struct("<ii?")  # page size, partition, local

# The SQL fields layout written by sql_fields() is only right while this feature is not announced:
# with it, the server reads partitions and an update batch size after the include-field-names flag.
if Feature.QRY_PARTITIONS_BATCH_SIZE in CLIENT_FEATURES:  # pragma: no cover - a guard for maintainers
    raise ImportError("QRY_PARTITIONS_BATCH_SIZE is announced: sql_fields() must write partitions")


class StatementType:
    """What kind of statement :meth:`Client.sql` accepts (``statement_type``).

    The server refuses a statement of the other kind before running it.
    """

    #: any statement (default)
    ALL = 0
    #: only SELECT (queries that return rows)
    SELECT = 1
    #: only DML and DDL (INSERT, UPDATE, MERGE, DELETE, CREATE...)
    UPDATE = 2


# --- argument checks -----------------------------------------------------------------------------

def check_int(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"{name} must be an int, not {type(value).__name__}")
    if not lo <= value <= hi:
        raise ParameterError(f"{name} must be in {lo}..{hi}, not {value}")
    return value


def check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ParameterError(f"{name} must be True or False, not {value!r}")
    return value


def check_page_size(value: Any) -> int:
    return check_int("page_size", value, 1, _I32_MAX)


def check_timeout(value: Any) -> int:
    """A query timeout in ms: 0 (none) or a positive int that the server's ``int`` can hold."""
    return check_int("timeout", value, 0, _I32_MAX)


def check_query(value: Any) -> str:
    if not isinstance(value, str):
        raise ParameterError(f"query_str must be a str, not {type(value).__name__}")
    if not value.strip():
        raise ParameterError("query_str is empty")
    return value


def _args_list(query_args: Any) -> list:
    if query_args is None:
        return []
    if isinstance(query_args, (str, bytes, bytearray, dict)) or not isinstance(query_args, Iterable):
        raise ParameterError(
            f"query_args must be a list of values or (value, type hint) tuples, not {type(query_args).__name__}"
        )
    return list(query_args)


def _write_args(buf: bytearray, query_args: Any, ctx: CodecContext) -> None:
    """``i32 count`` then each argument (a value, or a ``(value, hint)`` tuple) as an object."""
    args = _args_list(query_args)
    buf += _INT.pack(len(args))
    for i, arg in enumerate(args):
        try:
            encode_item(buf, arg, ctx)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"query argument {i} ({arg!r}): {exc}") from exc


def _write_string(buf: bytearray, value: Optional[str], ctx: CodecContext) -> None:
    if value is None:
        buf.append(NULL_CODE)
    else:
        encode(buf, value, None, ctx)


# --- page parsing --------------------------------------------------------------------------------

def _truncated(exc: Exception) -> ParseError:
    return ParseError(f"truncated or malformed query page: {exc}")


def read_pair_page(frame: Any, pos: int, ctx: CodecContext) -> Tuple[List[tuple], bool, int]:
    """A page of ``(key, value)`` rows at ``pos`` (row count first); return rows, has-more, end."""
    decoders = DECODERS
    try:
        (count,) = _INT.unpack_from(frame, pos)
        pos += 4
        if count < 0:
            raise ParseError(f"negative row count {count} in a query page")
        rows: List[tuple] = []
        append = rows.append
        for _ in range(count):
            key, pos = decoders[frame[pos]](frame, pos + 1, ctx)
            value, pos = decoders[frame[pos]](frame, pos + 1, ctx)
            append((key, value))
        return rows, frame[pos] != 0, pos + 1
    except (struct.error, IndexError) as exc:
        raise _truncated(exc) from None


def read_fields_page(frame: Any, pos: int, ctx: CodecContext, columns: int) -> Tuple[List[list], bool, int]:
    """A page of SQL fields rows of ``columns`` values each; return rows, has-more, end."""
    decoders = DECODERS
    try:
        (count,) = _INT.unpack_from(frame, pos)
        pos += 4
        if count < 0:
            raise ParseError(f"negative row count {count} in a query page")
        if columns < 1 and count:
            # a row of no columns takes no bytes: a garbled column count with a huge row count would
            # build that many rows out of nothing (every real SQL result has at least one column)
            raise ParseError(f"a query page of {count} rows of {columns} columns")
        rows: List[list] = []
        append = rows.append
        if columns == 1:
            for _ in range(count):
                a, pos = decoders[frame[pos]](frame, pos + 1, ctx)
                append([a])
        elif columns == 2:
            for _ in range(count):
                a, pos = decoders[frame[pos]](frame, pos + 1, ctx)
                b, pos = decoders[frame[pos]](frame, pos + 1, ctx)
                append([a, b])
        else:
            cols = range(columns)
            for _ in range(count):
                row: list = []
                put = row.append
                for _ in cols:
                    value, pos = decoders[frame[pos]](frame, pos + 1, ctx)
                    put(value)
                append(row)
        return rows, frame[pos] != 0, pos + 1
    except (struct.error, IndexError) as exc:
        raise _truncated(exc) from None


# --- the cursor core -----------------------------------------------------------------------------

PAIRS = 0  # scan and SQL queries: (key, value) tuples
FIELDS = 1  # SQL fields queries: lists of column values

_PAGE_OPS = {
    op.OP_QUERY_SCAN: op.OP_QUERY_SCAN_CURSOR_GET_PAGE,
    op.OP_QUERY_SQL: op.OP_QUERY_SQL_CURSOR_GET_PAGE,
    op.OP_QUERY_SQL_FIELDS: op.OP_QUERY_SQL_FIELDS_CURSOR_GET_PAGE,
    op.OP_QUERY_INDEX: op.OP_QUERY_INDEX_CURSOR_GET_PAGE,
}


class CursorCore:
    """The state of one query cursor, without I/O.

    Made by a query builder (:func:`scan`, :func:`sql`, :func:`sql_fields`) together with the request
    that opens the cursor; that request's parse fills it in. A facade then hands out :attr:`rows` and,
    when they run out and :attr:`done` is false, sends :meth:`next_page_request`, whose parse replaces
    :attr:`rows`. When the caller stops early, :meth:`close_request` releases the server's cursor
    (``None`` when the server holds nothing).

    :ivar cursor_id: the server's id of the cursor (valid on the connection that opened it), or
        ``None`` before the first reply;
    :ivar rows: the rows of the current page (for an SQL fields query with field names, the first
        page starts with the list of names);
    :ivar more: the server has more pages;
    :ivar remaining: rows the caller still wants (``max_rows``), or ``None`` for all;
    :ivar closed: the server's cursor was released (or the close request was issued);
    :ivar columns: column count of an SQL fields query;
    :ivar field_names: column names when they were asked for, else ``None``.
    """

    __slots__ = (
        "closed", "columns", "cursor_id", "error", "field_names", "kind", "more", "page_op", "remaining",
        "rows", "what", "with_names",
    )

    def __init__(
        self, kind: int, open_op: int, error: type, what: str, limit: Optional[int] = None,
        with_names: bool = False, page_op: Optional[int] = None,
    ) -> None:
        self.kind = kind
        #: the next-page op: the one of ``open_op``, or ``page_op`` for cursors of other resources
        #: (an IgniteSet iterator) that subclass this core
        self.page_op = _PAGE_OPS[open_op] if page_op is None else page_op
        self.error = error
        self.what = what
        self.remaining = limit
        self.with_names = with_names
        self.cursor_id: Optional[int] = None
        self.rows: list = []
        self.more = False
        self.closed = False
        self.columns = 0
        self.field_names: Optional[List[str]] = None

    def __repr__(self) -> str:
        return (f"CursorCore(id={self.cursor_id}, rows={len(self.rows)}, more={self.more}, "
                f"remaining={self.remaining}, closed={self.closed})")

    # -- state ------------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        """No rows beyond the current page will be handed out."""
        return self.closed or not self.more or self.remaining == 0

    @property
    def needs_close(self) -> bool:
        """The server still holds the cursor: it must be released if the caller stops now."""
        return self.more and not self.closed and self.cursor_id is not None

    def _take(self, rows: list, more: bool) -> list:
        remaining = self.remaining
        if remaining is not None:
            if len(rows) >= remaining:
                del rows[remaining:]
                remaining = 0
            else:
                remaining -= len(rows)
            self.remaining = remaining
        self.more = more
        self.rows = rows
        return rows

    # -- parse functions (the ``parse`` of the requests) ------------------------------------------

    def parse_first(self, frame: Any, pos: int, ctx: CodecContext) -> CursorCore:
        """Parse the reply to the query request: cursor id, (columns,) first page."""
        rows: list
        try:
            if self.kind == FIELDS:
                cursor_id, columns = _ID_COLUMNS.unpack_from(frame, pos)
                pos += 12
                if columns < 0:
                    raise ParseError(f"negative column count {columns} in an SQL fields reply")
                names: Optional[List[str]] = None
                if self.with_names:
                    names = []
                    for _ in range(columns):
                        code = frame[pos]
                        name, pos = DECODERS[code](frame, pos + 1, ctx)
                        names.append(name)
                rows, more, _ = read_fields_page(frame, pos, ctx, columns)
            else:
                (cursor_id,) = _LONG.unpack_from(frame, pos)
                columns = 2
                names = None
                rows, more, _ = read_pair_page(frame, pos + 8, ctx)
        except (struct.error, IndexError) as exc:
            raise _truncated(exc) from None
        # Only now that the whole reply parsed (a missing binary type makes the caller parse again).
        self.cursor_id = cursor_id
        self.columns = columns
        self.field_names = names
        self._take(rows, more)
        if names is not None:
            self.rows.insert(0, list(names))
        return self

    def parse_page(self, frame: Any, pos: int, ctx: CodecContext) -> list:
        """Parse a next-page reply; the new page becomes :attr:`rows` (also returned)."""
        rows: list
        if self.kind == FIELDS:
            rows, more, _ = read_fields_page(frame, pos, ctx, self.columns)
        else:
            rows, more, _ = read_pair_page(frame, pos, ctx)
        return self._take(rows, more)

    # -- requests ---------------------------------------------------------------------------

    def next_page_request(self) -> Request:
        """The request for the next page (op 2001, 2003 or 2005 with the cursor id)."""
        if self.cursor_id is None:
            raise ParameterError("the cursor has not been opened")
        if self.done:
            raise ParameterError("the cursor has no more pages")
        buf = new_request(self.page_op)
        buf += _LONG.pack(self.cursor_id)
        return Request(buf, self.parse_page, self.error, self.what)

    def close_request(self) -> Optional[Request]:
        """``RESOURCE_CLOSE`` for the server's cursor, or ``None`` if it holds none; marks it closed."""
        if not self.needs_close:
            self.closed = True
            return None
        self.closed = True
        assert self.cursor_id is not None
        return resource_close(self.cursor_id, self.what)

    def mark_closed(self) -> None:
        """Forget the server's cursor without a request (its connection is gone, or it failed)."""
        self.closed = True


def resource_close(resource_id: int, what: str = "") -> Request:
    """``RESOURCE_CLOSE`` (op 0): ``i64 resource id``; the reply has no payload."""
    buf = new_request(op.OP_RESOURCE_CLOSE)
    buf += _LONG.pack(resource_id)
    return Request(buf, None, CacheError, what)


# --- request builders ----------------------------------------------------------------------------

def _limit(max_rows: Any) -> Optional[int]:
    max_rows = check_int("max_rows", max_rows, -1, _I32_MAX)
    return max_rows if max_rows > 0 else None


def sql_fields(
    query_str: str,
    page_size: int = DEFAULT_PAGE_SIZE,
    query_args: Any = None,
    schema: Optional[str] = "PUBLIC",
    statement_type: int = StatementType.ALL,
    distributed_joins: bool = False,
    local: bool = False,
    replicated_only: bool = False,
    enforce_join_order: bool = False,
    collocated: bool = False,
    lazy: bool = False,
    include_field_names: bool = False,
    max_rows: int = -1,
    timeout: int = 0,
    cache_id: int = 0,
    ctx: CodecContext = NO_CONTEXT,
) -> Tuple[Request, CursorCore]:
    """An SQL fields query (``OP_QUERY_SQL_FIELDS``, 2004) and the core of its cursor.

    Layout (``ClientCacheSqlFieldsQueryRequest``): ``i32 cache id`` (0: none), ``byte flags`` (0),
    schema String (or Null: the cache's schema), ``i32 page size``, ``i32 max rows``, query String,
    ``i32 arg count`` and the args as objects, ``byte statement type``, six bools (distributed
    joins, local, replicated only, enforce join order, collocated, lazy), ``i64 timeout ms``,
    ``bool include field names``.

    The server (2.x) reads ``max rows`` but does not apply it, so the cursor stops after ``max_rows``
    rows itself (and asks for no more than that per page). Raises :class:`ParameterError` for a bad
    argument and :class:`TypeError`/:class:`ValueError` for a query argument no Ignite type fits;
    nothing is sent then.
    """
    check_query(query_str)
    check_page_size(page_size)
    if schema is not None and not isinstance(schema, str):
        raise ParameterError(f"schema must be a str or None, not {type(schema).__name__}")
    if statement_type not in (StatementType.ALL, StatementType.SELECT, StatementType.UPDATE) or isinstance(
        statement_type, bool
    ):
        raise ParameterError(
            f"statement_type must be StatementType.ALL (0), SELECT (1) or UPDATE (2), not {statement_type!r}"
        )
    flags = (
        check_bool("distributed_joins", distributed_joins),
        check_bool("local", local),
        check_bool("replicated_only", replicated_only),
        check_bool("enforce_join_order", enforce_join_order),
        check_bool("collocated", collocated),
        check_bool("lazy", lazy),
    )
    check_bool("include_field_names", include_field_names)
    limit = _limit(max_rows)
    check_timeout(timeout)
    check_int("cache id", cache_id, -0x80000000, _I32_MAX)
    if limit is not None and limit < page_size:
        page_size = limit

    buf = new_request(op.OP_QUERY_SQL_FIELDS)
    buf += _PREFIX.pack(cache_id, 0)
    _write_string(buf, schema, ctx)
    buf += _INT.pack(page_size)
    buf += _INT.pack(limit or 0)
    encode(buf, query_str, None, ctx)
    _write_args(buf, query_args, ctx)
    buf += _FIELDS_TAIL.pack(statement_type, *flags, timeout, include_field_names)

    what = "SQL query"
    core = CursorCore(FIELDS, op.OP_QUERY_SQL_FIELDS, SQLError, what, limit, include_field_names)
    return Request(buf, core.parse_first, SQLError, what), core


def scan(
    ref: CacheRef,
    page_size: int = DEFAULT_PAGE_SIZE,
    partitions: int = -1,
    local: bool = False,
    ctx: CodecContext = NO_CONTEXT,
) -> Tuple[Request, CursorCore]:
    """A scan query (``OP_QUERY_SCAN``, 2000) and the core of its cursor.

    Layout (``ClientCacheScanQueryRequest``): cache prefix, filter object (Null: no filter, so no
    platform byte follows), ``i32 page size``, ``i32 partition`` (negative: all), ``bool local``.
    """
    check_page_size(page_size)
    check_int("partitions", partitions, -0x80000000, _I32_MAX)
    check_bool("local", local)
    buf = cache_request(op.OP_QUERY_SCAN, ref)
    buf.append(NULL_CODE)
    buf += _SCAN_TAIL.pack(page_size, partitions if partitions >= 0 else -1, local)
    core = CursorCore(PAIRS, op.OP_QUERY_SCAN, CacheError, ref.what)
    return Request(buf, core.parse_first, CacheError, ref.what), core


def sql(
    ref: CacheRef,
    type_name: str,
    query_str: str,
    page_size: int = DEFAULT_PAGE_SIZE,
    query_args: Any = None,
    distributed_joins: bool = False,
    replicated_only: bool = False,
    local: bool = False,
    timeout: int = 0,
    ctx: CodecContext = NO_CONTEXT,
) -> Tuple[Request, CursorCore]:
    """An SQL query over a cache's value type (``OP_QUERY_SQL``, 2002) and the core of its cursor.

    Layout (``ClientCacheSqlQueryRequest``): cache prefix, type name String, query String (the
    ``WHERE`` part, or a whole ``SELECT``), ``i32 arg count`` and args, bools distributed joins,
    local, replicated only, ``i32 page size``, ``i64 timeout ms``. Rows are ``(key, value)``.
    """
    check_query(query_str)
    check_page_size(page_size)
    if not isinstance(type_name, str) or not type_name:
        raise ParameterError(f"type name must be a non-empty str, not {type_name!r}")
    check_bool("distributed_joins", distributed_joins)
    check_bool("replicated_only", replicated_only)
    check_bool("local", local)
    check_timeout(timeout)
    buf = cache_request(op.OP_QUERY_SQL, ref)
    encode(buf, type_name, None, ctx)
    encode(buf, query_str, None, ctx)
    _write_args(buf, query_args, ctx)
    buf += _SQL_TAIL.pack(distributed_joins, local, replicated_only, page_size, timeout)
    core = CursorCore(PAIRS, op.OP_QUERY_SQL, SQLError, ref.what)
    return Request(buf, core.parse_first, SQLError, ref.what), core


def sql_type_name(value_type: str) -> str:
    """The name an SQL query (``OP_QUERY_SQL``) knows a value type by: the class name without its
    package or enclosing classes (``'my.pkg.Outer$Person'`` -> ``'Person'``), arrays as ``_array``."""
    name = value_type
    dot = name.rfind(".")
    if 0 <= dot < len(name) - 1:
        name = name[dot + 1:]
    if name.endswith("[]"):
        name = name[:-2] + "_array"
    dollar = name.rfind("$")
    if dollar >= 0:
        name = name[dollar + 1:]
    return name
