"""The asyncio variant of :mod:`pyignite.dbapi`, on :class:`~pyignite.AioClient`.

The same surface as the blocking driver, with coroutines where I/O happens::

    from pyignite.dbapi import aio

    async with await aio.connect(host='127.0.0.1', port=10800) as conn:
        async with conn.cursor() as cur:
            await cur.execute('SELECT ?', [1])
            print(await cur.fetchall())      # [(1,)]
            async for row in cur: ...

``connect``, ``Cursor.execute``/``executemany``/``fetchone``/``fetchmany``/``fetchall``/
``fetch_columns``/``close`` and ``Connection.commit``/``rollback``/``close`` are coroutines;
``Connection.cursor()``, ``description``, ``rowcount``, ``setinputsizes``/``setoutputsize`` are not.
Module globals, exceptions, type objects and constructors are those of :mod:`pyignite.dbapi`, and so
are the transaction semantics (autocommit) and the error mapping.

Many tasks may share one connection (each with its own cursor): their statements are pipelined on
the client's connection.
"""

from __future__ import annotations

from typing import Any, Iterable, List, Optional, Sequence, Tuple

from pyignite.aio_client import AioClient
from pyignite.dbapi import (
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
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Time,
    TimeFromTicks,
    Timestamp,
    TimestampFromTicks,
    Warning,
    _ConnectionBase,
    _CursorBase,
    apilevel,
    paramstyle,
    read_frame,
    threadsafety,
)
from pyignite.dbapi._core import (
    ResultState,
    batches,
    check_params,
    convert_column,
    make_client_kwargs,
    map_error,
    nodes_of,
)

__all__ = [
    "BINARY", "DATETIME", "NUMBER", "ROWID", "STRING", "AsyncConnection", "AsyncCursor", "Binary",
    "DataError", "DatabaseError", "Date", "DateFromTicks", "Error", "IntegrityError", "InterfaceError",
    "InternalError", "NotSupportedError", "OperationalError", "ProgrammingError", "Time", "TimeFromTicks",
    "Timestamp", "TimestampFromTicks", "Warning", "apilevel", "connect", "paramstyle", "read_frame",
    "threadsafety",
]


async def _take(source: Any, n: int) -> List[Any]:
    """Up to ``n`` rows from an :class:`~pyignite.cursors.AioCursor`."""
    rows: List[Any] = []
    append = rows.append
    anext = source.__anext__
    try:
        while len(rows) < n:
            append(await anext())
    except StopAsyncIteration:
        pass
    return rows


class AsyncConnection(_ConnectionBase):
    """An asyncio DB-API connection on one :class:`~pyignite.AioClient`. Made by :func:`connect`;
    ``async with`` closes it on exit."""

    def cursor(self) -> AsyncCursor:
        """A new cursor on this connection."""
        self._check()
        return AsyncCursor(self)

    async def commit(self) -> None:
        """Nothing to do: statements commit as they run."""
        self._commit()

    async def rollback(self) -> None:
        """Raises :class:`NotSupportedError` when a statement changed data since the last
        commit/rollback; does nothing otherwise."""
        self._rollback()

    async def close(self) -> None:
        """Close the connection and its client. Calling it again does nothing."""
        if not self._closed:
            self._closed = True
            await self._client.close()

    async def __aenter__(self) -> AsyncConnection:
        self._check()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


