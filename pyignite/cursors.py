"""Cursors over query results: :class:`Cursor` (blocking) and :class:`AioCursor` (asyncio).

``Client.sql()``, ``Cache.scan()`` and ``Cache.select_row()`` send the query at once and return a
cursor holding its first page; further pages are fetched as the rows are consumed, so a result of any
size takes the memory of one page (``page_size`` rows).

A cursor is an iterator (``for row in cursor``, ``next(cursor)``) and a context manager. The server
keeps an open cursor for the connection until all pages were read; a cursor that is left early
releases it:

* ``cursor.close()``, leaving a ``with`` block, or reading the last row releases it at once;
* a cursor that is dropped unfinished -- ``break`` out of ``for row in client.sql(...)``, a cursor
  variable overwritten in a loop, an exception -- is *queued* for release: its finalizer never does
  I/O (it may run in any thread, at any allocation, even while that thread holds the connection's
  locks); the client sends the queued ``RESOURCE_CLOSE`` requests before its next request.

So a loop that abandons any number of cursors never reaches the server's open-cursor limit
(``maxOpenCursorsPerConnection``, 128 by default).

A cursor belongs to the connection that opened it (cursor ids are per connection): if that connection
breaks, the cursor raises :class:`~pyignite.exceptions.SocketError` instead of asking another node.

The cursor logic without I/O (page parsing, limits, requests) is
:class:`pyignite.protocol.query_ops.CursorCore`; the classes here only send its requests through the
client's ``_execute``. A facade picks its cursor class with the ``_cursor_class`` attribute.
"""

from __future__ import annotations

from typing import Any, Iterable, List, Optional

from pyignite.exceptions import CacheError, SocketError
from pyignite.protocol.query_ops import DEFAULT_PAGE_SIZE, CursorCore, StatementType
from pyignite.protocol.request import Request
from pyignite.protocol.status import RESOURCE_DOES_NOT_EXIST

__all__ = ["AioCursor", "Cursor", "DEFAULT_PAGE_SIZE", "StatementType", "close_abandoned"]


class _CursorBase:
    __slots__ = ("__weakref__", "_client", "_conn", "_core", "_it")

    def __init__(self, client: Any, core: CursorCore) -> None:
        self._core = core
        self._client = client
        #: the connection the cursor lives on (``None`` if the server holds nothing)
        self._conn = client._cursor_connection() if core.needs_close else None
        self._it = iter(core.rows)

    def __repr__(self) -> str:
        core = self._core
        state = "closed" if core.closed or not core.more else f"open (server cursor {core.cursor_id})"
        return f"<{type(self).__name__} {core.what}: {state}>"

    @property
    def field_names(self) -> Optional[List[str]]:
        """Column names of an SQL fields query run with ``include_field_names=True``, else ``None``."""
        return self._core.field_names

    @property
    def closed(self) -> bool:
        """No server-side cursor is held any more (all pages were read, or the cursor was closed)."""
        return self._core.closed or not self._core.more

    def _check_connection(self) -> None:
        conn = self._conn
        if self._client._cursor_connection() is not conn or not getattr(conn, "alive", True):
            self._core.mark_closed()
            raise SocketError(
                f"the connection {conn} that {self._core.what} cursor was opened on is closed; "
                "the rest of its results is lost"
            )

    def _connection_alive(self) -> bool:
        conn = self._conn
        return self._client._cursor_connection() is conn and getattr(conn, "alive", True)

    def _abandon(self) -> None:
        """Queue the release of the server's cursor on the client (no I/O: safe from a finalizer)."""
        core = self._core
        if core.needs_close:
            cursor_id = core.cursor_id
            core.mark_closed()
            self._client._abandon_cursor(self._conn, cursor_id)
        else:
            core.mark_closed()

    def _failed(self, exc: BaseException) -> None:
        """A page could not be fetched: the cursor cannot go on (rows would be skipped)."""
        if isinstance(exc, (CacheError, OSError)):
            # the server refused (the cursor is gone) or the connection broke (and took it along)
            self._core.mark_closed()
        else:
            self._abandon()
        self._it = iter(())

    def _close_request(self) -> Optional[Request]:
        req = self._core.close_request()
        self._it = iter(())
        if req is not None and not self._connection_alive():
            return None  # the server dropped the cursor along with its connection
        return req

    def __del__(self) -> None:
        try:
            core = self._core
        except AttributeError:  # __init__ did not finish
            return
        if core.needs_close:
            try:
                self._abandon()
            except Exception:  # pragma: no cover - never raise from a finalizer
                pass


class Cursor(_CursorBase):
    """A blocking cursor: iterate it for rows; ``with`` or :meth:`close` releases it early.

    SQL fields rows are lists (the first one holds the column names when ``include_field_names``
    was set); scan and ``select_row`` rows are ``(key, value)`` tuples.
    """

    __slots__ = ()

    def __iter__(self) -> Cursor:
        return self

    def __next__(self) -> Any:
        for row in self._it:
            return row
        return self._next_page()

    def _next_page(self) -> Any:
        core = self._core
        while not core.done:
            self._check_connection()
            try:
                rows = self._client._execute(core.next_page_request())
            except BaseException as exc:
                self._failed(exc)
                raise
            it = self._it = iter(rows)
            for row in it:
                return row
        self.close()
        raise StopIteration

    def close(self) -> None:
        """Release the server's cursor (if it still holds one). Further iteration yields nothing."""
        req = self._close_request()
        if req is None:
            return
        try:
            self._client._execute(req)
        except CacheError as exc:
            if exc.status != RESOURCE_DOES_NOT_EXIST:
                raise
        except OSError:
            pass  # the connection broke: the server dropped the cursor with it

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class AioCursor(_CursorBase):
    """An asyncio cursor: ``async for row in cursor``; ``async with cursor`` or ``await
    cursor.close()`` releases it early. Rows are as for :class:`Cursor`.

    Obtained with ``cursor = await aio_client.sql(...)`` (the query runs before the cursor is
    returned), so errors in the statement surface at that ``await``.
    """

    __slots__ = ()

    def __aiter__(self) -> AioCursor:
        return self

    async def __anext__(self) -> Any:
        for row in self._it:
            return row
        core = self._core
        while not core.done:
            self._check_connection()
            try:
                rows = await self._client._execute(core.next_page_request())
            except BaseException as exc:  # CancelledError included: the page is lost, stop here
                self._failed(exc)
                raise
            it = self._it = iter(rows)
            for row in it:
                return row
        await self.close()
        raise StopAsyncIteration

    async def close(self) -> None:
        """Release the server's cursor (if it still holds one). Further iteration yields nothing."""
        req = self._close_request()
        if req is None:
            return
        try:
            await self._client._execute(req)
        except CacheError as exc:
            if exc.status != RESOURCE_DOES_NOT_EXIST:
                raise
        except OSError:
            pass

    async def __aenter__(self) -> AioCursor:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


def close_abandoned(conn: Any, requests: Iterable[Request]) -> None:
    """Send queued ``RESOURCE_CLOSE`` requests on a blocking connection, pipelined, and wait for
    their replies. Error statuses are ignored: a cursor may already be gone on the server.

    Nothing is raised (as in :class:`~pyignite.aio_client.AioClient`): a timeout or a broken
    connection is for the caller's own request to report, and every request sent is received, so
    none is left registered on the connection.
    """
    ids = []
    try:
        for req in requests:
            ids.append(conn.send(req.frame))
    except OSError:
        pass  # the connection broke: the server released the cursors with it
    for request_id in ids:
        try:
            conn.receive(request_id)
        except OSError:
            pass
