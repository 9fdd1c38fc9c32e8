"""The :class:`Client`: connection management, failover and the cache factory.

A client holds one live connection at a time (see :mod:`pyignite.connection.sync`). ``connect()``
takes a host and port, or any iterable of ``(host, port)`` pairs (a list, a generator, a
:class:`~pyignite.connection.RoundRobin`); it connects to the first node that answers. When a
connection breaks, the operation in flight raises the original error (a :class:`SocketError`, which
is an :class:`OSError`) and the client keeps its parameters: the next operation connects to the next
node the iterable yields. When the iterable is exhausted, :class:`ReconnectError` is raised.
"""

from __future__ import annotations

import threading
from typing import Any, Iterator, List, Optional, Tuple, Union

from pyignite.cache import Cache
from pyignite.connection.ssl_context import SSL_PARAMS, make_ssl_context
from pyignite.connection.sync import Connection
from pyignite.datatypes.base import CodecContext
from pyignite.exceptions import ParameterError, ReconnectError, SocketError
from pyignite.protocol import cache_ops
from pyignite.protocol.handshake import PROTOCOL_VERSIONS, Version
from pyignite.protocol.request import Request, read_response

__all__ = ["Client"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 10800

Node = Tuple[str, int]


def _check_node(node: Any) -> Node:
    try:
        host, port = node
    except (TypeError, ValueError):
        raise ParameterError(f"a node must be a (host, port) pair, not {node!r}") from None
    if not isinstance(host, str) or not host:
        raise ParameterError(f"node host must be a non-empty str, not {host!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ParameterError(f"node port must be an int in 1..65535, not {port!r}")
    return host, port


def _nodes_from_args(args: Tuple[Any, ...], kwargs: dict) -> Iterator[Node]:
    if "host" in kwargs or "port" in kwargs:
        host = kwargs.pop("host", args[0] if args else DEFAULT_HOST)
        port = kwargs.pop("port", args[1] if len(args) > 1 else DEFAULT_PORT)
        args = (host, port)
    if kwargs:
        raise ParameterError(f"unexpected arguments to connect(): {sorted(kwargs)}")
    if not args:
        return iter([(DEFAULT_HOST, DEFAULT_PORT)])
    if len(args) == 2 and not isinstance(args[0], (list, tuple)) and not hasattr(args[0], "__next__"):
        return iter([_check_node(args)])
    if len(args) == 1:
        nodes = args[0]
        if isinstance(nodes, str):
            raise ParameterError("connect() takes a host and a port, or an iterable of (host, port)")
        try:
            return (_check_node(n) for n in nodes)
        except TypeError:
            raise ParameterError(f"connect() expects an iterable of (host, port), not {nodes!r}") from None
    raise ParameterError(f"connect() takes a host and a port, or an iterable of (host, port); got {args!r}")


class Client:
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

    def __init__(
        self,
        compact_footer: Optional[bool] = None,
        timeout: Optional[float] = None,
        use_ssl: Optional[bool] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        protocol_version: Optional[Version] = None,
        **kwargs: Any,
    ) -> None:
        ssl_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in SSL_PARAMS}
        if kwargs:
            raise ParameterError(f"unexpected Client arguments: {sorted(kwargs)}")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
            raise ParameterError(f"timeout must be a positive number of seconds or None, not {timeout!r}")
        if compact_footer is not None and not isinstance(compact_footer, bool):
            raise ParameterError(f"compact_footer must be True, False or None, not {compact_footer!r}")
        if protocol_version is not None:
            protocol_version = tuple(protocol_version)  # type: ignore[assignment]
            if protocol_version not in PROTOCOL_VERSIONS:
                raise ParameterError(
                    f"protocol_version {protocol_version} is not supported; use one of {list(PROTOCOL_VERSIONS)}"
                )
        if (username is None) != (password is None):
            raise ParameterError("username and password must be given together")
        if use_ssl is None:
            use_ssl = username is not None
        self._compact_footer = compact_footer
        self.timeout = timeout
        self.use_ssl = bool(use_ssl)
        self.username = username
        self.password = password
        self.protocol_version_requested = protocol_version
        self._ssl_kwargs = ssl_kwargs
        self._ssl_context = make_ssl_context(**ssl_kwargs) if self.use_ssl else None
        self._nodes: Optional[Iterator[Node]] = None
        self._conn: Optional[Connection] = None
        self._lock = threading.RLock()
        self._ctx = CodecContext()

    # --- connection management -----------------------------------------------------------------

    def connect(self, *args: Any, **kwargs: Any) -> Client:
        """Connect to the first node that answers.

        ``connect()`` (127.0.0.1:10800), ``connect(host, port)`` or ``connect(nodes)`` with any
        iterable of ``(host, port)``. Returns the client, so ``with client.connect(...):`` closes it
        on exit. Raises :class:`ReconnectError` when no node answers (the last error is chained),
        :class:`HandshakeError` when a node refuses the handshake.
        """
        nodes = _nodes_from_args(args, dict(kwargs))
        with self._lock:
            self.close()
            self._nodes = nodes
            self._reconnect()
        return self

    def _make_connection(self, host: str, port: int) -> Connection:
        return Connection(
            host,
            port,
            timeout=self.timeout,
            ssl_context=self._ssl_context,
            username=self.username,
            password=self.password,
            protocol_version=self.protocol_version_requested,
        )

    def _reconnect(self) -> Connection:
        """Connect to the next node of the iterable given to ``connect()``."""
        if self._nodes is None:
            raise SocketError("the client is not connected; call connect() first")
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

    # --- request execution ---------------------------------------------------------------------

    def _connection(self) -> Connection:
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
        conn = self._connection()
        for pre in req.prerequisites:
            self._execute(pre)
        header, frame = conn.request(req.frame)
        return read_response(req, frame, header, conn.flags_header, self._ctx)

    # --- cache factory -------------------------------------------------------------------------

    @property
    def compact_footer(self) -> bool:
        """Whether Complex objects are written with compact footers (True unless told otherwise)."""
        return True if self._compact_footer is None else self._compact_footer

    @compact_footer.setter
    def compact_footer(self, value: bool) -> None:
        self._compact_footer = bool(value)

    def get_cache_names(self) -> List[str]:
        """Names of the caches in the cluster."""
        return self._execute(cache_ops.get_names())

    def _cache_request(self, settings: Union[str, dict], create: bool) -> Tuple[Request, str]:
        if isinstance(settings, str):
            make = cache_ops.create_with_name if create else cache_ops.get_or_create_with_name
            return make(settings), settings
        if isinstance(settings, dict):
            from pyignite.datatypes.cache_properties import create_with_configuration

            return create_with_configuration(settings, create)
        raise ParameterError(f"cache settings must be a name (str) or a dict of properties, not {settings!r}")

    def create_cache(self, settings: Union[str, dict]) -> Cache:
        """Create a cache by name or by a dict of properties; raises :class:`CacheCreationError` if it exists."""
        req, _name = self._cache_request(settings, True)
        self._execute(req)
        return Cache(self, settings, get_only=True)

    def get_or_create_cache(self, settings: Union[str, dict]) -> Cache:
        """Return the cache, creating it (by name or dict of properties) if it does not exist."""
        req, _name = self._cache_request(settings, False)
        self._execute(req)
        return Cache(self, settings, get_only=True)

    def get_cache(self, settings: Union[str, dict]) -> Cache:
        """A :class:`Cache` object for an existing cache; no I/O (errors surface on first use)."""
        return Cache(self, settings, get_only=True)
