"""pyignite: a thin client for Apache Ignite 2.x over the binary client protocol.

``from pyignite import Client`` is the entry point::

    from pyignite import Client

    client = Client()
    client.connect('127.0.0.1', 10800)
    cache = client.get_or_create_cache('my cache')
    cache.put('my key', 42)
"""

from typing import TYPE_CHECKING, Any

from pyignite.binary import GenericObjectMeta
from pyignite.cache import Cache
from pyignite.client import Client
from pyignite.cluster import Cluster, ClusterState
from pyignite.monitoring import ConnectionEventListener, QueryEventListener
from pyignite.retry import RetryAll, RetryLimit, RetryNone
from pyignite.transaction import Transaction, TransactionConcurrency, TransactionIsolation

__version__ = "0.1.0.dev0"

if TYPE_CHECKING:
    from pyignite.aio_cache import AioCache
    from pyignite.aio_client import AioClient


def __getattr__(name: str) -> Any:
    """The asyncio facade is imported on first use (PEP 562): a blocking program never pays for
    importing asyncio."""
    if name == "AioClient":
        from pyignite.aio_client import AioClient

        return AioClient
    if name == "AioCache":
        from pyignite.aio_cache import AioCache

        return AioCache
    raise AttributeError(f"module 'pyignite' has no attribute {name!r}")

__all__ = [
    "AioCache", "AioClient", "Cache", "Client", "Cluster", "ClusterState", "ConnectionEventListener",
    "GenericObjectMeta", "QueryEventListener", "RetryAll", "RetryLimit", "RetryNone", "Transaction",
    "TransactionConcurrency", "TransactionIsolation", "__version__",
]


def __dir__() -> list:
    """The lazily imported names too (documentation tools and ``dir()`` list them)."""
    return sorted(set(globals()) | {"AioCache", "AioClient"})