class AsyncCursor(_CursorBase):
    """An asyncio DB-API cursor: ``async for row in cursor`` yields the rows of the last SELECT."""

    async def execute(self, operation: str, parameters: Optional[Sequence[Any]] = None) -> AsyncCursor:
        """Run one statement (see :meth:`pyignite.dbapi.Cursor.execute`)."""
        self._begin(operation)
        await self._drop_source()
        await self._run(operation, check_params(parameters))
        return self

    async def executemany(self, operation: str, seq_of_parameters: Iterable[Sequence[Any]]) -> AsyncCursor:
        """Run a statement once per parameter set, batched as
        :meth:`pyignite.dbapi.Cursor.executemany` does."""
        self._begin(operation)
        await self._drop_source()
        params = list(seq_of_parameters)
        plan = batches(operation, params)
        if plan is None:
            plan = [(operation, check_params(p)) for p in params]
        total = 0
        for sql, args in plan:
            if await self._run(sql, args):
                await self._drop_source()
                raise ProgrammingError("executemany() is for statements that return no rows")
            total += max(self._state.rowcount, 0)
        self._state = ResultState()
        self._state.start_count(total)
        return self

    async def _run(self, sql: str, args: Optional[list]) -> bool:
        conn = self.connection
        try:
            source = await conn._client.sql(sql, **conn._sql_kwargs(args))
            names = await source.__anext__()
            first = await _take(source, conn.page_size)
        except Exception as exc:
            raise map_error(exc) from exc
        complete = source.closed
        rows = self._on_result(sql, names, first, complete)
        if rows and not complete:
            self._source = source
        return rows

    async def _drop_source(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            try:
                await source.close()
            except Exception as exc:
                raise map_error(exc) from exc

    async def _next_page(self) -> bool:
        state = self._state
        source = self._source
        if source is None:
            if not state.exhausted:
                state.end()
            return False
        try:
            page = await _take(source, self.connection.page_size)
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

    async def fetchone(self) -> Optional[tuple]:
        """The next row, or ``None`` when there is no more."""
        self._check_result()
        state = self._state
        if not state.buffered and not await self._next_page():
            return None
        rows = state.take(1)
        return rows[0] if rows else None

    async def fetchmany(self, size: Optional[int] = None) -> List[tuple]:
        """Up to ``size`` (default :attr:`arraysize`) next rows."""
        self._check_result()
        n = self._size(size)
        state = self._state
        out: List[tuple] = []
        while len(out) < n:
            if not state.buffered and not await self._next_page():
                break
            out.extend(state.take(n - len(out)))
        return out

    async def fetchall(self) -> List[tuple]:
        """All remaining rows."""
        self._check_result()
        state = self._state
        out = state.take(None)
        while await self._next_page():
            out.extend(state.take(None))
        return out

    async def fetch_columns(self) -> Tuple[List[str], List[list]]:
        """All remaining rows as ``(names, columns)`` (see :meth:`pyignite.dbapi.Cursor.fetch_columns`);
        ``read_frame(await cursor.fetch_columns())`` makes a DataFrame of them."""
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
                    page = await _take(source, self.connection.page_size)
                    if not page:
                        break
                    state.seen += len(page)
                    for col, values in zip(columns, zip(*page)):
                        col.extend(values)
            except Exception as exc:
                raise map_error(exc) from exc
        state.end()
        return names, [list(convert_column(col)) if col else col for col in columns]

    def __aiter__(self) -> AsyncCursor:
        return self

    async def __anext__(self) -> tuple:
        row = await self.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    async def close(self) -> None:
        """Release the server's cursor of the current result (if any); further use raises
        :class:`InterfaceError`."""
        if self._closed:
            return
        self._closed = True
        # the row count of the last statement stays readable (SQLAlchemy reads it after closing)
        rowcount = self._state.rowcount
        self._state = ResultState()
        self._state.rowcount = rowcount
        if not self.connection.closed:
            await self._drop_source()

    async def __aenter__(self) -> AsyncCursor:
        self._check()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


async def connect(
    host: Optional[str] = None,
    port: Optional[int] = None,
    nodes: Optional[Iterable[Any]] = None,
    schema: str = "PUBLIC",
    **kwargs: Any,
) -> AsyncConnection:
    """Connect to an Ignite cluster with an :class:`~pyignite.AioClient`; arguments as for
    :func:`pyignite.dbapi.connect`."""
    query, client_kwargs = make_client_kwargs(dict(kwargs))
    addresses = nodes_of(host, port, nodes)
    try:
        client = AioClient(**client_kwargs)
    except Exception as exc:
        raise InterfaceError(f"invalid connection options: {exc}") from exc
    try:
        await client.connect(addresses)
    except Exception as exc:
        raise map_error(exc) from exc
    return AsyncConnection(client, schema, query)


