"""Failover (the specification's failover.py, section 3.4).

Gather 3 Ignite nodes on localhost into one cluster (client ports 10800, 10801, 10802), run this,
then shut nodes down (and restart them) and see what happens: each call that fails raises the
original error, the next call reconnects on its own to the next node, and once no node is left the
client raises ReconnectError, which ends this example. (The test suite does exactly that:
tests/test_examples.py stops the node in use, one after the other, while this runs.)
"""

from pyignite import Client, RetryNone
from pyignite.datatypes.cache_config import CacheMode
from pyignite.datatypes.prop_codes import PROP_CACHE_MODE, PROP_NAME
from pyignite.exceptions import ReconnectError, SocketError

nodes = [
    ('127.0.0.1', 10800),
    ('127.0.0.1', 10801),
    ('127.0.0.1', 10802),
]

# retry_policy=RetryNone(): show every failure, as the specification's example does; by default
# (RetryLimit(3)) the idempotent get and put below would be resent on the next node transparently
client = Client(timeout=4.0, retry_policy=RetryNone())
client.connect(nodes)
# or, to come back to the first node after the last one:
#     from pyignite.connection import RoundRobin
#     client.connect(RoundRobin(nodes, max_reconnects=20))
print(f'Connected to {client}')

my_cache = client.get_or_create_cache({
    PROP_NAME: 'my_cache',
    PROP_CACHE_MODE: CacheMode.REPLICATED,
})
my_cache.put('test_key', 0)

try:
    # abstract main loop
    while True:
        try:
            # do the work
            test_value = my_cache.get('test_key')
            my_cache.put('test_key', test_value + 1)
        except (OSError, SocketError) as e:
            # recover from error (repeat last command, check data
            # consistency or just continue depends on the task)
            print(f'Error: {e}')
            print('Last value: {}'.format(my_cache.get('test_key')))
            print(f'Reconnected to {client}')
except ReconnectError as e:
    # no node is left
    print(f'ReconnectError: {e}')

# Connected to 127.0.0.1:10800
# Error: 127.0.0.1:10800 closed the connection
# Last value: 4421
# Reconnected to 127.0.0.1:10801
# Error: 127.0.0.1:10801 closed the connection
# Last value: 10354
# Reconnected to 127.0.0.1:10802
# Error: 127.0.0.1:10802 closed the connection
# ReconnectError: Can not reconnect: out of nodes
