"""The blocking :class:`Client`: connection management, failover, and every API method of
:class:`~pyignite.api_base.BaseClient` run over a blocking socket.

Failover
--------
A client holds one live connection at a time (see :mod:`pyignite.connection.sync`). ``connect()``
takes a host and port, or any iterable of ``(host, port)`` pairs (a list, a generator, a
:class:`~pyignite.connection.RoundRobin`); it connects to the first node that answers. When a
connection breaks, the operation in flight raises the original error (a :class:`SocketError`, which is
an :class:`OSError`) and the client keeps its parameters: the next operation connects to the next node
the iterable yields. When the iterable is exhausted, :class:`ReconnectError` is raised.

Threads
-------
A client may be shared by threads: requests from many threads are multiplexed on one connection and
matched to their callers by request id.
"""

from __future__ import annotations

import threading
from typing import Any, Iterator, Optional

from pyignite.api_base import BaseClient, ClientSettings, Node, Plan, nodes_from_args
from pyignite.cache import Cache
from pyignite.connection.sync import Connection
from pyignite.datatypes.base import CodecContext, MissingBinaryType
from pyignite.exceptions import ParseError, ReconnectError, SocketError
from pyignite.protocol.handshake import Version
from pyignite.protocol.request import Request, read_response

__all__ = ["Client"]

#: How many binary types one reply may make us fetch before we call it garbled.
MAX_TYPE_FETCHES = 64


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
        the newest version this client speaks, falling back to what the server offers.
    """

    _cache_class = Cache

    def __init__(self, compact_footer: Optional[bool] = None, *args: Any, **kwargs: Any) -> None:
        self._settings = ClientSettings(compact_footer, *args, **kwargs)
        self._ctx = CodecContext()
        self._ctx.compact_footer = compact_footer
        self._nodes: Optional[Iterator[Node]] = None
        self._conn: Optional[Connection] = None
        self._lock = threading.RLock()

    # --- connection management -----------------------------------------------------------------

    def connect(self, *args: Any, **kwargs: Any) -> Client:
        """Connect to the first node that answers.

        ``connect()`` (127.0.0.1:10800), ``connect(host, port)`` or ``connect(nodes)`` with any
        iterable of ``(host, port)``. Returns the client, so ``with client.connect(...):`` closes it
        on exit. Raises :class:`ReconnectError` when no node answers (the last error is chained and
        named), :class:`HandshakeError` when a node refuses the handshake.
        """
        nodes = nodes_from_args(args, dict(kwargs))
        with self._lock:
            self.close()
            self._nodes = nodes
            self._reconnect()
        return self

    def _make_connection(self, host: str, port: int) -> Connection:
        s = self._settings
        return Connection(
            host, port, timeout=s.timeout, ssl_context=s.ssl_context, username=s.username,
            password=s.password, protocol_version=s.protocol_version,
        )

    def _reconnect(self) -> Connection:
        """Connect to the next node of the iterable given to ``connect()``."""
        if self._nodes is None:
            raise ReconnectError("Can not reconnect: out of nodes (the client is not connected)")
        last_error: Optional[BaseException] = None
        for host, port in self._nodes:
            conn = self._make_connection(host, port)
            try:
                conn.connect()
            except SocketError as exc:
                last_error = exc
                continue
            self._conn = conn
            return conn
        self._nodes = None
        detail = f" (last error: {last_error})" if last_error is not None else ""
        err = ReconnectError(f"Can not reconnect: out of nodes{detail}")
        err.__cause__ = last_error
        raise err

    def close(self) -> None:
        """Close the connection. The client can be connected again with ``connect()``."""
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def connection(self) -> Optional[Connection]:
        """The live connection, or ``None``."""
        return self._conn

    @property
    def protocol_version(self) -> Optional[Version]:
        """The protocol version negotiated with the current node."""
        return self._conn.protocol_version if self._conn is not None else None

    def __str__(self) -> str:
        conn = self._conn
        return f"{conn.host}:{conn.port}" if conn is not None else "<not connected>"

    def __repr__(self) -> str:
        return f"<pyignite.Client {self}>"

    # --- runners -------------------------------------------------------------------------------

    def _connection_for(self, req: Request) -> Connection:
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
        conn = self._connection_for(req)
        header, frame = conn.request(req.frame)
        for _ in range(MAX_TYPE_FETCHES):
            try:
                return read_response(req, frame, header, conn.flags_header, self._ctx)
            except MissingBinaryType as missing:
                self._execute(self._ctx.fetch_type_request(missing))
        raise ParseError(f"reply to {req!r} needs more than {MAX_TYPE_FETCHES} binary types")

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
