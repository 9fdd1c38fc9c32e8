"""A PEP 249 (DB-API 2.0) driver for Ignite SQL over the thin client.

>>> from pyignite import dbapi
>>> with dbapi.connect(host='127.0.0.1', port=10800) as conn:
...     cur = conn.cursor()
...     cur.execute('SELECT ?, ?', [1, 'one'])
...     cur.fetchall()
[(1, 'one')]

Built on the public :class:`~pyignite.Client` API only: every statement is one ``Client.sql()``
call (``paramstyle = 'qmark'``), its rows are read page by page (``page_size``, 1024 by default).
The asyncio variant with the same surface as coroutines is :mod:`pyignite.dbapi.aio`.

**Transactions.** Ignite runs each SQL statement on its own: it is visible to other clients as
soon as it returns (the thin client protocol has no SQL transactions since MVCC was removed from
Ignite 2). The driver is therefore always in autocommit mode (``Connection.autocommit`` is
``True``): :meth:`Connection.commit` does nothing, and :meth:`Connection.rollback` does nothing
when no statement changed data since the last commit/rollback, but raises
:class:`NotSupportedError` when one did (that work cannot be undone, and saying nothing would
pretend it was).

**Errors.** The server's SQL state picks the exception: ``23xxx`` (duplicate key, NULL in a NOT NULL
column) :class:`IntegrityError`, ``42xxx`` (syntax, unknown table or column)
:class:`ProgrammingError`, ``22xxx`` (conversion, division by zero) :class:`DataError`, ``0A000``
:class:`NotSupportedError`; a broken connection or timeout :class:`OperationalError`. The original
client exception is chained (``__cause__``); ``exc.sqlstate`` and ``exc.status`` keep the codes.

**Types.** Values come back as the client decodes them, with TIME as ``datetime.time`` and
timestamps as ``datetime``; DATE columns come back as ``datetime`` at midnight (the protocol does
not tell a DATE column from a TIMESTAMP one). ``Cursor.description`` has the column names and a
type code derived from the first page's values (Ignite returns no column types with a result).
"""

from __future__ import annotations

from itertools import islice
from typing import Any, Dict, Generator, Iterable, Iterator, List, Optional, Sequence, Tuple, TypeVar

from pyignite.client import Client
from pyignite.dbapi._core import (
    BINARY,
    DATETIME,
    NUMBER,
    ROWID,
    STRING,
    Binary,
    DatabaseError,
    DataError,
    Date,
    DateFromTicks,
    DBAPITypeObject,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    ResultState,
    Time,
    TimeFromTicks,
    Timestamp,
    TimestampFromTicks,
    Warning,
    apilevel,
    batches,
    check_params,
    convert_column,
    dml_count,
    make_client_kwargs,
    map_error,
    nodes_of,
    paramstyle,
    threadsafety,
)

__all__ = [
    "BINARY", "DATETIME", "NUMBER", "ROWID", "STRING", "Binary", "Connection", "Cursor", "DBAPITypeObject",
    "DataError", "DatabaseError", "Date", "DateFromTicks", "Error", "IntegrityError", "InterfaceError",
    "InternalError", "NotSupportedError", "OperationalError", "ProgrammingError", "Time", "TimeFromTicks",
    "Timestamp", "TimestampFromTicks", "Warning", "apilevel", "connect", "paramstyle", "read_frame",
    "threadsafety",
]


class _ErrorNames:
    """The exception classes as connection attributes (the optional PEP 249 extension)."""

    Warning = Warning
    Error = Error
    InterfaceError = InterfaceError
    DatabaseError = DatabaseError
    DataError = DataError
    OperationalError = OperationalError
    IntegrityError = IntegrityError
    InternalError = InternalError
    ProgrammingError = ProgrammingError
    NotSupportedError = NotSupportedError


