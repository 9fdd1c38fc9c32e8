"""The :class:`Cache`: key-value access to one Ignite cache (blocking).

Every method is defined once in :class:`pyignite.api_base.BaseCache` and shared with
:class:`pyignite.aio_cache.AioCache`; this class only adds the constructor of the specification.
"""

from __future__ import annotations

from typing import Union

# The cache names only the layer below it: what it needs of its client (``_cache_request``,
# ``_execute``) is declared on BaseClient, so it does not import pyignite.client, which imports it.
from pyignite.api_base import BaseCache, BaseClient

__all__ = ["Cache"]


class Cache(BaseCache):
    """Ignite cache abstraction.

    Users do not create it directly but through :meth:`Client.create_cache`,
    :meth:`Client.get_or_create_cache` or :meth:`Client.get_cache`.

    :param client: the :class:`~pyignite.client.Client`;
    :param settings: a cache name or a dict of cache properties (``PROP_NAME`` mandatory);
    :param with_get: do not fail if the cache exists;
    :param get_only: do not talk to the server at all, only make the object.
    """

    def __init__(
        self,
        client: BaseClient,
        settings: Union[str, dict, None] = None,
        with_get: bool = False,
        get_only: bool = True,
    ) -> None:
        super().__init__(client, settings)
        if not get_only:
            request = client._cache_request(settings, create=not with_get)  # type: ignore[arg-type]
            client._execute(request)
