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
    _NAMES,
    _SQL,
    _T,
    _TAKE,
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
    _new_client,
    _Plan,
    apilevel,
    paramstyle,
    read_frame,
    threadsafety,
)
from pyignite.dbapi._core import map_error

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

    async def _drive(self, plan: _Plan[_T]) -> _T:
        try:
            step = next(plan)
            while True:
                kind, source, arg = step
                try:
                    if kind is _TAKE:
                        result: Any = await _take(source, arg)
                    elif kind is _NAMES:
                        result = await source.__anext__()
                    elif kind is _SQL:
                        result = await self.connection._client.sql(source, **arg)
                    else:
                        result = await source.close()
                except Exception as exc:
                    step = plan.throw(exc)
                else:
                    step = plan.send(result)
        except StopIteration as stop:
            return stop.value

    async def execute(self, operation: str, parameters: Optional[Sequence[Any]] = None) -> AsyncCursor:
        """Run one statement (see :meth:`pyignite.dbapi.Cursor.execute`)."""
        await self._drive(self._execute(operation, parameters))
        return self

    async def executemany(self, operation: str, seq_of_parameters: Iterable[Sequence[Any]]) -> AsyncCursor:
        """Run a statement once per parameter set, batched as
        :meth:`pyignite.dbapi.Cursor.executemany` does."""
        await self._drive(self._executemany(operation, seq_of_parameters))
        return self

    async def fetchone(self) -> Optional[tuple]:
        """The next row, or ``None`` when there is no more."""
        return await self._drive(self._fetchone())

    async def fetchmany(self, size: Optional[int] = None) -> List[tuple]:
        """Up to ``size`` (default :attr:`arraysize`) next rows."""
        return await self._drive(self._fetchmany(size))

    async def fetchall(self) -> List[tuple]:
        """All remaining rows."""
        return await self._drive(self._fetchall())

    async def fetch_columns(self) -> Tuple[List[str], List[list]]:
        """All remaining rows as ``(names, columns)`` (see :meth:`pyignite.dbapi.Cursor.fetch_columns`);
        ``read_frame(await cursor.fetch_columns())`` makes a DataFrame of them."""
        return await self._drive(self._fetch_columns())

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
        await self._drive(self._close())

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
    client, addresses, query = _new_client(AioClient, host, port, nodes, kwargs)
    try:
        await client.connect(addresses)
    except Exception as exc:
        raise map_error(exc) from exc
    return AsyncConnection(client, schema, query)