class _ConnectionBase(_ErrorNames):
    def __init__(self, client: Any, schema: str, query: Dict[str, Any]) -> None:
        self._client = client
        self.schema = schema
        self._query = query
        self.page_size: int = query.pop("page_size", 1024)
        self._changed = False
        self._closed = False

    @property
    def client(self) -> Any:
        """The :class:`~pyignite.Client` (or :class:`~pyignite.AioClient`) the connection runs on."""
        return self._client

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def autocommit(self) -> bool:
        """Always ``True``: every Ignite SQL statement commits by itself (see the module docstring)."""
        return True

    @autocommit.setter
    def autocommit(self, value: bool) -> None:
        if not value:
            raise NotSupportedError("Ignite SQL runs every statement in autocommit mode")

    def _check(self) -> None:
        if self._closed:
            raise InterfaceError("the connection is closed")

    def _sql_kwargs(self, args: Optional[list]) -> Dict[str, Any]:
        q = self._query
        kw: Dict[str, Any] = {
            "page_size": self.page_size, "query_args": args, "schema": self.schema, "include_field_names": True,
        }
        for key in ("distributed_joins", "local", "replicated_only", "enforce_join_order", "collocated", "lazy"):
            if key in q:
                kw[key] = q[key]
        if "query_timeout" in q:
            kw["timeout"] = q["query_timeout"]
        return kw

    def _commit(self) -> None:
        self._check()
        self._changed = False

    def _rollback(self) -> None:
        self._check()
        if self._changed:
            self._changed = False
            raise NotSupportedError(
                "Ignite SQL statements commit as they run: the changes made since the last commit "
                "cannot be rolled back"
            )


class Connection(_ConnectionBase):
    """A DB-API connection: one :class:`~pyignite.Client` and the SQL schema statements run in.

    Made by :func:`connect`. ``with connect(...) as conn:`` closes it on exit.
    """

    def cursor(self) -> Cursor:
        """A new cursor on this connection."""
        self._check()
        return Cursor(self)

    def commit(self) -> None:
        """Nothing to do: statements commit as they run (raises :class:`InterfaceError` when closed)."""
        self._commit()

    def rollback(self) -> None:
        """Raises :class:`NotSupportedError` when a statement changed data since the last
        commit/rollback (it cannot be undone); does nothing otherwise."""
        self._rollback()

    def close(self) -> None:
        """Close the connection and its client. Calling it again does nothing."""
        if not self._closed:
            self._closed = True
            self._client.close()

    def __enter__(self) -> Connection:
        self._check()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# The cursors' logic is written once, as generator *plans* that yield the I/O steps below and
# receive their results (an exception of a step is thrown back into the plan at that yield); the
# blocking cursor runs a step by calling, the asyncio cursor by awaiting. A step is
# ``(kind, source_or_sql, arg)``.
_SQL = "sql"  # (_SQL, sql, sql() keyword arguments) -> the client's cursor of the result
_NAMES = "names"  # (_NAMES, source, None) -> the column names (the cursor's first item)
_TAKE = "take"  # (_TAKE, source, n) -> up to n rows
_CLOSE = "close"  # (_CLOSE, source, None) -> None

_T = TypeVar("_T")
_Plan = Generator[Tuple[str, Any, Any], Any, _T]


