"""The :class:`Cache`: key-value access to one Ignite cache."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Union

from pyignite.datatypes.prop_codes import PROP_NAME
from pyignite.exceptions import ParameterError
from pyignite.protocol import cache_ops
from pyignite.protocol.cache_ops import CacheRef

if TYPE_CHECKING:
    from pyignite.client import Client

__all__ = ["Cache"]


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


class Cache:
    """Ignite cache abstraction.

    Users do not create it directly but through :meth:`Client.create_cache`,
    :meth:`Client.get_or_create_cache` or :meth:`Client.get_cache`.

    :param client: the :class:`~pyignite.client.Client`;
    :param settings: a cache name or a dict of cache properties (``PROP_NAME`` mandatory);
    :param with_get: do not fail if the cache exists;
    :param get_only: do not talk to the server at all.
    """

    def __init__(
        self,
        client: Client,
        settings: Union[str, dict, None] = None,
        with_get: bool = False,
        get_only: bool = False,
    ) -> None:
        self._client = client
        self._name = cache_name_of(settings)
        self._ref = CacheRef(self._name)
        self._settings: Optional[dict] = None
        if not get_only:
            if with_get:
                client.get_or_create_cache(settings)  # type: ignore[arg-type]
            else:
                client.create_cache(settings)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"<pyignite.Cache {self._name!r}>"

    @property
    def name(self) -> str:
        """Cache name."""
        return self._name

    @property
    def cache_id(self) -> int:
        """Cache id: Java ``String.hashCode()`` of the name (0 replaced by 1)."""
        return self._ref.cache_id

    @property
    def client(self) -> Client:
        """The :class:`~pyignite.client.Client` this cache is accessed through."""
        return self._client

    def destroy(self) -> None:
        """Destroy the cache and its data on the server."""
        self._client._execute(cache_ops.destroy(self._ref))

    def get(self, key: Any, key_hint: Any = None) -> Any:
        """The value for ``key`` or ``None``."""
        return self._client._execute(cache_ops.get(self._ref, key, key_hint, ctx=self._client._ctx))

    def put(self, key: Any, value: Any, key_hint: Any = None, value_hint: Any = None) -> None:
        """Put ``value`` under ``key`` (overwriting any existing value)."""
        self._client._execute(
            cache_ops.put(self._ref, key, value, key_hint, value_hint, ctx=self._client._ctx)
        )

    def get_all(self, keys: list) -> dict:
        """A dict of the keys found and their values; ``keys`` items may be ``(key, hint)`` tuples."""
        if isinstance(keys, (str, bytes)) or not hasattr(keys, "__iter__"):
            raise ParameterError(f"get_all() expects a list of keys, not {type(keys).__name__}")
        return self._client._execute(cache_ops.get_all(self._ref, keys, ctx=self._client._ctx))
