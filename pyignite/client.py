"""The blocking :class:`Client`: connection management, failover, and every API method of
:class:`~pyignite.api_base.BaseClient` run over a blocking socket.

Failover
--------
A client holds one live connection at a time (see :mod:`pyignite.connection.sync`). ``connect()``
takes a host and port, or any iterable of ``(host, port)`` pairs (a list, a generator, a
:class:`~pyignite.connection.RoundRobin`); it connects to the first node that answers. When a
connection breaks or a node stays silent past ``timeout``, the operation in flight raises the original
error (a :class:`SocketError`, which is an :class:`OSError`) and the client keeps its parameters:
reconnection is lazy, the *next* operation connects to the next node the iterable yields (skipping
nodes that do not answer). When the iterable is exhausted, :class:`ReconnectError` is raised. The
node-iteration bookkeeping is :class:`pyignite.connection.roundrobin.NodeSequence`, shared with the
asyncio client.

Threads
-------
A client may be shared by any number of threads (issue 8). The model is one connection with
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
"""

from __future__ import annotations

import threading
import time
from typing import Any, Optional

from pyignite.api_base import BaseClient, Plan, nodes_from_args
from pyignite.cache import Cache
from pyignite.connection.roundrobin import NodeSequence
from pyignite.connection.sync import Connection
from pyignite.cursors import Cursor, close_abandoned  # query cursors (issue 5)
from pyignite.datatypes.base import MissingBinaryType
from pyignite.exceptions import ParseError, ReconnectError, SocketError
from pyignite.monitoring import EventDispatcher
from pyignite.protocol.frames import op_code_of
from pyignite.protocol.request import Request, read_response, typed_reply
from pyignite.transaction import ThreadTxBinding, Transaction

__all__ = ["Client"]



class Client(BaseClient):
    """A pyignite client: connects to an Ignite cluster over the binary client protocol.

    :param compact_footer: write Complex objects with compact (``True``) or full (``False``)
        schemas; ``None`` (default) follows what the server uses (compact until seen otherwise);
    :param timeout: seconds for connecting and for every socket operation; ``None`` (default) lets
        operations wait without limit while connecting and the handshake stay bounded (10 s);
    :param use_ssl: wrap the connection in TLS; ``None`` (default) means on when credentials are
        given, off otherwise;
    :param ssl_keyfile: ``ssl_keyfile_password``, ``ssl_certfile``, ``ssl_ca_certfile``,
        ``ssl_cert_reqs``, ``ssl_ciphers``, ``ssl_version``: TLS settings (see
        :func:`pyignite.connection.ssl_context.make_ssl_context`);
    :param username: and ``password``: credentials for a cluster with authentication;
    :param protocol_version: propose this protocol version first (e.g. ``(1, 2, 0)``); the default is
        the newest version this client speaks, falling back to what the server offers;
    :param event_listeners: objects notified of connection and query events (see
        :mod:`pyignite.monitoring`).

    A client is safe to share between threads: their calls are multiplexed on one connection by
    request id, each thread gets its own results, ``timeout`` applies per call, and a broken
    connection fails every waiting call and is replaced once (see the module docstring).
    """

    _cache_class = Cache
    _connection_class = Connection  # the transport (issue 8: BaseClient._make_connection)
    _cursor_class = Cursor  # issue 5
    _transaction_class = Transaction  # issue 9

    def __init__(self, compact_footer: Optional[bool] = None, *args: Any, **kwargs: Any) -> None:
        self._init_common(compact_footer, args, kwargs)  # settings, binary registry (issue 6), nodes
        self._lock = threading.RLock()
        self._txs = ThreadTxBinding()  # the open transaction of each thread (issue 9)

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
        with self._lock:
            self.close()
            self._nodes = nodes
            self._reconnect()
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
            conn = self._make_connection(host, port)
            try:
                conn.connect()
            except (SocketError, ParseError) as exc:
                nodes.failed((host, port), exc)
                continue
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
            self._reconnect()
        return self

    def close(self) -> None:
        """Close the connection and forget the nodes: later calls raise :class:`ReconnectError`
        until ``connect()`` is called again."""
        with self._lock:
            conn, self._conn = self._conn, None
            self._nodes = None
            if conn is not None:
                conn.close()

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
        """Send ``req`` (after its prerequisites) and return its parsed reply."""
        for pre in req.prerequisites:
            self._execute(pre)
        txs = self._txs
        tx = txs.current() if txs.active else None
        if tx is None:
            conn = self._connection_for(req)
        else:  # inside a transaction: its connection, and its id in key-value requests (issue 9)
            conn = tx.route(req) or tx.attach(self._connection_for(req))
        if self._abandoned:  # release dropped query cursors first (issue 5)
            close_abandoned(conn, self._take_abandoned(conn))
        events = self._settings.events
        if events.query_monitoring():
            return self._execute_monitored(req, conn, events)
        header, frame = conn.request(req.frame)
        return self._read_reply(req, conn, header, frame)

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
        except Exception as exc:
            events.query_fail(conn, request_id, op_code, started, exc)
            raise
        events.query_success(conn, request_id, op_code, started)
        return result

    def _read_reply(self, req: Request, conn: Connection, header: Any, frame: bytes) -> Any:
        """Parse the reply to ``req``, fetching the binary types it names first if needed."""
        try:
            return read_response(req, frame, header, conn.flags_header, self._ctx)
        except MissingBinaryType:  # the plan that fetches them is shared with AioClient (issue 8)
            return self._drive(typed_reply(req, frame, header, conn.flags_header, self._ctx))

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