class _CursorBase:
    def __init__(self, connection: Any) -> None:
        self.connection = connection
        #: rows :meth:`fetchmany` returns without an argument
        self.arraysize = 1
        self._state = ResultState()
        self._source: Any = None  # the client's cursor of the current result
        self._closed = False

    @property
    def description(self) -> Optional[List[tuple]]:
        """``(name, type_code, None, None, None, None, None)`` per column of the last result, or
        ``None`` for a statement that returned no rows. See :data:`pyignite.dbapi._core.TYPE_CODES`."""
        return self._state.description

    @property
    def rowcount(self) -> int:
        """Rows changed by the last DML (summed over ``executemany``), rows of the last SELECT
        once known (all rows read or all in the first page), else -1."""
        return self._state.rowcount

    @property
    def lastrowid(self) -> None:
        """Always ``None``: Ignite has no row ids."""
        return None

    @property
    def closed(self) -> bool:
        return self._closed

    def setinputsizes(self, sizes: Any) -> None:
        """Accepted and ignored (allowed by PEP 249)."""
        self._check()

    def setoutputsize(self, size: Any, column: Optional[int] = None) -> None:
        """Accepted and ignored (allowed by PEP 249)."""
        self._check()

    def _check(self) -> None:
        if self._closed:
            raise InterfaceError("the cursor is closed")
        if self.connection.closed:
            raise InterfaceError("the connection is closed")

    def _check_result(self) -> None:
        self._check()
        if self._state.description is None:
            raise ProgrammingError("the last statement returned no rows (or none was executed)")

    def _size(self, size: Optional[int]) -> int:
        n = self.arraysize if size is None else size
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ProgrammingError(f"fetchmany size must be a non-negative int, not {n!r}")
        return n

    def _begin(self, operation: str) -> None:
        self._check()
        if not isinstance(operation, str):
            raise ProgrammingError(f"the operation must be an SQL string, not {type(operation).__name__}")
        self._state = ResultState()

    def _on_result(self, operation: str, names: List[str], first: List[list], complete: bool) -> bool:
        """Fill the state from the first page; ``True`` when the statement returned rows."""
        is_count, count = dml_count(operation, names, first)
        if is_count:
            self._state.start_count(count)
            if count:
                self.connection._changed = True
            return False
        self._state.start_rows(names, first, complete)
        return True

    # --- plans (the I/O steps are run by the facade's _drive) ---

    def _execute(self, operation: str, parameters: Optional[Sequence[Any]]) -> _Plan[None]:
        self._begin(operation)
        yield from self._drop_source()
        yield from self._run(operation, check_params(parameters))

    def _executemany(self, operation: str, seq_of_parameters: Iterable[Sequence[Any]]) -> _Plan[None]:
        self._begin(operation)
        yield from self._drop_source()
        params = list(seq_of_parameters)
        plan = batches(operation, params)
        total = 0
        if plan is None:
            plan = [(operation, check_params(p)) for p in params]
        for sql, args in plan:
            if (yield from self._run(sql, args)):
                yield from self._drop_source()
                raise ProgrammingError("executemany() is for statements that return no rows")
            total += max(self._state.rowcount, 0)
        self._state = ResultState()
        self._state.start_count(total)

    def _run(self, sql: str, args: Optional[list]) -> _Plan[bool]:
        conn = self.connection
        try:
            source = yield _SQL, sql, conn._sql_kwargs(args)
            names = yield _NAMES, source, None
            first = yield _TAKE, source, conn.page_size
        except Exception as exc:
            raise map_error(exc) from exc
        complete = source.closed
        rows = self._on_result(sql, names, first, complete)
        if rows and not complete:
            self._source = source
        return rows

    def _drop_source(self) -> _Plan[None]:
        source, self._source = self._source, None
        if source is not None:
            try:
                yield _CLOSE, source, None
            except Exception as exc:
                raise map_error(exc) from exc

    def _next_page(self) -> _Plan[bool]:
        """Read the next page into the buffer; ``False`` when the result has no more rows."""
        state = self._state
        source = self._source
        if source is None:
            if not state.exhausted:
                state.end()
            return False
        try:
            page = yield _TAKE, source, self.connection.page_size
        except Exception as exc:
            self._source = None
            raise map_error(exc) from exc
        if not page:
            self._source = None
            state.end()
            return False
        state.set_page(page)
        if source.closed:
            self._source = None
            state.end()
        return True

    def _fetchone(self) -> _Plan[Optional[tuple]]:
        self._check_result()
        state = self._state
        if not state.buffered and not (yield from self._next_page()):
            return None
        rows = state.take(1)
        return rows[0] if rows else None

    def _fetchmany(self, size: Optional[int]) -> _Plan[List[tuple]]:
        self._check_result()
        n = self._size(size)
        state = self._state
        out: List[tuple] = []
        while len(out) < n:
            if not state.buffered and not (yield from self._next_page()):
                break
            out.extend(state.take(n - len(out)))
        return out

    def _fetchall(self) -> _Plan[List[tuple]]:
        self._check_result()
        state = self._state
        out = state.take(None)
        while (yield from self._next_page()):
            out.extend(state.take(None))
        return out

    def _fetch_columns(self) -> _Plan[Tuple[List[str], List[list]]]:
        self._check_result()
        state = self._state
        names = list(state.field_names or [])
        columns: List[list] = [[] for _ in names]
        rest = state.take(None)
        if rest:
            for col, values in zip(columns, zip(*rest)):
                col.extend(values)
        source = self._source
        self._source = None
        if source is not None:
            try:
                while True:
                    page = yield _TAKE, source, self.connection.page_size
                    if not page:
                        break
                    state.seen += len(page)
                    for col, values in zip(columns, zip(*page)):
                        col.extend(values)
            except Exception as exc:
                raise map_error(exc) from exc
        state.end()
        return names, [list(convert_column(col)) if col else col for col in columns]

    def _close(self) -> _Plan[None]:
        if self._closed:
            return
        self._closed = True
        # the row count of the last statement stays readable (SQLAlchemy reads it after closing)
        rowcount = self._state.rowcount
        self._state = ResultState()
        self._state.rowcount = rowcount
        if not self.connection.closed:
            yield from self._drop_source()


