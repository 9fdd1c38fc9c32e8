"""What the sync and async facades share: every API method is written once, here.

Theory of operation
-------------------
An API method validates its arguments, builds a :class:`~pyignite.protocol.request.Request` with the
protocol layer and hands it to the facade's runner:

* ``self._execute(request)`` sends one request and returns its parsed reply;
* ``self._drive(plan)`` runs a *plan*, a generator that yields requests and receives their replies
  (``result = yield request``) and finally returns the method's result -- for methods that need more
  than one round trip or that post-process a reply.

:class:`~pyignite.client.Client` implements both runners with blocking sockets, so its methods return
values; :class:`~pyignite.aio_client.AioClient` implements them as coroutines, so the very same method
bodies return awaitables. Methods here therefore must not do anything with a reply except through a
plan, and must never touch sockets.
"""

from __future__ import annotations

import copy  # with_expire_policy
from collections import deque  # abandoned query cursors
from typing import Any, Generator, Iterable, Iterator, List, Optional, Tuple, Union

from pyignite.connection.roundrobin import Node, check_node
from pyignite.datatypes.base import CodecContext
from pyignite.datatypes.prop_codes import PROP_NAME
from pyignite.exceptions import ParameterError, SQLError  # SQLError: select_row
from pyignite.protocol import cache_ops, query_ops  # query_ops: SQL and scan queries
from pyignite.protocol import op_codes as op
from pyignite.protocol.cache_ops import NO_VALUE, CacheRef, parse_bool, parse_value
from pyignite.protocol.handshake import PROTOCOL_VERSIONS, Version
from pyignite.protocol.request import Request
from pyignite.transaction import TransactionConcurrency, TransactionIsolation

__all__ = ["BaseCache", "BaseClient", "Plan", "cache_name_of", "nodes_from_args"]

#: A multi-step operation: yields requests, receives their results, returns the final result.
Plan = Generator[Request, Any, Any]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 10800

def nodes_from_args(args: Tuple[Any, ...], kwargs: dict) -> Iterator[Node]:
    """The nodes of ``connect(*args, **kwargs)``: none (localhost:10800), host and port, or an iterable."""
    if "host" in kwargs or "port" in kwargs:
        host = kwargs.pop("host", args[0] if args else DEFAULT_HOST)
        port = kwargs.pop("port", args[1] if len(args) > 1 else DEFAULT_PORT)
        args = (host, port)
    if kwargs:
        raise ParameterError(f"unexpected arguments to connect(): {sorted(kwargs)}")
    if not args:
        return iter([(DEFAULT_HOST, DEFAULT_PORT)])
    if len(args) == 2 and not isinstance(args[0], (list, tuple)) and not hasattr(args[0], "__next__"):
        return iter([check_node(args)])
    if len(args) == 1:
        nodes = args[0]
        if isinstance(nodes, str) or not hasattr(nodes, "__iter__"):
            raise ParameterError(f"connect() expects a host and a port, or an iterable of (host, port), not {nodes!r}")
        return (check_node(n) for n in nodes)
    raise ParameterError(f"connect() takes a host and a port, or an iterable of (host, port); got {args!r}")


# --- partition awareness --------------------------------------------------------------------------

def partition_aware_seeds(setting: Optional[bool], args: Tuple[Any, ...], kwargs: dict) -> Optional[list]:
    """The addresses a partition-aware client keeps connections to, or ``None`` for no partition
    awareness, for ``connect(*args, **kwargs)`` and the client's ``partition_aware`` setting:

    * ``False``: ``None``;
    * ``None`` (default): on only when ``connect()`` gets a finite collection (list, tuple, set...)
      of at least two distinct nodes -- those nodes;
    * ``True``: on: the nodes of a finite collection, of a host and port, or of a
      :class:`~pyignite.connection.RoundRobin`; for any other iterable (a generator, which may be
      infinite) none: the client then finds the cluster's nodes through the node endpoints the
      server lists (``CLUSTER_GROUP_GET_NODES_ENDPOINTS``).

    Malformed nodes are reported by :func:`nodes_from_args` (called first).
    """
    from pyignite.connection.roundrobin import RoundRobin

    if setting is False:
        return None
    if "host" in kwargs or "port" in kwargs or not args or len(args) == 2:
        seeds: list = list(nodes_from_args(args, dict(kwargs)))
        collection = True
    else:
        nodes = args[0]
        if isinstance(nodes, RoundRobin):
            seeds, collection = list(nodes.nodes), False
        elif hasattr(nodes, "__len__") and not hasattr(nodes, "__next__"):
            seeds, collection = [check_node(n) for n in nodes], True
        else:
            seeds, collection = [], False
    seeds = list(dict.fromkeys(seeds))
    if setting is None and not (collection and len(seeds) > 1):
        return None
    return seeds


def cache_name_of(settings: Union[str, dict, None]) -> str:
    """The cache name in ``settings`` (a name or a dict with ``PROP_NAME``)."""
    if isinstance(settings, str):
        name = settings
    elif isinstance(settings, dict):
        if PROP_NAME not in settings:
            raise ParameterError("cache settings must contain PROP_NAME")
        name = settings[PROP_NAME]
    else:
        raise ParameterError(f"cache settings must be a name (str) or a dict of properties, not {settings!r}")
    if not isinstance(name, str) or not name:
        raise ParameterError(f"cache name must be a non-empty str, not {name!r}")
    return name


class ClientSettings:
    """Validated constructor arguments shared by :class:`Client` and :class:`AioClient`."""

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
        from pyignite.connection.ssl_context import SSL_PARAMS, tls_settings

        ssl_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in SSL_PARAMS}
        # monitoring: event listeners and the pyignite logger
        from pyignite.monitoring import EventDispatcher

        try:
            self.events = EventDispatcher(kwargs.pop("event_listeners", None))
        except TypeError as exc:
            raise ParameterError(str(exc)) from None
        # partition awareness: None = on when connect() gets several nodes as a collection
        partition_aware = kwargs.pop("partition_aware", None)
        if partition_aware is not None and not isinstance(partition_aware, bool):
            raise ParameterError(f"partition_aware must be True, False or None, not {partition_aware!r}")
        self.partition_aware: Optional[bool] = partition_aware
        # The official client's seconds for connecting and the handshake (its default is 10 s, ours
        # too when neither this nor ``timeout`` is given; see Connection's ``connect_timeout``).
        handshake_timeout = kwargs.pop("handshake_timeout", None)
        if handshake_timeout is not None and (
            isinstance(handshake_timeout, bool) or not isinstance(handshake_timeout, (int, float))
            or handshake_timeout <= 0
        ):
            raise ParameterError(
                f"handshake_timeout must be a positive number of seconds or None, not {handshake_timeout!r}"
            )
        self.handshake_timeout: Optional[float] = handshake_timeout
        # resilience: retry policy, heartbeats, endpoint discovery (see pyignite.protocol.retry and
        # pyignite.protocol.keepalive)
        from pyignite.protocol.keepalive import check_discovery, check_heartbeat_interval
        from pyignite.protocol.retry import check_policy

        self.retry_policy = check_policy(kwargs.pop("retry_policy", None))
        self.heartbeat_interval = check_heartbeat_interval(kwargs.pop("heartbeat_interval", None))
        self.cluster_discovery = check_discovery(kwargs.pop("cluster_discovery", True))
        if kwargs:
            raise ParameterError(f"unexpected Client arguments: {sorted(kwargs)}")
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0
        ):
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
        for name, cred in (("username", username), ("password", password)):
            if cred is not None and not isinstance(cred, str):
                raise ParameterError(f"{name} must be a str, not {type(cred).__name__}")
        # TLS: on when asked, or by default when credentials or ssl_* arguments are given
        use_ssl, ssl_context = tls_settings(use_ssl, username is not None, ssl_kwargs)
        self.compact_footer = compact_footer
        self.timeout = timeout
        self.use_ssl = use_ssl
        self.username = username
        self.password = password
        self.protocol_version = protocol_version
        self.ssl_kwargs = ssl_kwargs
        self.ssl_context = ssl_context


