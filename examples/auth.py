"""Password authentication (the specification's section 3.6).

Needs an Ignite node on 127.0.0.1:10800 with ``authenticationEnabled`` (which needs persistence)
and TLS on its thin client port, e.g. ``scripts/ignite start --auth --ssl``; the default user is
ignite/ignite. Supplying credentials turns TLS on by itself: sending a password in the clear is
discouraged (see auth_no_ssl.py for the explicit opt-out).
"""

from pyignite import Client
from pyignite.exceptions import HandshakeError

client = Client(username='ignite', password='ignite')
print('TLS on:', client.use_ssl)
client.connect('127.0.0.1', 10800)
my_cache = client.get_or_create_cache('my cache')
my_cache.put('my key', 42)
print(my_cache.get('my key'))
my_cache.destroy()
client.close()

# the server refuses wrong credentials in the handshake
try:
    Client(username='ignite', password='wrong').connect('127.0.0.1', 10800)
except HandshakeError as e:
    print(f'HandshakeError: {e}')

# TLS on: True
# 42
# HandshakeError: Handshake error: The user name or password is incorrect [userName=ignite]