class Cursor(_CursorBase):
    """A DB-API cursor. Iterating it yields the rows (tuples) of the last SELECT.

    A cursor is for one thread at a time; the connection may be shared by threads.
    """

    def _drive(self, plan: _Plan[_T]) -> _T:
        try:
            step = next(plan)
            while True:
                kind, source, arg = step
                try:
                    if kind is _TAKE:
                        result: Any = list(islice(source, arg))
                    elif kind is _NAMES:
                        result = next(source)
                    elif kind is _SQL:
                        result = self.connection._client.sql(source, **arg)
                    else:
                        result = source.close()
                except Exception as exc:
                    step = plan.throw(exc)
                else:
                    step = plan.send(result)
        except StopIteration as stop:
            return stop.value

    def execute(self, operation: str, parameters: Optional[Sequence[Any]] = None) -> Cursor:
        """Run one statement with ``?`` placeholders bound to ``parameters`` (a sequence).

        Returns the cursor. Raises the :class:`Error` subclass matching the server's SQL state.
        """
        self._drive(self._execute(operation, parameters))
        return self

    def executemany(self, operation: str, seq_of_parameters: Iterable[Sequence[Any]]) -> Cursor:
        """Run a statement once per parameter set.

        ``INSERT``/``MERGE ... VALUES (?, ...)`` runs as multi-row statements (up to 1000 rows or
        4000 parameters each), so 10,000 rows take about ten round trips; any other statement runs
        once per set, in order. ``rowcount`` is the total of rows changed.
        """
        self._drive(self._executemany(operation, seq_of_parameters))
        return self

    def fetchone(self) -> Optional[tuple]:
        """The next row, or ``None`` when there is no more."""
        return self._drive(self._fetchone())

    def fetchmany(self, size: Optional[int] = None) -> List[tuple]:
        """Up to ``size`` (default :attr:`arraysize`) next rows; fewer (or none) at the end."""
        return self._drive(self._fetchmany(size))

    def fetchall(self) -> List[tuple]:
        """All remaining rows."""
        return self._drive(self._fetchall())

    def fetch_columns(self) -> Tuple[List[str], List[list]]:
        """All remaining rows as columns: ``(names, [column values, ...])``.

        Each page is transposed at once (``zip(*page)``), so no row tuples are built; values are
        converted as for the rows. This is what :func:`read_frame` uses.
        """
        return self._drive(self._fetch_columns())

    def __iter__(self) -> Iterator[tuple]:
        return self

    def __next__(self) -> tuple:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    def close(self) -> None:
        """Release the server's cursor of the current result (if any). Further use raises
        :class:`InterfaceError`; closing again does nothing."""
        self._drive(self._close())

    def __enter__(self) -> Cursor:
        self._check()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _new_client(
    client_class: Any, host: Optional[str], port: Optional[int], nodes: Optional[Iterable[Any]], kwargs: Dict[str, Any],
) -> Tuple[Any, List[Tuple[str, int]], Dict[str, Any]]:
    """The (not yet connected) client, the addresses to connect to and the statement options."""
    query, client_kwargs = make_client_kwargs(dict(kwargs))
    addresses = nodes_of(host, port, nodes)
    try:
        client = client_class(**client_kwargs)
    except Exception as exc:
        raise InterfaceError(f"invalid connection options: {exc}") from exc
    return client, addresses, query