#: what ``BaseClient._plain`` returns when its shortcut does not apply: take the general path
SLOW: Any = object()


class BaseClient:
    """Methods shared by :class:`~pyignite.client.Client` and :class:`~pyignite.aio_client.AioClient`.

    Subclasses provide ``_execute(request)``, ``_drive(plan)`` and ``_cache_class``.
    """

    _cache_class: Any = None
    _ctx: CodecContext
    _settings: ClientSettings

    def _execute(self, req: Request) -> Any:  # pragma: no cover - provided by the facade
        raise NotImplementedError

    def _drive(self, plan: Plan) -> Any:  # pragma: no cover - provided by the facade
        raise NotImplementedError

    def _plain(self, ref: CacheRef, op_code: int, key: Any, value: Any, parse: Any) -> Any:
        """A single-key operation (get, put, contains_key, get_and_put) by the facade's shortest
        path -- its result, or with the asyncio client an awaitable of it -- or :data:`SLOW` when
        that path does not apply (the cache then builds a Request for :meth:`_execute`). See
        :meth:`pyignite.client.Client._plain`."""
        return SLOW

    # --- construction and state shared by the facades -------------------------------------------

    #: the live connection of the facade's transport (``Connection`` or ``AioConnection``), or None
    _conn: Any = None

    def _init_common(self, compact_footer: Optional[bool], args: Tuple[Any, ...], kwargs: dict) -> None:
        """The constructor part of :class:`Client` and :class:`AioClient` (same arguments)."""
        from pyignite.binary import BinaryRegistry  # binary type registry

        self._settings = ClientSettings(compact_footer, *args, **kwargs)
        self._ctx = BinaryRegistry(compact_footer)
        self._nodes: Any = None  # a NodeSequence once connect() was called
        self._conn = None

    #: the facade's transport class (``Connection`` or ``AioConnection``)
    _connection_class: Any = None

    def _make_connection(self, host: str, port: int, connect_timeout: Optional[float] = None) -> Any:
        """A new, unconnected transport to ``host:port`` with the client's settings (``connect_timeout``:
        seconds for connecting and the handshake, default ``timeout`` or 10 s)."""
        s = self._settings
        return self._connection_class(
            host, port, timeout=s.timeout, ssl_context=s.ssl_context, username=s.username,
            password=s.password, protocol_version=s.protocol_version, events=s.events,
            connect_timeout=connect_timeout if connect_timeout is not None else s.handshake_timeout,
        )

    @property
    def connection(self) -> Any:
        """The live connection, or ``None``."""
        return self._conn

    @property
    def protocol_context(self) -> Any:
        """The protocol version and negotiated features of the live connection, as a
        :class:`~pyignite.connection.ProtocolContext`; ``None`` before the first connection."""
        from pyignite.connection.protocol_context import ProtocolContext
        from pyignite.protocol.capabilities import negotiated_features

        conn = self._conn
        version = getattr(conn, "protocol_version", None)
        if version is None:
            return None
        return ProtocolContext(version, negotiated_features(conn))

    @property
    def partition_awareness_supported_by_protocol(self) -> bool:
        """Whether partition awareness is not switched off (``partition_aware=False``) and the
        connected node's protocol offers it (1.4.0 or newer); False before the first connection."""
        ctx = self.protocol_context
        if ctx is None or self._settings.partition_aware is False:
            return False
        return bool(ctx.is_partition_awareness_supported())

    def _require(self, capability: str, conn: Any = None) -> None:
        """Raise :class:`~pyignite.exceptions.NotSupportedByClusterError` if the node of ``conn``
        (default: the live connection) lacks ``capability`` (a name in
        :data:`pyignite.protocol.capabilities.CAPABILITIES`); nothing is checked before the first
        connection (the server then answers for itself)."""
        from pyignite.protocol.capabilities import require

        require(self._conn if conn is None else conn, capability)

    @property
    def protocol_version(self) -> Optional[Version]:
        """The protocol version negotiated with the current node."""
        conn = self._conn
        return conn.protocol_version if conn is not None else None

    def __str__(self) -> str:
        conn = self._conn
        return f"{conn.host}:{conn.port}" if conn is not None else "<not connected>"

    def __repr__(self) -> str:
        return f"<pyignite.{type(self).__name__} {self}>"

    # --- partition awareness ---------------------------------------------------------------------

    #: a :class:`pyignite.protocol.affinity.PartitionAwareness` while it is on, else ``None``
    _pa: Any = None

    @property
    def discovered_nodes(self) -> list:
        """The ``(host, port)`` client endpoints the cluster listed (endpoint discovery, on by
        default: ``cluster_discovery=False`` turns it off): tried, after the nodes given to
        ``connect()`` ran out, when the client fails over; refreshed when the cluster's nodes change.
        Empty before ``connect()``, without discovery, or when the node lacks the
        ``CLUSTER_GROUP_GET_NODES_ENDPOINTS`` feature."""
        nodes = self._nodes
        return list(nodes.discovered) if nodes is not None else []

    @property
    def partition_aware(self) -> bool:
        """Whether the client routes single-key requests to the primary node of their key: the
        ``partition_aware`` setting applied to the nodes given to ``connect()``, once connected to a
        node that speaks protocol 1.4.0 or newer (see :mod:`pyignite.client`)."""
        return self._pa is not None

    # --- settings ------------------------------------------------------------------------------

    @property
    def timeout(self) -> Optional[float]:
        return self._settings.timeout

    @property
    def use_ssl(self) -> bool:
        return self._settings.use_ssl

    @property
    def username(self) -> Optional[str]:
        return self._settings.username

    @property
    def compact_footer(self) -> bool:
        """Whether Complex objects are written with compact footers.

        True if the server used compact footers or no Complex object has been read yet (unless the
        client was created with ``compact_footer=False``).
        """
        value = self._ctx.compact_footer
        return True if value is None else value

    @compact_footer.setter
    def compact_footer(self, value: bool) -> None:
        self._ctx.compact_footer = bool(value)

    # --- cache factory -------------------------------------------------------------------------

    def _cache_request(self, settings: Union[str, dict], create: bool) -> Request:
        if isinstance(settings, str):
            cache_name_of(settings)
            make = cache_ops.create_with_name if create else cache_ops.get_or_create_with_name
            return make(settings)
        if isinstance(settings, dict):
            # the configuration message depends on the negotiated protocol version (PROP_EXPIRY_POLICY: 1.6.0+)
            return cache_ops.create_with_configuration(settings, create, self._request_version(), self._ctx)
        raise ParameterError(f"cache settings must be a name (str) or a dict of properties, not {settings!r}")

    def _request_version(self) -> Version:
        """The protocol version to build version-dependent requests for: the current (or last)
        connection's, or the newest this client speaks before any connection was made."""
        return getattr(self, "protocol_version", None) or PROTOCOL_VERSIONS[0]

    def _cache_plan(self, settings: Union[str, dict], create: bool) -> Plan:
        # the request is built (and the settings validated) when the plan is made, before any I/O
        req = self._cache_request(settings, create)

        def plan() -> Plan:
            yield req
            return self._cache_class(self, settings)

        return plan()

    def get_cache_names(self) -> Any:
        """Names of the caches in the cluster (a list of str)."""
        return self._execute(cache_ops.get_names())

    def create_cache(self, settings: Union[str, dict]) -> Any:
        """Create a cache by name or by a dict of cache properties and return its cache object.

        Raises :class:`~pyignite.exceptions.CacheCreationError` (status 1001) if it exists.
        """
        return self._drive(self._cache_plan(settings, True))

    def get_or_create_cache(self, settings: Union[str, dict]) -> Any:
        """Return the cache object, creating the cache (by name or dict of properties) if needed."""
        return self._drive(self._cache_plan(settings, False))

    def get_cache(self, settings: Union[str, dict]) -> Any:
        """A cache object for an existing cache, without any I/O (errors surface on first use).

        :param settings: the cache name, or a dict holding only ``PROP_NAME``; other properties
            raise :class:`~pyignite.exceptions.ParameterError` (they would be silently ignored).
        """
        if isinstance(settings, dict) and set(settings) - {PROP_NAME}:
            raise ParameterError(
                "get_cache() takes a cache name or {PROP_NAME: name} only; apply other properties with "
                "create_cache() or get_or_create_cache()"
            )
        return self._cache_class(self, settings)

    # --- transactions and the cluster API --------------------------------------------------------

    #: the facade's transaction class (:class:`pyignite.transaction.Transaction` or ``AioTransaction``)
    _transaction_class: Any = None

    def tx_start(
        self,
        concurrency: Any = TransactionConcurrency.PESSIMISTIC,
        isolation: Any = TransactionIsolation.REPEATABLE_READ,
        timeout: Any = 0,
        label: Optional[str] = None,
    ) -> Any:
        """Start a transaction (protocol >= 1.5.0) bound to the calling thread (``Client``) or asyncio
        task (``AioClient``): the key-value operations issued there run inside it until it ends.

        :param concurrency: :class:`~pyignite.transaction.TransactionConcurrency` (default
            ``PESSIMISTIC``);
        :param isolation: :class:`~pyignite.transaction.TransactionIsolation` (default
            ``REPEATABLE_READ``);
        :param timeout: milliseconds (``int``) or a ``timedelta``; 0 (default) for no timeout;
        :param label: (optional) a label that names the transaction in the server's views and logs.
        :return: with ``Client``, a started :class:`~pyignite.transaction.Transaction`; with
            ``AioClient``, an :class:`~pyignite.transaction.AioTransaction` to use with
            ``async with`` (or to ``await``). Leaving the ``with`` block without ``commit()`` rolls
            the transaction back.
        :raises NotSupportedError: the server speaks a protocol older than 1.5.0;
        :raises TransactionError: a transaction is already open in this thread/task, or the server's
            limit of open transactions per connection is reached (status 1020);
        :raises ParameterError: an argument is invalid.

        The caches used must be ``TRANSACTIONAL`` (``PROP_CACHE_ATOMICITY_MODE: 0``).
        """
        return self._transaction_class(self, concurrency, isolation, timeout, label)

    def get_cluster(self) -> Any:
        """The :class:`~pyignite.cluster.Cluster` API of this client (state, WAL, nodes); no I/O."""
        from pyignite.cluster import Cluster

        return Cluster(self)

    def cluster(self) -> Any:
        """The :class:`~pyignite.cluster.Cluster` of this client (the same as :meth:`get_cluster`):
        cluster state, WAL, nodes, and cluster groups (``for_servers()``, ``for_attribute()``...)."""
        return self.get_cluster()

    def compute(self) -> Any:
        """A :class:`~pyignite.compute.Compute` that runs compute tasks on the server nodes; no I/O.
        For some nodes only, use ``client.cluster().for_...().compute()``."""
        from pyignite.compute import Compute

        return Compute(self)

    def services(self) -> Any:
        """A :class:`~pyignite.services.Services` that calls the cluster's services; no I/O."""
        from pyignite.services import Services

        return Services(self)

    # --- distributed data structures and the data streamer --------------------------------------

    def atomic_long(
        self, name: str, initial: int = 0, create: bool = True, atomic_sequence_reserve_size: Optional[int] = None,
        cache_mode: Any = None, backups: Optional[int] = None, group_name: Optional[str] = None,
    ) -> Any:
        """The distributed AtomicLong ``name`` (:class:`~pyignite.datastructures.AtomicLong`; Ignite 2.14+).

        :param name: its name in the cluster;
        :param initial: (optional) its value if it is created now (default 0; ignored if it exists);
        :param create: (optional) create it if missing (default True); with False, return ``None``
            when it does not exist;
        :param atomic_sequence_reserve_size: (optional) and
        :param cache_mode: (optional, :class:`~pyignite.datatypes.cache_config.CacheMode`),
        :param backups: (optional),
        :param group_name: (optional) the ``AtomicConfiguration`` it is created with; when none is
            given, the cluster's default atomics configuration applies. ``group_name`` also selects
            the cache group of an existing AtomicLong, so give the same one every time.
        :raises NotSupportedByClusterError: the server lacks the data structure operations;
        :raises ParameterError: a bad argument (nothing is sent).
        """
        from pyignite.datastructures import atomic_long_call
        from pyignite.protocol.datastructures_ops import AtomicConfig

        given = {k: v for k, v in (("atomic_sequence_reserve_size", atomic_sequence_reserve_size),
                                   ("cache_mode", cache_mode), ("backups", backups)) if v is not None}
        config = AtomicConfig(group_name=group_name, **given) if given or group_name is not None else None
        return atomic_long_call(self, name, initial, create, config)

    def ignite_set(
        self, name: str, create: bool = True, atomicity_mode: Any = 1, cache_mode: Any = 2, backups: int = 1,
        group_name: Optional[str] = None, collocated: bool = False, keep_binary: bool = True,
        page_size: int = 1024,
    ) -> Any:
        """The distributed set ``name`` (:class:`~pyignite.datastructures.IgniteSet`; Ignite 2.14+).

        :param name: its name in the cluster;
        :param create: (optional) create it if missing (default True) with the configuration below;
            with False, return ``None`` when it does not exist;
        :param atomicity_mode: (optional) :class:`~pyignite.datatypes.cache_config.CacheAtomicityMode`
            of its cache (default ``ATOMIC``);
        :param cache_mode: (optional) :class:`~pyignite.datatypes.cache_config.CacheMode` (default
            ``PARTITIONED``);
        :param backups: (optional) backup copies (default 1, unlike Java's 0: without
            ``group_name`` sets and AtomicLongs share the cache group ``default-ds-group``, whose
            caches must all have the same number of backups, and atomics default to 1);
        :param group_name: (optional) cache group of its cache;
        :param collocated: (optional) keep all its values on one node (default False: spread over
            the cluster) -- fast for small sets;
        :param keep_binary: (optional) the server stores values in binary form (default True; False
            makes it deserialize them into Java classes, which must then exist on the server);
        :param page_size: (optional) values per round trip when iterating (default 1024).
        :raises NotSupportedByClusterError: the server lacks the data structure operations;
        :raises ParameterError: a bad argument (nothing is sent).
        """
        from pyignite.datastructures import ignite_set_call
        from pyignite.protocol.datastructures_ops import SetConfig

        config = SetConfig(atomicity_mode, cache_mode, backups, group_name, collocated)
        return ignite_set_call(self, name, create, config, keep_binary, page_size)

    def streamer(
        self, cache: Any, allow_overwrite: bool = False, skip_store: bool = False, per_node_buffer: int = 4096,
        per_node_parallel: int = 4, flush_interval: Optional[float] = None, mode: str = "auto",
    ) -> Any:
        """A data streamer that bulk-loads entries into ``cache`` (see :mod:`pyignite.streamer`).

        :param cache: a cache object or a cache name (the cache must exist);
        :param allow_overwrite: (optional) replace values of keys already in the cache (default
            False, Ignite's default: such keys keep their values, which is the fastest way to load);
        :param skip_store: (optional) do not write through to the cache store (default False);
        :param per_node_buffer: (optional) entries per batch sent to a node (default 4096; a batch is also sent once
            its entries take 4 MiB);
        :param per_node_parallel: (optional) batches in flight per node (default 4);
        :param flush_interval: (optional) also send buffered entries every this many seconds;
        :param mode: (optional) ``"auto"`` (default): the server's streamer, or pipelined
            ``put_all`` batches where the server lacks it; ``"streamer"``: the streamer or
            :class:`~pyignite.exceptions.NotSupportedByClusterError`; ``"put_all"``: always ``put_all``.
        :return: a :class:`~pyignite.streamer.DataStreamer` (``Client``) or
            :class:`~pyignite.streamer.AioDataStreamer` (``AioClient``), a (async) context manager
            that flushes and closes on exit. No I/O happens until entries are added.
        :raises ParameterError: a bad argument.
        """
        from pyignite.streamer import streamer_call

        return streamer_call(
            self, cache, allow_overwrite=allow_overwrite, skip_store=skip_store, per_node_buffer=per_node_buffer,
            per_node_parallel=per_node_parallel, flush_interval=flush_interval, mode=mode,
        )

    # --- binary types ----------------------------------------------------------------------------

    def get_binary_type(self, binary_type: Union[str, int]) -> Any:
        """The cluster's description of a binary type (``OP_GET_BINARY_TYPE``).

        :param binary_type: type name or type id;
        :return: a dict: ``type_exists`` (when False, the only key), ``type_id``, ``type_name``,
            ``affinity_key_field`` (str or None), ``is_enum``, ``schemas`` (a list of
            ``OrderedDict`` field name -> type hint class, one per schema) and, for an enum,
            ``enums`` (``OrderedDict`` value name -> ordinal).

        Raises :class:`~pyignite.exceptions.ParameterError` for a bad type name or id.
        """
        from pyignite.binary import meta_to_dict, type_id_arg
        from pyignite.protocol import binary_ops

        return self._execute(binary_ops.get_binary_type(type_id_arg(binary_type), lambda meta, ctx: meta_to_dict(meta)))

    def put_binary_type(
        self, type_name: str, affinity_key_field: Optional[str] = None, is_enum: bool = False,
        schema: Optional[dict] = None,
    ) -> Any:
        """Register a binary type in the cluster (``OP_PUT_BINARY_TYPE``); the client's registry of
        classes is not changed (see :meth:`register_binary_type`).

        :param type_name: the type name;
        :param affinity_key_field: (optional) name of the affinity key field;
        :param is_enum: (optional) register an enum (True) or a Complex object type (False, default);
        :param schema: for a Complex object type, a dict field name -> type hint class (no fields
            is fine); for an enum, a dict value name -> ordinal (int);
        :return: ``{'type_id': ..., 'schema_id': ...}`` (``schema_id`` is None for an enum).

        Raises :class:`~pyignite.exceptions.ParameterError` for bad arguments and
        :class:`~pyignite.exceptions.BinaryTypeError` when the cluster refuses the change (a field
        whose type differs from the registered one, another affinity key field, enum vs. object).
        """
        from pyignite.binary import meta_for_schema
        from pyignite.protocol import binary_ops

        meta = meta_for_schema(type_name, affinity_key_field, is_enum, schema)
        sid = None if is_enum else (meta.schemas[0][0] if meta.fields else 0)
        result = {"type_id": meta.type_id, "schema_id": sid}
        return self._execute(binary_ops.put_binary_type(meta, lambda ctx: result))

    def register_binary_type(self, data_class: Any, affinity_key_field: Optional[str] = None) -> Any:
        """Register a :class:`~pyignite.GenericObjectMeta` class in the cluster and use it from now
        on for objects of its type and schema (replacing a generated or earlier class).

        Registration also happens implicitly when the first object of a class is sent; register
        explicitly to read existing objects into your class, or to set the affinity key field.

        Raises :class:`~pyignite.exceptions.ParameterError` when ``data_class`` is not such a class
        and :class:`~pyignite.exceptions.BinaryTypeError` when the cluster refuses the type.
        """
        from pyignite.binary import BinaryRegistry

        if affinity_key_field is not None and (
            not isinstance(affinity_key_field, str) or affinity_key_field not in getattr(data_class, "_names", ())
        ):
            raise ParameterError(f"affinity_key_field {affinity_key_field!r} is not a field of {data_class!r}")
        registry = self._ctx
        if not isinstance(registry, BinaryRegistry):  # pragma: no cover - every facade has one
            raise ParameterError("this client has no binary type registry")
        return self._execute(registry.registration_request(data_class, affinity_key_field))

    def query_binary_type(
        self, binary_type: Union[str, int], schema: Union[int, dict, None] = None, sync: bool = True
    ) -> Any:
        """Look up the classes of a binary type in the client's registry.

        :param binary_type: type name or type id;
        :param schema: (optional) a schema id, or a schema (dict of field names, or a list of names);
        :param sync: (optional, default True) first ask the cluster for the type's metadata and
            generate classes for schemas that have none (with a ``schema`` given, only when the
            registry has no class for it); with False, only the local registry is consulted;
        :return: with ``schema``, the class or None; without, a dict ``{schema id: class}``
            (empty when the type is unknown).
        """
        from pyignite.binary import BinaryRegistry, schema_id_arg, type_id_arg
        from pyignite.protocol import binary_ops

        type_id = type_id_arg(binary_type)
        sid = schema_id_arg(schema)
        registry = self._ctx
        if not isinstance(registry, BinaryRegistry):  # pragma: no cover - every facade has one
            raise ParameterError("this client has no binary type registry")

        def plan() -> Plan:
            if sync and (sid is None or registry.lookup(type_id, sid) is None):
                yield binary_ops.get_binary_type(type_id, lambda meta, ctx: meta and registry.record(meta))
            return registry.lookup(type_id, sid)

        return self._drive(plan())

    # --- SQL and query cursors -------------------------------------------------------------------

    #: the facade's cursor class (:class:`pyignite.cursors.Cursor` or ``AioCursor``)
    _cursor_class: Any = None
    #: the facade's continuous query class (:class:`pyignite.continuous.ContinuousQuery` or ``AioContinuousQuery``)
    _continuous_query_class: Any = None
    #: ``(connection, cursor id)`` of cursors dropped unfinished, released before the next request
    #: (a deque once the first one is queued)
    _abandoned: Any = ()

    def sql(
        self,
        query_str: str,
        page_size: int = query_ops.DEFAULT_PAGE_SIZE,
        query_args: Optional[Iterable] = None,
        schema: Optional[str] = None,
        statement_type: int = query_ops.StatementType.ALL,
        distributed_joins: bool = False,
        local: bool = False,
        replicated_only: bool = False,
        enforce_join_order: bool = False,
        collocated: bool = False,
        lazy: bool = False,
        include_field_names: bool = False,
        max_rows: int = -1,
        timeout: int = 0,
        cache: Any = None,
    ) -> Any:
        """Run an SQL statement (SELECT, DML or DDL) and return a cursor over its result.

        The statement is sent at once (``client.sql('CREATE TABLE ...')`` runs it without
        iterating); the cursor then fetches the rest of the result page by page as it is read.

        :param query_str: SQL statement, with ``?`` for each argument;
        :param page_size: (optional) rows per round trip. Default 1024 -- the specification's
            default of 1 costs one round trip per row;
        :param query_args: (optional) list of argument values or ``(value, type hint)`` tuples;
        :param schema: (optional) SQL schema. Default ``'PUBLIC'``, or the schema of ``cache``
            when it is given;
        :param statement_type: (optional) :class:`~pyignite.cursors.StatementType`: ``ALL`` (0,
            default), ``SELECT`` (1) or ``UPDATE`` (2); the server refuses a statement of another kind;
        :param distributed_joins: (optional) allow joins of non-collocated data (default False);
        :param local: (optional) run on the connected node's data only (default False);
        :param replicated_only: (optional) the query touches only replicated tables (default False);
        :param enforce_join_order: (optional) join tables in the order written (default False);
        :param collocated: (optional) the data of each GROUP BY group is on one node (default False);
        :param lazy: (optional) produce the result on demand on the server, which keeps the server's
            memory small for big results (default False);
        :param include_field_names: (optional) the first row is the list of column names;
        :param max_rows: (optional) stop after this many rows (-1 or 0: all rows). The server does
            not apply it, so the cursor does, asking for no more rows than that;
        :param timeout: (optional) query timeout in ms; 0 (default) sets none (a default query
            timeout configured on the cluster, if any, still applies);
        :param cache: (optional) run in the context of a cache: a cache object, name or id;
            its SQL schema is used unless ``schema`` is given.
        :return: a cursor (:class:`~pyignite.cursors.Cursor`) yielding rows as lists; an
            iterator and a context manager. DML yields one row with the count of rows changed.
        :raises SQLError: the server refused or failed the statement (with the server's message);
        :raises CacheError: ``cache`` does not exist;
        :raises ParameterError: an argument is invalid (nothing is sent);
        :raises TypeError: or ValueError: a query argument does not fit an Ignite type.
        """
        cache_id = query_cache_id(cache)
        if schema is None and cache_id == 0:
            schema = "PUBLIC"
        req, core = query_ops.sql_fields(
            query_str, page_size, query_args, schema, statement_type, distributed_joins, local,
            replicated_only, enforce_join_order, collocated, lazy, include_field_names, max_rows, timeout,
            cache_id, ctx=self._ctx,
        )
        return self._drive(cursor_plan(self, req, core))

    def _cursor_connection(self) -> Any:
        """The connection a new cursor lives on (the facade's live connection)."""
        return getattr(self, "_conn", None)

    def _abandon_cursor(self, conn: Any, cursor_id: int) -> None:
        """Queue the release of a dropped cursor; no I/O (called from finalizers, in any thread)."""
        queue = self.__dict__.get("_abandoned")
        if queue is None:
            queue = self.__dict__.setdefault("_abandoned", deque())
        queue.append((conn, cursor_id))

    def _take_abandoned(self, conn: Any) -> list:
        """``RESOURCE_CLOSE`` requests for the cursors abandoned on ``conn``.

        Those of other live connections stay queued; those of closed connections are forgotten
        (the server released them with the connection).
        """
        queue = self._abandoned
        out = []
        keep = []
        while queue:
            try:
                owner, cursor_id = queue.popleft()
            except IndexError:  # emptied by another thread
                break
            if owner is conn:
                out.append(query_ops.resource_close(cursor_id, "abandoned cursor"))
            elif owner is not None and getattr(owner, "alive", False):
                keep.append((owner, cursor_id))
        if keep:
            queue.extend(keep)
        return out


