"""pyignite: a thin client for Apache Ignite 2.x over the binary client protocol.

``from pyignite import Client`` is the entry point::

    from pyignite import Client

    client = Client()
    client.connect('127.0.0.1', 10800)
    cache = client.get_or_create_cache('my cache')
    cache.put('my key', 42)
"""

from pyignite.cache import Cache
from pyignite.client import Client

__version__ = "0.1.0.dev0"

__all__ = ["Cache", "Client", "__version__"]
