"""The asyncio :class:`AioClient`: every API method of :class:`~pyignite.client.Client`, as coroutines.

One core
--------
The API methods are not written here: they are those of :class:`pyignite.api_base.BaseClient` and
:class:`~pyignite.api_base.BaseCache`, shared with the blocking client. A method builds a request (or
a *plan* of requests) with the sans-IO protocol layer and hands it to the facade's runner; this class
provides the runners as coroutines (:meth:`AioClient._execute`, :meth:`AioClient._drive`), so the very
same method bodies return awaitables here. The transport is :mod:`pyignite.connection.aio`.

Concurrency
-----------
One client holds one connection, and any number of tasks may use it at once: their requests are in
flight together and each reply goes to the task that sent the request (request-id multiplexing).
Cancelling a task while it waits (``task.cancel()``, ``asyncio.wait_for``) is safe: its reply is
read and dropped, and no other call is disturbed. With ``timeout``, a request that gets no reply in
time raises :class:`~pyignite.exceptions.RequestTimeoutError` (an ``OSError`` and a
``TimeoutError``). A client belongs to the event loop it was connected in.

Failover
--------
As for :class:`~pyignite.client.Client`: ``connect()`` takes a host and port or any iterable of
``(host, port)`` (a :class:`~pyignite.connection.RoundRobin`...); when the connection breaks (or the
node stays silent past ``timeout``), the calls in flight raise the error and the next call connects
to the next node; :class:`~pyignite.exceptions.ReconnectError` when no node is left.

Example::

    from pyignite import AioClient

    async def main():
        client = AioClient()
        async with client.connect('127.0.0.1', 10800):
            cache = await client.get_or_create_cache('my cache')
            await cache.put('my key', 42)
            print(await cache.get('my key'))
            async with client.sql('SELECT 1') as cursor:
                async for row in cursor:
                    print(row)
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Coroutine, Generator, List, Optional

from pyignite.aio_cache import AioCache
from pyignite.api_base import BaseClient, Plan, nodes_from_args
from pyignite.connection.aio import AioConnection
from pyignite.connection.roundrobin import NodeSequence
from pyignite.cursors import AioCursor
from pyignite.datatypes.base import MissingBinaryType
from pyignite.exceptions import ParseError, ReconnectError, SocketError
from pyignite.monitoring import EventDispatcher
from pyignite.protocol.frames import op_code_of
from pyignite.protocol.request import Request, read_response, typed_reply
from pyignite.transaction import AioTransaction, ContextTxBinding

__all__ = ["AioClient"]


class AioClient(BaseClient):
    """An asyncio pyignite client. Parameters are those of :class:`~pyignite.client.Client`:

    :param compact_footer: write Complex objects with compact (``True``) or full (``False``) schemas;
        ``None`` (default) follows the server;
    :param timeout: seconds a request may wait for its reply (and the limit for connecting);
        ``None`` (default): requests wait without limit, connecting stays bounded (10 s);
    :param use_ssl: wrap the connection in TLS (see :mod:`pyignite.connection.ssl_context` for the
        ``ssl_*`` parameters and the default);
    :param username: and ``password``: credentials for a cluster with authentication;
    :param protocol_version: propose this protocol version first.

    Every method of :class:`~pyignite.client.Client` is here, returning an awaitable; ``sql`` (and
    the caches' ``scan`` and ``select_row``) return a cursor call: ``await`` it for an
    :class:`~pyignite.cursors.AioCursor`, or use it directly with ``async with`` / ``async for``.
    """

    _cache_class = AioCache
    _connection_class = AioConnection
    _cursor_class = AioCursor
    _transaction_class = AioTransaction  # issue 9

    def __init__(self, compact_footer: Optional[bool] = None, *args: Any, **kwargs: Any) -> None:
        self._init_common(compact_footer, args, kwargs)  # settings, binary registry, nodes (api_base)
        self._reconnect_lock: Optional[asyncio.Lock] = None
        self._txs = ContextTxBinding(self)  # the open transaction of each task (issue 9)

    # --- connection management -----------------------------------------------------------------

    def connect(self, *args: Any, **kwargs: Any) -> _Connect:
        """Connect to the first node that answers: ``await client.connect(...)`` or
        ``async with client.connect(...):`` (which closes the client on exit).

        Arguments as for :meth:`pyignite.client.Client.connect`: none (127.0.0.1:10800), a host and
        a port, or an iterable of ``(host, port)``. Raises :class:`ParameterError` at once for a
        malformed address; at the ``await``, :class:`ReconnectError` when no node answers and
        :class:`HandshakeError` when a node refuses the handshake.
        """
        return _Connect(self, NodeSequence(nodes_from_args(args, dict(kwargs))))

    async def _connect(self, nodes: NodeSequence) -> AioClient:
        await self.close()
        self._nodes = nodes
        await self._connection()
        return self

    async def _connection(self) -> AioConnection:
        """The live connection; if it broke, connect to the next node first (lazy failover)."""
        if self._reconnect_lock is None:
            self._reconnect_lock = asyncio.Lock()
        async with self._reconnect_lock:
            conn = self._conn
            if conn is not None and conn.alive:
                return conn
            self._conn = None
            nodes = self._nodes
            if nodes is None:
                raise ReconnectError("Can not reconnect: the client is not connected (call connect() first)")
            for node in nodes.attempts():
                conn = self._make_connection(*node)
                try:
                    await conn.connect()
                except (SocketError, ParseError) as exc:
                    nodes.failed(node, exc)
                else:
                    nodes.connected(node)
                    self._conn = conn
                    return conn
            raise nodes.out_of_nodes()

    async def reconnect(self) -> AioClient:
        """Leave the current node now and connect to the next one the ``connect()`` iterable yields.

        Not needed for failover (a call after a broken connection reconnects by itself). Calls in
        flight on the current connection fail with :class:`SocketError`. Returns the client. Raises
        :class:`ReconnectError` when no node is left (or the client was never connected),
        :class:`HandshakeError` when the next node refuses the handshake.
        """
        conn = self._conn
        if conn is not None:
            await conn.close()  # no longer alive: _connection() moves on to the next node
        await self._connection()
        return self

    async def close(self) -> None:
        """Close the connection and forget the nodes (``connect()`` may be called again)."""
        conn, self._conn = self._conn, None
        self._nodes = None
        if conn is not None:
            await conn.close()

    async def __aenter__(self) -> AioClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # connection, protocol_version, __str__ and __repr__: BaseClient (shared with Client)

    # --- runners -------------------------------------------------------------------------------

    async def _execute(self, req: Request) -> Any:
        """Send ``req`` (after its prerequisites and any queued cursor releases); return its reply."""
        for pre in req.prerequisites:
            await self._execute(pre)
        txs = self._txs
        tx = txs.current() if txs.active else None
        if tx is None:
            conn = self._conn
            if conn is None or not conn.alive:
                conn = await self._connection()
        else:  # inside a transaction: its connection, and its id in key-value requests (issue 9)
            conn = tx.route(req)
            if conn is None:
                conn = self._conn
                if conn is None or not conn.alive:
                    conn = await self._connection()
                tx.attach(conn)
        if self._abandoned:
            await self._close_abandoned(conn)
        events = self._settings.events
        if events.query_monitoring():
            return await self._execute_monitored(req, conn, events)
        header, frame = await conn.request(req.frame)
        try:
            return read_response(req, frame, header, conn.flags_header, self._ctx)
        except MissingBinaryType:
            return await self._drive(typed_reply(req, frame, header, conn.flags_header, self._ctx))

    async def _execute_monitored(self, req: Request, conn: AioConnection, events: EventDispatcher) -> Any:
        """:meth:`_execute` with query events and DEBUG records (see :mod:`pyignite.monitoring`)."""
        op_code = op_code_of(req.frame)
        sent: List[int] = []

        def on_sent(request_id: int) -> None:
            sent.append(request_id)
            events.query_start(conn, request_id, op_code)

        started = time.perf_counter()
        try:
            header, frame = await conn.request(req.frame, on_sent)
            try:
                result = read_response(req, frame, header, conn.flags_header, self._ctx)
            except MissingBinaryType:
                result = await self._drive(typed_reply(req, frame, header, conn.flags_header, self._ctx))
        except Exception as exc:
            events.query_fail(conn, sent[0] if sent else None, op_code, started, exc)
            raise
        events.query_success(conn, sent[0], op_code, started)
        return result

    async def _close_abandoned(self, conn: AioConnection) -> None:
        """Release cursors dropped unfinished (queued by their finalizers), all requests in flight
        together; their replies are awaited (so the server has released them before the next
        request) but not checked: a cursor may already be gone on the server."""
        closes = self._take_abandoned(conn)
        if closes:
            await asyncio.gather(*(conn.request(close.frame) for close in closes), return_exceptions=True)

    async def _drive(self, plan: Plan) -> Any:
        """Run a plan: await each request it yields, send the result (or error) back in."""
        result: Any = None
        error: Optional[Exception] = None
        while True:
            try:
                req = plan.send(result) if error is None else plan.throw(error)
            except StopIteration as stop:
                return stop.value
            try:
                result, error = await self._execute(req), None
            except Exception as exc:
                result, error = None, exc

    def _cursor_call(self, coro: Coroutine[Any, Any, AioCursor]) -> CursorCall:
        return CursorCall(coro)

    def sql(self, *args: Any, **kwargs: Any) -> CursorCall:
        return CursorCall(super().sql(*args, **kwargs))

    sql.__doc__ = BaseClient.sql.__doc__


class _Connect:
    """What :meth:`AioClient.connect` returns: awaitable, and an async context manager."""

    __slots__ = ("_client", "_nodes")

    def __init__(self, client: AioClient, nodes: NodeSequence) -> None:
        self._client = client
        self._nodes = nodes

    def __await__(self) -> Generator[Any, None, AioClient]:
        return self._client._connect(self._nodes).__await__()

    async def __aenter__(self) -> AioClient:
        return await self._client._connect(self._nodes)

    async def __aexit__(self, *exc: Any) -> None:
        await self._client.close()


class CursorCall:
    """A query call of an :class:`AioClient`: ``await`` it for the :class:`~pyignite.cursors.AioCursor`
    (the query has run then), or use it directly: ``async with client.sql(...) as cursor`` closes the
    cursor on exit, ``async for row in client.sql(...)`` iterates it."""

    __slots__ = ("_coro", "_cursor")

    def __init__(self, coro: Awaitable[AioCursor]) -> None:
        self._coro = coro
        self._cursor: Optional[AioCursor] = None

    def __await__(self) -> Generator[Any, None, AioCursor]:
        return self._coro.__await__()

    async def _get(self) -> AioCursor:
        if self._cursor is None:
            self._cursor = await self._coro
        return self._cursor

    async def __aenter__(self) -> AioCursor:
        return await (await self._get()).__aenter__()

    async def __aexit__(self, *exc: Any) -> None:
        if self._cursor is not None:
            await self._cursor.__aexit__(*exc)

    def __aiter__(self) -> CursorCall:
        return self

    async def __anext__(self) -> Any:
        return await (await self._get()).__anext__()