# --- query helpers --------------------------------------------------------------------------------

def query_cache_id(cache: Any) -> int:
    """The cache id for ``Client.sql(cache=...)``: 0 for none, else of a cache object, name or id."""
    if cache is None:
        return 0
    if isinstance(cache, BaseCache):
        return cache.cache_id
    if isinstance(cache, str):
        return cache_ops.cache_id(cache_name_of(cache))
    if isinstance(cache, int) and not isinstance(cache, bool):
        return query_ops.check_int("cache id", cache, -0x80000000, 0x7FFFFFFF)
    raise ParameterError(f"cache must be a cache object, a cache name or a cache id, not {cache!r}")


def cursor_plan(client: BaseClient, req: Request, core: query_ops.CursorCore) -> Plan:
    """Send the request that opens a cursor, then hand the facade's cursor over it."""
    yield req
    return client._cursor_class(client, core)


#: system view query that finds the SQL value type of a cache (for ``select_row``)
_VALUE_TYPES_QUERY = "SELECT VALUE_TYPE_NAME FROM SYS.TABLES WHERE CACHE_NAME = ? ORDER BY TABLE_NAME"


def _keys_list(method: str, keys: Any) -> list:
    if isinstance(keys, (str, bytes, dict)) or not isinstance(keys, Iterable):
        raise ParameterError(f"{method}() expects a list of keys, not {type(keys).__name__}")
    return list(keys)


