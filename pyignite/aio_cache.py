"""The :class:`AioCache`: key-value access to one Ignite cache, for asyncio.

Every method is defined once in :class:`pyignite.api_base.BaseCache` and shared with the blocking
:class:`pyignite.cache.Cache`; through an :class:`~pyignite.aio_client.AioClient` each of them returns
an awaitable instead of a value. Query methods (``scan``, ``select_row``) return a cursor call usable
as ``cursor = await cache.scan()``, ``async with cache.scan() as cursor`` or ``async for row in
cache.scan()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Awaitable, Generator, Union

from pyignite.api_base import BaseCache
from pyignite.protocol import cache_ops

if TYPE_CHECKING:
    # A type-only import (no import at run time, so no cycle when the package loads): the query
    # methods below need AioClient._cursor_call, which wraps a coroutine in the asyncio-only
    # CursorCall (awaitable, async context manager, async iterator) and which BaseClient does not
    # declare. The BaseCache methods themselves only use what BaseClient declares.
    from pyignite.aio_client import AioClient

__all__ = ["AioCache"]


class AioCache(BaseCache):
    """Ignite cache abstraction for asyncio: the methods of :class:`~pyignite.cache.Cache`, as coroutines.

    Obtain one with ``await client.create_cache(...)``, ``await client.get_or_create_cache(...)`` or
    ``client.get_cache(...)`` (no I/O; ``await client.get_cache(...)`` works as well, as in pyignite
    0.6). Errors are those of the blocking methods, raised at the ``await``.
    """

    _client: AioClient

    def __init__(self, client: AioClient, settings: Union[str, dict, None] = None) -> None:
        super().__init__(client, settings)

    def __await__(self) -> Generator[Any, None, AioCache]:
        """``await client.get_cache(name)`` is the cache itself (``get_cache`` does no I/O)."""
        return self
        yield  # pragma: no cover - makes this a generator; nothing is ever awaited

    @property
    def settings(self) -> Any:
        """The cache configuration, read from the server: ``await cache.settings`` or, as in the official
        client, ``await cache.settings()``; both give the dict ``{PROP_*: value}`` of
        :attr:`pyignite.cache.Cache.settings`."""
        return _SettingsCall(self)

    def scan(self, *args: Any, **kwargs: Any) -> Any:
        return self._client._cursor_call(super().scan(*args, **kwargs))

    def select_row(self, *args: Any, **kwargs: Any) -> Any:
        return self._client._cursor_call(super().select_row(*args, **kwargs))

    def index_query(self, *args: Any, **kwargs: Any) -> Any:
        return self._client._cursor_call(super().index_query(*args, **kwargs))

    scan.__doc__ = BaseCache.scan.__doc__
    index_query.__doc__ = BaseCache.index_query.__doc__
    select_row.__doc__ = BaseCache.select_row.__doc__


class _SettingsCall:
    """``AioCache.settings``: awaitable itself, and callable for an awaitable (the official form).

    Reading the property makes no request and creates no coroutine; awaiting it (or calling it, which
    returns the coroutine as any ``async def`` method does) does.
    """

    __slots__ = ("_cache",)

    def __init__(self, cache: AioCache) -> None:
        self._cache = cache

    def __await__(self) -> Generator[Any, None, dict]:
        return self().__await__()

    def __call__(self) -> Awaitable[dict]:
        cache = self._cache
        return cache._client._execute(cache_ops.get_configuration(cache._ref))
