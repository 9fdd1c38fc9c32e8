"""Password authentication over a plain connection (the specification's section 3.6).

Needs an Ignite node on 127.0.0.1:10800 with ``authenticationEnabled`` and no TLS, e.g.
``scripts/ignite start --auth``. Sending credentials over an open channel is discouraged: prefer
TLS (auth.py). Here TLS is turned off explicitly.
"""

from pyignite import Client
from pyignite.exceptions import HandshakeError

client = Client(username='ignite', password='ignite', use_ssl=False)
client.connect('127.0.0.1', 10800)
my_cache = client.get_or_create_cache('my cache')
my_cache.put('my key', 42)
print(my_cache.get('my key'))
my_cache.destroy()
client.close()

# without credentials, an authenticating node refuses the session
try:
    Client().connect('127.0.0.1', 10800)
except HandshakeError as e:
    print(f'HandshakeError: {e}')

# 42
# HandshakeError: Handshake error: The user name or password is incorrect [userName=null]
