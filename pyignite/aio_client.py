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

Partition awareness
-------------------
As for :class:`~pyignite.client.Client` (see "Partition awareness" in :mod:`pyignite.client`):
``AioClient(partition_aware=None)`` routes single-key operations to their key's primary node when
``connect()`` gets a list of several nodes; ``connect()`` then opens the connections to the other
nodes concurrently.

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
import weakref
from typing import Any, Awaitable, Coroutine, Generator, List, Optional

from pyignite.aio_cache import AioCache
from pyignite.api_base import SLOW, BaseClient, Plan, nodes_from_args, partition_aware_seeds
from pyignite.connection.aio import AioConnection
from pyignite.connection.roundrobin import NodeSequence
from pyignite.continuous import AioContinuousQuery
from pyignite.cursors import AioCursor
from pyignite.datatypes.base import MissingBinaryType
from pyignite.exceptions import CacheError, ParseError, ReconnectError, SocketError
from pyignite.monitoring import EventDispatcher, logger
from pyignite.protocol import cluster_ops  # node discovery for partition awareness
from pyignite.protocol.affinity import PA_CONNECT_TIMEOUT, KeySplit, PartitionAwareness
from pyignite.protocol.cache_ops import CacheRef, plain_as_request, plain_request
from pyignite.protocol.frames import op_code_of
from pyignite.protocol.keepalive import KeepAlive, endpoint_addresses, idle_timeout_request
from pyignite.protocol.request import UNFINISHED, Request, header_and_frame, quick_result, read_response, typed_reply
from pyignite.protocol.retry import connection_lost, decide, mark_unsent
from pyignite.transaction import AioTransaction, ContextTxBinding

__all__ = ["AioClient"]


