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

from typing import Any, Generator, Iterable, Iterator, Optional, Tuple, Union

from pyignite.datatypes.base import CodecContext
from pyignite.datatypes.prop_codes import PROP_NAME
from pyignite.exceptions import ParameterError
from pyignite.protocol import cache_ops
from pyignite.protocol.cache_ops import CacheRef
from pyignite.protocol.handshake import PROTOCOL_VERSIONS, Version
from pyignite.protocol.request import Request

__all__ = ["BaseCache", "BaseClient", "Plan", "cache_name_of", "nodes_from_args"]

#: A multi-step operation: yields requests, receives their results, returns the final result.
Plan = Generator[Request, Any, Any]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 10800

Node = Tuple[str, int]


def check_node(node: Any) -> Node:
    try:
        host, port = node
    except (TypeError, ValueError):
        raise ParameterError(f"a node must be a (host, port) pair, not {node!r}") from None
    if not isinstance(host, str) or not host:
        raise ParameterError(f"node host must be a non-empty str, not {host!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ParameterError(f"node port must be an int in 1..65535, not {port!r}")
    return host, port


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
        from pyignite.connection.ssl_context import SSL_PARAMS, make_ssl_context

        ssl_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in SSL_PARAMS}
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
        if use_ssl is None:
            use_ssl = username is not None
        self.compact_footer = compact_footer
        self.timeout = timeout
        self.use_ssl = bool(use_ssl)
        self.username = username
        self.password = password
        self.protocol_version = protocol_version
        self.ssl_kwargs = ssl_kwargs
        self.ssl_context = make_ssl_context(**ssl_kwargs) if self.use_ssl else None


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
            from pyignite.datatypes.cache_properties import create_with_configuration

            return create_with_configuration(settings, create)
        raise ParameterError(f"cache settings must be a name (str) or a dict of properties, not {settings!r}")

    def _cache_plan(self, settings: Union[str, dict], create: bool) -> Plan:
        yield self._cache_request(settings, create)
        return self._cache_class(self, settings)

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
        """A cache object for an existing cache, without any I/O (errors surface on first use)."""
        return self._cache_class(self, settings)


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

    def destroy(self) -> Any:
        """Destroy the cache and its data on the server."""
        return self._client._execute(cache_ops.destroy(self._ref))

    def get(self, key: Any, key_hint: Any = None) -> Any:
        """The value for ``key``, or ``None``.

        :param key: key of any supported type;
        :param key_hint: (optional) Ignite type the key is converted to.
        """
        return self._client._execute(cache_ops.get(self._ref, key, key_hint, ctx=self._client._ctx))

    def put(self, key: Any, value: Any, key_hint: Any = None, value_hint: Any = None) -> Any:
        """Put ``value`` under ``key``, overwriting any existing value."""
        return self._client._execute(
            cache_ops.put(self._ref, key, value, key_hint, value_hint, ctx=self._client._ctx)
        )

    def get_all(self, keys: list) -> Any:
        """A dict of the keys found and their values; items of ``keys`` may be ``(key, hint)`` tuples."""
        return self._client._execute(
            cache_ops.get_all(self._ref, _keys_list("get_all", keys), ctx=self._client._ctx)
        )
