"""Partition awareness: single-key operations go straight to the node that owns the key.

Needs three Ignite nodes on localhost in one cluster (client ports 10800, 10801, 10802), e.g.
``scripts/ignite start --nodes 3``. Given a list of several nodes, ``connect()`` keeps a connection
to each of them and sends every ``get``/``put``... to the primary node of its key (computed as Java
does); other requests (queries, cache management) use one connection. A query event listener shows
which node answered each ``get``.
"""

from collections import Counter

from pyignite import Client, QueryEventListener

nodes = [
    ('127.0.0.1', 10800),
    ('127.0.0.1', 10801),
    ('127.0.0.1', 10802),
]


class GetsPerNode(QueryEventListener):
    """Counts the successful cache gets per node port."""

    def __init__(self):
        self.ports = Counter()

    def on_query_success(self, event):
        if event.op_name == 'CACHE_GET':
            self.ports[event.port] += 1


# a list of several nodes: partition awareness is on by default
gets = GetsPerNode()
client = Client(event_listeners=[gets])
client.connect(nodes)
print('partition aware:', client.partition_aware)
# partition aware: True

cache = client.get_or_create_cache('partition awareness')
cache.put_all({key: key * key for key in range(300)})
assert all(cache.get(key) == key * key for key in range(300))
print('nodes that answered the gets:', len(gets.ports))
# nodes that answered the gets: 3

# without it, every request goes through the node the client is connected to
gets_off = GetsPerNode()
other = Client(partition_aware=False, event_listeners=[gets_off])
other.connect(nodes)
print('partition aware:', other.partition_aware)
# partition aware: False
other_cache = other.get_cache('partition awareness')
assert all(other_cache.get(key) == key * key for key in range(300))
print('nodes that answered the gets:', len(gets_off.ports))
# nodes that answered the gets: 1

other.close()
cache.destroy()
client.close()