def connect(
    host: Optional[str] = None,
    port: Optional[int] = None,
    nodes: Optional[Iterable[Any]] = None,
    schema: str = "PUBLIC",
    **kwargs: Any,
) -> Connection:
    """Connect to an Ignite cluster.

    :param host: node address (default ``127.0.0.1``);
    :param port: client port (default 10800);
    :param nodes: instead of host and port: ``[(host, port), ...]`` or ``['host:port', ...]``
        (failover, and partition awareness as the client does it for several nodes);
    :param schema: SQL schema of unqualified names (default ``'PUBLIC'``);
    :param kwargs: ``page_size`` (rows per round trip, default 1024), ``query_timeout`` (ms),
        ``distributed_joins``, ``local``, ``replicated_only``, ``enforce_join_order``,
        ``collocated``, ``lazy`` (options of every statement, see :meth:`pyignite.Client.sql`), and
        every :class:`~pyignite.Client` option (``timeout``, ``use_ssl``, ``username``,
        ``password``...).
    :raises OperationalError: no node answers, or a node refuses the handshake.
    """
    client, addresses, query = _new_client(Client, host, port, nodes, kwargs)
    try:
        client.connect(addresses)
    except Exception as exc:
        raise map_error(exc) from exc
    return Connection(client, schema, query)


def read_frame(cursor: Any, index: Optional[str] = None) -> Any:
    """The remaining rows of ``cursor``'s result as a :class:`pandas.DataFrame` (needs pandas:
    ``pip install pyignite[pandas]``).

    The columns are built page by page from the client's rows (:meth:`Cursor.fetch_columns`), not
    through one tuple per row, then handed to pandas as whole columns: integers become ``int64``
    (``float64`` with NULLs), floats ``float64``, booleans ``bool``, timestamps ``datetime64``,
    DECIMAL values stay ``Decimal`` objects. Works with the asyncio cursor's result of
    ``await cursor.fetch_columns()`` too: pass the ``(names, columns)`` pair.

    :param cursor: a :class:`Cursor` after a SELECT, or a ``(names, columns)`` pair;
    :param index: (optional) a column to use as the index.
    """
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("read_frame needs pandas: pip install pyignite[pandas]") from exc
    if isinstance(cursor, tuple):
        names, columns = cursor
    else:
        names, columns = cursor.fetch_columns()
    data: Dict[str, Any] = {}
    for name, col in zip(names, columns):
        data[name] = _column_series(pd, name, col)
    frame = pd.DataFrame(data, columns=names)
    if index is not None:
        frame = frame.set_index(index)
    return frame


def _column_series(pd: Any, name: str, col: list) -> Any:
    import datetime
    import decimal

    sample = next((v for v in col if v is not None), None)
    if isinstance(sample, decimal.Decimal) or sample is None:
        return pd.Series(col, dtype=object, name=name)
    if isinstance(sample, datetime.datetime):
        return pd.Series(pd.to_datetime(col), name=name)
    return pd.Series(col, name=name)


# keep the module name in reprs and docs of the shared classes
for _cls in (Warning, Error, InterfaceError, DatabaseError, DataError, OperationalError, IntegrityError,
             InternalError, ProgrammingError, NotSupportedError, DBAPITypeObject):
    _cls.__module__ = __name__
del _cls