class BaseCache:
    """Key-value methods shared by :class:`~pyignite.cache.Cache` and :class:`~pyignite.aio_cache.AioCache`.

    Obtain one from a client's ``create_cache``, ``get_or_create_cache`` or ``get_cache``.
    """

    def __init__(self, client: BaseClient, settings: Union[str, dict, None]) -> None:
        self._client = client
        self._name = cache_name_of(settings)
        self._ref = CacheRef(self._name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._name!r}>"

    @property
    def name(self) -> str:
        """Cache name."""
        return self._name

    @property
    def cache_id(self) -> int:
        """Cache id: Java ``String.hashCode()`` of the name (0 replaced by 1)."""
        return self._ref.cache_id

    @property
    def client(self) -> Any:
        """The client this cache is accessed through."""
        return self._client

    # --- expiry policy per operation -------------------------------------------------------------

    def with_expire_policy(
        self, expiry_policy: Any = None, create: Any = None, update: Any = None, access: Any = None,
    ) -> Any:
        """A cache object of the same class whose operations carry an expiry policy (protocol >= 1.6.0).

        Entries created, updated or read through it expire after the given durations; the cache's
        own policy (``PROP_EXPIRY_POLICY``) and this object are not changed. No I/O.

        :param expiry_policy: an :class:`~pyignite.datatypes.expiry_policy.ExpiryPolicy`; or, instead,
        :param create: lifetime after creation,
        :param update: lifetime after an update,
        :param access: lifetime after a read -- each milliseconds (``int``), a ``timedelta``,
            ``ExpiryPolicy.ETERNAL`` (-1) or ``None`` (leave the entry's expiry unchanged).
        :raises ParameterError: no policy, or both a policy and durations, or a bad duration;
        :raises NotSupportedError: the connected server speaks a protocol older than 1.6.0.
        """
        from pyignite.datatypes.expiry_policy import ExpiryPolicy

        if expiry_policy is not None:
            if not isinstance(expiry_policy, ExpiryPolicy):
                raise ParameterError(f"expiry_policy must be an ExpiryPolicy, not {expiry_policy!r}")
            if (create, update, access) != (None, None, None):
                raise ParameterError("give either expiry_policy or create/update/access durations, not both")
            policy = expiry_policy
        else:
            if (create, update, access) == (None, None, None):
                raise ParameterError("with_expire_policy() needs an ExpiryPolicy or at least one duration")
            try:
                policy = ExpiryPolicy(create, update, access)
            except (TypeError, ValueError) as exc:
                raise ParameterError(str(exc)) from None
        self._client._require("expiry policies")
        clone = copy.copy(self)
        clone._ref = CacheRef(self._name, policy.millis())
        return clone

    # --- queries ---------------------------------------------------------------------------------

    def scan(self, page_size: int = query_ops.DEFAULT_PAGE_SIZE, partitions: int = -1, local: bool = False) -> Any:
        """All entries of the cache, fetched page by page (``OP_QUERY_SCAN``).

        :param page_size: (optional) entries per round trip. Default 1024 -- the specification's
            default of 1 costs one round trip per entry;
        :param partitions: (optional) scan only this partition number (negative: the whole cache,
            default);
        :param local: (optional) scan only the connected node's entries (default False).
        :return: a cursor (:class:`~pyignite.cursors.Cursor`) yielding ``(key, value)`` tuples in no
            particular order; an iterator and a context manager.
        :raises CacheError: the cache does not exist or the partition number is out of range.
        """
        req, core = query_ops.scan(self._ref, page_size, partitions, local, ctx=self._client._ctx)
        return self._client._drive(cursor_plan(self._client, req, core))

    def continuous_query(
        self,
        listener: Any = None,
        initial_query: Any = None,
        remote_filter: Any = None,
        page_size: int = 1,
        buffer_size: Any = None,
        time_interval: int = 0,
        include_expired: bool = False,
        on_error: Any = None,
    ) -> Any:
        """Start a continuous query: the cluster pushes every change of the cache's entries
        (``OP_QUERY_CONTINUOUS``; see :mod:`pyignite.continuous`).

        :param listener: ``listener(event)`` for each :class:`~pyignite.continuous.CacheEntryEvent`
            (type, key, value, old value). Required with ``Client`` (it runs on the client's dispatcher
            thread, in event order); optional with ``AioClient``, where the query is iterated with
            ``async for`` instead (a listener given there runs in a task of the query);
        :param initial_query: (optional) a :class:`~pyignite.continuous.ScanQuery`,
            :class:`~pyignite.continuous.SqlQuery` or :class:`~pyignite.continuous.SqlFieldsQuery` run
            once the query is registered; its cursor is the query's ``initial``;
        :param remote_filter: (optional) the Java class name of a
            ``CacheEntryEventSerializableFilter`` on the server nodes' class path, which drops events
            on the server (it sees keys and values in binary form); or a Complex object of a Java
            ``javax.cache.configuration.Factory`` class that makes the filter;
        :param page_size: (optional) events the server batches into one notification (default 1);
        :param buffer_size: (optional) events the client keeps for a consumer that falls behind
            before the query ends with :class:`~pyignite.exceptions.ContinuousQueryOverflowError`
            (default 100 000);
        :param time_interval: (optional) ms after which the server sends a partly filled batch (with
            ``page_size`` > 1; 0, the default: only full batches);
        :param include_expired: (optional) also deliver EXPIRED events (default False);
        :param on_error: (optional) ``on_error(error)`` when the query ends by itself (connection
            lost, overflow, server error); without it the ending is logged as a warning.
        :return: ``Client``: the running :class:`~pyignite.continuous.ContinuousQuery` (``with``
            closes it); ``AioClient``: an :class:`~pyignite.continuous.AioContinuousQuery` to ``await``,
            use with ``async with`` or iterate with ``async for``.
        :raises ParameterError: an argument is invalid (nothing is sent);
        :raises CacheError: the server refused the query (unknown cache, filter class not found...);
        :raises NotSupportedByClusterError: the server offers no continuous queries.
        """
        from pyignite.continuous import DEFAULT_BUFFER_SIZE

        query = self._client._continuous_query_class(
            self, listener, initial_query, remote_filter, page_size,
            DEFAULT_BUFFER_SIZE if buffer_size is None else buffer_size, time_interval, include_expired, on_error,
        )
        return query._begin()

    def index_query(
        self,
        value_type: str,
        index_name: Optional[str] = None,
        criteria: Optional[Iterable] = None,
        limit: int = 0,
        partition: int = -1,
        local: bool = False,
        page_size: int = query_ops.DEFAULT_PAGE_SIZE,
    ) -> Any:
        """Entries read through a sorted SQL index of the cache (``OP_QUERY_INDEX``; Ignite 2.14+).

        :param value_type: the value type the index belongs to (its binary type name, e.g.
            ``'Person'`` or ``'my.pkg.Person'``, as the cache's query entity names it);
        :param index_name: (optional) the index to use; by default the server picks one whose leading
            fields are those of ``criteria``;
        :param criteria: (optional) a list of conditions built with :mod:`pyignite.index_query`
            (``eq``, ``gt``, ``gte``, ``lt``, ``lte``, ``between``, ``in_``) on the index fields,
            following the index's field order; none: every entry, in index order;
        :param limit: (optional) at most this many rows (0, the default: all);
        :param partition: (optional) only this partition (negative: all);
        :param local: (optional) only the connected node's entries;
        :param page_size: (optional) rows per round trip (default 1024).
        :return: a cursor (like :meth:`scan`) yielding ``(key, value)`` tuples in index order.
        :raises NotSupportedByClusterError: the server lacks index queries (``INDEX_QUERY``);
        :raises CacheError: the server refused the query (no such type or index, criteria that do
            not fit the index...), with its message;
        :raises ParameterError: a bad argument (nothing is sent).
        """
        from pyignite.index_query import index_query_call

        return index_query_call(self, value_type, index_name, criteria, limit, partition, local, page_size)

    def select_row(
        self,
        query_str: str,
        page_size: int = query_ops.DEFAULT_PAGE_SIZE,
        query_args: Optional[Iterable] = None,
        distributed_joins: bool = False,
        replicated_only: bool = False,
        local: bool = False,
        timeout: int = 0,
        type_name: Optional[str] = None,
    ) -> Any:
        """An SQL query over the cache's SQL table returning whole entries (``OP_QUERY_SQL``).

        :param query_str: the condition (``'age > ?'``) or a whole ``SELECT * FROM table WHERE ...``;
        :param page_size: (optional) entries per round trip (default 1024; the specification's 1
            costs one round trip per entry);
        :param query_args: (optional) list of argument values or ``(value, type hint)`` tuples;
        :param distributed_joins: (optional) allow joins of non-collocated data (default False);
        :param replicated_only: (optional) the query touches only replicated tables (default False);
        :param local: (optional) only the connected node's entries (default False);
        :param timeout: (optional) query timeout in ms, 0 for none (default);
        :param type_name: (optional) the SQL value type to query; by default the cache's one, found
            once through the ``SYS.TABLES`` system view (needed only when the cache has several).
        :return: a cursor yielding ``(key, value)`` tuples.
        :raises SQLError: the cache has no SQL table, or the server failed the query;
        :raises ParameterError: an argument is invalid (nothing is sent).
        """
        ctx = self._client._ctx

        def build(name: str) -> Tuple[Request, query_ops.CursorCore]:
            return query_ops.sql(
                self._ref, name, query_str, page_size, query_args, distributed_joins, replicated_only,
                local, timeout, ctx=ctx,
            )

        name = type_name if type_name is not None else getattr(self, "_sql_value_type", None)
        if name is not None:
            req, core = build(name)
            return self._client._drive(cursor_plan(self._client, req, core))
        build("?")  # check every argument before the first request is sent
        return self._client._drive(self._select_row_plan(build))

    def _select_row_plan(self, build: Any) -> Plan:
        """Find the cache's SQL value type (once per cache object), then run the query."""
        req, core = query_ops.sql_fields(
            _VALUE_TYPES_QUERY, 64, [self._name], "SYS", ctx=self._client._ctx,
        )
        yield req
        close = core.close_request()
        if close is not None:
            yield close
        names = sorted({query_ops.sql_type_name(row[0]) for row in core.rows if row[0]})
        if not names:
            raise SQLError(f"cache {self._name!r} has no SQL table (query entity); select_row() needs one")
        if len(names) > 1:
            raise ParameterError(
                f"cache {self._name!r} has several SQL value types {names}; pass select_row(type_name=...)"
            )
        self._sql_value_type = names[0]
        req, core = build(names[0])
        yield req
        return self._client._cursor_class(self._client, core)

    def destroy(self) -> Any:
        """Destroy the cache and its data on the server."""
        return self._client._execute(cache_ops.destroy(self._ref))

    def get(self, key: Any, key_hint: Any = None) -> Any:
        """The value for ``key``, or ``None``.

        :param key: key of any supported type;
        :param key_hint: (optional) Ignite type the key is converted to.
        """
        if key_hint is None:  # the client's shortest path first (see BaseClient._plain)
            result = self._client._plain(self._ref, op.OP_CACHE_GET, key, NO_VALUE, parse_value)
            if result is not SLOW:
                return result
        return self._client._execute(cache_ops.get(self._ref, key, key_hint, ctx=self._client._ctx))

    def put(self, key: Any, value: Any, key_hint: Any = None, value_hint: Any = None) -> Any:
        """Put ``value`` under ``key``, overwriting any existing value."""
        if key_hint is None and value_hint is None:
            result = self._client._plain(self._ref, op.OP_CACHE_PUT, key, value, None)
            if result is not SLOW:
                return result
        return self._client._execute(
            cache_ops.put(self._ref, key, value, key_hint, value_hint, ctx=self._client._ctx)
        )

    def get_all(self, keys: list) -> Any:
        """A dict of the keys found and their values; items of ``keys`` may be ``(key, hint)`` tuples."""
        items = _keys_list("get_all", keys)
        return self._client._execute(self._multi(cache_ops.get_all, items, items, "dict"))

    def _multi(self, build: Any, arg: Any, items: list, merge: str, per: int = 1) -> Request:
        """The multi-key request ``build(ref, arg)``; with partition awareness, marked for the client
        to split by primary node (:class:`pyignite.protocol.affinity.KeySplit`). ``items``: the keys
        (or the ``(key, value)`` pairs of ``put_all``, ``per`` 2) in the order ``build`` encodes them.

        A split request is encoded once: its parts are cut out of its frame
        (:func:`pyignite.protocol.cache_ops.part_of`), so no key is encoded twice and the binary types
        the keys need are registered (the request's prerequisites) before any part goes out."""
        ref, ctx = self._ref, self._client._ctx
        if self._client._pa is None or len(items) < 2:
            return build(ref, arg, ctx=ctx)
        from pyignite.protocol import affinity

        offsets: List[int] = []
        req = build(ref, arg, ctx=ctx, offsets=offsets)
        whole: List[bytes] = []  # the frame as bytes, copied once for all the parts

        def part(indices: List[int]) -> Request:
            if not whole:
                whole.append(bytes(req.frame))
            return cache_ops.part_of(req, offsets, indices, per, whole[0])

        merger = {"dict": affinity.merge_dicts, "all": affinity.merge_all}.get(merge, affinity.merge_none)
        req.affinity = affinity.KeySplit(ref.cache_id, items, part, merger, per == 2)
        return req

    # --- the rest of the key-value API and the cache settings -----------------------------------
    # Conditional operations return booleans, get-and-* operations the previous value (or None).
    # Every key, value or sample may carry a hint (``key_hint``...); items of key lists and of
    # ``put_all`` dicts may be ``(value, hint)`` tuples.

    @property
    def settings(self) -> Any:
        """The cache configuration, read from the server on every access (``OP_CACHE_GET_CONFIGURATION``).

        Returns a dict ``{PROP_*: value}`` of every property the server reports (see
        :mod:`pyignite.datatypes.cache_properties`); with the asyncio client, an awaitable of it.
        Raises :class:`~pyignite.exceptions.CacheError` if the cache does not exist.
        """
        return self._client._execute(cache_ops.get_configuration(self._ref))

    def put_all(self, pairs: dict) -> Any:
        """Put every key-value pair of ``pairs``, overwriting existing values.

        Keys and values may be ``(value, hint)`` tuples. Raises ParameterError if ``pairs`` is not a dict.
        """
        if not isinstance(pairs, dict):
            raise ParameterError(f"put_all() expects a dict of key-value pairs, not {type(pairs).__name__}")
        return self._client._execute(self._multi(cache_ops.put_all, pairs, list(pairs.items()), "none", 2))

    def get_and_put(self, key: Any, value: Any, key_hint: Any = None, value_hint: Any = None) -> Any:
        """Put ``value`` under ``key`` and return the previous value (None if there was none)."""
        if key_hint is None and value_hint is None:
            result = self._client._plain(self._ref, op.OP_CACHE_GET_AND_PUT, key, value, parse_value)
            if result is not SLOW:
                return result
        return self._client._execute(
            cache_ops.get_and_put(self._ref, key, value, key_hint, value_hint, ctx=self._client._ctx)
        )

    def get_and_put_if_absent(self, key: Any, value: Any, key_hint: Any = None, value_hint: Any = None) -> Any:
        """Put ``value`` only if ``key`` is absent; return the value already there (None if it was put)."""
        return self._client._execute(
            cache_ops.get_and_put_if_absent(self._ref, key, value, key_hint, value_hint, ctx=self._client._ctx)
        )

    def put_if_absent(self, key: Any, value: Any, key_hint: Any = None, value_hint: Any = None) -> Any:
        """Put ``value`` only if ``key`` is absent. Returns True if it was put, False otherwise."""
        return self._client._execute(
            cache_ops.put_if_absent(self._ref, key, value, key_hint, value_hint, ctx=self._client._ctx)
        )

    def get_and_remove(self, key: Any, key_hint: Any = None) -> Any:
        """Remove ``key`` and return its value (None if it was absent)."""
        return self._client._execute(cache_ops.get_and_remove(self._ref, key, key_hint, ctx=self._client._ctx))

    def get_and_replace(self, key: Any, value: Any, key_hint: Any = None, value_hint: Any = None) -> Any:
        """Replace the value of an existing ``key`` and return the old one; if ``key`` is absent, put
        nothing and return None."""
        return self._client._execute(
            cache_ops.get_and_replace(self._ref, key, value, key_hint, value_hint, ctx=self._client._ctx)
        )

    def replace(self, key: Any, value: Any, key_hint: Any = None, value_hint: Any = None) -> Any:
        """Put ``value`` only if ``key`` exists. Returns True if it was replaced, False otherwise."""
        return self._client._execute(
            cache_ops.replace(self._ref, key, value, key_hint, value_hint, ctx=self._client._ctx)
        )

    def replace_if_equals(
        self, key: Any, sample: Any, value: Any, key_hint: Any = None, sample_hint: Any = None,
        value_hint: Any = None,
    ) -> Any:
        """Put ``value`` only if ``key`` exists and its value equals ``sample``.

        Returns True if the value was replaced, False otherwise (nothing changes).
        """
        return self._client._execute(cache_ops.replace_if_equals(
            self._ref, key, sample, value, key_hint, sample_hint, value_hint, ctx=self._client._ctx
        ))

    def clear(self, keys: Optional[list] = None) -> Any:
        """Remove every entry (or only ``keys``) without notifying listeners or cache writers.

        :param keys: (optional) keys or ``(key, hint)`` tuples to clear; default: the whole cache.
        """
        if keys is None:
            return self._client._execute(cache_ops.clear(self._ref))
        return self.clear_keys(_keys_list("clear", keys))

    def clear_key(self, key: Any, key_hint: Any = None) -> Any:
        """Remove ``key`` without notifying listeners or cache writers."""
        return self._client._execute(cache_ops.clear_key(self._ref, key, key_hint, ctx=self._client._ctx))

    def clear_keys(self, keys: Iterable) -> Any:
        """Remove ``keys`` (values or ``(key, hint)`` tuples) without notifying listeners or cache writers."""
        items = _keys_list("clear_keys", keys)
        return self._client._execute(self._multi(cache_ops.clear_keys, items, items, "none"))

    def contains_key(self, key: Any, key_hint: Any = None) -> Any:
        """True if ``key`` is in the cache, False otherwise."""
        if key_hint is None:
            result = self._client._plain(self._ref, op.OP_CACHE_CONTAINS_KEY, key, NO_VALUE, parse_bool)
            if result is not SLOW:
                return result
        return self._client._execute(cache_ops.contains_key(self._ref, key, key_hint, ctx=self._client._ctx))

    def contains_keys(self, keys: Iterable) -> Any:
        """True if every one of ``keys`` (values or ``(key, hint)`` tuples) is in the cache."""
        items = _keys_list("contains_keys", keys)
        return self._client._execute(self._multi(cache_ops.contains_keys, items, items, "all"))

    def remove_key(self, key: Any, key_hint: Any = None) -> Any:
        """Remove ``key``, notifying listeners and cache writers. Returns True if it was there."""
        return self._client._execute(cache_ops.remove_key(self._ref, key, key_hint, ctx=self._client._ctx))

    def remove_keys(self, keys: list) -> Any:
        """Remove ``keys`` (values or ``(key, hint)`` tuples), notifying listeners and cache writers."""
        items = _keys_list("remove_keys", keys)
        return self._client._execute(self._multi(cache_ops.remove_keys, items, items, "none"))

    def remove_all(self) -> Any:
        """Remove every entry, notifying listeners and cache writers (unlike :meth:`clear`)."""
        return self._client._execute(cache_ops.remove_all(self._ref))

    def remove_if_equals(self, key: Any, sample: Any, key_hint: Any = None, sample_hint: Any = None) -> Any:
        """Remove ``key`` only if its value equals ``sample``. Returns True if it was removed."""
        return self._client._execute(
            cache_ops.remove_if_equals(self._ref, key, sample, key_hint, sample_hint, ctx=self._client._ctx)
        )

    def get_size(self, peek_modes: Any = 0) -> Any:
        """The number of entries in the cache.

        :param peek_modes: (optional) a :class:`~pyignite.datatypes.cache_config.PeekModes` value or a
            list of them: ``PRIMARY`` counts each entry once, ``BACKUP`` only backup copies, ``NEAR``
            the near cache; ``ALL`` (the default) counts every copy, so with backups an entry counts
            once per copy; an empty list leaves it to the server (primary copies); ``None`` means the
            default (``ALL``, the specification's default; the official client's ``None`` leaves it
            to the server). Raises ParameterError for anything else.
        """
        if peek_modes is None:
            peek_modes = 0
        return self._client._execute(cache_ops.get_size(self._ref, _peek_modes(peek_modes)))


def _peek_modes(peek_modes: Any) -> list:
    from pyignite.datatypes.cache_config import PeekModes, check_enum

    modes = list(peek_modes) if isinstance(peek_modes, (list, tuple, set, frozenset)) else [peek_modes]
    try:
        return [check_enum(PeekModes, m, "peek_modes") for m in modes]
    except (TypeError, ValueError) as exc:
        raise ParameterError(str(exc)) from None
