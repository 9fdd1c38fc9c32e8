"""The blocking :class:`Client`: connection management, failover, and every API method of
:class:`~pyignite.api_base.BaseClient` run over a blocking socket.

Failover
--------
A client holds one live connection at a time (see :mod:`pyignite.connection.sync`). ``connect()``
takes a host and port, or any iterable of ``(host, port)`` pairs (a list, a generator, a
:class:`~pyignite.connection.RoundRobin`); it connects to the first node that answers. When a
connection breaks or a node stays silent past ``timeout``, the operation in flight is resent on the
next node if the retry policy says so (``retry_policy``: by default idempotent operations and
requests never written, see :mod:`pyignite.protocol.retry`); otherwise it raises the original error
(a :class:`SocketError`, which is an :class:`OSError`) and the client keeps its parameters:
reconnection is lazy, the *next* operation connects to the next node the iterable yields (skipping
nodes that do not answer), then to the nodes the cluster listed (endpoint discovery). When none is
left, :class:`ReconnectError` is raised. The node-iteration bookkeeping is
:class:`pyignite.connection.roundrobin.NodeSequence`, shared with the asyncio client; heartbeats
and endpoint discovery run in one daemon thread per client (:mod:`pyignite.protocol.keepalive`,
:mod:`pyignite.connection.keepalive`).

Threads
-------
A client may be shared by any number of threads. The model is one connection with
request-id multiplexing, not a pool:

* every call sends its request at once, whatever other threads have in flight (requests are
  pipelined on the one connection), and gets the reply to *its* request: replies are matched to
  callers by request id, in whatever order the node sends them;
* one waiting thread at a time reads the socket and hands every reply it reads straight to the
  thread waiting for it, so no thread waits behind another's slow request;
* ``timeout`` applies to each call: a call without a reply in time raises
  :class:`~pyignite.exceptions.RequestTimeoutError` (an :class:`OSError`) and its late reply
  is dropped. If the node sent nothing at all meanwhile it is considered gone: the connection is
  closed and the client fails over as described above;
* when the connection breaks, every thread waiting on it gets the :class:`SocketError`; the next
  call (from any thread) reconnects, once, for all of them;
* TLS connections serialize OpenSSL calls (never concurrent on one connection) without blocking
  readers and writers behind each other.

A transaction belongs to the thread that started it, a cursor to the connection it was opened on. The details
are in :mod:`pyignite.connection.sync`; the asyncio client (:class:`~pyignite.aio_client.AioClient`)
multiplexes tasks on one connection the same way.

Partition awareness
-------------------
With partition awareness the client sends each single-key operation (``get``, ``put``,
``get_and_*``, ``replace*``, ``remove_key``, ``remove_if_equals``, ``contains_key``, ``clear_key``,
``put_if_absent``...) straight to the primary node of its key, instead of through one node.

* **When it is on.** ``Client(partition_aware=None)`` (the default) turns it on when ``connect()``
  gets a finite collection (a list, a tuple...) of at least two distinct nodes. A host and port, a
  single node, a generator, any other iterator and a :class:`~pyignite.connection.RoundRobin` keep it
  off: an iterator is a reconnection policy, which may be infinite, and the specification's lazy
  failover applies. ``partition_aware=True`` turns it on for any ``connect()`` argument: the nodes of
  a collection, of a host and port or of a RoundRobin are kept connected, and the other nodes of the
  cluster are found through the node endpoints the server lists
  (``CLUSTER_GROUP_GET_NODES_ENDPOINTS``) -- with a generator, only that way. ``False`` turns it off.
  It needs protocol 1.4.0 or newer (otherwise it stays off: :attr:`partition_aware` says which).
* **Connections.** ``connect()`` connects to the first node that answers, as always, and then to
  every other node it was given (each of these may take at most 2 s, ``PA_CONNECT_TIMEOUT``, or
  ``timeout`` if shorter); a node that does not answer is tried again after the cluster's nodes
  change (one joined or left) and otherwise after a delay that grows from 1 to 30 seconds, by the
  next single-key operation. Nodes named in partition maps without a connection are looked up among
  the node endpoints once per change of the cluster's nodes and connected.
* **Maps.** The first single-key operation on a cache fetches its partition map (``OP_CACHE_PARTITIONS``;
  one extra round trip); every reply tells whether the affinity topology changed, and a map older
  than the newest topology version seen is fetched again before the next operation on that cache.
  Keys of ``REPLICATED`` caches, of caches with a custom affinity function, and keys without a Java
  hash code go to the default connection.
* **Failover.** The *default* connection -- the one ``str(client)`` and :attr:`connection` show, used
  for everything that is not routed (queries, cache management, transactions...) -- follows the
  ``connect()`` argument exactly as without partition awareness (lazy failover, :class:`ReconnectError`
  when it runs out), reusing a pool connection to the next node if there is one. A routed operation
  whose node cannot be reached goes to the default connection instead (and that node is marked for
  reconnection); if the node's connection breaks under the operation, the retry policy decides
  whether it is sent again, to the default connection.
* **Multi-key operations** (``get_all``, ``put_all``, ``contains_keys``, ``remove_keys``,
  ``clear_keys``) are split by primary node; the parts are all sent before any answer is read
  (pipelined) and the answers merged.
* **Transactions** keep all their operations on the transaction's connection.

The routing decisions (maps, partitions, which node) are :mod:`pyignite.protocol.affinity`, shared
with the asyncio client.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Optional

from pyignite.api_base import SLOW, BaseClient, Plan, nodes_from_args, partition_aware_seeds
from pyignite.cache import Cache
from pyignite.connection.roundrobin import NodeSequence
from pyignite.connection.sync import Connection
from pyignite.continuous import ContinuousQuery
from pyignite.cursors import Cursor, close_abandoned
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
from pyignite.transaction import ThreadTxBinding, Transaction

__all__ = ["Client"]



class Client(BaseClient):
    """A pyignite client: connects to an Ignite cluster over the binary client protocol.

    :param compact_footer: write Complex objects with compact (``True``) or full (``False``)
        schemas; ``None`` (default) follows what the server uses (compact until seen otherwise);
    :param timeout: seconds for connecting and for every socket operation; ``None`` (default) lets
        operations wait without limit while connecting and the handshake stay bounded (10 s);
    :param handshake_timeout: seconds for connecting and the handshake (as in the official client);
        default ``timeout``, or 10 s;
    :param use_ssl: wrap the connection in TLS; ``None`` (default) means on when credentials are
        given, off otherwise;
    :param ssl_keyfile: ``ssl_keyfile_password``, ``ssl_certfile``, ``ssl_ca_certfile``,
        ``ssl_cert_reqs``, ``ssl_ciphers``, ``ssl_version``: TLS settings (see
        :func:`pyignite.connection.ssl_context.make_ssl_context`);
    :param username: and ``password``: credentials for a cluster with authentication;
    :param protocol_version: propose this protocol version first (e.g. ``(1, 2, 0)``); the default is
        the newest version this client speaks, falling back to what the server offers;
    :param event_listeners: objects notified of connection and query events (see
        :mod:`pyignite.monitoring`);
    :param partition_aware: send single-key operations to their key's primary node: ``None``
        (default) when ``connect()`` gets a list of several nodes, ``True`` always, ``False`` never
        (see "Partition awareness" in :mod:`pyignite.client`);
    :param retry_policy: which operations are resent after their connection broke:
        :class:`~pyignite.retry.RetryLimit` (default ``RetryLimit(3)``: idempotent operations and
        requests never written), :class:`~pyignite.retry.RetryNone`,
        :class:`~pyignite.retry.RetryAll` or a callable ``(operation, error, attempt) -> bool``;
    :param heartbeat_interval: seconds between heartbeats on idle connections; ``None`` (default):
        a third of the server's idle timeout (30 s without one) when the server has the
        ``HEARTBEAT`` feature; ``0``: none;
    :param cluster_discovery: learn the cluster's other nodes' addresses and fail over to them
        (default ``True``).

    A client is safe to share between threads: their calls are multiplexed on one connection by
    request id, each thread gets its own results, ``timeout`` applies per call, and a broken
    connection fails every waiting call and is replaced once (see the module docstring).
    """

    _cache_class = Cache
    _connection_class = Connection  # the transport BaseClient._make_connection opens
    _cursor_class = Cursor
    _transaction_class = Transaction
    _continuous_query_class = ContinuousQuery

    def __init__(self, compact_footer: Optional[bool] = None, *args: Any, **kwargs: Any) -> None:
        self._init_common(compact_footer, args, kwargs)  # settings, binary type registry, nodes
        self._lock = threading.RLock()
        self._txs = ThreadTxBinding()  # the open transaction of each thread
        self._retrying: set = set()  # requests being resent by _retry (their failures go to it)
        self._keepalive: Optional[KeepAlive] = None  # heartbeats and endpoint discovery
        self._keepalive_thread: Any = None

    # --- connection management -----------------------------------------------------------------

    def connect(self, *args: Any, **kwargs: Any) -> Client:
        """Connect to the first node that answers.

        ``connect()`` (127.0.0.1:10800), ``connect(host, port)`` or ``connect(nodes)`` with any
        iterable of ``(host, port)``: a list, a generator (a custom reconnection policy), or a
        :class:`~pyignite.connection.RoundRobin`. The iterable is kept: when the connection breaks
        later, the failing call raises the original error and the next call connects to the next
        node it yields (see the module docstring). Returns the client, so
        ``with client.connect(...):`` closes it on exit.

        Raises :class:`ParameterError` for a malformed address, :class:`ReconnectError` when no node
        answers (each node's error is named, the last one chained), :class:`HandshakeError` when a
        node refuses the handshake (bad credentials: not retried on other nodes).
        """
        nodes = NodeSequence(nodes_from_args(args, dict(kwargs)))
        seeds = partition_aware_seeds(self._settings.partition_aware, args, kwargs)
        with self._lock:
            self.close()
            self._nodes = nodes
            self._pa = PartitionAwareness(seeds) if seeds is not None else None
            self._keepalive = KeepAlive(self._settings.heartbeat_interval, self._settings.cluster_discovery)
            self._reconnect()
            self._pa_start()
            self._keepalive_start()
        return self

    def _reconnect(self) -> Connection:
        """Connect to the next node of the iterable given to ``connect()`` (lock held).

        Nodes that cannot be reached (or answer garbage) are skipped; a refused handshake
        propagates; when the iterable runs out, :class:`ReconnectError`.
        """
        nodes = self._nodes
        if nodes is None:
            raise ReconnectError("Can not reconnect: the client is not connected (call connect() first)")
        for host, port in nodes.attempts():
            pa = self._pa  # partition awareness: reuse the pool's live connection to this node
            conn = pa.pool.live((host, port)) if pa is not None else None
            if conn is None:
                conn = self._make_connection(host, port)
                try:
                    conn.connect()
                except (SocketError, ParseError) as exc:
                    nodes.failed((host, port), exc)
                    if pa is not None:
                        pa.pool.failed((host, port), time.monotonic())
                    continue
                if pa is not None:
                    pa.pool.connected((host, port), conn)
                self._keep(conn)  # heartbeats
            nodes.connected((host, port))
            self._conn = conn
            return conn
        raise nodes.out_of_nodes()

    def reconnect(self) -> Client:
        """Leave the current node now and connect to the next one the ``connect()`` iterable yields.

        Not needed for failover (a call after a broken connection reconnects by itself); useful to
        move off a node on purpose. Returns the client. Raises :class:`ReconnectError` when no node
        is left (or the client was never connected), :class:`HandshakeError` when the next node
        refuses the handshake.
        """
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()
                if self._pa is not None:  # a pool connection too: due for reconnection
                    self._pa.pool.lost(conn, time.monotonic())
            self._reconnect()
        return self

    def close(self) -> None:
        """Close the connection and forget the nodes: later calls raise :class:`ReconnectError`
        until ``connect()`` is called again.

        A reconnection that another thread has under way (it holds the client's lock) stops before
        its next node, so ``close()`` waits at most one connection attempt for it."""
        nodes = self._nodes
        if nodes is not None:
            nodes.close()
        with self._lock:
            conn, self._conn = self._conn, None
            pa, self._pa = self._pa, None
            self._nodes = None
            keeper, self._keepalive_thread = self._keepalive_thread, None
            self._keepalive = None
            if keeper is not None:
                keeper.stop()
            if conn is not None:
                conn.close()
            if pa is not None:  # partition awareness: the connections to the other nodes
                for other in pa.pool.connections():
                    if other is not conn:
                        other.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # connection, protocol_version, __str__ and __repr__: BaseClient (shared with AioClient)

    # --- runners -------------------------------------------------------------------------------

    def _connection_for(self, req: Request) -> Connection:
        """The live connection; if it broke, connect to the next node first (lazy failover)."""
        conn = self._conn
        if conn is not None and conn.alive:
            return conn
        with self._lock:
            conn = self._conn
            if conn is not None and conn.alive:
                return conn
            self._conn = None
            return self._reconnect()

    def _execute(self, req: Request) -> Any:
        """Send ``req`` (after its prerequisites) and return its parsed reply; a connection failure
        goes to the retry policy (:meth:`_retry`)."""
        try:
            for pre in req.prerequisites:
                self._execute(pre)
            txs = self._txs
            tx = txs.current() if txs.active else None
            if tx is None:
                pa = self._pa
                if pa is not None:  # partition awareness: to the primary node of the key
                    return self._execute_pa(req, pa)
                conn = self._connection_for(req)
            else:  # inside a transaction: the server binds it to its connection; its id goes in key-value requests
                conn = tx.route(req) or tx.attach(self._connection_for(req))
            return self._send(req, conn)
        except SocketError as exc:
            if req in self._retrying:
                raise  # a resend failed: _retry decides again
            return self._retry(req, exc)

    # --- retry policy (see pyignite.protocol.retry): only ever entered after a failure -------------

    def _retry(self, req: Request, exc: SocketError) -> Any:
        """``req`` failed with ``exc``: resend it (on the connection the client fails over to) for as
        long as the retry policy says so, or raise the last error. When no node is left, the
        original error is raised (the next call raises :class:`ReconnectError`)."""
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
                    return self._execute(req)
                except SocketError as again:
                    exc = again
                    attempt += 1
                except ReconnectError:
                    raise exc  # noqa: B904 - the ReconnectError is its context
        finally:
            retrying.discard(req)

    # --- heartbeats and endpoint discovery (see pyignite.protocol.keepalive) ------------------------

    def _keep(self, conn: Connection) -> None:
        """A new connection: ask its node's idle timeout (HEARTBEAT feature) and schedule heartbeats."""
        keeper = self._keepalive
        if keeper is None:
            return
        idle = None
        if keeper.wants_idle_timeout(conn):
            req = idle_timeout_request()
            try:
                header, frame = conn.request_within(req.frame, conn.connect_timeout)
                idle = read_response(req, frame, header, conn.flags_header)
            except (SocketError, CacheError):
                idle = None  # a broken connection shows itself to the next call
        keeper.attach(conn, idle, time.monotonic())

    def _keepalive_start(self) -> None:
        """After ``connect()`` (lock held): fetch the node endpoints, start the keeper thread."""
        keeper = self._keepalive
        if keeper is None:
            return
        if keeper.discovery_due(self._conn):
            try:
                self._discover()
            except (CacheError, SocketError, ParseError):
                pass  # tried again by the keeper thread
        if keeper.discovery_on(self._conn) or keeper.due(time.monotonic())[1] != float("inf"):
            from pyignite.connection.keepalive import KeepAliveThread

            thread = KeepAliveThread(self, keeper)
            self._keepalive_thread = thread
            thread.start()

    def _discover(self) -> None:
        """Fetch the cluster's client endpoints (node endpoints) and keep them for failover."""
        conn, keeper, nodes = self._conn, self._keepalive, self._nodes
        if conn is None or keeper is None or nodes is None or not conn.alive:
            return
        # straight on the connection, like a heartbeat: housekeeping, not a query of the caller's
        req = cluster_ops.node_endpoints()
        header, frame = conn.request_within(req.frame, conn.connect_timeout)
        _, added, _ = read_response(req, frame, header, conn.flags_header, self._ctx)
        keeper.discovered(conn)
        nodes.discovered = endpoint_addresses(added, [conn.host])

    def _keepalive_lost(self, conn: Connection) -> None:
        """A heartbeat found ``conn`` dead (it is broken now): fail over at once."""
        pa = self._pa
        if pa is not None:
            pa.pool.lost(conn, time.monotonic())
        if conn is self._conn and self._nodes is not None:
            self._connection_for(None)  # type: ignore[arg-type]

    def _send(self, req: Request, conn: Connection) -> Any:
        """Send ``req`` on ``conn`` and return its parsed reply."""
        if self._abandoned:  # close the server cursors of dropped, unclosed cursors first
            close_abandoned(conn, self._take_abandoned(conn))
        events = self._settings.events
        if events.query_monitoring():
            return self._execute_monitored(req, conn, events)
        reply = conn.request(req.frame)
        # the success path first (quick_result); anything else -- an error status, a parse failure,
        # a binary type to fetch first, a listener to register -- goes the whole way through
        # _read_reply
        if req.on_reply is None:
            value = quick_result(reply, req.parse, self._ctx)
            if value is not UNFINISHED:
                return value
        return self._read_reply(req, conn, reply[0], reply[1])

    def _plain(self, ref: CacheRef, op_code: int, key: Any, value: Any, parse: Any) -> Any:
        """The shortest path of a single-key operation (``Cache.get``, ``put``, ``contains_key``,
        ``get_and_put``): no :class:`Request`, no reply header object, the frame built straight
        from the cache's prefix (:func:`~pyignite.protocol.cache_ops.plain_request`) and a plain
        success read straight off the socket (``Connection.request(..., plain=True)``).

        It applies outside transactions, without query monitoring or cursors to close, on a live
        connection (plain TCP or TLS) -- with partition awareness, the key's node's when routing needs
        nothing done first (:meth:`PartitionAwareness.plain_route`) -- to keys and values of the
        common types; else it returns :data:`SLOW` and the caller takes the general path
        (:meth:`_execute`). Errors, replies with anything in their header and values that need more
        than the inline decoders are finished by the general code, as is a connection failure
        (the retry policy)."""
        if self._txs.active or self._abandoned or self._settings.events.query_monitoring():
            return SLOW
        pa = self._pa
        if pa is None:
            conn = self._conn
            if conn is None:
                return SLOW
        else:
            conn = pa.plain_route(ref.cache_id, key, self._ctx, time.monotonic())
            if conn is None:
                return SLOW
        if conn._sock is None or conn._broken is not None:
            return SLOW
        frame = plain_request(ref, op_code, key, value)
        if frame is None:
            return SLOW
        error = None
        try:
            reply = conn.request(frame, True)
        except SocketError as exc:
            error = exc
        finally:
            if pa is not None:
                pa.observe(conn)
        if error is None:
            result = quick_result(reply, parse, self._ctx)  # a plain success, or read by another thread
            if result is not UNFINISHED:
                return result
        req = plain_as_request(ref, frame, key, parse)
        if error is not None:
            if pa is not None:  # the node died under the request: as in _execute_pa
                pa.retry_elsewhere(conn, self._conn, time.monotonic())
            return self._retry(req, error)
        header, data = header_and_frame(reply)
        return self._read_reply(req, conn, header, data)

    def _execute_monitored(self, req: Request, conn: Connection, events: EventDispatcher) -> Any:
        """:meth:`_execute` with query events and DEBUG records (see :mod:`pyignite.monitoring`)."""
        op_code = op_code_of(req.frame)
        started = time.perf_counter()
        try:
            request_id = conn.send(req.frame)
        except Exception as exc:
            events.query_fail(conn, None, op_code, started, exc)
            raise
        events.query_start(conn, request_id, op_code)
        try:
            header, frame = conn.receive(request_id)
            result = self._read_reply(req, conn, header, frame)
        except BaseException as exc:  # interrupted too: every start event gets its end event
            events.query_fail(conn, request_id, op_code, started, exc)
            raise
        events.query_success(conn, request_id, op_code, started)
        return result

    def _read_reply(self, req: Request, conn: Connection, header: Any, frame: bytes) -> Any:
        """Parse the reply to ``req``, fetching the binary types it names first if needed."""
        try:
            result = read_response(req, frame, header, conn.flags_header, self._ctx)
        except MissingBinaryType:  # the plan that fetches them is shared with AioClient
            result = self._drive(typed_reply(req, frame, header, conn.flags_header, self._ctx))
        if req.on_reply is not None:
            req.on_reply(conn, result)
        return result

    def _drive(self, plan: Plan) -> Any:
        """Run a plan: send each request it yields, send the reply back in, return its result."""
        try:
            req = next(plan)
            while True:
                try:
                    result = self._execute(req)
                except Exception as exc:
                    req = plan.throw(exc)
                else:
                    req = plan.send(result)
        except StopIteration as stop:
            return stop.value

    # --- partition awareness (see the module docstring) -----------------------------------------
    # The decisions (maps, partitions, which node, when to reconnect) are made by
    # pyignite.protocol.affinity; these methods only do the I/O they ask for.

    def _execute_pa(self, req: Request, pa: PartitionAwareness) -> Any:
        """:meth:`_execute` outside transactions with partition awareness on."""
        if req.affinity is None and req.node is None:  # req.node: a chosen node (services)
            conn = self._connection_for(req)
            try:
                return self._send(req, conn)
            finally:
                pa.observe(conn)
        if type(req.affinity) is KeySplit:
            return self._execute_split(req, pa, req.affinity)
        if req.affinity is not None and pa.refresh_due(req.affinity[0], time.monotonic()):
            self._pa_refresh(pa, req.affinity[0])
        routed = pa.routed(req, self._ctx, time.monotonic())
        if routed is None:  # not routable, or the node cannot be reached: the default connection
            conn = self._connection_for(req)
            try:
                return self._send(req, conn)
            finally:
                pa.observe(conn)
        try:
            return self._send(req, routed)
        except SocketError:
            # the node died under the request: marked for reconnection; the retry policy decides
            # whether the request goes again (to the default connection, see Client._retry)
            pa.retry_elsewhere(routed, self._conn, time.monotonic())
            raise
        finally:
            pa.observe(routed)

    def _execute_split(self, req: Request, pa: PartitionAwareness, split: KeySplit) -> Any:
        """A multi-key request: one part per primary node, all sent before any reply is read
        (pipelined), answers merged; a part whose connection broke goes to the retry policy."""
        if pa.refresh_due(split.cache_id, time.monotonic()):
            self._pa_refresh(pa, split.cache_id)
        groups = pa.split(split, self._ctx, time.monotonic())
        if len(groups) < 2:  # one node (or none known): the request as it is
            conn = next(iter(groups), None) or self._connection_for(req)
            try:
                return self._send(req, conn)
            except SocketError:
                pa.retry_elsewhere(conn, self._conn, time.monotonic())
                raise
            finally:
                pa.observe(conn)
        parts = [(conn or self._connection_for(req), split.build(indices)) for conn, indices in groups.items()]
        events = self._settings.events
        monitored = events.query_monitoring()
        op_code = op_code_of(req.frame)
        results: list = [None] * len(parts)
        errors: list = [None] * len(parts)
        sent = []
        started = time.perf_counter()
        for i, (conn, part) in enumerate(parts):
            try:
                request_id = conn.send(part.frame)
            except SocketError as exc:
                errors[i] = exc
                if monitored:
                    events.query_fail(conn, None, op_code, started, exc)
                continue
            if monitored:
                events.query_start(conn, request_id, op_code)
            sent.append((i, request_id))
        for i, request_id in sent:  # every send gets its receive, whatever fails
            conn, part = parts[i]
            try:
                header, frame = conn.receive(request_id)
                results[i] = self._read_reply(part, conn, header, frame)
            except Exception as exc:
                errors[i] = exc
                if monitored:
                    events.query_fail(conn, request_id, op_code, started, exc)
            else:
                if monitored:
                    events.query_success(conn, request_id, op_code, started)
            finally:
                pa.observe(conn)
        for i, err in enumerate(errors):
            if err is None:
                continue
            if not isinstance(err, SocketError):
                raise err
            conn, part = parts[i]
            pa.retry_elsewhere(conn, self._conn, time.monotonic())
            results[i] = self._retry(part, err)
        return split.merge(results)

    def _pa_start(self) -> None:
        """After ``connect()`` (lock held): keep partition awareness only with protocol >= 1.4.0, and
        connect to the other nodes given."""
        pa = self._pa
        if pa is None:
            return
        if not pa.supported(self._conn):
            self._pa = None
            return
        self._pa_upkeep(pa, time.monotonic())

    def _pa_refresh(self, pa: PartitionAwareness, cache_id: int) -> None:
        """Fetch the partition map of ``cache_id`` if it is stale, then connect what is due."""
        with self._lock:
            if self._pa is not pa:
                return  # closed or connected elsewhere meanwhile
            router = pa.router
            if router.stale(cache_id):
                try:
                    self._execute(router.partitions_request([cache_id]))
                except CacheError:
                    router.unroutable([cache_id])  # refused (e.g. an inactive cluster): until it changes
                except SocketError:
                    pass  # the default connection broke: the request itself reconnects
            now = time.monotonic()
            if pa.pool.upkeep_due(now, router.latest):
                self._pa_upkeep(pa, now)

    def _pa_upkeep(self, pa: PartitionAwareness, now: float) -> None:
        """Connect the addresses the pool says are due; look up nodes the maps name that have no
        connection among the node endpoints (once per topology version) and connect them."""
        pool = pa.pool
        version = pa.router.latest
        for node in pool.due(now, version):
            self._pa_open(pa, node, None, now)
        missing = pa.to_discover(self._conn)
        if not missing:
            return
        try:
            _, added, _ = self._execute(cluster_ops.node_endpoints())
        except (CacheError, SocketError):
            return
        for node_id, candidates in pool.candidates(added, missing):
            for node in candidates:
                if self._pa_open(pa, node, node_id, now):
                    break

    def _pa_open(self, pa: PartitionAwareness, node: Any, node_id: Any, now: float) -> bool:
        """Connect to ``node`` for the pool (expecting ``node_id`` for a discovered address)."""
        timeout = self._settings.timeout
        conn = self._make_connection(node[0], node[1], min(timeout or PA_CONNECT_TIMEOUT, PA_CONNECT_TIMEOUT))
        try:
            conn.connect()
        except (OSError, ParseError):  # unreachable, silent or refusing: tried again later
            if node_id is None:
                pa.pool.failed(node, now)
            return False
        if not pa.accepts(conn, node_id):
            conn.close()  # another node answers at that address
            return False
        pa.pool.connected(node, conn)
        self._keep(conn)  # heartbeats
        return True