class AioClient(BaseClient):
    """An asyncio pyignite client. Parameters are those of :class:`~pyignite.client.Client`:

    :param compact_footer: write Complex objects with compact (``True``) or full (``False``) schemas;
        ``None`` (default) follows the server;
    :param timeout: seconds a request may wait for its reply (and the limit for connecting);
        ``None`` (default): requests wait without limit, connecting stays bounded (10 s);
    :param handshake_timeout: seconds for connecting and the handshake (as in the official client);
        default ``timeout``, or 10 s;
    :param use_ssl: wrap the connection in TLS (see :mod:`pyignite.connection.ssl_context` for the
        ``ssl_*`` parameters and the default);
    :param username: and ``password``: credentials for a cluster with authentication;
    :param protocol_version: propose this protocol version first;
    :param event_listeners: objects notified of connection and query events;
    :param partition_aware: route single-key operations to their key's primary node (``None``:
        when ``connect()`` gets a list of several nodes; see :mod:`pyignite.client`);
    :param retry_policy: ``heartbeat_interval``, ``cluster_discovery``: as for
        :class:`~pyignite.client.Client` (heartbeats and endpoint refreshes run in one task).

    Every method of :class:`~pyignite.client.Client` is here, returning an awaitable; ``sql`` (and
    the caches' ``scan`` and ``select_row``) return a cursor call: ``await`` it for an
    :class:`~pyignite.cursors.AioCursor`, or use it directly with ``async with`` / ``async for``.
    """

    _cache_class = AioCache
    _connection_class = AioConnection
    _cursor_class = AioCursor
    _transaction_class = AioTransaction
    _continuous_query_class = AioContinuousQuery

    def __init__(self, compact_footer: Optional[bool] = None, *args: Any, **kwargs: Any) -> None:
        self._init_common(compact_footer, args, kwargs)  # settings, binary registry, nodes (api_base)
        self._reconnect_lock: Optional[asyncio.Lock] = None
        self._pa_lock: Optional[asyncio.Lock] = None  # partition map refreshes, one at a time
        self._loop: Optional[asyncio.AbstractEventLoop] = None  # the loop the locks belong to
        self._txs = ContextTxBinding(self)  # the open transaction of each task
        self._retrying: set = set()  # requests being resent by _retry (their failures go to it)
        self._keepalive: Optional[KeepAlive] = None  # heartbeats and endpoint discovery
        self._keepalive_task: Optional[asyncio.Task] = None

    # --- connection management -----------------------------------------------------------------

    def connect(self, *args: Any, **kwargs: Any) -> _Connect:
        """Connect to the first node that answers: ``await client.connect(...)`` or
        ``async with client.connect(...):`` (which closes the client on exit).

        Arguments as for :meth:`pyignite.client.Client.connect`: none (127.0.0.1:10800), a host and
        a port, or an iterable of ``(host, port)``. Raises :class:`ParameterError` at once for a
        malformed address; at the ``await``, :class:`ReconnectError` when no node answers and
        :class:`HandshakeError` when a node refuses the handshake.
        """
        nodes = NodeSequence(nodes_from_args(args, dict(kwargs)))
        seeds = partition_aware_seeds(self._settings.partition_aware, args, kwargs)
        return _Connect(self, nodes, seeds)

    async def _connect(self, nodes: NodeSequence, seeds: Optional[list] = None) -> AioClient:
        await self.close()
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # connected again in another event loop: the client belongs to it now
            self._loop = loop
            self._reconnect_lock = None  # an asyncio.Lock that ever waited is bound to its loop
            self._pa_lock = None
        self._nodes = nodes
        self._pa = PartitionAwareness(seeds) if seeds is not None else None
        self._keepalive = KeepAlive(self._settings.heartbeat_interval, self._settings.cluster_discovery)
        await self._connection()
        await self._pa_start()
        await self._keepalive_start()
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
                pa = self._pa  # partition awareness: reuse the pool's live connection to this node
                conn = pa.pool.live(node) if pa is not None else None
                if conn is None:
                    conn = self._make_connection(*node)
                    try:
                        await conn.connect()
                    except (SocketError, ParseError) as exc:
                        nodes.failed(node, exc)
                        if pa is not None:
                            pa.pool.failed(node, time.monotonic())
                        continue
                    if self._nodes is not nodes:  # close() (or connect()) ran meanwhile: do not revive
                        await conn.close()
                        raise ReconnectError(f"Can not reconnect: the client was closed while connecting to {conn}")
                    if pa is not None:
                        pa.pool.connected(node, conn)
                    await self._keep(conn)  # heartbeats
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
            if self._pa is not None:  # a pool connection too: due for reconnection
                self._pa.pool.lost(conn, time.monotonic())
        await self._connection()
        return self

    async def close(self) -> None:
        """Close the connection and forget the nodes (``connect()`` may be called again)."""
        conn, self._conn = self._conn, None
        pa, self._pa = self._pa, None
        nodes, self._nodes = self._nodes, None
        if nodes is not None:  # a reconnection under way in another task stops before its next node
            nodes.close()
        task, self._keepalive_task = self._keepalive_task, None
        self._keepalive = None
        if task is not None and task is not asyncio.current_task():
            try:
                task.cancel()
            except RuntimeError:  # its event loop is closed: the task ended with it
                pass
        if conn is not None:
            await conn.close()
        if pa is not None:  # partition awareness: the connections to the other nodes
            others = [c for c in pa.pool.connections() if c is not conn]
            if others:
                await asyncio.gather(*(c.close() for c in others), return_exceptions=True)

    async def __aenter__(self) -> AioClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # connection, protocol_version, __str__ and __repr__: BaseClient (shared with Client)

    # --- runners -------------------------------------------------------------------------------

    async def _execute(self, req: Request) -> Any:
        """Send ``req`` (after its prerequisites and any queued cursor releases); return its reply.
        A connection failure goes to the retry policy (:meth:`_retry`)."""
        try:
            for pre in req.prerequisites:
                await self._execute(pre)
            txs = self._txs
            tx = txs.current() if txs.active else None
            if tx is None:
                pa = self._pa
                if pa is not None:  # partition awareness: to the primary node of the key
                    return await self._execute_pa(req, pa)
                conn = self._conn
                if conn is None or not conn.alive:
                    conn = await self._connection()
            else:  # inside a transaction: the server binds it to its connection; its id goes in key-value requests
                conn = tx.route(req)
                if conn is None:
                    conn = self._conn
                    if conn is None or not conn.alive:
                        conn = await self._connection()
                    tx.attach(conn)
            return await self._send(req, conn)
        except SocketError as exc:
            if req in self._retrying:
                raise  # a resend failed: _retry decides again
            return await self._retry(req, exc)

    # --- retry policy (see pyignite.protocol.retry): only ever entered after a failure -------------

    async def _retry(self, req: Request, exc: SocketError) -> Any:
        """As :meth:`pyignite.client.Client._retry`: resend ``req`` while the policy says so."""
        txs = self._txs
        in_tx = req.tx_id is not None or bool(txs.active and txs.current() is not None)
        policy = self._settings.retry_policy
        retrying = self._retrying
        retrying.add(req)
        try:
            attempt = 1
            while True:
                operation = decide(policy, req.frame, exc, attempt, in_tx, connection_lost(exc))
                if operation is None:
                    raise exc
                logger.info("retrying %s (attempt %d failed: %s)", operation.name, attempt, exc)
                mark_unsent(req.frame)
                try:
                    return await self._execute(req)
                except SocketError as again:
                    exc = again
                    attempt += 1
                except ReconnectError:
                    raise exc  # noqa: B904 - the ReconnectError is its context
        finally:
            retrying.discard(req)

    # --- heartbeats and endpoint discovery (see pyignite.protocol.keepalive) ------------------------

    async def _keep(self, conn: AioConnection) -> None:
        """A new connection: ask its node's idle timeout (HEARTBEAT feature) and schedule heartbeats."""
        keeper = self._keepalive
        if keeper is None:
            return
        idle = None
        if keeper.wants_idle_timeout(conn):
            req = idle_timeout_request()
            try:
                header, frame = await asyncio.wait_for(conn.request(req.frame), conn.connect_timeout)
                idle = read_response(req, frame, header, conn.flags_header)
            except (asyncio.TimeoutError, SocketError, CacheError):
                idle = None  # a broken connection shows itself to the next call
        keeper.attach(conn, idle, time.monotonic())

    async def _keepalive_start(self) -> None:
        """After ``connect()``: fetch the node endpoints, start the keeper task."""
        keeper = self._keepalive
        if keeper is None:
            return
        if keeper.discovery_due(self._conn):
            try:
                await self._discover()
            except (CacheError, SocketError, ParseError, asyncio.TimeoutError):
                pass  # tried again by the keeper task
        if keeper.discovery_on(self._conn) or keeper.due(time.monotonic())[1] != float("inf"):
            from pyignite.connection.keepalive import keepalive_task

            self._keepalive_task = asyncio.get_running_loop().create_task(
                keepalive_task(weakref.ref(self), keeper)
            )

    async def _discover(self) -> None:
        """Fetch the cluster's client endpoints (node endpoints) and keep them for failover."""
        conn, keeper, nodes = self._conn, self._keepalive, self._nodes
        if conn is None or keeper is None or nodes is None or not conn.alive:
            return
        # straight on the connection, like a heartbeat: housekeeping, not a query of the caller's
        req = cluster_ops.node_endpoints()
        header, frame = await asyncio.wait_for(conn.request(req.frame), conn.connect_timeout)
        _, added, _ = read_response(req, frame, header, conn.flags_header, self._ctx)
        keeper.discovered(conn)
        nodes.discovered = endpoint_addresses(added, [conn.host])

    async def _keepalive_lost(self, conn: AioConnection) -> None:
        """A heartbeat found ``conn`` dead (it is broken now): fail over at once."""
        pa = self._pa
        if pa is not None:
            pa.pool.lost(conn, time.monotonic())
        if conn is self._conn and self._nodes is not None:
            await self._connection()

    async def _send(self, req: Request, conn: AioConnection) -> Any:
        """Send ``req`` on ``conn`` and return its parsed reply."""
        if self._abandoned:
            await self._close_abandoned(conn)
        events = self._settings.events
        if events.query_monitoring():
            return await self._execute_monitored(req, conn, events)
        reply = await conn.request(req.frame)
        if req.on_reply is None:  # the success path first, as in Client._send
            value = quick_result(reply, req.parse, self._ctx)
            if value is not UNFINISHED:
                return value
        return await self._read_reply(req, conn, reply[0], reply[1])

    async def _read_reply(self, req: Request, conn: AioConnection, header: Any, frame: bytes) -> Any:
        """Parse the reply to ``req``, fetching the binary types it names first if needed."""
        try:
            result = read_response(req, frame, header, conn.flags_header, self._ctx)
        except MissingBinaryType:
            result = await self._drive(typed_reply(req, frame, header, conn.flags_header, self._ctx))
        if req.on_reply is not None:
            req.on_reply(conn, result)
        return result

    def _plain(self, ref: CacheRef, op_code: int, key: Any, value: Any, parse: Any) -> Any:
        """:meth:`pyignite.client.Client._plain` for asyncio: where it applies, the coroutine of
        :meth:`_plain_send` (no Request, one coroutine instead of ``_execute`` and ``_send``);
        else :data:`SLOW`."""
        if self._txs.active or self._abandoned or self._settings.events.query_monitoring():
            return SLOW
        pa = self._pa
        if pa is None:
            conn = self._conn
            if conn is None or conn._writer is None or conn._broken is not None:
                return SLOW
        else:
            conn = pa.plain_route(ref.cache_id, key, self._ctx, time.monotonic())
            if conn is None:
                return SLOW
        frame = plain_request(ref, op_code, key, value)
        if frame is None:
            return SLOW
        return self._plain_send(conn, frame, ref, key, parse, pa)

    async def _plain_send(self, conn: AioConnection, frame: bytearray, ref: CacheRef, key: Any, parse: Any,
                          pa: Optional[PartitionAwareness]) -> Any:
        error = None
        try:
            if conn.timeout is None and not conn._write_paused:
                reply = await conn.submit(frame)  # request() without its coroutine
            else:
                reply = await conn.request(frame)
        except SocketError as exc:
            error = exc
        finally:
            if pa is not None:
                pa.observe(conn)
        if error is None:
            result = quick_result(reply, parse, self._ctx)  # a plain success as its frame alone, most often
            if result is not UNFINISHED:
                return result
        req = plain_as_request(ref, frame, key, parse)
        if error is not None:
            if pa is not None:  # the node died under the request: as in _execute_pa
                pa.retry_elsewhere(conn, self._conn, time.monotonic())
            return await self._retry(req, error)
        header, data = header_and_frame(reply)
        return await self._read_reply(req, conn, header, data)

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
        except BaseException as exc:  # cancelled too: every start event gets its end event
            events.query_fail(conn, sent[0] if sent else None, op_code, started, exc)
            raise
        events.query_success(conn, sent[0], op_code, started)
        if req.on_reply is not None:
            req.on_reply(conn, result)
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

    # --- partition awareness (see "Partition awareness" in pyignite.client) ---------------------
    # The decisions are made by pyignite.protocol.affinity (shared with Client); these coroutines
    # only do the I/O they ask for.

    async def _default_connection(self) -> AioConnection:
        conn = self._conn
        if conn is None or not conn.alive:
            conn = await self._connection()
        return conn

    async def _execute_pa(self, req: Request, pa: PartitionAwareness) -> Any:
        """:meth:`_execute` outside transactions with partition awareness on."""
        if req.affinity is None and req.node is None:  # req.node: a chosen node (services)
            conn = await self._default_connection()
            try:
                return await self._send(req, conn)
            finally:
                pa.observe(conn)
        if type(req.affinity) is KeySplit:
            return await self._execute_split(req, pa, req.affinity)
        if req.affinity is not None and pa.refresh_due(req.affinity[0], time.monotonic()):
            await self._pa_refresh(pa, req.affinity[0])
        routed = pa.routed(req, self._ctx, time.monotonic())
        if routed is None:  # not routable, or the node cannot be reached: the default connection
            conn = await self._default_connection()
            try:
                return await self._send(req, conn)
            finally:
                pa.observe(conn)
        try:
            return await self._send(req, routed)
        except SocketError:
            # the node died under the request: marked for reconnection; the retry policy decides
            # whether the request goes again (to the default connection, see AioClient._retry)
            pa.retry_elsewhere(routed, self._conn, time.monotonic())
            raise
        finally:
            pa.observe(routed)

    async def _execute_split(self, req: Request, pa: PartitionAwareness, split: KeySplit) -> Any:
        """A multi-key request: one part per primary node, all in flight at once, answers merged;
        a part whose connection broke goes to the retry policy."""
        if pa.refresh_due(split.cache_id, time.monotonic()):
            await self._pa_refresh(pa, split.cache_id)
        groups = pa.split(split, self._ctx, time.monotonic())
        if len(groups) < 2:  # one node (or none known): the request as it is
            conn = next(iter(groups), None) or await self._default_connection()
            try:
                return await self._send(req, conn)
            except SocketError:
                pa.retry_elsewhere(conn, self._conn, time.monotonic())
                raise
            finally:
                pa.observe(conn)
        parts = [(conn or await self._default_connection(), split.build(indices)) for conn, indices in groups.items()]

        async def send(conn: AioConnection, part: Request) -> Any:
            try:
                return await self._send(part, conn)
            finally:
                pa.observe(conn)

        results = list(await asyncio.gather(*(send(c, p) for c, p in parts), return_exceptions=True))
        for i, result in enumerate(results):
            if isinstance(result, BaseException):
                if not isinstance(result, SocketError):
                    raise result
                conn, part = parts[i]
                pa.retry_elsewhere(conn, self._conn, time.monotonic())
                results[i] = await self._retry(part, result)
        return split.merge(results)

    async def _pa_start(self) -> None:
        """After ``connect()``: keep partition awareness only with protocol >= 1.4.0, and connect to
        the other nodes given (concurrently)."""
        pa = self._pa
        if pa is None:
            return
        if not pa.supported(self._conn):
            self._pa = None
            return
        await self._pa_upkeep(pa, time.monotonic())

    async def _pa_refresh(self, pa: PartitionAwareness, cache_id: int) -> None:
        """Fetch the partition map of ``cache_id`` if it is stale, then connect what is due (one
        task at a time; the others wait and find the map fresh)."""
        if self._pa_lock is None:
            self._pa_lock = asyncio.Lock()
        async with self._pa_lock:
            if self._pa is not pa:
                return  # closed or connected elsewhere meanwhile
            router = pa.router
            if router.stale(cache_id):
                try:
                    await self._execute(router.partitions_request([cache_id]))
                except CacheError:
                    router.unroutable([cache_id])  # refused (e.g. an inactive cluster): until it changes
                except SocketError:
                    pass  # the default connection broke: the request itself reconnects
            now = time.monotonic()
            if pa.pool.upkeep_due(now, router.latest):
                await self._pa_upkeep(pa, now)

    async def _pa_upkeep(self, pa: PartitionAwareness, now: float) -> None:
        """Connect the addresses the pool says are due (concurrently); look up nodes the maps name
        that have no connection among the node endpoints (once per topology version) and connect them."""
        pool = pa.pool
        version = pa.router.latest
        due = pool.due(now, version)
        if due:
            await asyncio.gather(*(self._pa_open(pa, node, None, now) for node in due))
        missing = pa.to_discover(self._conn)
        if not missing:
            return
        try:
            _, added, _ = await self._execute(cluster_ops.node_endpoints())
        except (CacheError, SocketError):
            return

        async def discover(node_id: Any, candidates: List[Any]) -> None:
            for node in candidates:
                if await self._pa_open(pa, node, node_id, now):
                    return

        found = pool.candidates(added, missing)
        if found:
            await asyncio.gather(*(discover(node_id, nodes) for node_id, nodes in found))

    async def _pa_open(self, pa: PartitionAwareness, node: Any, node_id: Any, now: float) -> bool:
        """Connect to ``node`` for the pool (expecting ``node_id`` for a discovered address)."""
        timeout = self._settings.timeout
        conn = self._make_connection(node[0], node[1], min(timeout or PA_CONNECT_TIMEOUT, PA_CONNECT_TIMEOUT))
        try:
            await conn.connect()
        except (OSError, ParseError):  # unreachable, silent or refusing: tried again later
            if node_id is None:
                pa.pool.failed(node, now)
            return False
        if not pa.accepts(conn, node_id):
            await conn.close()  # another node answers at that address
            return False
        if self._pa is not pa:  # the client was closed or reconnected meanwhile
            await conn.close()
            return False
        pa.pool.connected(node, conn)
        await self._keep(conn)  # heartbeats
        return True

    def _cursor_call(self, coro: Coroutine[Any, Any, AioCursor]) -> CursorCall:
        return CursorCall(coro)

    def sql(self, *args: Any, **kwargs: Any) -> CursorCall:
        return CursorCall(super().sql(*args, **kwargs))

    sql.__doc__ = BaseClient.sql.__doc__


class _Connect:
    """What :meth:`AioClient.connect` returns: awaitable, and an async context manager."""

    __slots__ = ("_client", "_nodes", "_seeds")

    def __init__(self, client: AioClient, nodes: NodeSequence, seeds: Optional[list] = None) -> None:
        self._client = client
        self._nodes = nodes
        self._seeds = seeds

    def __await__(self) -> Generator[Any, None, AioClient]:
        return self._client._connect(self._nodes, self._seeds).__await__()

    async def __aenter__(self) -> AioClient:
        return await self._client._connect(self._nodes, self._seeds)

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
